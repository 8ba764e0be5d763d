package fhir

import (
	"errors"

	"github.com/medledger/medledger"
)

// CapabilityDate is the date of the last change to what
// CapabilityStatement describes. Change it with the statement.
const CapabilityDate = "2026-12-04"

// FHIRVersion is the FHIR version the facade speaks.
const FHIRVersion = "4.0.1"

type capabilityStatement struct {
	ResourceType   string           `json:"resourceType"`
	ID             string           `json:"id"`
	URL            string           `json:"url,omitempty"`
	Name           string           `json:"name"`
	Title          string           `json:"title"`
	Status         string           `json:"status"`
	Date           string           `json:"date"`
	Publisher      string           `json:"publisher"`
	Description    string           `json:"description"`
	Kind           string           `json:"kind"`
	Software       capSoftware      `json:"software"`
	Implementation *capImplementing `json:"implementation,omitempty"`
	FHIRVersion    string           `json:"fhirVersion"`
	Format         []string         `json:"format"`
	Rest           []capRest        `json:"rest"`
}

type capSoftware struct {
	Name string `json:"name"`
}

type capImplementing struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

type capRest struct {
	Mode          string           `json:"mode"`
	Documentation string           `json:"documentation"`
	Security      capSecurity      `json:"security"`
	Resource      []capResource    `json:"resource"`
	Interaction   []capInteraction `json:"interaction"`
}

type capSecurity struct {
	CORS        bool      `json:"cors"`
	Service     []concept `json:"service"`
	Description string    `json:"description"`
}

type capResource struct {
	Type          string           `json:"type"`
	Documentation string           `json:"documentation,omitempty"`
	Interaction   []capInteraction `json:"interaction,omitempty"`
	SearchInclude []string         `json:"searchInclude,omitempty"`
	SearchParam   []capSearchParam `json:"searchParam,omitempty"`
	Operation     []capOperation   `json:"operation,omitempty"`
}

type capInteraction struct {
	Code          string `json:"code"`
	Documentation string `json:"documentation,omitempty"`
}

