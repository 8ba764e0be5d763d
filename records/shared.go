// Shared: the consents in force that name a member or their organization,
// for the clinician's page of the web app.

package records

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/medledger/medledger/api"
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

// sharedRoute is GET /v1/members/{org}/{name}/consents.
func sharedRoute(s *api.Server, page []api.Param) api.Route {
	return api.Route{Method: "GET", Path: "/v1/members/{org}/{name}/consents", Summary: "The consents in force granted to a member or to their organization: what patients have shared with them",
		Params: append([]api.Param{{Name: "org", In: "path", Description: "organization id"}, {Name: "name", In: "path", Description: "member name"}}, page...),
		Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			api.WritePage(w, r, SharedWith(snap, r.PathValue("org")+"/"+r.PathValue("name")), func(c Consent) string { return fmt.Sprintf("%020d", consentSeq(c.ID)) })
		})}
}
