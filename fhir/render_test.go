package fhir_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/records"
)

const patient = "pat-k3q7w2m9x4c8v1b5n6h2j0d4"

// validRender validates a rendered resource and decodes it for checks.
func validRender(t *testing.T, wantType string, doc []byte) map[string]any {
	t.Helper()
	p, err := fhir.Validate(doc)
	if err != nil {
		t.Fatalf("rendered %s does not validate: %v\n%s", wantType, err, doc)
	}
	if p.ResourceType != wantType {
		t.Fatalf("rendered a %s, want %s", p.ResourceType, wantType)
	}
	requireNoPHI(t, "the rendered "+wantType, string(doc))
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// get walks a decoded JSON value by object keys and array indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// codes lists the codes of a list of codings.
func codes(v any) []string {
	var out []string
	a, _ := v.([]any)
	for _, c := range a {
		if s, ok := get(c, "code").(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// conceptCodes lists the codes of a list of CodeableConcepts.
func conceptCodes(v any) []string {
	var out []string
	a, _ := v.([]any)
	for _, c := range a {
		out = append(out, codes(get(c, "coding"))...)
	}
	return out
}

func TestConsentResource(t *testing.T) {
	nb := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	na := time.Date(2027, 3, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
	full := records.Consent{ID: "con-7", Patient: patient, Grantee: "berlin-clinic",
		Scope:     records.Scope{ResourceTypes: []string{"Observation", "DiagnosticReport"}, Categories: []string{"laboratory"}, Records: []string{"rec-3", "rec-9"}},
		Purposes:  []string{records.PurposeTreatment, records.PurposeEmergencyTreatment, records.PurposeResearch},
		NotBefore: nb, NotAfter: na, Jurisdictions: []string{"DE", "US-CA"}, Status: records.ConsentActive, Height: 42}
	revoked := full
	revoked.Status, revoked.RevokedHeight = records.ConsentRevoked, 50
	member := records.Consent{ID: "con-8", Patient: patient, Grantee: "northside-hospital/dr-chen", Purposes: []string{records.PurposePayment, records.PurposeOperations},
		NotBefore: nb, NotAfter: na, Status: records.ConsentActive}
	longMember := member
	longMember.Grantee = strings.Repeat("a", 64) + "/" + strings.Repeat("b", 63)

	t.Run("active with full scope", func(t *testing.T) {
		m := validRender(t, "Consent", fhir.ConsentResource(full, "https://node.example"))
		checks := []struct {
			got, want any
		}{
			{get(m, "id"), "con-7"},
			{get(m, "status"), "active"},
			{get(m, "scope", "coding", 0, "code"), "patient-privacy"},
			{get(m, "category", 0, "coding", 0, "code"), fhir.LOINCPatientConsent},
			{get(m, "patient", "reference"), "Patient/" + patient},
			{get(m, "performer", 0, "reference"), "Patient/" + patient},
			{get(m, "dateTime"), "2026-03-01T00:00:00Z"},
			{get(m, "meta", "source"), "https://node.example/v1/consents/con-7"},
			{get(m, "identifier", 0, "value"), "con-7"},
			{get(m, "provision", "type"), "permit"},
			{get(m, "provision", "period", "start"), "2026-03-01T00:00:00Z"},
			{get(m, "provision", "period", "end"), "2027-02-28T23:00:00Z"},
			{get(m, "provision", "actor", 0, "reference", "reference"), "Organization/berlin-clinic"},
			{get(m, "provision", "actor", 0, "role", "coding", 0, "code"), "IRCP"},
			{get(m, "provision", "code", 0, "coding", 0, "code"), "laboratory"},
			{get(m, "provision", "data", 1, "reference", "identifier", "value"), "rec-9"},
			{get(m, "extension", 1, "valueCodeableConcept", "coding", 0, "code"), "US-CA"},
		}
		for i, c := range checks {
			if c.got != c.want {
				t.Errorf("check %d: got %v, want %v", i, c.got, c.want)
			}
		}
		if got := codes(get(m, "provision", "purpose")); !slices.Equal(got, []string{"TREAT", "ETREAT", "HRESCH"}) {
			t.Errorf("purposes %v", got)
		}
		if got := codes(get(m, "provision", "class")); !slices.Equal(got, []string{"Observation", "DiagnosticReport"}) {
			t.Errorf("classes %v", got)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		m := validRender(t, "Consent", fhir.ConsentResource(revoked, ""))
		if get(m, "status") != "inactive" || get(m, "meta") != nil {
			t.Errorf("status %v, meta %v", get(m, "status"), get(m, "meta"))
		}
	})
	t.Run("member grantee", func(t *testing.T) {
		m := validRender(t, "Consent", fhir.ConsentResource(member, "https://node.example"))
		actor := get(m, "provision", "actor", 0, "reference")
		if get(actor, "type") != "Practitioner" || get(actor, "identifier", "value") != "northside-hospital/dr-chen" || get(actor, "reference") != nil {
			t.Errorf("actor %v", actor)
		}
		if got := codes(get(m, "provision", "purpose")); !slices.Equal(got, []string{"HPAYMT", "HOPERAT"}) {
			t.Errorf("purposes %v", got)
		}
	})
	t.Run("longest member id", func(t *testing.T) {
		validRender(t, "Consent", fhir.ConsentResource(longMember, ""))
	})
	t.Run("zero times, empty scope", func(t *testing.T) {
		m := validRender(t, "Consent", fhir.ConsentResource(records.Consent{ID: "con-1", Patient: patient, Grantee: "x1", Status: records.ConsentActive}, ""))
		if get(m, "dateTime") != nil || get(m, "provision", "period") != nil {
			t.Errorf("zero times rendered: %v", m)
		}
	})
}

func TestAuditEventResource(t *testing.T) {
	at := time.Date(2026, 5, 2, 9, 30, 15, 123456789, time.UTC)
	base := records.Disclosure{Seq: 12, Record: "rec-3", Patient: patient, Custodian: "northside-hospital",
		Reader: "berlin-clinic/dr-weber", ReaderOrg: "berlin-clinic", Purpose: records.PurposeTreatment,
		Height: 77, Time: at, TxHash: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}
	consented := base
	consented.Outcome, consented.Ground, consented.Consent = records.OutcomeGranted, records.GroundConsent, "con-7"
	refused := base
	refused.Outcome, refused.Missing = records.OutcomeRefused, "the consent's scope does not include category imaging"
	glass := base
	glass.Reader, glass.Outcome, glass.Ground, glass.BreakGlass, glass.Reason = "berlin-clinic/dr-weber", records.OutcomeGranted, records.GroundBreakGlass, true, "unconscious-patient"
	own := base
	own.Reader, own.ReaderOrg, own.Outcome, own.Ground = patient, "", records.OutcomeGranted, records.GroundPatient

	t.Run("consented", func(t *testing.T) {
		m := validRender(t, "AuditEvent", fhir.AuditEventResource(consented))
		checks := []struct{ got, want any }{
			{get(m, "id"), "dis-12-" + consented.Patient},
			{get(m, "type", "code"), "rest"},
			{get(m, "subtype", 0, "code"), "read"},
			{get(m, "action"), "R"},
			{get(m, "recorded"), "2026-05-02T09:30:15.123456Z"},
			{get(m, "outcome"), "0"},
			{get(m, "agent", 0, "who", "identifier", "value"), "berlin-clinic/dr-weber"},
			{get(m, "agent", 0, "requestor"), true},
			{get(m, "agent", 1, "who", "reference"), "Organization/northside-hospital"},
			{get(m, "source", "observer", "reference"), "Organization/northside-hospital"},
			{get(m, "entity", 0, "what", "identifier", "value"), "rec-3"},
			{get(m, "entity", 1, "what", "reference"), "Patient/" + patient},
			{get(m, "entity", 1, "role", "code"), "1"},
			{get(m, "entity", 2, "what", "reference"), "Consent/con-7"},
			{get(m, "meta"), nil},
		}
		for i, c := range checks {
			if c.got != c.want {
				t.Errorf("check %d: got %v, want %v", i, c.got, c.want)
			}
		}
		if got := conceptCodes(get(m, "agent", 0, "purposeOfUse")); !slices.Equal(got, []string{"TREAT"}) {
			t.Errorf("purpose of use %v", got)
		}
	})
	t.Run("refused", func(t *testing.T) {
		m := validRender(t, "AuditEvent", fhir.AuditEventResource(refused))
		if get(m, "outcome") != "4" || get(m, "outcomeDesc") != refused.Missing || len(get(m, "entity").([]any)) != 2 {
			t.Errorf("outcome %v %v, entities %v", get(m, "outcome"), get(m, "outcomeDesc"), get(m, "entity"))
		}
	})
	t.Run("break-glass", func(t *testing.T) {
		m := validRender(t, "AuditEvent", fhir.AuditEventResource(glass))
		want := []string{"TREAT", "ETREAT", fhir.BreakGlass}
		for _, path := range [][]any{{"agent", 0, "purposeOfUse"}, {"purposeOfEvent"}} {
			if got := conceptCodes(get(m, path...)); !slices.Equal(got, want) {
				t.Errorf("%v: %v, want %v", path, got, want)
			}
		}
		if got := codes(get(m, "meta", "security")); !slices.Equal(got, []string{fhir.BreakGlass}) {
			t.Errorf("security labels %v", got)
		}
		details, _ := json.Marshal(get(m, "entity", 0, "detail"))
		if !strings.Contains(string(details), "unconscious-patient") || !strings.Contains(string(details), glass.TxHash) {
			t.Errorf("record details %s", details)
		}
	})
	t.Run("patient reads own record", func(t *testing.T) {
		m := validRender(t, "AuditEvent", fhir.AuditEventResource(own))
		if get(m, "agent", 0, "who", "reference") != "Patient/"+patient {
			t.Errorf("reader %v", get(m, "agent", 0, "who"))
		}
	})
}

func TestBundle(t *testing.T) {
	consent := fhir.ConsentResource(records.Consent{ID: "con-1", Patient: patient, Grantee: "x1", Status: records.ConsentActive}, "")
	event := fhir.AuditEventResource(records.Disclosure{Seq: 1, Record: "rec-1", Patient: patient, Custodian: "x1", Reader: "x1/a", Outcome: records.OutcomeGranted})

	m := validRender(t, "Bundle", fhir.Bundle(fhir.BundleSearchset, [][]byte{consent, event}))
	if get(m, "type") != "searchset" || get(m, "total") != 2.0 || get(m, "entry", 1, "search", "mode") != "match" {
		t.Errorf("bundle %v", m)
	}
	p, _ := fhir.Validate(fhir.Bundle(fhir.BundleSearchset, [][]byte{consent, event}))
	if !slices.Equal(p.Types, []string{"AuditEvent", "Consent"}) {
		t.Errorf("types %v", p.Types)
	}

	m = validRender(t, "Bundle", fhir.Bundle(fhir.BundleSearchset, nil))
	if get(m, "total") != 0.0 || get(m, "entry") != nil {
		t.Errorf("empty bundle %v", m)
	}

	m = validRender(t, "Bundle", fhir.Bundle(fhir.BundleSearchset, [][]byte{consent, []byte("not json"), []byte(`[1]`)}))
	if get(m, "total") != 1.0 || get(m, "entry", 1, "search", "mode") != "outcome" || get(m, "entry", 1, "resource", "resourceType") != "OperationOutcome" {
		t.Errorf("bundle with bad entries %v", m)
	}

	m = validRender(t, "Bundle", fhir.Bundle(fhir.BundleCollection, [][]byte{consent, readTestdata(t, "valid/observation-blood-pressure-bob.json")[:0]}))
	if get(m, "total") != nil || len(get(m, "entry").([]any)) != 1 || get(m, "entry", 0, "search") != nil {
		t.Errorf("collection %v", m)
	}
}

func TestCapabilityStatement(t *testing.T) {
	doc := fhir.CapabilityStatement("https://node.example")
	m := validRender(t, "CapabilityStatement", doc)
	if get(m, "fhirVersion") != "4.0.1" || get(m, "kind") != "instance" || get(m, "url") != "https://node.example/fhir/metadata" ||
		get(m, "implementation", "url") != "https://node.example/fhir" {
		t.Errorf("statement %v", m)
	}
	rest := get(m, "rest", 0)
	if get(rest, "interaction", 0, "code") != "transaction" || get(rest, "mode") != "server" {
		t.Errorf("rest %v", rest)
	}
	s := string(doc)
	for _, want := range []string{"RFC 9421", "Ed25519", "Patient-everything", `"Consent"`, `"AuditEvent"`, "search-type", `"patient"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the statement does not mention %s", want)
		}
	}
	validRender(t, "CapabilityStatement", fhir.CapabilityStatement(""))
}

func TestOperationOutcome(t *testing.T) {
	_, invalid := fhir.Validate(readTestdata(t, "invalid/unknown-field.json"))
	_, unsupported := fhir.Validate(readTestdata(t, "invalid/stu3-procedurerequest.json"))
	_, notJSON := fhir.Validate([]byte("{"))
	tests := []struct {
		name       string
		err        error
		code, diag string
	}{
		{"invalid", invalid, "invalid", invalid.(*medledger.Error).Detail},
		{"unsupported", unsupported, "not-supported", unsupported.(*medledger.Error).Detail},
		{"not JSON", notJSON, "structure", "the document is not JSON: unexpected end of JSON input"},
		{"too large", fhir.ErrTooLarge.New("too big"), "too-costly", "too big"},
		{"records not found", records.ErrConsentNotFound.New("no consent con-9"), "not-found", "no consent con-9"},
		{"no consent", records.ErrNoConsent.New("no consent covers rec-1"), "forbidden", "no consent covers rec-1"},
		{"plain error", errors.New("disk on fire at /var/secret"), "exception", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validRender(t, "OperationOutcome", fhir.OperationOutcome(tt.err))
			if get(m, "issue", 0, "code") != tt.code || get(m, "issue", 0, "diagnostics") != tt.diag || get(m, "issue", 0, "severity") != "error" {
				t.Errorf("issue %v", get(m, "issue", 0))
			}
		})
	}
}

// TestRenderAnyInput renders zero and odd values: whatever the ledger
// holds, the output is valid FHIR R4.
func TestRenderAnyInput(t *testing.T) {
	odd := records.Consent{ID: "con 1/x", Patient: "not a pseudonym", Grantee: "a/b/c", Purposes: []string{"", "TREAT"},
		Scope: records.Scope{ResourceTypes: []string{""}, Categories: []string{""}, Records: []string{"", "r e c"}}, Jurisdictions: []string{""},
		NotBefore: time.Unix(0, 1), Status: "unknown"}
	for i, c := range []records.Consent{{}, odd} {
		p, err := fhir.Validate(fhir.ConsentResource(c, "https://node.example"))
		if err != nil || p.ResourceType != "Consent" {
			t.Errorf("consent %d: %v\n%s", i, err, fhir.ConsentResource(c, "https://node.example"))
		}
	}
	oddD := records.Disclosure{Record: "rec 1", Patient: "p q", Custodian: "c/d", Reader: "x", Outcome: "?", BreakGlass: true}
	for i, d := range []records.Disclosure{{}, oddD} {
		p, err := fhir.Validate(fhir.AuditEventResource(d))
		if err != nil || p.ResourceType != "AuditEvent" {
			t.Errorf("disclosure %d: %v\n%s", i, err, fhir.AuditEventResource(d))
		}
	}
	if _, err := fhir.Validate(fhir.OperationOutcome(nil)); err != nil {
		t.Errorf("outcome of nil: %v", err)
	}
}
