package vc

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/medledger/medledger/credentials"
)

// envelopedPrefix starts the id of an EnvelopedVerifiableCredential that
// carries a VC-JOSE credential (a data: URL).
const envelopedPrefix = "data:" + MediaTypeVCJWT + ","

// Enveloped is a credential inside a presentation, as VC-JOSE-COSE
// envelopes it: the credential file in a data: URL.
type Enveloped struct {
	Context string `json:"@context"`
	ID      string `json:"id"`
	Type    string `json:"type"`
}

// Presentation is the payload of a presentation file (vp+jwt): a W3C
// VerifiablePresentation of one credential by its holder, with the JWT
// claims that bind it to one verifier and one moment: aud (the verifier's
// organization), nonce (the verifier's challenge), iat and exp.
type Presentation struct {
	Context              []string    `json:"@context"`
	Type                 []string    `json:"type"`
	Holder               string      `json:"holder"`
	VerifiableCredential []Enveloped `json:"verifiableCredential"`
	Audience             string      `json:"aud"`
	Nonce                string      `json:"nonce"`
	IssuedAt             int64       `json:"iat"`
	Expires              int64       `json:"exp"`
}

// Present signs, as holder (a member "org/name", with its key), a
// presentation of the credential file for audience over nonce, issued at
// now and good for ttl.
func Present(credential, holder string, key ed25519.PrivateKey, audience, nonce string, now time.Time, ttl time.Duration) (string, error) {
	if audience == "" || nonce == "" {
		return "", errors.New("a presentation needs the verifier's audience and nonce")
	}
	p := Presentation{Context: []string{ContextV2}, Type: []string{TypePresent}, Holder: credentials.PartyURI(holder),
		VerifiableCredential: []Enveloped{{Context: ContextV2, ID: envelopedPrefix + strings.TrimSpace(credential), Type: TypeEnveloped}},
		Audience:             audience, Nonce: nonce, IssuedAt: now.Unix(), Expires: now.Add(ttl).Unix()}
	payload, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return SignJWS(payload, key, TypVP, "vp", credentials.KeyURI(holder, keyID(key.Public().(ed25519.PublicKey))))
}

// PresentationFile is a presentation file read without trusting it.
type PresentationFile struct {
	JWS        *JWS
	Holder     string // the member whose key signed it
	KeyID      string
	Audience   []string
	Nonce      string
	IssuedAt   time.Time
	Expires    time.Time
	Credential string // the credential file it carries
}

// ParsePresentation reads a presentation file: a JWS (typ vp+jwt) by a
// member's key whose payload is a VerifiablePresentation of that member
// carrying one enveloped VC-JOSE credential, with aud, nonce, iat and exp.
func ParsePresentation(raw string) (*PresentationFile, error) {
	j, err := ParseJWS(raw)
	if err != nil {
		return nil, err
	}
	if j.Header.Typ != TypVP {
		return nil, formatErr("JOSE typ %q: a presentation file is %s", short(j.Header.Typ), TypVP)
	}
	var w struct {
		Context json.RawMessage   `json:"@context"`
		Type    json.RawMessage   `json:"type"`
		Holder  string            `json:"holder"`
		VCs     []json.RawMessage `json:"verifiableCredential"`
		Aud     json.RawMessage   `json:"aud"`
		Nonce   string            `json:"nonce"`
		Iat     int64             `json:"iat"`
		Exp     int64             `json:"exp"`
	}
	if err := json.Unmarshal(j.Payload, &w); err != nil {
		return nil, formatErr("%v", err)
	}
	ctx, err := stringOrStrings(w.Context, true)
	if err != nil || len(ctx) == 0 || ctx[0] != ContextV2 {
		return nil, formatErr("@context must start with %s", ContextV2)
	}
	types, err := stringOrStrings(w.Type, false)
	if err != nil || !contains(types, TypePresent) {
		return nil, formatErr("type must include %s", TypePresent)
	}
	p := &PresentationFile{JWS: j, Nonce: w.Nonce}
	var ok bool
	if p.Holder, p.KeyID, ok = credentials.ParseKeyURI(j.Header.Kid); !ok {
		return nil, formatErr("kid %q does not name a member's key", short(j.Header.Kid))
	}
	if w.Holder != credentials.PartyURI(p.Holder) {
		return nil, formatErr("holder %q is not the member who signed (%s)", short(w.Holder), p.Holder)
	}
	if p.Audience, err = stringOrStrings(w.Aud, false); err != nil || len(p.Audience) == 0 {
		return nil, formatErr("aud must name the verifier")
	}
	if w.Nonce == "" || w.Iat <= 0 || w.Exp <= w.Iat {
		return nil, formatErr("nonce, iat and exp (after iat) are required")
	}
	p.IssuedAt, p.Expires = time.Unix(w.Iat, 0).UTC(), time.Unix(w.Exp, 0).UTC()
	if len(w.VCs) != 1 {
		return nil, formatErr("a presentation carries one credential (got %d)", len(w.VCs))
	}
	var env Enveloped
	if err := json.Unmarshal(w.VCs[0], &env); err != nil || env.Type != TypeEnveloped || !strings.HasPrefix(env.ID, envelopedPrefix) {
		return nil, formatErr("verifiableCredential must be an %s whose id is a %s data: URL", TypeEnveloped, MediaTypeVCJWT)
	}
	p.Credential = strings.TrimPrefix(env.ID, envelopedPrefix)
	return p, nil
}

