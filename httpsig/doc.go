// Package httpsig owns the authentication of HTTP requests to a medledger
// node: HTTP Message Signatures (RFC 9421) with Ed25519, and the
// Content-Digest field (RFC 9530) that binds the body to the signature. A
// member or a patient signs a REST or FHIR request with their chain key;
// the node verifies it before a handler runs.
//
// Use Sign on the client and Verify on the server:
//
//	err := httpsig.Sign(req, httpsig.JoinKeyID("northside-hospital/dr-chen", keyID), priv, time.Now())
//
//	v, err := httpsig.Verify(r, lookup, time.Now(),
//		httpsig.WithExpectedAuthority("api.northside.example"), httpsig.WithReplayGuard(guard))
//
// It MUST NOT read or write chain state, and it makes no authorization
// decision: the key lookup is injected (KeyLookup), and what the verified
// signer may do is for the caller to decide from state. It holds no keys.
// Its only state is the optional NonceCache, which is per node and in
// memory, never consensus.
//
// # The medledger profile
//
// A signature is labelled "sig1" and covers, in order, "@method",
// "@target-uri", optionally "@authority", and "content-digest" whenever the
// request has a non-empty body, then any extra fields the signer chose. Its
// parameters are, in this order: created, expires (created + 5 minutes by
// default), keyid, alg="ed25519" and nonce (128 random bits, base64url). The
// keyid is `<signer id>#<key id>` (SplitKeyID): "northside-hospital/dr-chen#0a1b..."
// for a member, "pat-...#..." for a patient.
//
// A verifier requires alg="ed25519", keyid, created and nonce; @method and
// @target-uri covered (and content-digest when there is a body); created no
// more than 30 seconds in its future and no more than 5 minutes in its
// past; expires, when sent, not passed; and a Content-Digest whose sha-256
// (or sha-512) entries match the body, read up to a limit.
//
// # Behind a reverse proxy
//
// The verifier rebuilds @target-uri from the request as the node received
// it: scheme "http" unless the connection is TLS, the Host header, and the
// request target exactly as sent (req.RequestURI, not the decoded and
// possibly rewritten req.URL). A client that signed
// "https://api.northside.example/v1/records" reaches a node behind a
// TLS-terminating proxy as "http://10.0.0.5:26680/v1/records"; the node then
// MUST be told its public scheme and authority with WithExpectedScheme and
// WithExpectedAuthority. Forwarded and X-Forwarded-* headers are never
// trusted, because anyone can send them. The proxy MUST pass the path and
// query through unchanged.
//
// # What of RFC 9421 is implemented
//
// Signing and verifying requests with the ed25519 algorithm (section
// 3.3.6); the signature base of section 2.5; the derived components
// @method, @target-uri, @authority, @scheme, @request-target, @path and
// @query (section 2.2); HTTP fields as covered components, canonicalized as
// in section 2.1 (field lines trimmed and joined with ", "); the
// signature parameters of section 2.3; the Signature-Input and Signature
// fields of sections 4.1 and 4.2, parsed as RFC 8941 dictionaries.
//
// Not implemented: other algorithms (RSA, ECDSA, HMAC); response signatures
// and @status; component parameters (sf, key, bs, req, tr, name) and so
// @query-param; the tag parameter as a selector; verifying more than one
// signature of a message; Accept-Signature (section 5). Two deliberate
// departures: a dictionary or parameter key given twice is refused (RFC 8941
// keeps the last), and a signature base with bytes outside printable ASCII
// is refused.
package httpsig
