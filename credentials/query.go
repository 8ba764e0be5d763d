package credentials

import (
	"encoding/binary"
	"time"

	"github.com/medledger/medledger/state"
)

// GetCredential returns a credential by id, or false.
func GetCredential(r state.Reader, id string) (Credential, bool) {
	var c Credential
	return c, get(r, credentialKey(id), &c)
}

// BySubject lists the credentials issued to subject, in id order.
func BySubject(r state.Reader, subject string) []Credential {
	return byIndex(r, subjectPrefix(subject))
}

// ByIssuer lists the credentials an organization issued, in id order.
func ByIssuer(r state.Reader, org string) []Credential {
	return byIndex(r, issuedPrefix(org))
}

func byIndex(r state.Reader, p []byte) []Credential {
	var ids []string
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		ids = append(ids, string(k[len(p):]))
		return true
	})
	out := make([]Credential, 0, len(ids))
	for _, id := range ids {
		if c, ok := GetCredential(r, id); ok {
			out = append(out, c)
		}
	}
	return out
}

// All lists every credential, in id order.
func All(r state.Reader) []Credential {
	var out []Credential
	p := []byte(prefixCredential)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var c Credential
		mustUnmarshal(v, &c)
		out = append(out, c)
		return true
	})
	return out
}

// Expiring lists the credentials whose validity ends in [from, to), neither
// revoked nor suspended at from, soonest first: what needs renewal.
func Expiring(r state.Reader, from, to time.Time) []Credential {
	var ids []string
	p := []byte(prefixExpiry)
	r.Iterate(expiryBound(from), expiryBound(to), func(k, _ []byte) bool {
		if len(k) > len(p)+8 {
			ids = append(ids, string(k[len(p)+8:]))
		}
		return true
	})
	var out []Credential
	for _, id := range ids {
		c, ok := GetCredential(r, id)
		if ok && c.StatusAt(from) == StatusActive && !c.ValidUntil.Before(from) && c.ValidUntil.Before(to) {
			out = append(out, c)
		}
	}
	return out
}

// Authorizations lists the issuer registry, open and closed entries, by
// issuer, type and jurisdiction.
func Authorizations(r state.Reader) []Authorization {
	var out []Authorization
	p := []byte(prefixAuth)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var a Authorization
		mustUnmarshal(v, &a)
		out = append(out, a)
		return true
	})
	return out
}

// IssuerAuthorizations lists the registry's entries of one organization.
func IssuerAuthorizations(r state.Reader, org string) []Authorization {
	var out []Authorization
	p := authPrefix(org)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var a Authorization
		mustUnmarshal(v, &a)
		out = append(out, a)
		return true
	})
	return out
}

// authorizationFor returns the open authorization of org for typ that
// covers jurisdiction, if there is one.
func authorizationFor(r state.Reader, org, typ, jurisdiction string) (Authorization, bool) {
	return authorizationAt(r, org, typ, jurisdiction, -1)
}

// AuthorizedAt returns the authorization of org for typ covering
// jurisdiction that held at height h, if one did: whether an issuer was
// authorized when it issued.
func AuthorizedAt(r state.Reader, org, typ, jurisdiction string, h int64) (Authorization, bool) {
	return authorizationAt(r, org, typ, jurisdiction, h)
}

// authorizationAt: h < 0 asks for an open one.
func authorizationAt(r state.Reader, org, typ, jurisdiction string, h int64) (Authorization, bool) {
	var found Authorization
	ok := false
	p := authTypePrefix(org, typ)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var a Authorization
		mustUnmarshal(v, &a)
		if !Covers(a.Jurisdiction, jurisdiction) {
			return true
		}
		if h < 0 && a.Active || h >= 0 && a.HeldAt(h) {
			found, ok = a, true
			return false
		}
		return true
	})
	return found, ok
}

// GetProposal returns a proposal, or false.
func GetProposal(r state.Reader, id uint64) (Proposal, bool) {
	var p Proposal
	return p, get(r, proposalKey(id), &p)
}

// Proposals lists every proposal, oldest first.
func Proposals(r state.Reader) []Proposal {
	var out []Proposal
	p := []byte(prefixProposal)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var pr Proposal
		mustUnmarshal(v, &pr)
		out = append(out, pr)
		return true
	})
	return out
}

// Enforcements says, for every scope in Scopes' order, whether licence
// checks are on.
func Enforcements(r state.Reader) []Enforcement {
	out := make([]Enforcement, 0, len(Scopes))
	for _, s := range Scopes {
		e := Enforcement{Scope: s}
		get(r, enforceKey(s), &e)
		out = append(out, e)
	}
	return out
}

// Lists returns an issuer's status list bookkeeping: the list that takes
// new credentials now, and how full it is.
func Lists(r state.Reader, org string) ListState {
	var ls ListState
	get(r, listKey(org), &ls)
	return ls
}

// StatusBits returns an issuer's status list for purpose (revocation or
// suspension): ListSize bits, bit 0 the left-most bit of the first byte
// (W3C Bitstring Status List), set for each credential revoked (or
// suspended) now. ok is false for a list the issuer has not opened.
func StatusBits(r state.Reader, org, purpose string, list uint32) (bits []byte, ok bool) {
	if purpose != PurposeRevocation && purpose != PurposeSuspension {
		return nil, false
	}
	if list > Lists(r, org).Current {
		return nil, false
	}
	bits = make([]byte, ListSize/8)
	p := bitPrefix(org, purpose, list)
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		if len(k) == len(p)+4 {
			i := binary.BigEndian.Uint32(k[len(p):])
			if i < ListSize {
				bits[i/8] |= 0x80 >> (i % 8)
			}
		}
		return true
	})
	return bits, true
}

func mustUnmarshal(b []byte, v any) {
	if err := jsonUnmarshal(b, v); err != nil {
		panic("credentials: corrupt state value: " + err.Error())
	}
}
