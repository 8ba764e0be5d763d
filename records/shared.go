// Shared: the consents in force that name a member or their organization,
// for the clinician's page of the web app.

package records

import (
	"sort"
	"strconv"
	"strings"

	"github.com/medledger/medledger/state"
)

// SharedWith lists the active consents granted to member ("org/name") or
// to their organization, oldest first: what patients have shared with
// them. A consent past its not_after is still listed (its status is the
// chain's); the read itself is what the chain decides.
func SharedWith(r state.Reader, member string) []Consent {
	org, _, _ := strings.Cut(member, "/")
	var out []Consent
	for _, g := range []string{member, org} {
		if g == "" {
			continue
		}
		p := []byte(prefixGrantee + g + "|")
		r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
			_, id, ok := strings.Cut(string(k[len(p):]), "/")
			if c, found := GetConsent(r, id); ok && found && c.Status == ConsentActive {
				out = append(out, c)
			}
			return true
		})
	}
	sort.Slice(out, func(i, j int) bool { return consentSeq(out[i].ID) < consentSeq(out[j].ID) })
	return out
}

func consentSeq(id string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimPrefix(id, "con-"), 10, 64)
	return n
}
