package records

import "github.com/medledger/medledger"

// Codespace of records errors. Codes are append-only.
const Codespace = "records"

var (
	ErrInvalid          = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	ErrRecordNotFound   = medledger.Code{Codespace: Codespace, Code: 2, Slug: "record-not-found", Kind: medledger.KindNotFound}
	ErrPatientNotFound  = medledger.Code{Codespace: Codespace, Code: 3, Slug: "patient-not-found", Kind: medledger.KindNotFound}
	ErrGranteeNotFound  = medledger.Code{Codespace: Codespace, Code: 4, Slug: "grantee-not-found", Kind: medledger.KindNotFound}
	ErrConsentNotFound  = medledger.Code{Codespace: Codespace, Code: 5, Slug: "consent-not-found", Kind: medledger.KindNotFound}
	ErrNotYours         = medledger.Code{Codespace: Codespace, Code: 6, Slug: "not-your-record", Kind: medledger.KindUnauthorized}
	ErrRevoked          = medledger.Code{Codespace: Codespace, Code: 7, Slug: "consent-revoked", Kind: medledger.KindConflict}
	ErrErased           = medledger.Code{Codespace: Codespace, Code: 8, Slug: "record-erased", Kind: medledger.KindGone}
	ErrBreakGlassRole   = medledger.Code{Codespace: Codespace, Code: 9, Slug: "break-glass-not-allowed", Kind: medledger.KindUnauthorized}
	ErrNoConsent        = medledger.Code{Codespace: Codespace, Code: 11, Slug: "no-consent", Kind: medledger.KindUnauthorized}
	ErrNotCustodianNode = medledger.Code{Codespace: Codespace, Code: 12, Slug: "not-custodian", Kind: medledger.KindInvalid}
	ErrFrozen           = medledger.Code{Codespace: Codespace, Code: 13, Slug: "patient-frozen", Kind: medledger.KindConflict}
	// ErrLookupRequired: a signed read of a patient's metadata by anyone
	// but the patient came without the records/lookup that logs it.
	ErrLookupRequired = medledger.Code{Codespace: Codespace, Code: 14, Slug: "lookup-required", Kind: medledger.KindInvalid}
)

// Codes lists every records code.
var Codes = []medledger.Code{ErrInvalid, ErrRecordNotFound, ErrPatientNotFound, ErrGranteeNotFound, ErrConsentNotFound,
	ErrNotYours, ErrRevoked, ErrErased, ErrBreakGlassRole, ErrNoConsent, ErrNotCustodianNode, ErrFrozen, ErrLookupRequired}
