package fhir_test

import (
	"slices"
	"testing"

	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/records"
)

func TestCategory(t *testing.T) {
	obsCat := func(code string) string {
		return `{"resourceType":"Observation","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"` + code + `"}]}]}`
	}
	drCat := func(system, code string) string {
		return `{"resourceType":"DiagnosticReport","category":[{"coding":[{"system":"` + system + `","code":"` + code + `"}]}]}`
	}
	const v20074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
	docType := func(typ, code string) string {
		return `{"resourceType":"` + typ + `","type":{"coding":[{"system":"http://loinc.org","code":"` + code + `"}]}}`
	}
	tests := []struct {
		name, typ, doc, want string
	}{
		{"potassium testdata", "Observation", string(readTestdata(t, "valid/observation-potassium-alice.json")), "laboratory"},
		{"blood pressure testdata", "Observation", string(readTestdata(t, "valid/observation-blood-pressure-bob.json")), "vital-signs"},
		{"observation laboratory", "Observation", obsCat("laboratory"), "laboratory"},
		{"observation vital-signs", "Observation", obsCat("vital-signs"), "vital-signs"},
		{"observation imaging", "Observation", obsCat("imaging"), "imaging"},
		{"observation social-history", "Observation", obsCat("social-history"), "other"},
		{"observation no category", "Observation", `{"resourceType":"Observation"}`, "other"},
		{"observation code without system", "Observation", `{"category":[{"coding":[{"code":"laboratory"}]}]}`, "other"},
		{"observation second coding", "Observation", `{"category":[{"coding":[{"system":"urn:x","code":"y"}]},{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}]}`, "vital-signs"},
		{"report testdata lab", "DiagnosticReport", string(readTestdata(t, "valid/diagnosticreport-bmp-alice.json")), "laboratory"},
		{"report testdata chest x-ray", "DiagnosticReport", string(readTestdata(t, "valid/diagnosticreport-chest-xray-bob.json")), "imaging"},
		{"report HM", "DiagnosticReport", drCat(v20074, "HM"), "laboratory"},
		{"report MB", "DiagnosticReport", drCat(v20074, "MB"), "laboratory"},
		{"report CT", "DiagnosticReport", drCat(v20074, "CT"), "imaging"},
		{"report US", "DiagnosticReport", drCat(v20074, "US"), "imaging"},
		{"report LOINC radiology", "DiagnosticReport", drCat("http://loinc.org", "LP29684-5"), "imaging"},
		{"report LOINC lab", "DiagnosticReport", drCat("http://loinc.org", "LP29693-6"), "laboratory"},
		{"report cardiology", "DiagnosticReport", drCat(v20074, "EC"), "other"},
		{"report no category", "DiagnosticReport", `{}`, "other"},
		{"discharge testdata", "DocumentReference", string(readTestdata(t, "valid/documentreference-discharge-bob.json")), "discharge-summary"},
		{"progress note testdata", "Composition", string(readTestdata(t, "valid/composition-progress-note-alice.json")), "clinical-note"},
		{"composition discharge", "Composition", docType("Composition", "18842-5"), "discharge-summary"},
		{"docref other", "DocumentReference", docType("DocumentReference", "34117-2"), "clinical-note"},
		{"docref discharge in category", "DocumentReference", `{"category":[{"coding":[{"system":"http://loinc.org","code":"18842-5"}]}]}`, "discharge-summary"},
		{"document bundle", "Bundle", `{"resourceType":"Bundle","type":"document","entry":[{"resource":` + docType("Composition", "18842-5") + `}]}`, "discharge-summary"},
		{"collection bundle", "Bundle", string(readTestdata(t, "valid/bundle-collection-bob.json")), "other"},
		{"imaging study", "ImagingStudy", `{}`, "imaging"},
		{"medication request", "MedicationRequest", string(readTestdata(t, "valid/medicationrequest-lisinopril-alice.json")), "medication"},
		{"medication statement", "MedicationStatement", `{}`, "medication"},
		{"allergy", "AllergyIntolerance", string(readTestdata(t, "valid/allergyintolerance-penicillin-bob.json")), "allergy"},
		{"immunization", "Immunization", `{}`, "immunization"},
		{"procedure", "Procedure", `{}`, "procedure"},
		{"condition", "Condition", `{}`, "condition"},
		{"encounter", "Encounter", `{}`, "encounter"},
		{"patient", "Patient", `{}`, "other"},
		{"not JSON", "Observation", `{`, "other"},
		{"wrong shapes", "DiagnosticReport", `{"category":"LAB"}`, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fhir.Category(tt.typ, []byte(tt.doc))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !slices.Contains(records.Categories, got) {
				t.Errorf("%q is not one of records.Categories", got)
			}
		})
	}
}
