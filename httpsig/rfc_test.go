package httpsig

// Test vectors published in the RFCs, reproduced exactly:
//
//   - RFC 9421 Appendix B.2 test request, B.1.4 key "test-key-ed25519" and
//     B.2.6 "Signing a Request Using ed25519": signature base, Signature-Input
//     and Signature. Ed25519 is deterministic, so signing the base with the
//     B.1.4 private key must give the published signature byte for byte.
//   - RFC 9421 section 2.5 example signature base (its signature is
//     RSA-PSS, which is randomized, so only the base is checked).
//   - RFC 9530 / RFC 9421 Appendix B.2: Content-Digest of {"hello": "world"}
//     with sha-256 and sha-512.

import (
	"bufio"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
)

// rfcTestRequest is the test-request of RFC 9421 Appendix B.2.
const rfcTestRequest = "POST /foo?param=Value&Pet=dog HTTP/1.1\r\n" +
	"Host: example.com\r\n" +
	"Date: Tue, 20 Apr 2021 02:07:55 GMT\r\n" +
	"Content-Type: application/json\r\n" +
	"Content-Digest: sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\r\n" +
	"Content-Length: 18\r\n" +
	"\r\n" +
	`{"hello": "world"}`

// The B.1.4 key, as printed in the RFC.
const (
	rfcEd25519Public = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
`
	rfcEd25519Private = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
`
)

// B.2.6, with the RFC 8792 line wrapping undone.
const (
	rfcB26Input     = `sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
	rfcB26Signature = `sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`
	rfcB26Base      = `"date": Tue, 20 Apr 2021 02:07:55 GMT` + "\n" +
		`"@method": POST` + "\n" +
		`"@path": /foo` + "\n" +
		`"@authority": example.com` + "\n" +
		`"content-type": application/json` + "\n" +
		`"content-length": 18` + "\n" +
		`"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
)

// The section 2.5 example.
const (
	rfc25Input = `sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss"`
	rfc25Base  = `"@method": POST` + "\n" +
		`"@authority": example.com` + "\n" +
		`"@path": /foo` + "\n" +
		`"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:` + "\n" +
		`"content-length": 18` + "\n" +
		`"content-type": application/json` + "\n" +
		`"@signature-params": ("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss"`
)

func rfcRequest(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(rfcTestRequest)))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func rfcKeys(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pb, _ := pem.Decode([]byte(rfcEd25519Public))
	pub, err := x509.ParsePKIXPublicKey(pb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode([]byte(rfcEd25519Private))
	priv, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub.(ed25519.PublicKey), priv.(ed25519.PrivateKey)
}

func TestRFC9421B26Ed25519(t *testing.T) {
	pub, priv := rfcKeys(t)
	if !pub.Equal(priv.Public()) {
		t.Fatal("the B.1.4 public key is not the private key's")
	}
	req := rfcRequest(t)
	req.Header.Set("Signature-Input", rfcB26Input)
	req.Header.Set("Signature", rfcB26Signature)

	input, sig, err := signatureFields(req, "sig-b26")
	if err != nil {
		t.Fatal(err)
	}
	base, err := signatureBase(req, requestTarget(req, "", ""), input)
	if err != nil {
		t.Fatal(err)
	}
	if string(base) != rfcB26Base {
		t.Fatalf("signature base:\ngot:\n%s\nwant:\n%s", base, rfcB26Base)
	}
	if !ed25519.Verify(pub, base, sig) {
		t.Fatal("the RFC signature does not verify over the base")
	}
	var w strings.Builder
	w.WriteString("sig-b26=")
	bareItem{kind: kindBytes, bytes: ed25519.Sign(priv, base)}.serialize(&w)
	if got := w.String(); got != rfcB26Signature {
		t.Fatalf("signing the base with the B.1.4 key:\ngot  %s\nwant %s", got, rfcB26Signature)
	}
	// Re-serializing the parsed Signature-Input gives the RFC's text back.
	if got := "sig-b26=" + input.String(); got != rfcB26Input {
		t.Fatalf("re-serialized input:\ngot  %s\nwant %s", got, rfcB26Input)
	}

	// The medledger profile refuses this signature: it has no alg (and no
	// nonce, and is years old), which the RFC allows but the node does not.
	_, err = Verify(rfcRequest(t), func(string) (ed25519.PublicKey, error) { return pub, nil },
		time.Unix(1618884473, 0), WithLabel("sig-b26"))
	if !medledger.HasCode(err, ErrMissingSignature) {
		t.Fatalf("Verify without the signature fields: got %v, want missing-signature", err)
	}
	req = rfcRequest(t)
	req.Header.Set("Signature-Input", rfcB26Input)
	req.Header.Set("Signature", rfcB26Signature)
	_, err = Verify(req, func(string) (ed25519.PublicKey, error) { return pub, nil },
		time.Unix(1618884473, 0), WithLabel("sig-b26"))
	if !medledger.HasCode(err, ErrUnsupportedAlg) {
		t.Fatalf("Verify of the RFC vector: got %v, want unsupported-alg (no alg parameter)", err)
	}
}

func TestRFC9421Section25Base(t *testing.T) {
	req := rfcRequest(t)
	req.Header.Set("Signature-Input", rfc25Input)
	req.Header.Set("Signature", "sig1=:"+strings.Repeat("A", 86)+"==:") // any 64 bytes: only the base is checked
	input, _, err := signatureFields(req, "sig1")
	if err != nil {
		t.Fatal(err)
	}
	base, err := signatureBase(req, requestTarget(req, "", ""), input)
	if err != nil {
		t.Fatal(err)
	}
	if string(base) != rfc25Base {
		t.Fatalf("signature base:\ngot:\n%s\nwant:\n%s", base, rfc25Base)
	}
}

func TestRFCContentDigest(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	if got, want := ContentDigest(body), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"; got != want {
		t.Fatalf("ContentDigest: got %s, want %s", got, want)
	}
	for _, field := range []string{
		"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
		"sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
		"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
		"md5=:Sd/dVLAcvNLSq16eXua5uQ==:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
	} {
		if err := checkContentDigest(field, body); err != nil {
			t.Errorf("checkContentDigest(%s): %v", field, err)
		}
	}
	for field, code := range map[string]medledger.Code{
		"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:AAAA:": ErrDigestMismatch,
		"sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:":                 ErrDigestMismatch, // of the body with a trailing LF
		"md5=:Sd/dVLAcvNLSq16eXua5uQ==:":                                         ErrUnsupportedAlg,
		"sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=":                   ErrMalformed,
		"sha-256=\"X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\"":               ErrMalformed,
	} {
		if err := checkContentDigest(field, body); !medledger.HasCode(err, code) {
			t.Errorf("checkContentDigest(%s): got %v, want %s", field, err, code.Slug)
		}
	}
}
