package fhir_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/internal/fhircheck"
)

const member = "psn-5tq3xq3jzzq7d7a2ww5nlxb3"

// sampleClaims are claims in each state a view renders: adjudicated with
// a paid and a denied line, pended with a flag, paid after review.
func sampleClaims() []claims.Claim {
	at := claims.Stamp{Height: 12, Time: time.Date(2025, 3, 3, 14, 0, 0, 0, time.UTC)}
	base := claims.Claim{ID: "clm-7", Payer: "unity-health-plan", Member: member, Provider: "northside-hospital", Rendering: "northside-hospital/dr-chen",
		Submitter: "northside-hospital/biller", Diagnoses: []string{"E11.9", "I10"}, Submitted: at, Adjudicated: &at, Status: claims.StatusAdjudicated,
		ChargeCents: 65000, PaidCents: 7000, PatientCents: 2500,
		Lines: []claims.Line{
			{Seq: 1, LineIn: claims.LineIn{Code: "99213", Modifiers: []string{"25"}, Pointers: []int{1, 2}, Units: 1, ChargeCents: 15000, Date: "2025-03-03", Place: "11"},
				Result: claims.Result{Status: claims.LinePaid, AllowedCents: 9500, PaidCents: 7000, PatientCents: 2500, Rule: "office-visit", Policy: 1,
					Adjustments: []claims.Adjustment{{Group: "CO", CARC: "45", AmountCents: 5500}, {Group: "PR", CARC: "3", AmountCents: 2500}}, Explanation: "covered by rule office-visit"}},
			{Seq: 2, LineIn: claims.LineIn{Code: "J3490", Pointers: []int{1}, Units: 2, ChargeCents: 50000, Date: "2025-03-04"},
				Result: claims.Result{Status: claims.LineDenied, Rule: "mri-brain", Policy: 1,
					Adjustments: []claims.Adjustment{{Group: "CO", CARC: "197", RARC: "M62", AmountCents: 50000}}, Explanation: "no authorization"}},
		}}
	pended := base
	pended.ID, pended.Status, pended.Adjudicated, pended.Pended = "clm-8", claims.StatusPended, nil, &at
	pended.Flags = []claims.Flag{{Code: "unbundling", Line: 1, Reason: "80048 billed with 80053", By: "policy", Height: 12}}
	paid := base
	paid.ID, paid.Status, paid.Paid = "clm-9", claims.StatusPaid, &at
	paid.Payment = &claims.Payment{Trace: "EFT-1001", AmountCents: 7000, Date: "2025-03-10", By: "unity-health-plan/admin"}
	paid.Decisions = []claims.Decision{{Action: "approve", Reason: "reviewed the notes", By: "unity-health-plan/adjudicator", Height: 13, Time: at.Time}}
	return []claims.Claim{base, pended, paid}
}

// TestClaimViews: ClaimResponse and ExplanationOfBenefit of claims in each
// state are valid FHIR R4 (google/fhir and @medplum/core with its
// invariants), name the member only by pseudonym, and carry every
// adjustment's CARC, group and RARC and the amounts in exact decimals.
func TestClaimViews(t *testing.T) {
	var all [][]byte
	for _, c := range sampleClaims() {
		cr := fhir.ClaimResponseResource(c)
		eob := fhir.ExplanationOfBenefitResource(c)
		m := validRender(t, "ClaimResponse", cr)
		validRender(t, "ExplanationOfBenefit", eob)
		all = append(all, cr, eob)
		want := map[string]string{claims.StatusAdjudicated: "complete", claims.StatusPended: "queued", claims.StatusPaid: "complete"}[c.Status]
		if get(m, "outcome") != want {
			t.Errorf("%s (%s): outcome %v, want %s", c.ID, c.Status, get(m, "outcome"), want)
		}
		for _, doc := range []string{string(cr), string(eob)} {
			for _, s := range []string{`"code":"45"`, `"code":"197"`, `"code":"M62"`, `"code":"CO"`, `"code":"PR"`, `"value":95.00`, `"value":500.00`, member} {
				if !strings.Contains(doc, s) {
					t.Errorf("%s: a view lacks %s", c.ID, s)
				}
			}
			if strings.Contains(doc, "pat-") {
				t.Errorf("%s: a view names a patient id", c.ID)
			}
		}
	}
	all = append(all, fhir.Bundle(fhir.BundleSearchset, [][]byte{fhir.ExplanationOfBenefitResource(sampleClaims()[0])}))
	fhircheck.Require(t, all...)
	cs := string(fhir.CapabilityStatement(""))
	for _, want := range []string{`"ClaimResponse"`, `"ExplanationOfBenefit"`, "ExplanationOfBenefit-patient"} {
		if !strings.Contains(cs, want) {
			t.Errorf("the CapabilityStatement does not list %s", want)
		}
	}
}

