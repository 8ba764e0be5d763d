package httpsig

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/medledger/medledger"
)

// Verified describes a signature Verify accepted.
type Verified struct {
	KeyID      string    // the keyid parameter, as SplitKeyID reads it
	Created    time.Time // the created parameter
	Expires    time.Time // the expires parameter; zero if the signer sent none
	Nonce      string    // the nonce parameter
	Components []string  // the covered components, in signed order
}

// KeyLookup returns the Ed25519 public key a keyid names. It MUST return an
// error for a keyid it does not know, or whose signer may not act (a
// suspended member); a *medledger.Error keeps its code (Verify passes it on),
// any other error is reported as ErrUnknownKey.
type KeyLookup func(keyID string) (ed25519.PublicKey, error)

// VerifyOption changes what Verify expects.
type VerifyOption func(*verifyConfig)

type verifyConfig struct {
	label     string
	scheme    string
	authority string
	maxAge    time.Duration
	skew      time.Duration
	maxBody   int64
	required  []string
	guard     *NonceCache
}

// WithExpectedScheme makes the verifier rebuild @target-uri and @scheme
// with this scheme ("https") instead of the connection's, for a node behind
// a TLS-terminating reverse proxy.
func WithExpectedScheme(scheme string) VerifyOption {
	return func(c *verifyConfig) { c.scheme = strings.ToLower(scheme) }
}

// WithExpectedAuthority makes the verifier rebuild @target-uri and
// @authority with this authority ("api.northside.example") instead of the
// Host header. A node SHOULD set it to its public name: then a request
// signed for another node does not verify here.
func WithExpectedAuthority(authority string) VerifyOption {
	return func(c *verifyConfig) { c.authority = authority }
}

// WithMaxAge sets the oldest created accepted (DefaultMaxAge).
func WithMaxAge(d time.Duration) VerifyOption { return func(c *verifyConfig) { c.maxAge = d } }

// WithSkew sets how far in the future created may lie (DefaultSkew).
func WithSkew(d time.Duration) VerifyOption { return func(c *verifyConfig) { c.skew = d } }

// WithMaxBody sets the largest body Verify reads (DefaultMaxBody).
func WithMaxBody(n int64) VerifyOption { return func(c *verifyConfig) { c.maxBody = n } }

// WithRequired adds components the signature MUST cover, beyond @method,
// @target-uri and (for a body) content-digest.
func WithRequired(components ...string) VerifyOption {
	return func(c *verifyConfig) { c.required = append(c.required, components...) }
}

// WithLabel verifies the signature of this label instead of Label.
func WithLabel(label string) VerifyOption { return func(c *verifyConfig) { c.label = label } }

// WithReplayGuard records each verified (keyid, nonce) in g and refuses one
// seen before with ErrReplayed. The guard is consulted only after the
// signature verified, so unsigned requests cannot fill it.
func WithReplayGuard(g *NonceCache) VerifyOption { return func(c *verifyConfig) { c.guard = g } }

