package httpsig

import (
	"crypto/ed25519"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
)

// signRaw signs req over the given components with the profile's
// parameters, whatever its headers hold: Sign would replace a bad
// Content-Digest, this does not.
func signRaw(t *testing.T, req *http.Request, priv ed25519.PrivateKey, keyID string, created int64, components ...string) {
	t.Helper()
	var in innerList
	for _, c := range components {
		in.items = append(in.items, item{bare: bareItem{kind: kindString, str: c}})
	}
	in.params = []param{
		{"created", bareItem{kind: kindInteger, num: created}},
		{"keyid", bareItem{kind: kindString, str: keyID}},
		{"alg", bareItem{kind: kindString, str: Alg}},
		{"nonce", bareItem{kind: kindString, str: "n-1"}},
	}
	base, err := signatureBase(req, requestTarget(req, "", ""), in)
	if err != nil {
		t.Fatal(err)
	}
	var sg strings.Builder
	bareItem{kind: kindBytes, bytes: ed25519.Sign(priv, base)}.serialize(&sg)
	req.Header.Set("Signature-Input", Label+"="+in.String())
	req.Header.Set("Signature", Label+"="+sg.String())
}

func TestVerifyCoveredBadDigest(t *testing.T) {
	seed := sha256.Sum256([]byte("digest test"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	lookup := func(string) (ed25519.PublicKey, error) { return pub, nil }
	body := `{"hello": "world"}`
	for _, c := range []struct {
		digest string
		want   medledger.Code
	}{
		{"sha-256=abc", ErrMalformed},
		{"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", ErrMalformed},
		{"md5=:Sd/dVLAcvNLSq16eXua5uQ==:", ErrUnsupportedAlg},
		{"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:AAAA:", ErrDigestMismatch},
		{"sha-256=(:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:)", ErrMalformed},
		{"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", medledger.Code{}},
	} {
		req := httptest.NewRequest("POST", "http://node.example/v1/x", strings.NewReader(body))
		req.Header.Set("Content-Digest", c.digest)
		signRaw(t, req, priv, "k", 1_700_000_000, CompMethod, CompTargetURI, CompContentDigest)
		_, err := Verify(req, lookup, time.Unix(1_700_000_000, 0))
		if c.want == (medledger.Code{}) {
			if err != nil {
				t.Errorf("Content-Digest %s: %v", c.digest, err)
			}
			continue
		}
		if !medledger.HasCode(err, c.want) {
			t.Errorf("Content-Digest %s: got %v, want %s", c.digest, err, c.want.Slug)
		}
	}
}
