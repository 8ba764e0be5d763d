package claims

import "github.com/medledger/medledger/app"

// Who may read what. Chain state is replicated to every validator; these
// rules are what a node's API serves, to a requester it authenticated
// (api.SignedReads). Claim lines are commercially and clinically
// sensitive: only the parties to a claim read its details, and others
// see counts (GetStats).
//
//	claim, its explanation of benefits   the member's payer (any member of it), the submitting
//	                                     provider (any member of it), the patient under their
//	                                     pseudonym for the payer
//	prior authorization                  the payer, the requesting provider, the patient
//	member (coverage, accumulators)      the payer, the patient
//	remittance                           the payer (all of it); a provider, its own claims' part
//	policies, counts                     anyone: a payer's rules are public to its network

// Party says how a requester stands to a claim: "payer", "provider",
// "patient", or "" (no party: nothing but counts).
func Party(who app.Signer, payer, provider, member string) string {
	switch {
	case who.Kind == app.KindMember && who.Org == payer:
		return "payer"
	case who.Kind == app.KindMember && provider != "" && who.Org == provider:
		return "provider"
	case who.Kind == app.KindPseudonym && who.ID == member && who.Context == Context(payer):
		return "patient"
	}
	return ""
}

// CanReadClaim reports whether who may read c's details.
func CanReadClaim(who app.Signer, c *Claim) bool {
	return Party(who, c.Payer, c.Provider, c.Member) != ""
}

// CanReadAuth reports whether who may read a prior authorization.
func CanReadAuth(who app.Signer, a *PriorAuth) bool {
	return Party(who, a.Payer, a.Provider, a.Member) != ""
}

// CanReadMember reports whether who may read a member's coverage and
// accumulators.
func CanReadMember(who app.Signer, m *Member) bool { return Party(who, m.Payer, "", m.ID) != "" }

// RemittanceFor is what who may read of a remittance: all of it for the
// payer, a provider's own claims for a provider, else ok is false.
func RemittanceFor(who app.Signer, r Remittance) (Remittance, bool) {
	if who.Kind != app.KindMember {
		return Remittance{}, false
	}
	if who.Org == r.Payer {
		return r, true
	}
	out := r
	out.Claims, out.Total = []RemitClaim{}, 0
	for _, c := range r.Claims {
		if c.Provider == who.Org {
			out.Claims = append(out.Claims, c)
			out.Total += c.AmountCents
		}
	}
	return out, len(out.Claims) > 0
}
