package credentials

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// Enforced implements app.Licences: whether governance switched licence
// checks on for scope.
func (Module) Enforced(r state.Reader, scope string) bool {
	var e Enforcement
	return get(r, enforceKey(scope), &e) && e.On
}

// Held implements app.Licences: the first credential (in id order) of one
// of types issued to subject that was valid at at, or why there was none.
func (Module) Held(r state.Reader, subject string, types []string, at time.Time) app.Licence {
	var why []string
	for _, c := range BySubject(r, subject) {
		if !slices.Contains(types, c.Type) {
			continue
		}
		switch s := c.EffectiveStatus(at); s {
		case StatusActive:
			return app.Licence{Valid: true, Credential: c.ID, Type: c.Type}
		case StatusExpired:
			if at.Before(c.ValidFrom) {
				why = append(why, fmt.Sprintf("%s %s is valid only from %s", c.Type, c.ID, day(c.ValidFrom)))
			} else {
				why = append(why, fmt.Sprintf("%s %s expired on %s", c.Type, c.ID, day(c.ValidUntil)))
			}
		default:
			why = append(why, fmt.Sprintf("%s %s is %s (since %s)", c.Type, c.ID, s, day(c.changedTo(s, at))))
		}
	}
	if len(why) == 0 {
		return app.Licence{Why: fmt.Sprintf("%s holds no %s", subject, or(types))}
	}
	if len(why) > 3 {
		why = append(why[:3], fmt.Sprintf("%d more", len(why)-3))
	}
	return app.Licence{Why: fmt.Sprintf("%s holds no valid %s: %s", subject, or(types), strings.Join(why, "; "))}
}

// changedTo is the time of the last change to status s at or before t.
func (c *Credential) changedTo(s string, t time.Time) time.Time {
	var at time.Time
	for _, ch := range c.Changes {
		if ch.Status == s && !ch.Time.After(t) {
			at = ch.Time
		}
	}
	return at
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
