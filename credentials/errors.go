package credentials

import "github.com/medledger/medledger"

// Codespace of credentials errors. Codes are append-only: never renumber or
// reuse one.
const Codespace = "credentials"

var (
	ErrInvalid          = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	ErrUnknownType      = medledger.Code{Codespace: Codespace, Code: 2, Slug: "unknown-type", Kind: medledger.KindInvalid}
	ErrNotAuthorized    = medledger.Code{Codespace: Codespace, Code: 3, Slug: "issuer-not-authorized", Kind: medledger.KindUnauthorized}
	ErrSubject          = medledger.Code{Codespace: Codespace, Code: 4, Slug: "bad-subject", Kind: medledger.KindInvalid}
	ErrExists           = medledger.Code{Codespace: Codespace, Code: 5, Slug: "already-exists", Kind: medledger.KindConflict}
	ErrNotFound         = medledger.Code{Codespace: Codespace, Code: 6, Slug: "credential-not-found", Kind: medledger.KindNotFound}
	ErrNotIssuer        = medledger.Code{Codespace: Codespace, Code: 7, Slug: "not-issuer", Kind: medledger.KindUnauthorized}
	ErrWrongStatus      = medledger.Code{Codespace: Codespace, Code: 8, Slug: "wrong-status", Kind: medledger.KindConflict}
	ErrSlotTaken        = medledger.Code{Codespace: Codespace, Code: 9, Slug: "status-slot-taken", Kind: medledger.KindConflict}
	ErrProposalNotFound = medledger.Code{Codespace: Codespace, Code: 10, Slug: "proposal-not-found", Kind: medledger.KindNotFound}
	ErrProposalClosed   = medledger.Code{Codespace: Codespace, Code: 11, Slug: "proposal-closed", Kind: medledger.KindConflict}
	ErrAlreadyVoted     = medledger.Code{Codespace: Codespace, Code: 12, Slug: "already-voted", Kind: medledger.KindConflict}
	ErrProposalExpired  = medledger.Code{Codespace: Codespace, Code: 13, Slug: "proposal-expired", Kind: medledger.KindConflict}
	ErrIssuerNotFound   = medledger.Code{Codespace: Codespace, Code: 14, Slug: "issuer-not-found", Kind: medledger.KindNotFound}
	ErrKeyNotCurrent    = medledger.Code{Codespace: Codespace, Code: 15, Slug: "key-not-current", Kind: medledger.KindUnauthorized}
	ErrListNotFound     = medledger.Code{Codespace: Codespace, Code: 16, Slug: "status-list-not-found", Kind: medledger.KindNotFound}
)

// Codes lists every credentials code.
var Codes = []medledger.Code{ErrInvalid, ErrUnknownType, ErrNotAuthorized, ErrSubject, ErrExists, ErrNotFound, ErrNotIssuer,
	ErrWrongStatus, ErrSlotTaken, ErrProposalNotFound, ErrProposalClosed, ErrAlreadyVoted, ErrProposalExpired,
	ErrIssuerNotFound, ErrKeyNotCurrent, ErrListNotFound}
