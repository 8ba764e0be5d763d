package fhir_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/fhir"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// phi are the synthetic personal values of the testdata, which no error
// detail and no rendered resource may contain.
var phi = []string{"Alice", "Bob", "Example", "Sample", "MRN-", "ZX-", "Synthetic Lane", "1984-07-21", "5.9"}

func requireNoPHI(t *testing.T, what, s string) {
	t.Helper()
	for _, p := range phi {
		if strings.Contains(s, p) {
			t.Errorf("%s contains %q: %s", what, p, s)
		}
	}
}

func requireCode(t *testing.T, err error, want medledger.Code) {
	t.Helper()
	if !medledger.HasCode(err, want) {
		t.Fatalf("got error %v, want code %s/%s", err, want.Codespace, want.Slug)
	}
}

func TestValidateValid(t *testing.T) {
	tests := []struct {
		file       string
		rt, bt, id string
		types, ids []string
	}{
		{"observation-potassium-alice.json", "Observation", "", "obs-potassium-alice-1", []string{"Observation"}, []string{"obs-potassium-alice-1"}},
		{"observation-blood-pressure-bob.json", "Observation", "", "obs-bp-bob-1", []string{"Observation"}, []string{"obs-bp-bob-1"}},
		{"diagnosticreport-bmp-alice.json", "DiagnosticReport", "", "dr-bmp-alice-1", []string{"DiagnosticReport"}, []string{"dr-bmp-alice-1"}},
		{"diagnosticreport-chest-xray-bob.json", "DiagnosticReport", "", "dr-cxr-bob-1", []string{"DiagnosticReport"}, []string{"dr-cxr-bob-1"}},
		{"documentreference-discharge-bob.json", "DocumentReference", "", "docref-discharge-bob-1", []string{"DocumentReference"}, []string{"docref-discharge-bob-1"}},
		{"composition-progress-note-alice.json", "Composition", "", "comp-progress-alice-1", []string{"Composition"}, []string{"comp-progress-alice-1"}},
		{"medicationrequest-lisinopril-alice.json", "MedicationRequest", "", "medrx-lisinopril-alice-1", []string{"MedicationRequest"}, []string{"medrx-lisinopril-alice-1"}},
		{"allergyintolerance-penicillin-bob.json", "AllergyIntolerance", "", "allergy-penicillin-bob-1", []string{"AllergyIntolerance"}, []string{"allergy-penicillin-bob-1"}},
		{"bundle-transaction-alice.json", "Bundle", "transaction", "tx-alice-2026-03-14",
			[]string{"DiagnosticReport", "Encounter", "MedicationRequest", "Observation", "Patient"}, []string{"medrx-lisinopril-alice-1"}},
		{"bundle-collection-bob.json", "Bundle", "collection", "coll-bob-2026-04",
			[]string{"AllergyIntolerance", "DocumentReference", "Observation", "Patient"},
			[]string{"example-bob", "allergy-penicillin-bob-1", "obs-bp-bob-1", "docref-discharge-bob-1"}},
	}
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) != len(tests) {
		t.Errorf("testdata/valid has %d files, the table %d: add the new ones to the table", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := fhir.Validate(readTestdata(t, "valid/"+tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.ResourceType != tt.rt || p.BundleType != tt.bt || p.ID != tt.id || !slices.Equal(p.Types, tt.types) || !slices.Equal(p.IDs, tt.ids) {
				t.Errorf("got %+v, want type %s bundle %q id %s types %v ids %v", p, tt.rt, tt.bt, tt.id, tt.types, tt.ids)
			}
		})
	}
}