type capSearchParam struct {
	Name          string `json:"name"`
	Definition    string `json:"definition"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

type capOperation struct {
	Name          string `json:"name"`
	Definition    string `json:"definition"`
	Documentation string `json:"documentation,omitempty"`
}

// CapabilityStatement renders what the facade under baseURL + "/fhir" does,
// for GET /fhir/metadata: FHIR R4 JSON only;
//
//	POST /fhir                          a transaction Bundle (SplitTransaction)
//	GET|POST /fhir/Patient/{id}/$everything  what the requester may read of a patient
//	                                     (each read is a signed records/access transaction, given as
//	                                     ?access= parameters or in a POST body)
//	GET  /fhir/Consent?patient={id}      a patient's consents (ConsentResource)
//	GET  /fhir/Consent/{id}              one consent (read)
//	GET  /fhir/AuditEvent?patient={id}   a patient's disclosures (AuditEventResource)
//	GET  /fhir/AuditEvent/{id}           one disclosure (read)
//	GET  /fhir/metadata                  this statement
//
// writes signed with HTTP Message Signatures (RFC 9421, Ed25519) by a
// member's key, reads carried by signed records/access transactions.
// baseURL MUST NOT end in '/'; empty leaves out the statement's url and
// implementation.url. The statement is of kind instance, so it always has
// an implementation (cpb-14).
func CapabilityStatement(baseURL string) []byte {
	cs := capabilityStatement{
		ResourceType: "CapabilityStatement",
		ID:           "medledger",
		Name:         "MedledgerFHIRFacade",
		Title:        "medledger FHIR R4 facade",
		Status:       "active",
		Date:         CapabilityDate,
		Publisher:    "medledger",
		Description: "The FHIR R4 facade of a medledger node: write records by transaction Bundle, " +
			"read a patient's consented records, consents and accounting of disclosures. " +
			"Documents stay encrypted in the custodian's vault; the ledger keeps their salted digests, " +
			"consents and a log of every disclosure. Patients appear only by pseudonymous id.",
		Kind:        "instance",
		Software:    capSoftware{Name: "medledger"},
		FHIRVersion: FHIRVersion,
		Format:      []string{"application/fhir+json"},
		Rest: []capRest{{
			Mode: "server",
			Documentation: "Writes are signed requests and every read of a record is a signed transaction. Reads of records are allowed by an active consent, " +
				"the patient, the custodian's clinicians for treatment, or a declared break-glass, " +
				"and each is logged on the ledger as an AuditEvent the patient can list.",
			Security: capSecurity{
				Service: []concept{{Text: "HTTP Message Signatures (RFC 9421), Ed25519"}},
				Description: "Sign each request with HTTP Message Signatures (RFC 9421) using alg ed25519 and " +
					"the keyid of a key registered on the ledger (a member's or a patient's); cover @method, " +
					"@target-uri and, with a body, content-digest. Unsigned writes are refused; $everything takes " +
					"signed records/access transactions in its body.",
			},
			Resource: append([]capResource{
				{
					Type:          "Patient",
					Documentation: "Patients are known by pseudonymous id only; the facade serves no Patient demographics.",
					Operation: []capOperation{{
						Name:          "everything",
						Definition:    "http://hl7.org/fhir/OperationDefinition/Patient-everything",
						Documentation: "GET /fhir/Patient/{id}/$everything?access=<base64url of a signed records/access transaction>&access=... or POST with {\"txs\": [...]} (for many records): a searchset Bundle of the records the signer may read (encrypted Binary, key wrapped for the reader), each read logged as a disclosure",
					}},
				},
				{
					Type: "Consent",
					Interaction: []capInteraction{{Code: "read", Documentation: "GET /fhir/Consent/{id}"},
						{Code: "search-type", Documentation: "GET /fhir/Consent?patient={id}"}},
					SearchParam: []capSearchParam{{Name: "patient", Definition: "http://hl7.org/fhir/SearchParameter/clinical-patient", Type: "reference",
						Documentation: "the patient's pseudonymous id; revoked consents are listed as inactive"}},
				},
				{
					Type: "AuditEvent",
					Interaction: []capInteraction{{Code: "read", Documentation: "GET /fhir/AuditEvent/{id}: the id is the one a search returns, dis-{sequence}-{patient id}"},
						{Code: "search-type", Documentation: "GET /fhir/AuditEvent?patient={id}"}},
					SearchParam: []capSearchParam{{Name: "patient", Definition: "http://hl7.org/fhir/SearchParameter/AuditEvent-patient", Type: "reference",
						Documentation: "the patient's pseudonymous id: every disclosure of their records, granted, refused or break-glass"}},
				},
			}, append(append(claimResources(), researchResources()...), practitionerResources()...)...),
			Interaction: []capInteraction{{Code: "transaction",
				Documentation: "POST /fhir with a transaction Bundle whose entries each create (POST) or update (PUT) one resource; " +
					"each resource becomes an encrypted document in the custodian's vault and a record on the ledger"}},
		}},
	}
	cs.Implementation = &capImplementing{Description: "medledger node"}
	if baseURL != "" {
		cs.URL = baseURL + "/fhir/metadata"
		cs.Implementation.URL = baseURL + "/fhir"
	}
	return mustJSON(cs)
}

type operationOutcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []outcomeIssue `json:"issue"`
}

type outcomeIssue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Details     *concept `json:"details,omitempty"`
	Diagnostics string   `json:"diagnostics,omitempty"`
}

// SystemError is the code system of medledger error codes in an
// OperationOutcome: codes are "codespace/slug", "fhir/invalid-fhir".
const SystemError = "urn:medledger:error"

// issueByKind maps error kinds to OperationOutcome issue types.
var issueByKind = map[medledger.Kind]string{
	medledger.KindInternal:     "exception",
	medledger.KindInvalid:      "invalid",
	medledger.KindUnauthorized: "forbidden",
	medledger.KindNotFound:     "not-found",
	medledger.KindConflict:     "conflict",
	medledger.KindTooLarge:     "too-costly",
	medledger.KindGone:         "deleted",
	medledger.KindUnavailable:  "transient",
}

// OperationOutcome renders err as the FHIR R4 OperationOutcome a FHIR
// client expects instead of an RFC 9457 problem document: one issue of
// severity error, typed from the error's code (ErrUnsupported is
// not-supported, ErrNotJSON structure) or kind, its detail as diagnostics
// and "codespace/slug" as details. An error that is not a medledger error
// is shown only as "internal error". The HTTP status is the api package's
// for the error's kind.
func OperationOutcome(err error) []byte {
	e := medledger.As(err)
	if e == nil {
		e = medledger.As(errors.New("nil error"))
	}
	code := issueByKind[e.Kind]
	switch {
	case medledger.HasCode(e, ErrUnsupported):
		code = "not-supported"
	case medledger.HasCode(e, ErrNotJSON):
		code = "structure"
	case code == "":
		code = "exception"
	}
	detail := e.Detail
	if e.Kind == medledger.KindInternal {
		detail = "internal error"
	}
	return outcome("error", code, detail, coded{System: SystemError, Code: e.Codespace + "/" + e.Slug})
}

func outcome(severity, code, diagnostics string, details ...coded) []byte {
	is := outcomeIssue{Severity: severity, Code: code, Diagnostics: diagnostics}
	if len(details) > 0 {
		is.Details = &concept{Coding: details}
	}
	return mustJSON(operationOutcome{ResourceType: "OperationOutcome", Issue: []outcomeIssue{is}})
}
