package httpsig

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults of the medledger profile. Sign and Verify use them unless an
// option says otherwise.
const (
	// Label is the dictionary key of the signature in Signature-Input and
	// Signature.
	Label = "sig1"
	// Alg is the only signature algorithm (RFC 9421 section 3.3.6).
	Alg = "ed25519"
	// DefaultTTL is how long after created a signature expires.
	DefaultTTL = 5 * time.Minute
	// DefaultMaxAge is the oldest created a verifier accepts, whatever
	// expires says.
	DefaultMaxAge = 5 * time.Minute
	// DefaultSkew is how far in the future created may lie, for clocks that
	// disagree.
	DefaultSkew = 30 * time.Second
	// DefaultMaxBody is the largest body Verify reads to check its digest.
	DefaultMaxBody = 8 << 20
	// MaxFieldBytes bounds each of the Signature-Input and Signature fields
	// a verifier parses.
	MaxFieldBytes = 8 << 10
	// MaxNonceLen bounds the nonce, which the replay guard keeps in memory.
	MaxNonceLen = 64
	// MaxKeyIDLen bounds the keyid.
	MaxKeyIDLen = MaxSignerLen + 1 + keyHexLen
	// nonceBytes is the entropy of a nonce Sign draws: 128 bits.
	nonceBytes = 16
)

// SignOption changes what Sign covers or writes.
type SignOption func(*signConfig)

type signConfig struct {
	authority bool
	fields    []string
	ttl       time.Duration
	nonce     string
}

// WithAuthority also covers @authority (after @target-uri, which already
// contains it), for verifiers that check it separately.
func WithAuthority() SignOption { return func(c *signConfig) { c.authority = true } }

// WithFields also covers these header fields (lowercase names), after the
// default components, in the order given. Each MUST be present on the
// request.
func WithFields(names ...string) SignOption {
	return func(c *signConfig) { c.fields = append(c.fields, names...) }
}

// WithTTL sets expires to created+ttl instead of DefaultTTL. A verifier
// still refuses a signature older than its maximum age.
func WithTTL(ttl time.Duration) SignOption { return func(c *signConfig) { c.ttl = ttl } }

// WithNonce sets the nonce instead of drawing a random one. It exists for
// test vectors; a nonce MUST NOT be reused.
func WithNonce(nonce string) SignOption { return func(c *signConfig) { c.nonce = nonce } }

// Sign signs req for the medledger profile of RFC 9421 and sets its
// Content-Digest (when it has a body), Signature-Input and Signature fields,
// replacing any already there.
//
// The covered components are, in this order: "@method" "@target-uri", then
// "@authority" (WithAuthority), then "content-digest" when the body is not
// empty, then any WithFields names. The signature parameters are, in this
// fixed order: created (now, in Unix seconds), expires (created + TTL),
// keyid, alg ("ed25519") and nonce (128 random bits, base64url without
// padding). For example:
//
//	Signature-Input: sig1=("@method" "@target-uri" "content-digest");created=1700000000;expires=1700000300;keyid="northside-hospital/dr-chen#0a1b...";alg="ed25519";nonce="o8Vx..."
//	Signature: sig1=:<base64 of the 64-byte Ed25519 signature>:
//
// Sign reads the whole body to digest it and puts back an equivalent body
// (with GetBody, so that redirects and retries resend it). The target URI is
// derived from req as net/http will send it: req.URL's scheme, req.Host or
// else req.URL.Host (lowercased, default port dropped), and
// req.URL.RequestURI().
//
// keyID SHOULD be of the form SplitKeyID accepts. Errors are ErrMalformed
// for a keyid, nonce or field that cannot be signed, and ErrMissingComponent
// for a WithFields name absent from the request; a key of the wrong size is
// an internal error.
func Sign(req *http.Request, keyID string, key ed25519.PrivateKey, now time.Time, opts ...SignOption) error {
	cfg := signConfig{ttl: DefaultTTL}
	for _, o := range opts {
		o(&cfg)
	}
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("httpsig: sign: private key is %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if keyID == "" || len(keyID) > MaxKeyIDLen || !validString(keyID) {
		return ErrMalformed.New("keyid must be 1 to %d printable ASCII characters", MaxKeyIDLen)
	}
	if cfg.ttl <= 0 {
		return ErrMalformed.New("the signature TTL must be positive, got %s", cfg.ttl)
	}
	if cfg.nonce == "" {
		b := make([]byte, nonceBytes)
		rand.Read(b) // never fails (crypto/rand, Go 1.24+)
		cfg.nonce = base64.RawURLEncoding.EncodeToString(b)
	}
	if len(cfg.nonce) > MaxNonceLen || !validString(cfg.nonce) {
		return ErrMalformed.New("nonce must be 1 to %d printable ASCII characters", MaxNonceLen)
	}

	body, err := readBody(req, -1)
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	components := []string{CompMethod, CompTargetURI}
	if cfg.authority {
		components = append(components, CompAuthority)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Digest", ContentDigest(body))
		components = append(components, CompContentDigest)
	} else {
		req.Header.Del("Content-Digest")
	}
	components = append(components, cfg.fields...)

	input := innerList{}
	for _, c := range components {
		if err := checkComponentName(c); err != nil {
			return err
		}
		input.items = append(input.items, item{bare: bareItem{kind: kindString, str: c}})
	}
	created := now.Unix()
	input.params = []param{
		{"created", bareItem{kind: kindInteger, num: created}},
		{"expires", bareItem{kind: kindInteger, num: created + int64(cfg.ttl/time.Second)}},
		{"keyid", bareItem{kind: kindString, str: keyID}},
		{"alg", bareItem{kind: kindString, str: Alg}},
		{"nonce", bareItem{kind: kindString, str: cfg.nonce}},
	}
	if cfg.ttl < time.Second {
		input.params[1].val.num = created + 1
	}

	base, err := signatureBase(req, requestTarget(req, "", ""), input)
	if err != nil {
		return err
	}
	sig := ed25519.Sign(key, base)

	var in, sg strings.Builder
	in.WriteString(Label + "=")
	input.serialize(&in)
	sg.WriteString(Label + "=")
	bareItem{kind: kindBytes, bytes: sig}.serialize(&sg)
	req.Header.Set("Signature-Input", in.String())
	req.Header.Set("Signature", sg.String())
	return nil
}