// Verify checks the medledger RFC 9421 signature on a request a node
// received, and returns what it verified.
//
// In order, cheapest first, it: finds the Signature-Input and Signature
// members labelled "sig1" (ErrMissingSignature); parses both as RFC 8941
// dictionaries within MaxFieldBytes (ErrTooLarge, ErrMalformed); checks
// alg="ed25519" (ErrUnsupportedAlg), that keyid, created and nonce are
// present (ErrMalformed) and that @method, @target-uri and every WithRequired
// component are covered (ErrMissingComponent); checks created is not later
// than now+skew (ErrNotYetValid) nor older than the maximum age, and that
// expires, if sent, has not passed (ErrExpired); reads the body within the
// size limit (ErrTooLarge) and, if it is not empty, requires content-digest
// to be covered (ErrMissingComponent); looks the key up (ErrUnknownKey, or
// the lookup's own code); rebuilds the signature base of RFC 9421 section
// 2.5 and checks the Ed25519 signature (ErrBadSignature); checks
// Content-Digest against the body (ErrDigestMismatch); and finally consults
// the replay guard, if any (ErrReplayed). The body is put back for the
// handler.
//
// The target URI is rebuilt from what the node sees: scheme "https" if the
// connection used TLS and "http" otherwise, the Host header, and the request
// target exactly as sent (req.RequestURI), unless WithExpectedScheme or
// WithExpectedAuthority say otherwise. Forwarded and X-Forwarded-* headers
// are never trusted.
func Verify(req *http.Request, lookup KeyLookup, now time.Time, opts ...VerifyOption) (Verified, error) {
	cfg := verifyConfig{label: Label, maxAge: DefaultMaxAge, skew: DefaultSkew, maxBody: DefaultMaxBody}
	for _, o := range opts {
		o(&cfg)
	}
	input, sig, err := signatureFields(req, cfg.label)
	if err != nil {
		return Verified{}, err
	}
	v, err := checkInput(input, cfg, now)
	if err != nil {
		return Verified{}, err
	}

	body, err := readBody(req, cfg.maxBody)
	if err != nil {
		return Verified{}, err
	}
	digestCovered := slices.Contains(v.Components, CompContentDigest)
	if len(body) > 0 && !digestCovered {
		return Verified{}, ErrMissingComponent.New("the request has a body, so the signature must cover content-digest")
	}

	pub, err := lookup(v.KeyID)
	if err != nil {
		var me *medledger.Error
		if errors.As(err, &me) {
			return Verified{}, fmt.Errorf("keyid %q: %w", v.KeyID, err)
		}
		return Verified{}, ErrUnknownKey.Wrap(err, "keyid %q names no key this node knows", v.KeyID)
	}
	if len(pub) != ed25519.PublicKeySize {
		return Verified{}, ErrUnknownKey.New("keyid %q names no Ed25519 public key", v.KeyID)
	}

	t := requestTarget(req, cfg.scheme, cfg.authority)
	base, err := signatureBase(req, t, input)
	if err != nil {
		return Verified{}, err
	}
	if !ed25519.Verify(pub, base, sig) {
		uri, _ := t.uri()
		return Verified{}, ErrBadSignature.New("the signature does not verify with the key of keyid %q over the signature base this node built (method %s, target URI %s): sign exactly these", v.KeyID, t.method, medledger.Quote(uri))
	}
	if digestCovered {
		if err := checkContentDigest(strings.Join(req.Header.Values("Content-Digest"), ", "), body); err != nil {
			return Verified{}, err
		}
	}
	if cfg.guard != nil {
		until := v.Created.Add(cfg.maxAge)
		if !v.Expires.IsZero() && v.Expires.Before(until) {
			until = v.Expires
		}
		if err := cfg.guard.Check(v.KeyID, v.Nonce, until, now); err != nil {
			return Verified{}, err
		}
	}
	return v, nil
}

// signatureFields returns the parsed Signature-Input member and the
// signature bytes of label.
func signatureFields(req *http.Request, label string) (innerList, []byte, error) {
	inLines, sigLines := req.Header.Values("Signature-Input"), req.Header.Values("Signature")
	switch {
	case len(inLines) == 0 && len(sigLines) == 0:
		return innerList{}, nil, ErrMissingSignature.New("the request has no Signature-Input and Signature fields: sign it (RFC 9421, keyid \"<signer id>#<key id>\", alg \"ed25519\")")
	case len(inLines) == 0:
		return innerList{}, nil, ErrMissingSignature.New("the request has a Signature field but no Signature-Input field")
	case len(sigLines) == 0:
		return innerList{}, nil, ErrMissingSignature.New("the request has a Signature-Input field but no Signature field")
	}
	inField, sigField := strings.Join(inLines, ", "), strings.Join(sigLines, ", ")
	if len(inField) > MaxFieldBytes || len(sigField) > MaxFieldBytes {
		return innerList{}, nil, ErrTooLarge.New("Signature-Input and Signature are limited to %d bytes each", MaxFieldBytes)
	}
	inputs, err := parseDictionary(inField)
	if err != nil {
		return innerList{}, nil, ErrMalformed.New("Signature-Input: %v", err)
	}
	sigs, err := parseDictionary(sigField)
	if err != nil {
		return innerList{}, nil, ErrMalformed.New("Signature: %v", err)
	}
	in, okIn := inputs.get(label)
	sg, okSig := sigs.get(label)
	switch {
	case !okIn && !okSig:
		return innerList{}, nil, ErrMissingSignature.New("no signature labelled %q: label the signature %s=", label, label)
	case !okIn:
		return innerList{}, nil, ErrMalformed.New("Signature has %q but Signature-Input does not", label)
	case !okSig:
		return innerList{}, nil, ErrMalformed.New("Signature-Input has %q but Signature does not", label)
	case !in.isList:
		return innerList{}, nil, ErrMalformed.New("Signature-Input %s is not an inner list of components (...)", label)
	case sg.isList || sg.item.bare.kind != kindBytes:
		return innerList{}, nil, ErrMalformed.New("Signature %s is not a byte sequence :<base64>:", label)
	case len(sg.item.bare.bytes) != ed25519.SignatureSize:
		return innerList{}, nil, ErrMalformed.New("Signature %s is %d bytes, an Ed25519 signature is %d", label, len(sg.item.bare.bytes), ed25519.SignatureSize)
	}
	if err := checkComponents(in.list); err != nil {
		return innerList{}, nil, err
	}
	return in.list, sg.item.bare.bytes, nil
}

