package vc

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/medledger/medledger/credentials"
)

// Chain is what a verifier learned from the chain about one credential
// file, and when it checks.
type Chain struct {
	// Facts is the chain's record of the file's credential id; nil when
	// the chain has none.
	Facts *credentials.Facts
	// When Facts is nil: the current key of the member the file says
	// signed it (nil if there is no such member), and whether the registry
	// authorizes the file's issuer for its type and jurisdiction now, so
	// that the answer says what is wrong beyond "not recorded".
	MemberKey     ed25519.PublicKey
	AuthorizedNow bool
	// Now is the time validity is judged at; Height the chain height the
	// facts were read at.
	Now    time.Time
	Height int64
}

// Verify checks a credential file against the chain's facts: its format,
// that the chain recorded it (its digest), its signature with the key the
// issuer's member had when it issued, that the file says what the chain
// recorded, that the issuer was authorized for its type and jurisdiction
// when it issued, its status now and its validity period. Every check is
// listed with its outcome; the file is valid only when all pass. The File
// is nil when the file does not parse.
func Verify(raw string, ch Chain) (credentials.Verification, *File) {
	f, err := Parse(raw)
	return VerifyParsed(f, err, ch), f
}

// VerifyParsed is Verify of what Parse(raw) returned, for a caller that
// parsed the file already (to learn which record to ask the chain for).
func VerifyParsed(f *File, parseErr error, ch Chain) credentials.Verification {
	v := credentials.Verification{Status: credentials.StatusUnknown, Height: ch.Height, CheckedAt: ch.Now.UTC()}
	if parseErr != nil || f == nil {
		if parseErr == nil {
			parseErr = formatErr("no file")
		}
		v.Add(credentials.CheckFormat, false, strings.TrimPrefix(parseErr.Error(), ErrFormat.Error()+": "))
		return v
	}
	raw := f.JWS.Raw
	v.Add(credentials.CheckFormat, true, fmt.Sprintf("a W3C verifiable credential (VC-JOSE, %s), %s %s", MediaTypeVCJWT, f.Type, f.ID))
	v.Credential, v.Type, v.Subject, v.Issuer, v.IssuedBy, v.Jurisdiction = f.ID, f.Type, f.Subject, f.Issuer, f.IssuedBy, f.Jurisdiction
	from, until := f.ValidFrom, f.ValidUntil
	v.ValidFrom, v.ValidUntil = &from, &until

	fc := ch.Facts
	digest := Digest(raw)
	switch {
	case fc == nil:
		v.Add(credentials.CheckRecorded, false, fmt.Sprintf("the chain has no credential %s: it was never issued on this chain", f.ID))
	case fc.Digest != digest:
		v.Add(credentials.CheckRecorded, false, fmt.Sprintf("the file is not the one %s recorded for %s (digest %s, recorded %s): it was altered", fc.Issuer, f.ID, digest[:16], fc.Digest[:min(16, len(fc.Digest))]))
	default:
		v.Add(credentials.CheckRecorded, true, fmt.Sprintf("recorded by %s at height %d (digest %s)", fc.IssuedBy, fc.Height, digest[:16]))
	}

	key, keyWhose := ch.MemberKey, "the current key of "+f.IssuedBy
	if fc != nil {
		key, keyWhose = fc.IssuerKey, fmt.Sprintf("the key %s used when it issued (%s)", fc.IssuedBy, fc.KeyID)
	}
	switch err := f.JWS.VerifyEd25519(key); {
	case key == nil:
		v.Add(credentials.CheckSignature, false, fmt.Sprintf("no member %s on this chain to have signed it", f.IssuedBy))
	case errors.Is(err, ErrSignature):
		v.Add(credentials.CheckSignature, false, "the signature does not verify with "+keyWhose+": forged, or altered after signing")
	case err != nil:
		v.Add(credentials.CheckSignature, false, strings.TrimPrefix(err.Error(), ErrFormat.Error()+": "))
	case fc != nil && f.KeyID != fc.KeyID:
		v.Add(credentials.CheckSignature, false, fmt.Sprintf("the file names key %s, the record %s", f.KeyID, fc.KeyID))
	default:
		v.Add(credentials.CheckSignature, true, "EdDSA signature verifies with "+keyWhose)
	}

	if fc == nil {
		if ch.AuthorizedNow {
			v.Add(credentials.CheckIssuer, true, fmt.Sprintf("%s is authorized to issue %s in %s now (the file was never recorded)", f.Issuer, f.Type, f.Jurisdiction))
		} else {
			v.Add(credentials.CheckIssuer, false, fmt.Sprintf("%s is not authorized to issue %s in %s", f.Issuer, f.Type, f.Jurisdiction))
		}
		judgeValidity(&v, f.ValidFrom, f.ValidUntil, ch.Now)
		return v
	}

	if diff := mismatch(f, fc); diff != "" {
		v.Add(credentials.CheckMatches, false, "the file says "+diff+": it was altered")
	} else {
		v.Add(credentials.CheckMatches, true, fmt.Sprintf("%s of %s, issued by %s in %s", f.Type, f.Subject, f.Issuer, f.Jurisdiction))
	}
	if fc.IssuerAuthorized && fc.Authorization != nil {
		v.Add(credentials.CheckIssuer, true, fmt.Sprintf("%s was authorized to issue %s in %s at height %d (registry entry for %s)", fc.Issuer, fc.Type, fc.Jurisdiction, fc.Height, fc.Authorization.Jurisdiction))
	} else {
		v.Add(credentials.CheckIssuer, false, fmt.Sprintf("%s was not authorized to issue %s in %s at height %d", fc.Issuer, fc.Type, fc.Jurisdiction, fc.Height))
	}
	switch fc.Status {
	case credentials.StatusActive:
		v.Add(credentials.CheckStatus, true, "neither revoked nor suspended")
	default:
		detail := fmt.Sprintf("%s by %s", fc.Status, fc.Issuer)
		if n := len(fc.Changes); n > 0 {
			last := fc.Changes[n-1]
			detail = fmt.Sprintf("%s by %s at height %d (%s), reason %s", fc.Status, last.By, last.Height, last.Time.UTC().Format(time.RFC3339), last.Reason)
		}
		v.Add(credentials.CheckStatus, false, detail)
	}
	judgeValidity(&v, fc.ValidFrom, fc.ValidUntil, ch.Now)
	v.Status = fc.Status
	if v.Status == credentials.StatusActive && !fc.ValidAt(ch.Now) {
		v.Status = credentials.StatusExpired
	}
	return v
}

