package fhir_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/internal/fhircheck"
	"github.com/medledger/medledger/records"
)

// TestIdentityAuditEvents renders every kind of identity event of a
// patient's log (rotation, guardians, a recovery asked, approved with the
// time it takes effect, cancelled, completed by the chain, freezes) as an
// AuditEvent that @medplum/core finds valid R4, with the actor, the
// member who signed for an organization, the patient and the recovery.
func TestIdentityAuditEvents(t *testing.T) {
	at := time.Date(2026, 5, 2, 9, 30, 15, 0, time.UTC)
	due := at.Add(72 * time.Hour)
	other := "pat-a3q7w2m9x4c8v1b5n6h2j0d9"
	ev := func(seq uint64, e records.IdentityEvent) records.Disclosure {
		return records.Disclosure{Seq: seq, Patient: patient, Height: 40 + int64(seq), Time: at, TxHash: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", Identity: &e}
	}
	cases := []struct {
		d          records.Disclosure
		actor      string // agent 0's reference
		action     string
		wantDetail string
	}{
		{ev(1, records.IdentityEvent{Event: "key-rotated", Actor: patient, Signer: patient, KeyID: "0f3a"}), "Patient/" + patient, "U", "0f3a"},
		{ev(2, records.IdentityEvent{Event: "guardians-set", Actor: patient, Guardians: []string{"northside-hospital", other}, Threshold: 2}), "Patient/" + patient, "U", "northside-hospital," + other},
		{ev(3, records.IdentityEvent{Event: "recovery-requested", Actor: "northside-hospital", Signer: "northside-hospital/admin", Recovery: "rcv-1", KeyID: "77aa", Threshold: 2, Approvals: 1}), "Organization/northside-hospital", "C", "77aa"},
		{ev(4, records.IdentityEvent{Event: "recovery-approved", Actor: other, Signer: other, Recovery: "rcv-1", Threshold: 2, Approvals: 2, Due: due}), "Patient/" + other, "U", "2026-05-05T09:30:15Z"},
		{ev(5, records.IdentityEvent{Event: "recovery-cancelled", Actor: patient, Recovery: "rcv-1", Reason: "cancelled"}), "Patient/" + patient, "U", "cancelled"},
		{ev(6, records.IdentityEvent{Event: "recovery-completed", Recovery: "rcv-2", KeyID: "88bb"}), "", "U", "88bb"},
		{ev(7, records.IdentityEvent{Event: "freeze-requested", Actor: "lakeside-clinic/dr-patel", Threshold: 2, Approvals: 1}), "", "U", "threshold"},
		{ev(8, records.IdentityEvent{Event: "frozen", Actor: patient, Reason: "patient"}), "Patient/" + patient, "U", "patient"},
		{ev(9, records.IdentityEvent{Event: "unfrozen", Reason: "recovered"}), "", "U", "recovered"},
	}
	var all [][]byte
	for _, c := range cases {
		doc := fhir.AuditEventResource(c.d)
		all = append(all, doc)
		m := validRender(t, "AuditEvent", doc)
		e := c.d.Identity
		if got := get(m, "subtype", 0, "code"); got != e.Event {
			t.Errorf("%s: subtype %v", e.Event, got)
		}
		if get(m, "type", "code") != "110137" || get(m, "action") != c.action || get(m, "id") != fhir.AuditEventID(patient, c.d.Seq) {
			t.Errorf("%s: type %v action %v id %v", e.Event, get(m, "type", "code"), get(m, "action"), get(m, "id"))
		}
		if c.actor != "" && get(m, "agent", 0, "who", "reference") != c.actor {
			t.Errorf("%s: actor %v, want %s", e.Event, get(m, "agent", 0, "who"), c.actor)
		}
		if e.Actor == "" && get(m, "agent", 0, "requestor") != false {
			t.Errorf("%s: the chain's own act has a requestor", e.Event)
		}
		if e.Signer == "northside-hospital/admin" && get(m, "agent", 1, "who", "identifier", "value") != e.Signer {
			t.Errorf("%s: the member who signed for the organization is not an agent: %v", e.Event, get(m, "agent"))
		}
		if get(m, "entity", 0, "what", "reference") != "Patient/"+patient {
			t.Errorf("%s: the patient is not the first entity", e.Event)
		}
		if e.Recovery != "" && get(m, "entity", 1, "what", "identifier", "value") != e.Recovery {
			t.Errorf("%s: the recovery is not an entity: %v", e.Event, get(m, "entity"))
		}
		details, _ := json.Marshal(get(m, "entity"))
		if !strings.Contains(string(details), c.wantDetail) {
			t.Errorf("%s: entities %s lack %q", e.Event, details, c.wantDetail)
		}
	}
	fhircheck.Require(t, all...)
	// In a searchset Bundle beside a read, as GET /fhir/AuditEvent serves them.
	read := records.Disclosure{Seq: 10, Record: "rec-1", Patient: patient, Custodian: "northside-hospital", Reader: patient,
		Purpose: records.PurposeTreatment, Outcome: records.OutcomeGranted, Ground: records.GroundPatient, Height: 50, Time: at}
	fhircheck.Require(t, fhir.Bundle(fhir.BundleSearchset, append(all, fhir.AuditEventResource(read))))
}