// checkComponents checks the covered components of a parsed Signature-Input
// member: strings without parameters, each a supported component, none
// twice.
func checkComponents(l innerList) error {
	seen := map[string]bool{}
	for _, it := range l.items {
		if it.bare.kind != kindString {
			return ErrMalformed.New("covered components are strings such as \"@method\"")
		}
		if len(it.params) > 0 {
			return ErrMalformed.New("component %s has parameters (;sf, ;key, ;bs, ;req, ;tr, ;name), which this node does not support", medledger.Quote(it.bare.str))
		}
		if err := checkComponentName(it.bare.str); err != nil {
			return err
		}
		if seen[it.bare.str] {
			return ErrMalformed.New("component %s is covered twice", medledger.Quote(it.bare.str))
		}
		seen[it.bare.str] = true
	}
	return nil
}

// checkInput checks the signature parameters and the covered components
// against the profile and the clock.
func checkInput(l innerList, cfg verifyConfig, now time.Time) (Verified, error) {
	var v Verified
	for _, it := range l.items {
		v.Components = append(v.Components, it.bare.str)
	}
	str := func(key string) (string, bool, error) {
		b, ok := paramValue(l.params, key)
		if !ok {
			return "", false, nil
		}
		if b.kind != kindString {
			return "", true, ErrMalformed.New("signature parameter %s must be a string", key)
		}
		return b.str, true, nil
	}
	integer := func(key string) (int64, bool, error) {
		b, ok := paramValue(l.params, key)
		if !ok {
			return 0, false, nil
		}
		if b.kind != kindInteger || b.num < 0 {
			return 0, true, ErrMalformed.New("signature parameter %s must be a non-negative integer (Unix seconds)", key)
		}
		return b.num, true, nil
	}

	alg, ok, err := str("alg")
	switch {
	case err != nil:
		return v, err
	case !ok:
		return v, ErrUnsupportedAlg.New("the signature has no alg parameter: send alg=\"%s\"", Alg)
	case alg != Alg:
		return v, ErrUnsupportedAlg.New("alg %s is not supported: sign with Ed25519 and send alg=\"%s\"", medledger.Quote(alg), Alg)
	}
	keyID, ok, err := str("keyid")
	switch {
	case err != nil:
		return v, err
	case !ok || keyID == "":
		return v, ErrMalformed.New("the signature has no keyid parameter: send keyid=\"<signer id>#<key id>\"")
	case len(keyID) > MaxKeyIDLen:
		return v, ErrTooLarge.New("keyid is over %d characters", MaxKeyIDLen)
	}
	v.KeyID = keyID
	nonce, ok, err := str("nonce")
	switch {
	case err != nil:
		return v, err
	case !ok || nonce == "":
		return v, ErrMalformed.New("the signature has no nonce parameter: send a fresh random nonce with every request")
	case len(nonce) > MaxNonceLen:
		return v, ErrMalformed.New("nonce is over %d characters", MaxNonceLen)
	}
	v.Nonce = nonce

	required := append([]string{CompMethod, CompTargetURI}, cfg.required...)
	for _, r := range required {
		if !slices.Contains(v.Components, r) {
			covers := l.String()
			if len(covers) > medledger.QuoteMax {
				covers = medledger.Quote(covers)
			}
			return v, ErrMissingComponent.New("the signature must cover %q; it covers %s", r, covers)
		}
	}

	created, ok, err := integer("created")
	switch {
	case err != nil:
		return v, err
	case !ok:
		return v, ErrMalformed.New("the signature has no created parameter: send created=<Unix seconds>")
	}
	v.Created = time.Unix(created, 0)
	expires, hasExpires, err := integer("expires")
	if err != nil {
		return v, err
	}
	if hasExpires {
		if expires < created {
			return v, ErrMalformed.New("expires %d is before created %d", expires, created)
		}
		v.Expires = time.Unix(expires, 0)
	}
	if v.Created.After(now.Add(cfg.skew)) {
		return v, ErrNotYetValid.New("created %d is %s ahead of this node's clock (%d), more than the %s allowed: check the signer's clock", created, v.Created.Sub(now).Truncate(time.Second), now.Unix(), cfg.skew)
	}
	if now.Sub(v.Created) > cfg.maxAge {
		return v, ErrExpired.New("created %d is %s old, more than the %s allowed: sign the request again", created, now.Sub(v.Created).Truncate(time.Second), cfg.maxAge)
	}
	if hasExpires && now.After(v.Expires) {
		return v, ErrExpired.New("the signature expired at %d, now is %d: sign the request again", expires, now.Unix())
	}
	return v, nil
}
