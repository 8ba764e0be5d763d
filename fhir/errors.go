package fhir

import "github.com/medledger/medledger"

// Codespace of fhir errors. Codes are append-only: never renumber or reuse
// one. Match them with medledger.HasCode(err, fhir.ErrInvalidFHIR), never by
// text: the detail of ErrInvalidFHIR is the validator's own message, which
// may change with the library's version.
const Codespace = "fhir"

var (
	// ErrInvalidFHIR: the document is JSON but not a valid FHIR R4 resource
	// (an unknown field, a wrong type, a bad date, a missing required
	// field, ...). The detail is the validator's message, naming the path.
	ErrInvalidFHIR = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid-fhir", Kind: medledger.KindInvalid}
	// ErrNotJSON: the document is not a JSON object.
	ErrNotJSON = medledger.Code{Codespace: Codespace, Code: 2, Slug: "not-json", Kind: medledger.KindInvalid}
	// ErrTooLarge: the document is over MaxDocumentSize; nothing was parsed.
	ErrTooLarge = medledger.Code{Codespace: Codespace, Code: 3, Slug: "too-large", Kind: medledger.KindTooLarge}
	// ErrUnsupported: the document is of a FHIR version other than R4, of
	// a resource type R4 does not define, or asks for something the facade
	// does not do (a batch instead of a transaction, a DELETE entry).
	ErrUnsupported = medledger.Code{Codespace: Codespace, Code: 4, Slug: "unsupported", Kind: medledger.KindInvalid}
)

// Codes lists every fhir code, for documentation and the API's registry.
var Codes = []medledger.Code{ErrInvalidFHIR, ErrNotJSON, ErrTooLarge, ErrUnsupported}
