package fhir_test

import (
	"testing"
	"time"

	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/internal/fhircheck"
	"github.com/medledger/medledger/records"
)

// TestRenderedInvariants checks what the renderers write with a validator
// that evaluates FHIR's invariants (@medplum/core, internal/fhircheck), not
// only their structure: the CapabilityStatement of kind instance without a
// base URL broke cpb-14 (issue 11).
func TestRenderedInvariants(t *testing.T) {
	nb := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	consent := records.Consent{ID: "con-7", Patient: patient, Grantee: "berlin-clinic",
		Scope:    records.Scope{ResourceTypes: []string{"Observation"}, Categories: []string{"laboratory"}, Records: []string{"rec-3"}},
		Purposes: []string{records.PurposeTreatment}, NotBefore: nb, NotAfter: nb.Add(time.Hour), Jurisdictions: []string{"DE"}, Status: records.ConsentActive}
	revoked := consent
	revoked.Status = records.ConsentRevoked
	granted := records.Disclosure{Seq: 12, Record: "rec-3", Patient: patient, Custodian: "northside-hospital", Reader: "berlin-clinic/dr-weber",
		Purpose: records.PurposeTreatment, Ground: records.GroundConsent, Consent: "con-7", Outcome: records.OutcomeGranted, Time: nb, Height: 9, TxHash: "AB"}
	refused := granted
	refused.Outcome, refused.Missing, refused.Consent = records.OutcomeRefused, "no consent", ""
	glass := granted
	glass.BreakGlass, glass.Purpose, glass.Reason = true, records.PurposeEmergencyTreatment, "unconscious"
	fhircheck.Require(t,
		fhir.CapabilityStatement(""),
		fhir.CapabilityStatement("https://node.example"),
		fhir.ConsentResource(consent, "https://node.example"),
		fhir.ConsentResource(revoked, ""),
		fhir.AuditEventResource(granted),
		fhir.AuditEventResource(refused),
		fhir.AuditEventResource(glass),
		fhir.Bundle(fhir.BundleSearchset, [][]byte{fhir.ConsentResource(consent, ""), fhir.AuditEventResource(granted)}),
		fhir.OperationOutcome(fhir.ErrInvalidFHIR.New("not valid")),
	)
}
