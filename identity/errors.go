package identity

import "github.com/medledger/medledger"

// Codespace of identity errors. Codes are append-only.
const Codespace = "identity"

var (
	ErrInvalid          = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	ErrOrgExists        = medledger.Code{Codespace: Codespace, Code: 2, Slug: "org-exists", Kind: medledger.KindConflict}
	ErrOrgNotFound      = medledger.Code{Codespace: Codespace, Code: 3, Slug: "org-not-found", Kind: medledger.KindNotFound}
	ErrMemberExists     = medledger.Code{Codespace: Codespace, Code: 4, Slug: "member-exists", Kind: medledger.KindConflict}
	ErrMemberNotFound   = medledger.Code{Codespace: Codespace, Code: 5, Slug: "member-not-found", Kind: medledger.KindNotFound}
	ErrProposalNotFound = medledger.Code{Codespace: Codespace, Code: 6, Slug: "proposal-not-found", Kind: medledger.KindNotFound}
	ErrProposalClosed   = medledger.Code{Codespace: Codespace, Code: 7, Slug: "proposal-closed", Kind: medledger.KindConflict}
	ErrAlreadyVoted     = medledger.Code{Codespace: Codespace, Code: 8, Slug: "already-voted", Kind: medledger.KindConflict}
	ErrNotOwnOrg        = medledger.Code{Codespace: Codespace, Code: 9, Slug: "not-own-org", Kind: medledger.KindUnauthorized}
	ErrBadKey           = medledger.Code{Codespace: Codespace, Code: 10, Slug: "bad-key", Kind: medledger.KindInvalid}
	ErrPatientExists    = medledger.Code{Codespace: Codespace, Code: 11, Slug: "patient-exists", Kind: medledger.KindConflict}
	ErrRoleNotAllowed   = medledger.Code{Codespace: Codespace, Code: 12, Slug: "role-not-allowed", Kind: medledger.KindInvalid}
	ErrProposalExpired  = medledger.Code{Codespace: Codespace, Code: 13, Slug: "proposal-expired", Kind: medledger.KindConflict}
	ErrSelf             = medledger.Code{Codespace: Codespace, Code: 14, Slug: "self-action", Kind: medledger.KindConflict}
	ErrWrongStatus      = medledger.Code{Codespace: Codespace, Code: 15, Slug: "wrong-status", Kind: medledger.KindConflict}
	ErrPatientNotFound  = medledger.Code{Codespace: Codespace, Code: 16, Slug: "patient-not-found", Kind: medledger.KindNotFound}
	ErrPseudonymExists  = medledger.Code{Codespace: Codespace, Code: 17, Slug: "pseudonym-exists", Kind: medledger.KindConflict}
	ErrFrozen           = medledger.Code{Codespace: Codespace, Code: 18, Slug: "patient-frozen", Kind: medledger.KindConflict}
	ErrNoGuardians      = medledger.Code{Codespace: Codespace, Code: 19, Slug: "no-guardians", Kind: medledger.KindConflict}
	ErrNotGuardian      = medledger.Code{Codespace: Codespace, Code: 20, Slug: "not-guardian", Kind: medledger.KindUnauthorized}
	ErrRecoveryNotFound = medledger.Code{Codespace: Codespace, Code: 21, Slug: "recovery-not-found", Kind: medledger.KindNotFound}
	ErrRecoveryClosed   = medledger.Code{Codespace: Codespace, Code: 22, Slug: "recovery-closed", Kind: medledger.KindConflict}
	ErrAlreadyApproved  = medledger.Code{Codespace: Codespace, Code: 23, Slug: "already-approved", Kind: medledger.KindConflict}
	ErrRecoveryPending  = medledger.Code{Codespace: Codespace, Code: 24, Slug: "recovery-pending", Kind: medledger.KindConflict}
	// ErrLookupRequired: a read of a patient's guardians or recoveries by
	// anyone but the patient came without the identity/lookup that logs it.
	ErrLookupRequired = medledger.Code{Codespace: Codespace, Code: 25, Slug: "lookup-required", Kind: medledger.KindInvalid}
)

// Codes lists every identity code.
var Codes = []medledger.Code{ErrInvalid, ErrOrgExists, ErrOrgNotFound, ErrMemberExists, ErrMemberNotFound, ErrProposalNotFound,
	ErrProposalClosed, ErrAlreadyVoted, ErrNotOwnOrg, ErrBadKey, ErrPatientExists, ErrRoleNotAllowed, ErrProposalExpired,
	ErrSelf, ErrWrongStatus, ErrPatientNotFound, ErrPseudonymExists, ErrFrozen, ErrNoGuardians, ErrNotGuardian, ErrRecoveryNotFound,
	ErrRecoveryClosed, ErrAlreadyApproved, ErrRecoveryPending, ErrLookupRequired}
