package identity

import (
	"github.com/medledger/medledger/state"
)

// ActiveOrgs implements app.Identities: the ids of the organizations active
// now, in id order (the order of their keys). Other modules' votes (the
// credentials module's issuer registry) count a majority of them, as
// identity's own governance does.
func (Module) ActiveOrgs(r state.Reader) []string {
	var out []string
	r.Iterate([]byte(prefixOrg), state.PrefixEnd([]byte(prefixOrg)), func(_, v []byte) bool {
		var o Org
		mustUnmarshal(v, &o)
		if o.Status == StatusActive {
			out = append(out, o.ID)
		}
		return true
	})
	return out
}
