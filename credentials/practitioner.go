package credentials

import (
	"encoding/json"
	"strings"
	"time"
)

// The FHIR R4 view of a clinician's credentials: Practitioner.qualification
// (GET /fhir/Practitioner/{id}). Members appear by id only; a
// qualification is a credential valid now, by its id, type, period and
// issuing organization. Nothing else of the credential file is known here.

// FHIRContentType is the media type of FHIR R4 JSON.
const FHIRContentType = "application/fhir+json; fhirVersion=4.0"

// Identifier systems of the FHIR view.
const (
	SystemMember         = "urn:medledger:member"          // member ids, "northside-hospital/dr-chen"
	SystemOrganization   = "urn:medledger:organization"    // organization ids
	SystemCredential     = "urn:medledger:credential"      // credential ids, "crd-..."
	SystemCredentialType = "urn:medledger:credential-type" // Types' names
)

// PractitionerID is the FHIR id of a member: FHIR ids allow no '/', and
// organization and member names no '.', so "org/name" is "org.name".
func PractitionerID(member string) string { return strings.Replace(member, "/", ".", 1) }

// PractitionerMember is the inverse of PractitionerID.
func PractitionerMember(id string) (string, bool) {
	org, name, ok := strings.Cut(id, ".")
	if !ok || !validName(org) || !validName(name) {
		return "", false
	}
	return org + "/" + name, true
}

type fhirIdentifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type fhirCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type fhirConcept struct {
	Coding []fhirCoding `json:"coding"`
	Text   string       `json:"text,omitempty"`
}

type fhirPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type fhirReference struct {
	Reference  string          `json:"reference,omitempty"`
	Identifier *fhirIdentifier `json:"identifier,omitempty"`
	Display    string          `json:"display,omitempty"`
}

// Qualification is one Practitioner.qualification.
type Qualification struct {
	Identifier []fhirIdentifier `json:"identifier"`
	Code       fhirConcept      `json:"code"`
	Period     *fhirPeriod      `json:"period,omitempty"`
	Issuer     *fhirReference   `json:"issuer,omitempty"`
}

// Practitioner is a FHIR R4 Practitioner with its qualifications.
type Practitioner struct {
	ResourceType  string           `json:"resourceType"`
	ID            string           `json:"id"`
	Identifier    []fhirIdentifier `json:"identifier"`
	Qualification []Qualification  `json:"qualification,omitempty"`
}

// PractitionerOf renders member's credentials valid at now (active and
// inside their validity period) as a Practitioner's qualifications, in
// the order given.
func PractitionerOf(member string, creds []Credential, now time.Time) Practitioner {
	p := Practitioner{ResourceType: "Practitioner", ID: PractitionerID(member),
		Identifier: []fhirIdentifier{{System: SystemMember, Value: member}}}
	for _, c := range creds {
		if c.Subject != member || c.EffectiveStatus(now) != StatusActive {
			continue
		}
		t, _ := TypeOf(c.Type)
		p.Qualification = append(p.Qualification, Qualification{
			Identifier: []fhirIdentifier{{System: SystemCredential, Value: c.ID}},
			Code:       fhirConcept{Coding: []fhirCoding{{System: SystemCredentialType, Code: c.Type, Display: t.Words}}, Text: c.Type + " (" + c.Jurisdiction + ")"},
			Period:     &fhirPeriod{Start: fhirDateTime(c.ValidFrom), End: fhirDateTime(c.ValidUntil)},
			Issuer: &fhirReference{Reference: "Organization/" + c.Issuer,
				Identifier: &fhirIdentifier{System: SystemOrganization, Value: c.Issuer}, Display: c.Issuer},
		})
	}
	return p
}

func fhirDateTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// OperationOutcome is the FHIR answer of an error: its code and detail.
func OperationOutcome(code, detail string) []byte {
	b, _ := json.Marshal(map[string]any{"resourceType": "OperationOutcome", "issue": []map[string]any{{
		"severity": "error", "code": code, "diagnostics": detail}}})
	return b
}
