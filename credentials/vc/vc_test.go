package vc_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/vc"
)

var (
	t0       = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	boardKey = keyOf("state-medical-board/registrar")
	chenKey  = keyOf("northside-hospital/dr-chen")
)

func keyOf(name string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(s[:])
}

func issuance() vc.Issuance {
	return vc.Issuance{
		Body: credentials.IssueBody{ID: "crd-aaaaaaaaaaaaaaaaaaaaaaaaaa", Type: credentials.MedicalLicense, Subject: "northside-hospital/dr-chen",
			Jurisdiction: "US", ValidFrom: t0.AddDate(-1, 0, 0), ValidUntil: t0.AddDate(1, 0, 0), StatusList: 0, StatusIndex: 94567},
		IssuerOrg: "state-medical-board", Member: "state-medical-board/registrar",
		Claims:     map[string]json.RawMessage{"licenseNumber": json.RawMessage(`"A-12345"`)},
		StatusBase: "http://127.0.0.1:26680",
	}
}

// facts is what the chain would record of the issuance.
func facts(t *testing.T, body credentials.IssueBody) *credentials.Facts {
	t.Helper()
	a := credentials.Authorization{Issuer: "state-medical-board", Type: credentials.MedicalLicense, Jurisdiction: "US", Active: true, Periods: []credentials.Period{{From: 2}}}
	return &credentials.Facts{Credential: credentials.Credential{ID: body.ID, Type: body.Type, Subject: body.Subject, Issuer: "state-medical-board",
		IssuedBy: "state-medical-board/registrar", KeyID: body.KeyID, IssuerKey: boardKey.Public().(ed25519.PublicKey), Jurisdiction: body.Jurisdiction,
		ValidFrom: body.ValidFrom, ValidUntil: body.ValidUntil, Digest: body.Digest, Status: credentials.StatusActive, List: body.StatusList,
		Index: body.StatusIndex, Height: 5, Time: t0}, IssuerAuthorized: true, Authorization: &a, EffectiveStatus: credentials.StatusActive}
}

func issue(t *testing.T) (string, credentials.IssueBody) {
	t.Helper()
	file, body, err := vc.Issue(issuance(), boardKey)
	if err != nil {
		t.Fatal(err)
	}
	return file, body
}

func failed(v credentials.Verification) string {
	if c := v.Failed(); c != nil {
		return c.Name
	}
	return ""
}

func TestIssueParse(t *testing.T) {
	file, body := issue(t)
	if body.Digest != vc.Digest(file) || len(body.KeyID) != 32 {
		t.Fatalf("body %+v", body)
	}
	f, err := vc.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != body.ID || f.Type != body.Type || f.Subject != body.Subject || f.Issuer != "state-medical-board" ||
		f.IssuedBy != "state-medical-board/registrar" || f.KeyID != body.KeyID || f.Jurisdiction != "US" ||
		!f.ValidFrom.Equal(body.ValidFrom) || !f.ValidUntil.Equal(body.ValidUntil) || f.StatusIndex != 94567 {
		t.Fatalf("parsed %+v", f)
	}
	if f.JWS.Header.Typ != vc.TypVC || f.JWS.Header.Cty != "vc" {
		t.Fatalf("header %+v", f.JWS.Header)
	}
	var lic string
	if !f.Credential.Subjects[0].Claim("licenseNumber", &lic) || lic != "A-12345" {
		t.Fatal("the holder's claim is not in the file")
	}
	want := "http://127.0.0.1:26680/v1/credentials/status/state-medical-board/0/revocation"
	if f.Credential.Status[0].StatusListCredential != want || f.Credential.Status[0].ID != want+"#94567" {
		t.Fatalf("status entry %+v", f.Credential.Status[0])
	}
	is := issuance()
	is.Claims = map[string]json.RawMessage{"id": json.RawMessage(`"x"`)}
	if _, _, err := vc.Issue(is, boardKey); err == nil {
		t.Fatal("a claim named id was accepted")
	}
}

