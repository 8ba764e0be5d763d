package fhir

import "encoding/json"

// Code systems Category reads.
const (
	systemLOINC               = "http://loinc.org"
	systemObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	systemDiagnosticService   = "http://terminology.hl7.org/CodeSystem/v2-0074"

	// LOINCDischargeSummary is the LOINC document type of a discharge
	// summary.
	LOINCDischargeSummary = "18842-5"
)

// CategoryOther is the category of a resource no rule classifies.
const CategoryOther = "other"

// categoryByType classifies resource types whose type alone says enough.
var categoryByType = map[string]string{
	"ImagingStudy":               "imaging",
	"MedicationRequest":          "medication",
	"MedicationStatement":        "medication",
	"MedicationAdministration":   "medication",
	"MedicationDispense":         "medication",
	"AllergyIntolerance":         "allergy",
	"Immunization":               "immunization",
	"ImmunizationEvaluation":     "immunization",
	"ImmunizationRecommendation": "immunization",
	"Procedure":                  "procedure",
	"Condition":                  "condition",
	"Encounter":                  "encounter",
}

// diagnosticService classifies DiagnosticReport.category codes.
var diagnosticService = map[coding]string{
	// HL7 v2 table 0074, diagnostic service section.
	{systemDiagnosticService, "LAB"}: "laboratory", {systemDiagnosticService, "BG"}: "laboratory",
	{systemDiagnosticService, "BLB"}: "laboratory", {systemDiagnosticService, "CG"}: "laboratory",
	{systemDiagnosticService, "CH"}: "laboratory", {systemDiagnosticService, "CP"}: "laboratory",
	{systemDiagnosticService, "GE"}: "laboratory", {systemDiagnosticService, "HLA"}: "laboratory",
	{systemDiagnosticService, "HM"}: "laboratory", {systemDiagnosticService, "IMM"}: "laboratory",
	{systemDiagnosticService, "MB"}: "laboratory", {systemDiagnosticService, "MCB"}: "laboratory",
	{systemDiagnosticService, "MYC"}: "laboratory", {systemDiagnosticService, "OSL"}: "laboratory",
	{systemDiagnosticService, "PAT"}: "laboratory", {systemDiagnosticService, "SP"}: "laboratory",
	{systemDiagnosticService, "SR"}: "laboratory", {systemDiagnosticService, "TX"}: "laboratory",
	{systemDiagnosticService, "URN"}: "laboratory", {systemDiagnosticService, "VR"}: "laboratory",
	{systemDiagnosticService, "RAD"}: "imaging", {systemDiagnosticService, "RX"}: "imaging",
	{systemDiagnosticService, "CT"}: "imaging", {systemDiagnosticService, "NMR"}: "imaging",
	{systemDiagnosticService, "NMS"}: "imaging", {systemDiagnosticService, "US"}: "imaging",
	{systemDiagnosticService, "RUS"}: "imaging", {systemDiagnosticService, "VUS"}: "imaging",
	{systemDiagnosticService, "OUS"}: "imaging", {systemDiagnosticService, "CUS"}: "imaging",
	{systemDiagnosticService, "XRC"}: "imaging",
	// LOINC parts used by US Core for report categories.
	{systemLOINC, "LP29693-6"}: "laboratory", {systemLOINC, "LP7839-6"}: "laboratory",
	{systemLOINC, "LP29684-5"}: "imaging",
}

// observationCategory classifies Observation.category codes.
var observationCategory = map[coding]string{
	{systemObservationCategory, "laboratory"}:  "laboratory",
	{systemObservationCategory, "vital-signs"}: "vital-signs",
	{systemObservationCategory, "imaging"}:     "imaging",
}

// Category maps a resource to one of records.Categories, from its type and,
// for some types, the codes in doc (a resource of that type, as JSON):
//
//   - Observation: by category (observation-category laboratory,
//     vital-signs or imaging);
//   - DiagnosticReport: by category (HL7 v2-0074 LAB, HM, CH, MB, ... for
//     "laboratory"; RAD, CT, US, ... for "imaging"; or the LOINC parts
//     US Core uses);
//   - DocumentReference, Composition: "discharge-summary" if its type or
//     category is LOINC 18842-5, else "clinical-note";
//   - a document Bundle: its Composition's category;
//   - ImagingStudy, Medication*, AllergyIntolerance, Immunization*,
//     Procedure, Condition, Encounter: by type alone.
//
// Anything else, and a resource whose codes match no rule, is "other".
// NOTE: unknown codes fall to "other", never to a guess, so a consent
// limited to a category never covers a record that was only guessed into
// it. Codes match only with their system.
func Category(resourceType string, doc []byte) string {
	if c, ok := categoryByType[resourceType]; ok {
		return c
	}
	var r map[string]json.RawMessage
	if json.Unmarshal(doc, &r) != nil {
		return CategoryOther
	}
	switch resourceType {
	case "Observation":
		return firstMatch(codings(r["category"]), observationCategory, CategoryOther)
	case "DiagnosticReport":
		return firstMatch(codings(r["category"]), diagnosticService, CategoryOther)
	case "DocumentReference", "Composition":
		for _, c := range append(codings(r["type"]), codings(r["category"])...) {
			if c == (coding{systemLOINC, LOINCDischargeSummary}) {
				return "discharge-summary"
			}
		}
		return "clinical-note"
	case "Bundle":
		var typ string
		var entries []struct {
			Resource json.RawMessage `json:"resource"`
		}
		if json.Unmarshal(r["type"], &typ) != nil || typ != "document" || json.Unmarshal(r["entry"], &entries) != nil || len(entries) == 0 {
			return CategoryOther
		}
		// A document Bundle's first entry is its Composition.
		var first struct {
			ResourceType string `json:"resourceType"`
		}
		if json.Unmarshal(entries[0].Resource, &first) != nil || first.ResourceType != "Composition" {
			return CategoryOther
		}
		return Category("Composition", entries[0].Resource)
	}
	return CategoryOther
}

// coding is the part of a FHIR Coding that classification reads.
type coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// codings returns the codings of raw, a CodeableConcept or a list of them;
// none if raw is neither.
func codings(raw json.RawMessage) []coding {
	type concept struct {
		Coding []coding `json:"coding"`
	}
	var list []concept
	if json.Unmarshal(raw, &list) != nil {
		var one concept
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []concept{one}
	}
	var out []coding
	for _, c := range list {
		out = append(out, c.Coding...)
	}
	return out
}

// firstMatch returns the category of the first coding in table, else def.
func firstMatch(cs []coding, table map[coding]string, def string) string {
	for _, c := range cs {
		if cat, ok := table[c]; ok {
			return cat
		}
	}
	return def
}