// Expect is what a verifier expects of a presentation: its own
// organization as audience, and the nonce it handed the holder.
type Expect struct {
	Audience string
	Nonce    string
	// MaxAge bounds how long ago the presentation was made (default
	// credentials.DefaultPresentTTL), whatever its exp says.
	MaxAge time.Duration
}

// Skew is the clock difference between holder and verifier tolerated.
const Skew = time.Minute

// CheckPresentation adds the presentation's checks to v: the holder's
// signature (with holderKey, its current key on chain; nil if the holder
// is no member), that the holder is the credential's subject or a member
// of the subject organization, the audience, the nonce, and freshness at
// now. Then, only if all passed, use is asked whether this nonce was
// accepted before, and records it (the not-replayed check); a nil use
// skips that check.
func CheckPresentation(v *credentials.Verification, p *PresentationFile, holderKey ed25519.PublicKey, subject string, exp Expect, now time.Time, use func() (fresh bool, err error)) {
	v.Holder = p.Holder
	ok := true
	add := func(name string, pass bool, detail string) {
		ok = ok && pass
		v.Add(name, pass, detail)
	}
	switch err := p.JWS.VerifyEd25519(holderKey); {
	case holderKey == nil:
		add(credentials.CheckHolderSig, false, fmt.Sprintf("no member %s on this chain to have presented it", p.Holder))
	case err != nil:
		add(credentials.CheckHolderSig, false, "the presentation's signature does not verify with "+p.Holder+"'s current key: forged, or altered after signing")
	default:
		add(credentials.CheckHolderSig, true, "signed by "+p.Holder+" with its current key")
	}
	org, _, _ := strings.Cut(p.Holder, "/")
	switch {
	case subject == p.Holder:
		add(credentials.CheckHolder, true, p.Holder+" is the credential's subject")
	case subject == org:
		add(credentials.CheckHolder, true, p.Holder+" is a member of the subject "+org)
	default:
		add(credentials.CheckHolder, false, fmt.Sprintf("%s presented a credential of %s: it is not theirs to present", p.Holder, subject))
	}
	if contains(p.Audience, exp.Audience) {
		add(credentials.CheckAudience, true, "for "+exp.Audience)
	} else {
		add(credentials.CheckAudience, false, fmt.Sprintf("made for %s, not for %s", strings.Join(p.Audience, ", "), exp.Audience))
	}
	if p.Nonce == exp.Nonce {
		add(credentials.CheckNonce, true, "over the nonce "+short(exp.Nonce))
	} else {
		add(credentials.CheckNonce, false, fmt.Sprintf("over the nonce %q, not %q: it answers another request", short(p.Nonce), short(exp.Nonce)))
	}
	maxAge := exp.MaxAge
	if maxAge <= 0 {
		maxAge = credentials.DefaultPresentTTL
	}
	switch {
	case p.IssuedAt.After(now.Add(Skew)):
		add(credentials.CheckFresh, false, "made in the future ("+p.IssuedAt.Format(time.RFC3339)+")")
	case !now.Before(p.Expires.Add(Skew)):
		add(credentials.CheckFresh, false, "expired at "+p.Expires.Format(time.RFC3339))
	case now.Sub(p.IssuedAt) > maxAge+Skew:
		add(credentials.CheckFresh, false, fmt.Sprintf("made at %s, longer ago than %s", p.IssuedAt.Format(time.RFC3339), maxAge))
	default:
		add(credentials.CheckFresh, true, "made at "+p.IssuedAt.Format(time.RFC3339)+", good until "+p.Expires.Format(time.RFC3339))
	}
	if use == nil {
		return
	}
	if !ok {
		v.Add(credentials.CheckNotReplay, false, "not checked: the presentation failed the checks above")
		return
	}
	switch fresh, err := use(); {
	case err != nil:
		v.Add(credentials.CheckNotReplay, false, "the verifier's record of nonces: "+err.Error())
	case !fresh:
		v.Add(credentials.CheckNotReplay, false, "the nonce "+short(p.Nonce)+" was accepted before: this presentation is replayed")
	default:
		v.Add(credentials.CheckNotReplay, true, "first use of the nonce "+short(p.Nonce))
	}
}
