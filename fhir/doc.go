// Package fhir owns the FHIR R4 side of the records facade: it checks what
// clients send and renders what the ledger holds, in FHIR R4 JSON.
//
// What to use:
//
//   - Validate checks one resource or Bundle against FHIR R4 (with
//     google/fhir's validating unmarshaller) and reports the resource
//     types and ids it holds. SplitTransaction turns a transaction Bundle
//     into one document per resource, each for the vault and each a
//     record on the ledger. Category classifies a resource into one of
//     records.Categories. ReadDocument reads a request body within
//     MaxDocumentSize.
//   - ConsentResource, AuditEventResource, Bundle, CapabilityStatement and
//     OperationOutcome render the ledger's consents, disclosures, search
//     results, the facade's capabilities and errors.
//
// Errors are *medledger.Error of the codes in errors.go; match them with
// medledger.HasCode, never by text.
//
// It MUST NOT serve HTTP (the api package and cmd wire routes), touch the
// ledger's state or the vault, or put personal data in anything it renders:
// patients appear only by pseudonymous id, readers and custodians by
// member and organization id, records by record id. Validation errors name
// paths and field names, never values. It reads no clock: times come from
// the ledger's records.
package fhir
