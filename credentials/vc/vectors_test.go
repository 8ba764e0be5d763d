package vc_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/medledger/medledger/credentials/vc"
)

// RFC 8037, Appendix A.1 (the Ed25519 key: d and x) and A.4 (the JWS of
// "Example of Ed25519 signing" with the protected header {"alg":"EdDSA"}).
const (
	rfc8037D   = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X   = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037JWS = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

func b64url(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC8037EdDSA: our JWS signing (go-jose, EdDSA) gives RFC 8037's
// published JWS byte for byte, and verifies it with the published public
// key; one flipped bit of the payload does not verify.
func TestRFC8037EdDSA(t *testing.T) {
	key := ed25519.NewKeyFromSeed(b64url(t, rfc8037D))
	if pub := key.Public().(ed25519.PublicKey); !bytes.Equal(pub, b64url(t, rfc8037X)) {
		t.Fatalf("the key of d is not x")
	}
	got, err := vc.SignJWS([]byte("Example of Ed25519 signing"), key, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got != rfc8037JWS {
		t.Fatalf("SignJWS =\n%s\nwant RFC 8037 A.4\n%s", got, rfc8037JWS)
	}
	j, err := vc.ParseJWS(rfc8037JWS)
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.Alg != "EdDSA" || string(j.Payload) != "Example of Ed25519 signing" {
		t.Fatalf("parsed header %+v payload %q", j.Header, j.Payload)
	}
	if err := j.VerifyEd25519(b64url(t, rfc8037X)); err != nil {
		t.Fatalf("RFC 8037 A.5 verification: %v", err)
	}
	sig := rfc8037JWS[len("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."):]
	tampered := "eyJhbGciOiJFZERTQSJ9." + base64.RawURLEncoding.EncodeToString([]byte("Example of Ed25519 signinG")) + "." + sig
	if j, err := vc.ParseJWS(tampered); err != nil || j.VerifyEd25519(b64url(t, rfc8037X)) == nil {
		t.Fatalf("a tampered payload verified (or did not parse: %v)", err)
	}
	// The same payload with the unused bits of its last character set is
	// the same bytes in another encoding: refused, so a file has one digest.
	if _, err := vc.ParseJWS("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmd." + sig); !errors.Is(err, vc.ErrFormat) {
		t.Fatalf("a non-canonical encoding parsed: %v", err)
	}
}

// TestW3CRevocableCredentialJOSE: the VC-JOSE encoding of the Bitstring
// Status List Recommendation's Example 4 decodes to its published header
// and credential, status entry included; its ES256 signature is refused by
// the EdDSA-only verification, and medledger's profile refuses the
// foreign credential with a format error, not a panic.
func TestW3CRevocableCredentialJOSE(t *testing.T) {
	raw, err := os.ReadFile("testdata/bsl-example-4-jose.jwt")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/bsl-example-4.json")
	if err != nil {
		t.Fatal(err)
	}
	j, err := vc.ParseJWS(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if j.Header != (vc.Header{Alg: "ES256", Kid: "ExHkBMW9fmbkvV266mRpuP2sUY_N_EWIN1lapUzO8ro"}) {
		t.Fatalf("header %+v", j.Header)
	}
	var gotJSON, wantJSON any
	if json.Unmarshal(j.Payload, &gotJSON) != nil || json.Unmarshal(want, &wantJSON) != nil {
		t.Fatal("payload or example is not JSON")
	}
	if g, _ := json.Marshal(gotJSON); string(g) != string(must(json.Marshal(wantJSON))) {
		t.Fatalf("payload\n%s\nis not the published application/vc\n%s", g, want)
	}
	var c vc.Credential
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		t.Fatal(err)
	}
	if c.ID != "https://example.com/credentials/23894672394" || c.Issuer != "did:example:12345" ||
		!c.ValidFrom.Equal(time.Date(2021, 4, 5, 14, 27, 42, 0, time.UTC)) || len(c.Subjects) != 1 || c.Subjects[0].ID != "did:example:6789" {
		t.Fatalf("credential %+v", c)
	}
	if len(c.Status) != 1 || c.Status[0].StatusPurpose != "revocation" || c.Status[0].StatusListCredential != "https://example.com/credentials/status/3" {
		t.Fatalf("status %+v", c.Status)
	}
	if n, err := c.Status[0].Index(); err != nil || n != 94567 {
		t.Fatalf("statusListIndex = %d, %v; want 94567", n, err)
	}
	// Re-encoding keeps every member (one subject, one status entry).
	var again vc.Credential
	if err := json.Unmarshal(must(json.Marshal(c)), &again); err != nil || again.Status[0] != c.Status[0] || again.Subjects[0].ID != c.Subjects[0].ID {
		t.Fatalf("round trip: %v %+v", err, again)
	}
	if err := j.VerifyEd25519(make(ed25519.PublicKey, ed25519.PublicKeySize)); err == nil {
		t.Fatal("an ES256 JWS verified as EdDSA")
	}
	if _, err := vc.Parse(string(raw)); !errors.Is(err, vc.ErrFormat) {
		t.Fatalf("Parse of a foreign credential: %v, want a format error", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
