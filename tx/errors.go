package tx

import "github.com/medledger/medledger"

// Codespace of envelope errors. Codes are append-only.
const Codespace = "tx"

var (
	ErrMalformed     = medledger.Code{Codespace: Codespace, Code: 1, Slug: "malformed", Kind: medledger.KindInvalid}
	ErrOversize      = medledger.Code{Codespace: Codespace, Code: 2, Slug: "oversize", Kind: medledger.KindTooLarge}
	ErrUnknownType   = medledger.Code{Codespace: Codespace, Code: 3, Slug: "unknown-type", Kind: medledger.KindInvalid}
	ErrBadSignature  = medledger.Code{Codespace: Codespace, Code: 4, Slug: "bad-signature", Kind: medledger.KindUnauthorized}
	ErrUnknownSigner = medledger.Code{Codespace: Codespace, Code: 5, Slug: "unknown-signer", Kind: medledger.KindUnauthorized}
	ErrSuspended     = medledger.Code{Codespace: Codespace, Code: 6, Slug: "suspended-signer", Kind: medledger.KindUnauthorized}
	ErrWrongChain    = medledger.Code{Codespace: Codespace, Code: 7, Slug: "wrong-chain", Kind: medledger.KindInvalid}
	ErrReplayed      = medledger.Code{Codespace: Codespace, Code: 8, Slug: "replayed", Kind: medledger.KindConflict}
	ErrExpired       = medledger.Code{Codespace: Codespace, Code: 9, Slug: "expired", Kind: medledger.KindInvalid}
	ErrUnauthorized  = medledger.Code{Codespace: Codespace, Code: 10, Slug: "unauthorized", Kind: medledger.KindUnauthorized}
	ErrKeyMismatch   = medledger.Code{Codespace: Codespace, Code: 11, Slug: "key-mismatch", Kind: medledger.KindUnauthorized}
	ErrExpiryTooFar  = medledger.Code{Codespace: Codespace, Code: 12, Slug: "expiry-too-far", Kind: medledger.KindInvalid}
)

// Codes lists every envelope code, for documentation and tests.
var Codes = []medledger.Code{ErrMalformed, ErrOversize, ErrUnknownType, ErrBadSignature, ErrUnknownSigner,
	ErrSuspended, ErrWrongChain, ErrReplayed, ErrExpired, ErrUnauthorized, ErrKeyMismatch, ErrExpiryTooFar}