func TestValidateInvalid(t *testing.T) {
	tests := []struct {
		file string
		want medledger.Code
		// in is part of the detail: the path or the field name
		in string
	}{
		{"wrong-type-value-string.json", fhir.ErrInvalidFHIR, `"Observation.valueQuantity.value": expected decimal`},
		{"wrong-type-status-array.json", fhir.ErrInvalidFHIR, `"Observation.status"`},
		{"unknown-field.json", fhir.ErrInvalidFHIR, `unknown field "patientName"`},
		{"bad-date.json", fhir.ErrInvalidFHIR, `"Observation.effectiveDateTime": expected datetime`},
		{"bad-instant.json", fhir.ErrInvalidFHIR, `"Observation.issued": expected instant`},
		{"missing-resourcetype.json", fhir.ErrInvalidFHIR, `missing required field "resourceType"`},
		{"missing-required-code.json", fhir.ErrInvalidFHIR, `missing required field "code"`},
		{"bad-code-status.json", fhir.ErrInvalidFHIR, `"Observation.status": code type mismatch`},
		{"bad-id.json", fhir.ErrInvalidFHIR, `"Observation.id": invalid Id format`},
		{"bad-reference-type.json", fhir.ErrInvalidFHIR, `"Observation.subject": invalid reference to a Medication resource`},
		{"bundle-invalid-entry.json", fhir.ErrInvalidFHIR, `"Bundle.entry[0].resource.Observation.valueQuantity.value"`},
		{"empty-status.json", fhir.ErrInvalidFHIR, "empty string at byte"},
		{"stu3-procedurerequest.json", fhir.ErrUnsupported, `"ProcedureRequest" is not a FHIR R4 resource type`},
		{"r5-subscriptiontopic.json", fhir.ErrUnsupported, `"SubscriptionTopic" is not a FHIR R4 resource type`},
		{"bundle-unknown-entry-type.json", fhir.ErrUnsupported, `"Bundle.entry[1].resource.BodySite": unknown resource type "BodySite"`},
		{"array.json", fhir.ErrNotJSON, "not an object"},
		{"not-json.txt", fhir.ErrNotJSON, "not JSON"},
		{"truncated.json", fhir.ErrNotJSON, "not JSON"},
	}
	files, _ := filepath.Glob("testdata/invalid/*")
	if len(files) != len(tests) {
		t.Errorf("testdata/invalid has %d files, the table %d: add the new ones to the table", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := fhir.Validate(readTestdata(t, "invalid/"+tt.file))
			requireCode(t, err, tt.want)
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q does not say %q", err, tt.in)
			}
			requireNoPHI(t, "the error", err.Error())
		})
	}
}

func TestValidateEdges(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	var ext strings.Builder // extensions nested past MaxNestingDepth
	ext.WriteString(`{"resourceType":"Basic","code":{"text":"x"},"extension":[`)
	for range fhir.MaxNestingDepth {
		ext.WriteString(`{"url":"urn:x","extension":[`)
	}
	ext.WriteString(`{"url":"urn:x","valueString":"y"}`)
	for range fhir.MaxNestingDepth {
		ext.WriteString(`]}`)
	}
	ext.WriteString(`]}`)
	tests := []struct {
		name string
		doc  string
		want medledger.Code
	}{
		{"empty", ``, fhir.ErrNotJSON},
		{"null", `null`, fhir.ErrNotJSON},
		{"string", `"Observation"`, fhir.ErrNotJSON},
		{"number", `42`, fhir.ErrNotJSON},
		{"two objects", `{"resourceType":"Basic","code":{"text":"x"}} {}`, fhir.ErrNotJSON},
		{"deep arrays", deep, fhir.ErrNotJSON},
		{"empty object", `{}`, fhir.ErrInvalidFHIR},
		{"resourceType number", `{"resourceType":5}`, fhir.ErrInvalidFHIR},
		{"resourceType lowercase", `{"resourceType":"observation"}`, fhir.ErrUnsupported},
		{"resourceType long", `{"resourceType":"` + strings.Repeat("Alice", 20) + `"}`, fhir.ErrUnsupported},
		{"upper camel field", `{"resourceType":"Basic","code":{"text":"x"},"Foo":1}`, fhir.ErrInvalidFHIR},
		{"nested too deep", ext.String(), fhir.ErrInvalidFHIR},
		{"control character", `{"resourceType":"Basic","code":{"text":"a\u0001b"}}`, fhir.ErrInvalidFHIR},
		{"contained unknown", `{"resourceType":"Basic","code":{"text":"x"},"contained":[{"resourceType":"Nope"}]}`, fhir.ErrUnsupported},
		{"empty string", `{"resourceType":"Bundle","type":""}`, fhir.ErrInvalidFHIR},
		{"empty object", `{"resourceType":"Basic","code":{"text":"x"},"subject": { } }`, fhir.ErrInvalidFHIR},
		{"empty array", `{"resourceType":"Basic","code":{"text":"x"},"identifier":[ ]}`, fhir.ErrInvalidFHIR},
		{"empty key", `{"resourceType":"Basic","code":{"text":"x"},"":1}`, fhir.ErrInvalidFHIR},
		{"many issues", `{"resourceType":"Basic","a1":1,"a2":1,"a3":1,"a4":1,"a5":1,"a6":1,"a7":1,"a8":1,"a9":1,"b1":1,"b2":1,"b3":1}`, fhir.ErrInvalidFHIR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fhir.Validate([]byte(tt.doc))
			requireCode(t, err, tt.want)
			requireNoPHI(t, "the error", err.Error())
			if len(err.Error()) > 2000 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}

	// Issues are reported in a stable order, whatever the map order.
	doc := []byte(tests[len(tests)-1].doc)
	_, first := fhir.Validate(doc)
	for range 20 {
		if _, err := fhir.Validate(doc); err.Error() != first.Error() {
			t.Fatalf("unstable error text:\n%s\n%s", first, err)
		}
	}
	if !strings.Contains(first.Error(), "and 2 more") {
		t.Errorf("error %q does not count the issues left out", first)
	}
}

func TestValidateTooLarge(t *testing.T) {
	// Not even JSON: the size is checked before anything is parsed.
	big := bytes.Repeat([]byte{'x'}, fhir.MaxDocumentSize+1)
	_, err := fhir.Validate(big)
	requireCode(t, err, fhir.ErrTooLarge)
	if medledger.As(err).Kind != medledger.KindTooLarge {
		t.Errorf("kind %v", medledger.As(err).Kind)
	}

	_, err = fhir.ReadDocument(bytes.NewReader(big))
	requireCode(t, err, fhir.ErrTooLarge)
	doc := readTestdata(t, "valid/observation-potassium-alice.json")
	got, err := fhir.ReadDocument(bytes.NewReader(doc))
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("ReadDocument: %v", err)
	}
}

