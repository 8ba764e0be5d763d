package vc

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Header is a JWS protected header as a verifier reads it.
type Header struct {
	Alg string // "EdDSA" for everything medledger signs
	Typ string // "vc+jwt", "vp+jwt", or empty
	Cty string
	Kid string
}

// JWS is a parsed JWS in compact form: its header and payload, not yet
// trusted (Verify checks the signature).
type JWS struct {
	Raw     string
	Header  Header
	Payload []byte
	sig     *jose.JSONWebSignature
}

// parseAlgs are the algorithms a JWS may name to be parsed; only EdDSA
// ever verifies (VerifyEd25519). The others are accepted so that the W3C
// specifications' examples, signed with ES256, can be read.
var parseAlgs = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.RS256}

// ParseJWS reads a JWS in compact serialization (three base64url parts),
// at most MaxFile bytes; surrounding white space is ignored.
func ParseJWS(raw string) (*JWS, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxFile {
		return nil, formatErr("%d bytes, over the %d a credential file may hold", len(raw), MaxFile)
	}
	if strings.Count(raw, ".") != 2 || strings.ContainsAny(raw, " \t\r\n{") {
		return nil, formatErr("a JWS in compact form is three base64url parts joined by '.'")
	}
	// NOTE: one file, one encoding: a part whose unused trailing bits are
	// set decodes to the same bytes as its canonical form, and would give
	// the same credential a second digest.
	for _, part := range strings.Split(raw, ".") {
		if _, err := base64.RawURLEncoding.Strict().DecodeString(part); err != nil {
			return nil, formatErr("a part is not canonical base64url without padding")
		}
	}
	sig, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		return nil, formatErr("%v", err)
	}
	if len(sig.Signatures) != 1 {
		return nil, formatErr("a compact JWS has one signature")
	}
	p := sig.Signatures[0].Protected
	h := Header{Alg: p.Algorithm, Kid: p.KeyID}
	if v, ok := p.ExtraHeaders[jose.HeaderType].(string); ok {
		h.Typ = v
	}
	if v, ok := p.ExtraHeaders[jose.HeaderContentType].(string); ok {
		h.Cty = v
	}
	return &JWS{Raw: raw, Header: h, Payload: sig.UnsafePayloadWithoutVerification(), sig: sig}, nil
}

// ErrSignature is the error of a signature that does not verify.
var ErrSignature = errors.New("signature does not verify")

// VerifyEd25519 checks the signature with pub: the header MUST name EdDSA.
func (j *JWS) VerifyEd25519(pub ed25519.PublicKey) error {
	if j.Header.Alg != string(jose.EdDSA) {
		return formatErr("algorithm %q: medledger credentials are signed with EdDSA (Ed25519)", short(j.Header.Alg))
	}
	if len(pub) != ed25519.PublicKeySize {
		return ErrSignature
	}
	// NOTE: ParseJWS admits only canonical base64url, so the signing input
	// (RFC 7515 section 5.2) is the file's first two parts as they are:
	// verified directly, without go-jose encoding them again.
	dot := strings.LastIndexByte(j.Raw, '.')
	sig := j.sig.Signatures[0].Signature
	if dot < 0 || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, []byte(j.Raw[:dot]), sig) {
		return ErrSignature
	}
	return nil
}

// SignJWS signs payload with an Ed25519 key as a compact JWS (alg EdDSA,
// RFC 8037), with typ, cty and kid in the protected header when not
// empty. EdDSA signatures are deterministic: the same inputs give the same
// bytes.
func SignJWS(payload []byte, key ed25519.PrivateKey, typ, cty, kid string) (string, error) {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	if cty != "" {
		opts = opts.WithContentType(jose.ContentType(cty))
	}
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return "", err
	}
	obj, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}
