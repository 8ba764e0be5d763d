package fhir_test

import (
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/internal/fhircheck"
	"github.com/medledger/medledger/trials"
)

const subjectID = "psn-aaaaaaaaaaaaaaaaaaaaaaaa"

func researchFixture() (trials.View, trials.Subject, trials.Subject) {
	hba1c := trials.Outcome{Code: "HBA1C", Kind: trials.Primary, Measure: "Change in HbA1c from baseline (%)", TimeFrame: "26 weeks"}
	weight := trials.Outcome{Code: "WEIGHT", Kind: trials.Secondary, Measure: "Change in body weight (kg)", TimeFrame: "26 weeks"}
	weight52 := weight
	weight52.TimeFrame = "52 weeks"
	v := trials.View{
		Trial: trials.Trial{ID: "NCT09990001", Title: "HbA1c in type 2 diabetes", Phase: "3", Sponsor: "heartwell-trials",
			Sites: []string{"northside-hospital", "lakeside-clinic"}, Enrolment: 200, Outcomes: []trials.Outcome{hba1c, weight52}, Version: 2,
			RequiredVersion: 2, Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		Versions:   []trials.Version{{N: 1}, {N: 2}},
		Switches:   []trials.Switch{{Trial: "NCT09990001", Seq: 1, Outcome: "WEIGHT", Change: trials.SwitchChanged, Old: &weight, New: &weight52, Version: 2, Height: 40}},
		Results:    []trials.Result{{Outcome: "HBA1C", Summary: "fell by 1.1", Declared: true}, {Outcome: "BMI", Summary: "fell", Declared: false}},
		Unreported: []string{"WEIGHT"}, Undeclared: []string{"BMI"},
	}
	consented := trials.Subject{ID: subjectID, Trial: v.ID, Site: "northside-hospital", EnrolledBy: "northside-hospital/dr-chen", Enrolled: 10,
		Status: trials.SubjectConsented, Consents: []trials.ConsentEvent{{Version: 1, Height: 11}, {Version: 2, Form: strings.Repeat("ab", 32), Height: 45}}}
	withdrawn := consented
	withdrawn.ID, withdrawn.Status, withdrawn.WithdrawnAt, withdrawn.RemoveData = "psn-bbbbbbbbbbbbbbbbbbbbbbbb", trials.SubjectWithdrawn, 50, true
	return v, consented, withdrawn
}

// TestResearchResources: a trial, its participants and their consents
// render as valid FHIR R4 (google/fhir's validator and @medplum/core's
// invariants), name participants by pseudonym only, and carry the
// declared outcomes, every switch and the results.
func TestResearchResources(t *testing.T) {
	v, consented, withdrawn := researchFixture()
	study := fhir.ResearchStudy(v, "https://node.example")
	m := validRender(t, "ResearchStudy", study)
	if get(m, "id") != "NCT09990001" || get(m, "status") != "active" || get(m, "phase", "coding", 0, "code") != "phase-3" {
		t.Fatalf("study: %s", study)
	}
	if get(m, "objective", 0, "type", "coding", 0, "code") != "primary" || get(m, "objective", 1, "type", "coding", 0, "code") != "secondary" {
		t.Fatalf("objectives: %v", get(m, "objective"))
	}
	desc, _ := get(m, "description").(string)
	if !strings.Contains(desc, "WEIGHT changed by protocol version 2") || !strings.Contains(desc, "52 weeks") {
		t.Fatalf("the switch is not in the description: %q", desc)
	}
	notes := string(study)
	if !strings.Contains(notes, "HBA1C (an outcome declared)") || !strings.Contains(notes, "BMI (an outcome never declared)") {
		t.Fatalf("results: %s", study)
	}
	// Every outcome reported: completed.
	done := v
	done.Unreported = nil
	if m := validRender(t, "ResearchStudy", fhir.ResearchStudy(done, "")); get(m, "status") != "completed" {
		t.Fatalf("a study with every outcome reported is %v", get(m, "status"))
	}

	subj := fhir.ResearchSubject(consented)
	m = validRender(t, "ResearchSubject", subj)
	if get(m, "status") != "on-study" || get(m, "individual", "identifier", "value") != subjectID || get(m, "study", "reference") != "ResearchStudy/NCT09990001" ||
		get(m, "consent", "identifier", "value") != subjectID+"-2" {
		t.Fatalf("subject: %s", subj)
	}
	wm := validRender(t, "ResearchSubject", fhir.ResearchSubject(withdrawn))
	if get(wm, "status") != "withdrawn" {
		t.Fatalf("a withdrawn subject is %v", get(wm, "status"))
	}
	enrolled := trials.Subject{ID: subjectID, Trial: v.ID, Site: "lakeside-clinic", Status: trials.SubjectEnrolled}
	if em := validRender(t, "ResearchSubject", fhir.ResearchSubject(enrolled)); get(em, "status") != "pending-on-study" || get(em, "consent") != nil {
		t.Fatalf("an enrolled subject: %v", em)
	}

	consents := fhir.TrialConsentResources(consented)
	if len(consents) != 2 {
		t.Fatalf("%d consents", len(consents))
	}
	c1, c2 := validRender(t, "Consent", consents[0]), validRender(t, "Consent", consents[1])
	if get(c1, "status") != "inactive" || get(c2, "status") != "active" || get(c2, "policy", 0, "uri") != fhir.ProtocolURI(v.ID, 2) ||
		get(c2, "scope", "coding", 0, "code") != "research" || get(c2, "id") != subjectID+"-2" {
		t.Fatalf("consents: %s\n%s", consents[0], consents[1])
	}
	for _, c := range fhir.TrialConsentResources(withdrawn) {
		if m := validRender(t, "Consent", c); get(m, "status") != "inactive" {
			t.Fatalf("a withdrawn participant's consent is %v", get(m, "status"))
		}
	}

	page := fhir.SearchPage([][]byte{subj}, consents, 3, "/fhir/ResearchSubject?study=NCT09990001&_count=1",
		"/fhir/ResearchSubject?study=NCT09990001&_count=1&_cursor=psn-b")
	pm := validRender(t, "Bundle", page)
	if get(pm, "total") != float64(3) || get(pm, "link", 1, "relation") != "next" || get(pm, "entry", 1, "search", "mode") != "include" {
		t.Fatalf("page: %s", page)
	}
	var all [][]byte
	all = append(all, study, subj, fhir.ResearchSubject(withdrawn), fhir.ResearchSubject(enrolled), page)
	all = append(all, consents...)
	all = append(all, oddResearch()...)
	fhircheck.Require(t, all...)
}

// oddResearch renders empty and odd values.
func oddResearch() [][]byte {
	odd := trials.View{Trial: trials.Trial{Phase: "9", Outcomes: []trials.Outcome{{Code: "X", Kind: "other"}}}}
	subj := trials.Subject{Status: "odd", Consents: []trials.ConsentEvent{{}}}
	docs := [][]byte{fhir.ResearchStudy(odd, ""), fhir.ResearchStudy(trials.View{}, ""), fhir.ResearchSubject(subj), fhir.ResearchSubject(trials.Subject{})}
	return append(docs, fhir.TrialConsentResources(subj)...)
}

// TestResearchAnyInput: the renderers make valid FHIR of empty and odd
// values too (TestResearchResources checks their invariants).
func TestResearchAnyInput(t *testing.T) {
	for _, d := range oddResearch() {
		if _, err := fhir.Validate(d); err != nil {
			t.Errorf("%v\n%s", err, d)
		}
	}
}

// TestCapabilityListsResearch: the CapabilityStatement names the research
// views, their reads, searches and the consent include.
func TestCapabilityListsResearch(t *testing.T) {
	cs := string(fhir.CapabilityStatement(""))
	for _, want := range []string{`"type":"ResearchStudy"`, `"type":"ResearchSubject"`, `"searchInclude":["ResearchSubject:consent"]`, "GET /fhir/ResearchSubject?study="} {
		if !strings.Contains(cs, want) {
			t.Errorf("the CapabilityStatement lacks %s", want)
		}
	}
}
