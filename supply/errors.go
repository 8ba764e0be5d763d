package supply

import "github.com/medledger/medledger"

// Codespace of supply errors. Codes are append-only.
const Codespace = "supply"

var (
	ErrInvalid          = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	ErrProductNotFound  = medledger.Code{Codespace: Codespace, Code: 2, Slug: "product-not-found", Kind: medledger.KindNotFound}
	ErrLotNotFound      = medledger.Code{Codespace: Codespace, Code: 3, Slug: "lot-not-found", Kind: medledger.KindNotFound}
	ErrPackNotFound     = medledger.Code{Codespace: Codespace, Code: 4, Slug: "pack-not-found", Kind: medledger.KindNotFound}
	ErrCaseNotFound     = medledger.Code{Codespace: Codespace, Code: 5, Slug: "case-not-found", Kind: medledger.KindNotFound}
	ErrExists           = medledger.Code{Codespace: Codespace, Code: 6, Slug: "already-exists", Kind: medledger.KindConflict}
	ErrNotCustodian     = medledger.Code{Codespace: Codespace, Code: 7, Slug: "not-custodian", Kind: medledger.KindUnauthorized}
	ErrNotOwner         = medledger.Code{Codespace: Codespace, Code: 8, Slug: "not-manufacturer", Kind: medledger.KindUnauthorized}
	ErrState            = medledger.Code{Codespace: Codespace, Code: 9, Slug: "wrong-state", Kind: medledger.KindConflict}
	ErrInTransit        = medledger.Code{Codespace: Codespace, Code: 10, Slug: "in-transit", Kind: medledger.KindConflict}
	ErrContained        = medledger.Code{Codespace: Codespace, Code: 11, Slug: "inside-container", Kind: medledger.KindConflict}
	ErrShipmentNotFound = medledger.Code{Codespace: Codespace, Code: 12, Slug: "shipment-not-found", Kind: medledger.KindNotFound}
	ErrWrongPartner     = medledger.Code{Codespace: Codespace, Code: 13, Slug: "wrong-partner", Kind: medledger.KindUnauthorized}
	ErrReceiptMismatch  = medledger.Code{Codespace: Codespace, Code: 14, Slug: "receipt-mismatch", Kind: medledger.KindConflict}
	ErrRecalled         = medledger.Code{Codespace: Codespace, Code: 15, Slug: "recalled", Kind: medledger.KindConflict}
	ErrExpired          = medledger.Code{Codespace: Codespace, Code: 16, Slug: "expired", Kind: medledger.KindConflict}
	ErrNotPartner       = medledger.Code{Codespace: Codespace, Code: 17, Slug: "not-trading-partner", Kind: medledger.KindUnauthorized}
	ErrNotSuspect       = medledger.Code{Codespace: Codespace, Code: 18, Slug: "not-suspect", Kind: medledger.KindConflict}
	ErrRecallNotFound   = medledger.Code{Codespace: Codespace, Code: 19, Slug: "recall-not-found", Kind: medledger.KindNotFound}
	ErrReportNotFound   = medledger.Code{Codespace: Codespace, Code: 20, Slug: "report-not-found", Kind: medledger.KindNotFound}
	ErrBadCode          = medledger.Code{Codespace: Codespace, Code: 21, Slug: "bad-code", Kind: medledger.KindInvalid}
	ErrTooLarge         = medledger.Code{Codespace: Codespace, Code: 22, Slug: "too-large", Kind: medledger.KindTooLarge}
	ErrUnlicensed       = medledger.Code{Codespace: Codespace, Code: 23, Slug: "unlicensed-partner", Kind: medledger.KindUnauthorized}
	// ErrQuarantined: the item is held by an open suspect-product report.
	ErrQuarantined = medledger.Code{Codespace: Codespace, Code: 24, Slug: "quarantined", Kind: medledger.KindConflict}
	// ErrIllegitimate: the item was determined illegitimate.
	ErrIllegitimate = medledger.Code{Codespace: Codespace, Code: 25, Slug: "illegitimate", Kind: medledger.KindConflict}
	// ErrUnverifiedReturn: a returned item is sold on only after its label
	// is verified against the chain (supply/verify-return).
	ErrUnverifiedReturn = medledger.Code{Codespace: Codespace, Code: 26, Slug: "unverified-return", Kind: medledger.KindConflict}
	// ErrLabelMismatch: a returned item's label does not match the chain.
	ErrLabelMismatch = medledger.Code{Codespace: Codespace, Code: 27, Slug: "label-mismatch", Kind: medledger.KindConflict}
	// ErrNotInvestigator: neither the product's manufacturer nor the
	// partner holding it.
	ErrNotInvestigator = medledger.Code{Codespace: Codespace, Code: 28, Slug: "not-investigator", Kind: medledger.KindUnauthorized}
)

// Codes lists every supply code.
var Codes = []medledger.Code{ErrInvalid, ErrProductNotFound, ErrLotNotFound, ErrPackNotFound, ErrCaseNotFound, ErrExists,
	ErrNotCustodian, ErrNotOwner, ErrState, ErrInTransit, ErrContained, ErrShipmentNotFound, ErrWrongPartner,
	ErrReceiptMismatch, ErrRecalled, ErrExpired, ErrNotPartner, ErrNotSuspect, ErrRecallNotFound, ErrReportNotFound, ErrBadCode, ErrTooLarge, ErrUnlicensed,
	ErrQuarantined, ErrIllegitimate, ErrUnverifiedReturn, ErrLabelMismatch, ErrNotInvestigator}