func TestCodes(t *testing.T) {
	seen := map[uint32]bool{}
	for _, c := range fhir.Codes {
		if c.Codespace != fhir.Codespace || c.Code == 0 || seen[c.Code] || c.Slug == "" {
			t.Errorf("bad or duplicate code %+v", c)
		}
		seen[c.Code] = true
	}
}

func TestIsR4Type(t *testing.T) {
	for _, typ := range []string{"Observation", "Bundle", "Consent", "AuditEvent", "MedicinalProductAuthorization", "Patient"} {
		if !fhir.IsR4Type(typ) {
			t.Errorf("%s is R4", typ)
		}
	}
	for _, typ := range []string{"", "observation", "ProcedureRequest", "BodySite", "SubscriptionTopic", "ContainedResource"} {
		if fhir.IsR4Type(typ) {
			t.Errorf("%s is not R4", typ)
		}
	}
}

// doc4KiB is a lab Observation of about 4 KiB.
func doc4KiB(t testing.TB) []byte {
	var obs map[string]any
	if err := json.Unmarshal(readTestdata(t, "valid/observation-potassium-alice.json"), &obs); err != nil {
		t.Fatal(err)
	}
	notes := []any{}
	for i := 0; ; i++ {
		obs["note"] = notes
		b, _ := json.MarshalIndent(obs, "", "  ")
		if len(b) >= 4096-100 {
			return b
		}
		notes = append(notes, map[string]any{"text": "Sample re-run on the second analyser; result confirmed. Synthetic note " + strings.Repeat("x", i%7)})
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, bb := range []struct {
		name string
		doc  []byte
	}{
		{"Observation4KiB", doc4KiB(b)},
		{"Transaction9KiB", readTestdata(b, "valid/bundle-transaction-alice.json")},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fhir.Validate(bb.doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSplitTransaction(b *testing.B) {
	doc := readTestdata(b, "valid/bundle-transaction-alice.json")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fhir.SplitTransaction(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidateEscapes(t *testing.T) {
	// Quotes and backslashes inside strings are no empty values.
	for _, text := range []string{`\"\"`, `\\`, `a\\\"`, `[]`, `{}`, `\u0022\u0022`} {
		doc := `{"resourceType":"Basic","code":{"text":"` + text + `"}}`
		if _, err := fhir.Validate([]byte(doc)); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

// TestValidateConcurrent shares the one validator between goroutines; run
// with -race.
func TestValidateConcurrent(t *testing.T) {
	docs := [][]byte{readTestdata(t, "valid/bundle-transaction-alice.json"), readTestdata(t, "invalid/unknown-field.json")}
	done := make(chan error)
	for i := range 8 {
		go func() {
			var err error
			for range 10 {
				_, e := fhir.Validate(docs[i%2])
				if i%2 == 0 && e != nil || i%2 == 1 && !medledger.HasCode(e, fhir.ErrInvalidFHIR) {
					err = fmt.Errorf("goroutine %d: %v", i, e)
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