// TestClaimFromFHIR: a FHIR R4 Claim maps to the claim the chain
// adjudicates (diagnoses and items in sequence order, pointers renumbered,
// net in exact cents); what the mapping needs and lacks is refused with
// its code.
func TestClaimFromFHIR(t *testing.T) {
	doc, err := os.ReadFile("testdata/claims/claim-office-visit.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := fhir.ClaimFromFHIR(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := claims.SubmitBody{Payer: "unity-health-plan", Member: member, Rendering: "northside-hospital/dr-chen", Diagnoses: []string{"E11.9", "I10"},
		Lines: []claims.LineIn{
			{Code: "99214", Modifiers: []string{"25"}, Pointers: []int{1, 2}, Units: 1, ChargeCents: 20050, Date: "2025-03-03", Place: "11"},
			{Code: "83036", Pointers: []int{1}, Units: 1, ChargeCents: 5000, Date: "2025-03-03", Place: "11"},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mapped\n %+v\nwant\n %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("the mapped claim does not validate: %v", err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(doc, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	item := func(m map[string]any) map[string]any { return m["item"].([]any)[0].(map[string]any) }
	for _, tc := range []struct {
		name string
		doc  []byte
		code medledger.Code
	}{
		{"not a Claim", []byte(`{"resourceType":"Patient","id":"x"}`), fhir.ErrUnsupported},
		{"not FHIR", []byte(`{"resourceType":"Claim","nonsense":1}`), fhir.ErrInvalidFHIR},
		{"a patient id", edit(func(m map[string]any) {
			m["patient"] = map[string]any{"reference": "Patient/pat-abc"}
		}), claims.ErrInvalid},
		{"no insurer", edit(func(m map[string]any) { delete(m, "insurer") }), claims.ErrInvalid},
		{"no care team", edit(func(m map[string]any) { delete(m, "careTeam") }), claims.ErrInvalid},
		{"three decimals", edit(func(m map[string]any) {
			item(m)["net"] = map[string]any{"value": json.Number("1.005"), "currency": "USD"}
		}), claims.ErrInvalid},
		{"euros", edit(func(m map[string]any) { item(m)["net"] = map[string]any{"value": 5, "currency": "EUR"} }), claims.ErrInvalid},
		{"half a unit", edit(func(m map[string]any) { item(m)["quantity"] = map[string]any{"value": json.Number("0.5")} }), claims.ErrInvalid},
		{"a diagnosis it lacks", edit(func(m map[string]any) { item(m)["diagnosisSequence"] = []any{7} }), claims.ErrInvalid},
	} {
		if _, err := fhir.ClaimFromFHIR(tc.doc); !medledger.HasCode(err, tc.code) {
			t.Errorf("%s: %v, want %s/%s", tc.name, err, tc.code.Codespace, tc.code.Slug)
		}
	}
}

// TestCents reads decimal amounts exactly.
func TestCents(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "150": 15000, "150.5": 15050, "150.05": 15005, "999999999999.99": 99999999999999} {
		if got, ok := fhir.Cents(in); !ok || got != want {
			t.Errorf("Cents(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.", ".5", "1.005", "1e3", "1,00", "0x10", "1234567890123"} {
		if _, ok := fhir.Cents(bad); ok {
			t.Errorf("Cents(%q) accepted", bad)
		}
	}
}

// FuzzClaimFromFHIR: no document makes the mapping panic, and what it
// accepts is a claim whose amounts are whole cents that JSON round-trips.
func FuzzClaimFromFHIR(f *testing.F) {
	doc, err := os.ReadFile("testdata/claims/claim-office-visit.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{"resourceType":"Claim"}`))
	f.Add([]byte(`{"resourceType":"Claim","item":[{"net":{"value":1e400}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := fhir.ClaimFromFHIR(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		var back claims.SubmitBody
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
	})
}
