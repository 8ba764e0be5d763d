package trials

import "github.com/medledger/medledger"

// Codespace of trials errors. Codes are append-only: never renumber or
// reuse one.
const Codespace = "trials"

var (
	ErrInvalid         = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	ErrTrialExists     = medledger.Code{Codespace: Codespace, Code: 2, Slug: "trial-exists", Kind: medledger.KindConflict}
	ErrTrialNotFound   = medledger.Code{Codespace: Codespace, Code: 3, Slug: "trial-not-found", Kind: medledger.KindNotFound}
	ErrNotSponsor      = medledger.Code{Codespace: Codespace, Code: 4, Slug: "not-sponsor", Kind: medledger.KindUnauthorized}
	ErrNotSite         = medledger.Code{Codespace: Codespace, Code: 5, Slug: "not-site", Kind: medledger.KindUnauthorized}
	ErrSubjectNotFound = medledger.Code{Codespace: Codespace, Code: 6, Slug: "subject-not-found", Kind: medledger.KindNotFound}
	ErrNotParticipant  = medledger.Code{Codespace: Codespace, Code: 7, Slug: "not-participant", Kind: medledger.KindUnauthorized}
	ErrVersion         = medledger.Code{Codespace: Codespace, Code: 8, Slug: "wrong-version", Kind: medledger.KindConflict}
	ErrWithdrawn       = medledger.Code{Codespace: Codespace, Code: 9, Slug: "withdrawn", Kind: medledger.KindConflict}
	ErrNoConsent       = medledger.Code{Codespace: Codespace, Code: 10, Slug: "no-consent", Kind: medledger.KindConflict}
	ErrBadSite         = medledger.Code{Codespace: Codespace, Code: 11, Slug: "bad-site", Kind: medledger.KindInvalid}
	ErrTooLarge        = medledger.Code{Codespace: Codespace, Code: 12, Slug: "too-large", Kind: medledger.KindTooLarge}
)

// Codes lists every trials code.
var Codes = []medledger.Code{ErrInvalid, ErrTrialExists, ErrTrialNotFound, ErrNotSponsor, ErrNotSite, ErrSubjectNotFound,
	ErrNotParticipant, ErrVersion, ErrWithdrawn, ErrNoConsent, ErrBadSite, ErrTooLarge}
