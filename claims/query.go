package claims

import (
	"github.com/medledger/medledger/state"
)

// Reads of the module's state, used by the REST routes, the CLI's
// simulation and the tests. They read committed snapshots; none writes.

func list[T any](r state.Reader, p []byte) []T {
	var out []T
	r.Iterate(p, prefixEnd(p), func(_, v []byte) bool {
		var x T
		decode(v, &x)
		out = append(out, x)
		return true
	})
	return out
}

// ListClaims lists every claim, oldest first.
func ListClaims(r state.Reader) []Claim { return list[Claim](r, []byte(prefixClaim)) }

// GetClaim reads a claim.
func GetClaim(r state.Reader, id string) (Claim, bool) {
	c, err := loadClaim(r, id)
	if err != nil {
		return Claim{}, false
	}
	return *c, true
}

// GetMember reads a payer's member.
func GetMember(r state.Reader, payer, id string) (Member, bool) {
	m, err := loadMember(r, payer, id)
	return m, err == nil
}

// Members lists a payer's members, by id.
func Members(r state.Reader, payer string) []Member { return list[Member](r, memberPrefix(payer)) }

// GetAuth reads a prior authorization.
func GetAuth(r state.Reader, id string) (PriorAuth, bool) {
	var a PriorAuth
	n, ok := ParseAuthID(id)
	if !ok {
		return a, false
	}
	return a, get(r, AuthKey(n), &a)
}

// ListAuths lists every prior authorization, oldest first.
func ListAuths(r state.Reader) []PriorAuth { return list[PriorAuth](r, []byte(prefixAuth)) }

// MemberAuths lists a member's prior authorizations with a payer, oldest
// first.
func MemberAuths(r state.Reader, payer, member string) []PriorAuth {
	return memberAuths(r, payer, member)
}

// PolicyVersions lists a payer's published policies, oldest first.
func PolicyVersions(r state.Reader, payer string) []PolicyRecord {
	return list[PolicyRecord](r, policyPrefix(payer))
}

// GetPolicy reads a payer's policy version (0: the newest).
func GetPolicy(r state.Reader, payer string, version uint64) (PolicyRecord, bool) {
	var rec PolicyRecord
	if version == 0 {
		refs := loadIndex(r, payer)
		if len(refs) == 0 {
			return rec, false
		}
		version = refs[len(refs)-1].Version
	}
	return rec, get(r, PolicyKey(payer, version), &rec)
}

// GetStats reads a payer's claim counts.
func GetStats(r state.Reader, payer string) Stats { return loadStats(r, payer) }

// GetRemittance reads a payer's remittance.
func GetRemittance(r state.Reader, payer, trace string) (Remittance, bool) {
	var rem Remittance
	return rem, get(r, RemitKey(payer, trace), &rem)
}

// Remittances lists a payer's remittances, by trace.
func Remittances(r state.Reader, payer string) []Remittance {
	return list[Remittance](r, []byte(prefixRemit+payer+"/"))
}

// AllStats lists every payer's claim counts, by payer.
func AllStats(r state.Reader) []Stats { return list[Stats](r, []byte(prefixStats)) }