func judgeValidity(v *credentials.Verification, from, until, now time.Time) {
	switch {
	case now.Before(from):
		v.Add(credentials.CheckValidity, false, "not valid before "+from.UTC().Format(time.RFC3339))
	case !now.Before(until):
		v.Add(credentials.CheckValidity, false, "expired at "+until.UTC().Format(time.RFC3339))
	default:
		v.Add(credentials.CheckValidity, true, fmt.Sprintf("valid from %s until %s", from.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339)))
	}
}

// mismatch names the first field where the file and the record differ.
func mismatch(f *File, c *credentials.Facts) string {
	for _, d := range []struct{ name, file, rec string }{
		{"type", f.Type, c.Type}, {"subject", f.Subject, c.Subject}, {"issuer", f.Issuer, c.Issuer},
		{"signer", f.IssuedBy, c.IssuedBy}, {"jurisdiction", f.Jurisdiction, c.Jurisdiction},
		{"validFrom", f.ValidFrom.Format(time.RFC3339), c.ValidFrom.UTC().Format(time.RFC3339)},
		{"validUntil", f.ValidUntil.Format(time.RFC3339), c.ValidUntil.UTC().Format(time.RFC3339)},
		{"status list", fmt.Sprint(f.StatusList), fmt.Sprint(c.List)}, {"status index", fmt.Sprint(f.StatusIndex), fmt.Sprint(c.Index)},
	} {
		if d.file != d.rec {
			return fmt.Sprintf("%s %s, the chain recorded %s", d.name, d.file, d.rec)
		}
	}
	return ""
}
