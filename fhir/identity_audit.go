package fhir

import (
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/records"
)

// Identity events on a patient's log (records.IdentityEvent) as AuditEvents.
const (
	// SystemIdentityEvent is the code system of an identity event's
	// subtype: the event names of records.IdentityEvent ("key-rotated",
	// "recovery-requested", ...).
	SystemIdentityEvent = "urn:medledger:identity-event"
	// SystemRecovery is the identifier system of recovery ids ("rcv-3").
	SystemRecovery = "urn:medledger:recovery"

	systemDICOM = "http://dicom.nema.org/resources/ontology/DCM"
)

// identityEventDisplay names the identity events.
var identityEventDisplay = map[string]string{
	"key-rotated":        "patient rotated their keys",
	"guardians-set":      "patient named guardians",
	"recovery-requested": "a guardian asked to recover the identity to a new key",
	"recovery-approved":  "a guardian approved a recovery",
	"recovery-cancelled": "a recovery was cancelled",
	"recovery-completed": "a recovery took effect: the new key is in force",
	"freeze-requested":   "a guardian asked to freeze the identity",
	"frozen":             "the identity was frozen",
	"unfrozen":           "the identity was unfrozen",
}

// identityAuditEvent renders an identity event of a patient's log as a FHIR
// R4 AuditEvent: type DICOM 110137 (User Security Attributes Changed), the
// event as subtype (SystemIdentityEvent), action C for a recovery asked, U
// otherwise, recorded at the event's block time, outcome 0. The agent is
// who acted (the patient, or a guardian: an Organization, a Practitioner
// known by member id, or another Patient), with the member who signed for
// an organization as a second agent; an event the chain itself applied at
// the end of a block (a recovery taking effect) names medledger. Entities
// are the patient and, for recovery events, the recovery (SystemRecovery)
// with the new key id, approvals, threshold, the time it takes effect and
// the reason of a cancellation as details.
func identityAuditEvent(d records.Disclosure) []byte {
	e := d.Identity
	action := "U"
	if e.Event == "recovery-requested" {
		action = "C"
	}
	display := identityEventDisplay[e.Event]
	ev := auditEvent{
		ResourceType: "AuditEvent",
		ID:           AuditEventID(d.Patient, d.Seq),
		Type:         coded{System: systemDICOM, Code: "110137", Display: "User Security Attributes Changed"},
		Subtype:      []coded{{System: SystemIdentityEvent, Code: e.Event, Display: display}},
		Action:       action,
		Recorded:     instant(d.Time),
		Outcome:      "0",
		Source: auditSource{
			Observer: &reference{Display: "medledger"},
			Type:     []coded{{System: systemSourceType, Code: "4", Display: "Application Server"}},
		},
	}
	if ev.Subtype[0].Code == "" {
		ev.Subtype = []coded{{System: SystemIdentityEvent, Code: "unknown"}}
	}
	who := &reference{Display: "medledger (the waiting period passed)"}
	switch {
	case strings.HasPrefix(e.Actor, "pat-"):
		who = patientRef(e.Actor)
	case e.Actor != "":
		who = partyRef(e.Actor)
	}
	ev.Agent = []auditAgent{{Type: codeable(systemParticipationType, "AUT", "author (originator)"), Who: who, Requestor: e.Actor != ""}}
	if e.Signer != "" && e.Signer != e.Actor {
		ev.Agent = append(ev.Agent, auditAgent{Type: codeable(systemParticipationType, "ENT", "data entry person"), Who: partyRef(e.Signer)})
	}
	ev.Entity = []auditEntity{{
		What: patientRef(d.Patient),
		Type: &coded{System: systemAuditEntityType, Code: "1", Display: "Person"},
		Role: &coded{System: systemObjectRole, Code: "1", Display: "Patient"},
	}}
	var details []auditDetail
	add := func(k, v string) {
		if v != "" && v != "0" {
			details = append(details, auditDetail{Type: k, ValueString: v})
		}
	}
	add("key-id", e.KeyID)
	add("guardians", strings.Join(e.Guardians, ","))
	add("threshold", strconv.Itoa(e.Threshold))
	add("approvals", strconv.Itoa(e.Approvals))
	if !e.Due.IsZero() {
		add("due", e.Due.UTC().Format(time.RFC3339))
	}
	add("reason", e.Reason)
	add("height", strconv.FormatInt(d.Height, 10))
	add("tx-hash", d.TxHash)
	if e.Recovery != "" {
		ev.Entity = append(ev.Entity, auditEntity{
			What:   &reference{Identifier: &identifier{System: SystemRecovery, Value: e.Recovery}},
			Type:   &coded{System: systemAuditEntityType, Code: "2", Display: "System Object"},
			Role:   &coded{System: systemObjectRole, Code: "13", Display: "Security Resource"},
			Detail: details,
		})
	} else {
		ev.Entity[0].Detail = details
	}
	return mustJSON(ev)
}
