package site_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/internal/fhircheck"
	"github.com/medledger/medledger/trials"
)

// TestFHIRViews: the trials service's FHIR routes against a real node:
// ResearchStudy search and read, ResearchSubject search by study (paged,
// with the participants' Consents included) and read; each answer valid
// FHIR R4 (google/fhir's validator and @medplum/core's invariants), no
// answer naming a patient id, errors as OperationOutcomes.
func TestFHIRViews(t *testing.T) {
	n := startNode(t)
	const trial = "NCT09990001"
	n.register(t, trial)
	alice := n.enrol(t, trial, "patient/alice", "northside-hospital/dr-chen")
	bob := n.enrol(t, trial, "patient/bob", "lakeside-clinic/dr-patel")
	n.send(t, alice, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: "northside-hospital"})
	n.send(t, bob, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: "lakeside-clinic"})
	n.send(t, bob, trials.TypeWithdraw, trials.WithdrawBody{Trial: trial})

	// The sponsor's coordinator reads (the participants are signed reads:
	// TestSubjectsSignedReads).
	coord := n.Signer("heartwell-trials/coordinator")
	var all [][]byte
	get := func(path string, status int) map[string]any {
		t.Helper()
		res, body := n.GetAs(t, coord, path)
		if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/fhir+json") {
			t.Fatalf("GET %s: %d %s\n%s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		if _, err := fhir.Validate(body); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
		for _, p := range []string{"patient/alice", "patient/bob"} {
			if strings.Contains(string(body), n.Keys[p].ID) {
				t.Fatalf("GET %s names %s's patient id", path, p)
			}
		}
		all = append(all, body)
		var m map[string]any
		json.Unmarshal(body, &m)
		return m
	}
	entries := func(m map[string]any) []map[string]any {
		var out []map[string]any
		list, _ := m["entry"].([]any)
		for _, e := range list {
			em, _ := e.(map[string]any)
			out = append(out, em)
		}
		return out
	}
	resType := func(e map[string]any) string {
		r, _ := e["resource"].(map[string]any)
		s, _ := r["resourceType"].(string)
		return s
	}

	study := get("/fhir/ResearchStudy/"+trial, 200)
	if study["resourceType"] != "ResearchStudy" || study["id"] != trial {
		t.Fatalf("study: %v", study)
	}
	if s := get("/fhir/ResearchStudy", 200); s["total"] != float64(1) || resType(entries(s)[0]) != "ResearchStudy" {
		t.Fatalf("study search: %v", s)
	}
	if s := get("/fhir/ResearchStudy?_id=NOPE", 200); s["total"] != float64(0) {
		t.Fatalf("search for no study: %v", s)
	}

	// Paged: one participant per page, each with their consents.
	path := "/fhir/ResearchSubject?study=" + trial + "&_count=1&_include=ResearchSubject:consent"
	seen := map[string]string{}
	consents := 0
	for pages := 0; path != ""; pages++ {
		if pages > 2 {
			t.Fatal("the pages do not end")
		}
		page := get(path, 200)
		if page["total"] != float64(2) {
			t.Fatalf("total %v", page["total"])
		}
		for _, e := range entries(page) {
			r, _ := e["resource"].(map[string]any)
			switch resType(e) {
			case "ResearchSubject":
				seen[r["id"].(string)] = r["status"].(string)
			case "Consent":
				consents++
			}
		}
		path = ""
		links, _ := page["link"].([]any)
		for _, l := range links {
			lm := l.(map[string]any)
			if lm["relation"] == "next" {
				u, _ := url.Parse(lm["url"].(string))
				path = u.RequestURI()
			}
		}
	}
	if seen[alice.Key.ID] != "on-study" || seen[bob.Key.ID] != "withdrawn" || consents != 2 {
		t.Fatalf("subjects %v, %d consents", seen, consents)
	}
	if s := get("/fhir/ResearchSubject/"+alice.Key.ID, 200); s["status"] != "on-study" {
		t.Fatalf("subject read: %v", s)
	}
	// Errors are OperationOutcomes.
	for _, p := range []string{"/fhir/ResearchStudy/NOPE", "/fhir/ResearchSubject/psn-aaaaaaaaaaaaaaaaaaaaaaaa"} {
		if m := get(p, 404); m["resourceType"] != "OperationOutcome" {
			t.Fatalf("GET %s: %v", p, m)
		}
	}
	for _, p := range []string{"/fhir/ResearchSubject", "/fhir/ResearchSubject?study=" + trial + "&_include=Patient:link", "/fhir/ResearchStudy?_count=0"} {
		if m := get(p, 400); m["resourceType"] != "OperationOutcome" {
			t.Fatalf("GET %s: %v", p, m)
		}
	}
	// /openapi.json lists the service's routes.
	res, spec := n.Get(t, "/openapi.json")
	for _, route := range []string{"/v1/trials/documents", "/v1/trials/{id}/data", "/v1/trials/{id}/batches/{seq}/data", "/fhir/ResearchStudy", "/fhir/ResearchSubject/{id}"} {
		if res.StatusCode != 200 || !strings.Contains(string(spec), `"`+route+`"`) {
			t.Errorf("/openapi.json does not list %s", route)
		}
	}
	fhircheck.Require(t, all...)
}
