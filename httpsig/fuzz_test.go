package httpsig

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
)

// FuzzParseSignatureInput checks that no Signature-Input value makes the
// parser or Verify panic, that every error Verify returns carries one of
// this package's codes, and that a dictionary the parser accepts
// serializes to a canonical form that parses back to the same value.
// Run longer with: go test ./httpsig -run '^$' -fuzz FuzzParseSignatureInput
func FuzzParseSignatureInput(f *testing.F) {
	for _, s := range []string{
		rfcB26Input,
		rfc25Input,
		`sig1=("@method" "@target-uri" "content-digest");created=1700000000;expires=1700000300;keyid="northside-hospital/dr-chen#0a1b2c3d4e5f60718293a4b5c6d7e8f9";alg="ed25519";nonce="AAECAwQFBgcICQoLDA0ODw"`,
		`sig1=("@method" "@target-uri");created=1700000000;keyid="k";alg="ed25519";nonce="n", proxy=("@authority");created=1`,
		`sig1=("@method";req "x";sf "y";key="a");tag=?1;n=-12.5;b=:AAAA:;t=tok/en:1`,
		`sig1=()`, `sig1`, `sig1=`, `sig1=(`, `sig1=("a" `, `sig1="x", sig1="y"`, `a=1,`, `a=1,,b=2`,
		`a=999999999999999`, `a=1000000000000000`, `a=1.0001`, `a=-`, `a="\q"`, `a=:=AAA:`, `a=?2`, `A=1`, ` a=1 `, "a=1\t,\tb=2",
		`sig1=("@method" "@target-uri");created=1700000000;keyid="k";alg="ed25519";nonce="n";created=2`,
		"", " ", "\x00", "sig1=(\"\xff\")",
	} {
		f.Add(s)
	}
	seed := sha256.Sum256([]byte("fuzz key"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	lookup := func(string) (ed25519.PublicKey, error) { return pub, nil }
	sig := "sig1=:" + strings.Repeat("A", 86) + "==:, sig-b26=:" + strings.Repeat("A", 86) + "==:"

	f.Fuzz(func(t *testing.T, in string) {
		d, err := parseDictionary(in)
		if err == nil {
			canon := d.String()
			d2, err := parseDictionary(canon)
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", canon, in, err)
			}
			if !reflect.DeepEqual(d, d2) {
				t.Fatalf("%q -> %q parses to another value:\n%#v\n%#v", in, canon, d, d2)
			}
			if d2.String() != canon {
				t.Fatalf("serialization of %q is not stable", in)
			}
		} else if !errors.Is(err, errSFV) {
			t.Fatalf("parse error %v is not a structured field error", err)
		}

		req := httptest.NewRequest("POST", "http://node.example/v1/x?y=1", strings.NewReader("body"))
		req.Header.Set("Content-Digest", ContentDigest([]byte("body")))
		req.Header.Set("Signature-Input", in)
		req.Header.Set("Signature", sig)
		for _, label := range []string{Label, "sig-b26"} {
			_, err := Verify(req, lookup, time.Unix(1_700_000_000, 0), WithLabel(label))
			if err == nil {
				t.Fatalf("Verify accepted %q with a zero signature", in)
			}
			if e := medledger.As(err); e.Codespace != Codespace {
				t.Fatalf("Verify error %v is not an httpsig error", err)
			}
		}
	})
}
