package httpsig

import "github.com/medledger/medledger"

// Codespace of HTTP signature errors. Codes are append-only: never reorder,
// renumber or reuse them, clients match on them.
const Codespace = "httpsig"

// Error codes. Every error Sign and Verify return for bad input is a
// *medledger.Error of one of these codes, with a detail that says what was
// wrong and how to fix it; match them with medledger.HasCode(err, ErrExpired)
// or errors.Is(err, ErrExpired.Sentinel()), never by message text. The api
// package turns them into RFC 9457 problem documents.
var (
	// ErrMissingSignature: the request has no Signature-Input or Signature
	// field, or none labelled as the verifier expects ("sig1").
	ErrMissingSignature = medledger.Code{Codespace: Codespace, Code: 1, Slug: "missing-signature", Kind: medledger.KindUnauthenticated}
	// ErrMalformed: a signature field, a Content-Digest field, a signature
	// parameter or a key id does not parse, or a covered component cannot be
	// put in a signature base.
	ErrMalformed = medledger.Code{Codespace: Codespace, Code: 2, Slug: "malformed-signature", Kind: medledger.KindInvalid}
	// ErrUnsupportedAlg: alg is absent or not "ed25519", or Content-Digest
	// carries no algorithm the node checks.
	ErrUnsupportedAlg = medledger.Code{Codespace: Codespace, Code: 3, Slug: "unsupported-alg", Kind: medledger.KindInvalid}
	// ErrExpired: the signature's expires time has passed, or it was created
	// longer ago than the verifier's maximum age.
	ErrExpired = medledger.Code{Codespace: Codespace, Code: 4, Slug: "signature-expired", Kind: medledger.KindInvalid}
	// ErrNotYetValid: created lies in the future by more than the allowed
	// clock skew.
	ErrNotYetValid = medledger.Code{Codespace: Codespace, Code: 5, Slug: "signature-not-yet-valid", Kind: medledger.KindInvalid}
	// ErrDigestMismatch: the body does not hash to the Content-Digest value.
	ErrDigestMismatch = medledger.Code{Codespace: Codespace, Code: 6, Slug: "digest-mismatch", Kind: medledger.KindInvalid}
	// ErrBadSignature: the Ed25519 signature does not verify over the
	// signature base the node rebuilt from the request.
	ErrBadSignature = medledger.Code{Codespace: Codespace, Code: 7, Slug: "bad-signature", Kind: medledger.KindUnauthorized}
	// ErrUnknownKey: the key lookup knows no key of that keyid.
	ErrUnknownKey = medledger.Code{Codespace: Codespace, Code: 8, Slug: "unknown-key", Kind: medledger.KindUnauthorized}
	// ErrMissingComponent: a component the node requires is not covered by
	// the signature, or a covered header field is absent from the request.
	ErrMissingComponent = medledger.Code{Codespace: Codespace, Code: 9, Slug: "missing-component", Kind: medledger.KindInvalid}
	// ErrTooLarge: the body or a signature field is over its limit.
	ErrTooLarge = medledger.Code{Codespace: Codespace, Code: 10, Slug: "too-large", Kind: medledger.KindTooLarge}
	// ErrReplayed: the replay guard has seen this keyid and nonce already.
	ErrReplayed = medledger.Code{Codespace: Codespace, Code: 11, Slug: "replayed", Kind: medledger.KindConflict}
	// ErrBusy: the replay guard is full of live nonces and refuses new ones
	// rather than forget one that could then be replayed.
	ErrBusy = medledger.Code{Codespace: Codespace, Code: 12, Slug: "replay-guard-full", Kind: medledger.KindUnavailable}
)

// Codes lists every code of this package, for documentation, tests and
// api.RegisterCodes.
var Codes = []medledger.Code{ErrMissingSignature, ErrMalformed, ErrUnsupportedAlg, ErrExpired, ErrNotYetValid,
	ErrDigestMismatch, ErrBadSignature, ErrUnknownKey, ErrMissingComponent, ErrTooLarge, ErrReplayed, ErrBusy}