func TestVerify(t *testing.T) {
	file, body := issue(t)
	good := facts(t, body)
	cases := []struct {
		name   string
		file   string
		chain  func() vc.Chain
		fail   string // the first failed check, "" for valid
		status string
	}{
		{"valid", file, func() vc.Chain { return vc.Chain{Facts: good, Now: t0} }, "", credentials.StatusActive},
		{"not a credential", "hello", func() vc.Chain { return vc.Chain{Now: t0} }, credentials.CheckFormat, credentials.StatusUnknown},
		{"forged signature", forge(t, file), func() vc.Chain {
			f := *good
			f.Digest = vc.Digest(forge(t, file))
			return vc.Chain{Facts: &f, Now: t0}
		}, credentials.CheckSignature, credentials.StatusActive},
		{"altered claim", alter(t, file, "A-12345", "B-99999"), func() vc.Chain { return vc.Chain{Facts: good, Now: t0} }, credentials.CheckRecorded, credentials.StatusActive},
		{"never recorded, unauthorized issuer", file, func() vc.Chain {
			return vc.Chain{MemberKey: boardKey.Public().(ed25519.PublicKey), Now: t0}
		}, credentials.CheckRecorded, credentials.StatusUnknown},
		{"issuer not authorized when it issued", file, func() vc.Chain {
			f := *good
			f.IssuerAuthorized, f.Authorization = false, nil
			return vc.Chain{Facts: &f, Now: t0}
		}, credentials.CheckIssuer, credentials.StatusActive},
		{"revoked", file, func() vc.Chain {
			f := *good
			f.Status = credentials.StatusRevoked
			f.Changes = []credentials.StatusChange{{Status: credentials.StatusRevoked, Reason: "disciplinary-action", By: "state-medical-board/registrar", Height: 9, Time: t0}}
			return vc.Chain{Facts: &f, Now: t0}
		}, credentials.CheckStatus, credentials.StatusRevoked},
		{"suspended", file, func() vc.Chain {
			f := *good
			f.Status = credentials.StatusSuspended
			return vc.Chain{Facts: &f, Now: t0}
		}, credentials.CheckStatus, credentials.StatusSuspended},
		{"expired", file, func() vc.Chain { return vc.Chain{Facts: good, Now: t0.AddDate(2, 0, 0)} }, credentials.CheckValidity, credentials.StatusExpired},
		{"not yet valid", file, func() vc.Chain { return vc.Chain{Facts: good, Now: t0.AddDate(-2, 0, 0)} }, credentials.CheckValidity, credentials.StatusExpired},
		{"record differs", file, func() vc.Chain {
			f := *good
			f.Subject = "lakeside-clinic/dr-patel"
			return vc.Chain{Facts: &f, Now: t0}
		}, credentials.CheckMatches, credentials.StatusActive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := vc.Verify(tc.file, tc.chain())
			if got := failed(v); got != tc.fail || v.Valid != (tc.fail == "") {
				t.Fatalf("first failed check %q (valid %v), want %q: %+v", got, v.Valid, tc.fail, v.Checks)
			}
			if v.Status != tc.status {
				t.Fatalf("status %q, want %q", v.Status, tc.status)
			}
			for _, c := range v.Checks {
				if c.Detail == "" {
					t.Fatalf("check %s has no detail", c.Name)
				}
			}
		})
	}
	// A valid answer lists every check of a credential, in order.
	v, _ := vc.Verify(file, vc.Chain{Facts: good, Now: t0})
	var names []string
	for _, c := range v.Checks {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "format recorded signature matches-record issuer-authorized status validity" {
		t.Fatalf("checks %s", got)
	}
}

// forge re-signs the file's payload with another key (the clinician's,
// who would like a licence).
func forge(t *testing.T, file string) string {
	t.Helper()
	j, err := vc.ParseJWS(file)
	if err != nil {
		t.Fatal(err)
	}
	out, err := vc.SignJWS(j.Payload, chenKey, vc.TypVC, "vc", j.Header.Kid)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// alter changes a claim in the payload, keeping the signature.
func alter(t *testing.T, file, from, to string) string {
	t.Helper()
	parts := strings.Split(file, ".")
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if !strings.Contains(string(p), from) {
		t.Fatalf("payload has no %q", from)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(p), from, to, 1)))
	return strings.Join(parts, ".")
}

func TestPresentation(t *testing.T) {
	file, body := issue(t)
	good := facts(t, body)
	chenPub := chenKey.Public().(ed25519.PublicKey)
	exp := vc.Expect{Audience: "cityrx-pharmacy", Nonce: "n-1234"}
	vp, err := vc.Present(file, "northside-hospital/dr-chen", chenKey, exp.Audience, exp.Nonce, t0, credentials.DefaultPresentTTL)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	use := func(p *vc.PresentationFile) func() (bool, error) {
		return func() (bool, error) {
			k := exp.Audience + "|" + p.Nonce
			if used[k] {
				return false, nil
			}
			used[k] = true
			return true, nil
		}
	}
	check := func(raw string, key ed25519.PublicKey, exp vc.Expect, now time.Time) credentials.Verification {
		p, err := vc.ParsePresentation(raw)
		if err != nil {
			t.Fatalf("ParsePresentation: %v", err)
		}
		v, _ := vc.Verify(p.Credential, vc.Chain{Facts: good, Now: now})
		vc.CheckPresentation(&v, p, key, good.Subject, exp, now, use(p))
		return v
	}
	if v := check(vp, chenPub, exp, t0.Add(time.Minute)); !v.Valid || v.Holder != "northside-hospital/dr-chen" {
		t.Fatalf("a fresh presentation: %+v", v.Checks)
	}
	if v := check(vp, chenPub, exp, t0.Add(2*time.Minute)); failed(v) != credentials.CheckNotReplay {
		t.Fatalf("the same presentation again: first failure %q, want not-replayed", failed(v))
	}
	if v := check(vp, chenPub, vc.Expect{Audience: "lakeside-clinic", Nonce: exp.Nonce}, t0); failed(v) != credentials.CheckAudience {
		t.Fatalf("another audience: %q", failed(v))
	}
	if v := check(vp, chenPub, vc.Expect{Audience: exp.Audience, Nonce: "other"}, t0); failed(v) != credentials.CheckNonce {
		t.Fatalf("another nonce: %q", failed(v))
	}
	if v := check(vp, chenPub, exp, t0.Add(time.Hour)); failed(v) != credentials.CheckFresh {
		t.Fatalf("an hour later: %q", failed(v))
	}
	if v := check(vp, boardKey.Public().(ed25519.PublicKey), exp, t0); failed(v) != credentials.CheckHolderSig {
		t.Fatalf("with another key: %q", failed(v))
	}
	// Someone else presenting the licence (a stolen file) is no holder.
	thief := keyOf("lakeside-clinic/dr-patel")
	stolen, _ := vc.Present(file, "lakeside-clinic/dr-patel", thief, exp.Audience, "n-9", t0, time.Minute)
	if v := check(stolen, thief.Public().(ed25519.PublicKey), vc.Expect{Audience: exp.Audience, Nonce: "n-9"}, t0); failed(v) != credentials.CheckHolder {
		t.Fatalf("a stolen file presented: %q", failed(v))
	}
	if _, err := vc.ParsePresentation(file); err == nil {
		t.Fatal("a credential parsed as a presentation")
	}
}
