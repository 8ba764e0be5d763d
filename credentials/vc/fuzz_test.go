package vc_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/vc"
)

// The fuzz targets hold every decoder of outside input here: no input makes
// one panic, and what one accepts is consistent.

func seeds(f *testing.F) []string {
	file, _, err := vc.Issue(issuance(), boardKey)
	if err != nil {
		f.Fatal(err)
	}
	vp, err := vc.Present(file, "northside-hospital/dr-chen", chenKey, "cityrx-pharmacy", "n", t0, time.Minute)
	if err != nil {
		f.Fatal(err)
	}
	w3c, _ := os.ReadFile("testdata/bsl-example-4-jose.jwt")
	return []string{file, vp, string(w3c), rfc8037JWS, "", "a.b.c", "e30.e30.", "eyJhbGciOiJFZERTQSJ9.e30.AAAA"}
}

// FuzzParse: a credential file (VC-JWT).
func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		file, err := vc.Parse(raw)
		if err != nil {
			return
		}
		if !credentials.ValidID(file.ID) || file.Type == "" || file.Issuer == "" || file.StatusIndex >= credentials.ListSize {
			t.Fatalf("Parse accepted an incomplete file: %+v", file)
		}
		// Verification of anything Parse accepts must not panic either.
		vc.Verify(raw, vc.Chain{Now: t0})
	})
}

// FuzzParsePresentation: a presentation file (VP-JWT).
func FuzzParsePresentation(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := vc.ParsePresentation(raw)
		if err != nil {
			return
		}
		if p.Nonce == "" || len(p.Audience) == 0 || !p.Expires.After(p.IssuedAt) {
			t.Fatalf("ParsePresentation accepted %+v", p)
		}
		v := credentials.Verification{}
		vc.CheckPresentation(&v, p, nil, "x", vc.Expect{Audience: "a", Nonce: "n"}, t0, nil)
	})
}

// FuzzCredentialJSON: a credential's JSON (application/vc), as found inside
// a JWS.
func FuzzCredentialJSON(f *testing.F) {
	ex, _ := os.ReadFile("testdata/bsl-example-4.json")
	f.Add(ex)
	f.Add([]byte(`{"@context":"https://www.w3.org/ns/credentials/v2","type":"VerifiableCredential","issuer":{"id":"x"},"credentialSubject":[{"id":"a"},{}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c vc.Credential
		if json.Unmarshal(b, &c) != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			return // a claim that is no valid JSON on its own cannot be re-encoded
		}
		var again vc.Credential
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("a credential that decoded does not decode again after encoding: %v\n%s", err, out)
		}
	})
}
