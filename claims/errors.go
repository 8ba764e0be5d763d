package claims

import "github.com/medledger/medledger"

// Codespace of claims errors. Codes are append-only: never renumber or
// reuse one.
const Codespace = "claims"

var (
	// ErrInvalid: a field breaks its rule (a code, a date, an amount, a
	// list's length); the detail names it.
	ErrInvalid = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	// ErrPolicy: a policy does not compile, breaks a determinism rule
	// (floats, time, map iteration) or costs more than the limit; the
	// detail names the rule, the field, the position and the reason.
	ErrPolicy         = medledger.Code{Codespace: Codespace, Code: 2, Slug: "bad-policy", Kind: medledger.KindInvalid}
	ErrPolicyVersion  = medledger.Code{Codespace: Codespace, Code: 3, Slug: "policy-version", Kind: medledger.KindConflict}
	ErrNoPolicy       = medledger.Code{Codespace: Codespace, Code: 4, Slug: "no-policy", Kind: medledger.KindNotFound}
	ErrNotPayer       = medledger.Code{Codespace: Codespace, Code: 5, Slug: "not-payer", Kind: medledger.KindInvalid}
	ErrMemberNotFound = medledger.Code{Codespace: Codespace, Code: 6, Slug: "member-not-found", Kind: medledger.KindNotFound}
	ErrClaimNotFound  = medledger.Code{Codespace: Codespace, Code: 7, Slug: "claim-not-found", Kind: medledger.KindNotFound}
	ErrNotYours       = medledger.Code{Codespace: Codespace, Code: 8, Slug: "not-yours", Kind: medledger.KindUnauthorized}
	ErrState          = medledger.Code{Codespace: Codespace, Code: 9, Slug: "wrong-state", Kind: medledger.KindConflict}
	ErrAuthNotFound   = medledger.Code{Codespace: Codespace, Code: 10, Slug: "authorization-not-found", Kind: medledger.KindNotFound}
	ErrTooLarge       = medledger.Code{Codespace: Codespace, Code: 11, Slug: "too-large", Kind: medledger.KindTooLarge}
	ErrBadRendering   = medledger.Code{Codespace: Codespace, Code: 12, Slug: "bad-rendering", Kind: medledger.KindInvalid}
	ErrTraceExists    = medledger.Code{Codespace: Codespace, Code: 13, Slug: "trace-exists", Kind: medledger.KindConflict}
	// ErrSignedRead: a read of claim details needs a signed request
	// (RFC 9421) by the member's payer, the submitting provider or the
	// patient (under their pseudonym for this payer).
	ErrSignedRead = medledger.Code{Codespace: Codespace, Code: 14, Slug: "not-entitled", Kind: medledger.KindUnauthorized}
)

// Codes lists every claims code.
var Codes = []medledger.Code{ErrInvalid, ErrPolicy, ErrPolicyVersion, ErrNoPolicy, ErrNotPayer, ErrMemberNotFound,
	ErrClaimNotFound, ErrNotYours, ErrState, ErrAuthNotFound, ErrTooLarge, ErrBadRendering, ErrTraceExists, ErrSignedRead}
