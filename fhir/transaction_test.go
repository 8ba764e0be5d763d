package fhir_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/fhir"
)

func TestSplitTransaction(t *testing.T) {
	doc := readTestdata(t, "valid/bundle-transaction-alice.json")
	entries, err := fhir.SplitTransaction(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []fhir.Entry{
		{Type: "Patient", Method: "POST", URL: "Patient", FullURL: "urn:uuid:4f6a8c2e-3b1d-4e7a-9c55-0a1b2c3d4e5f"},
		{Type: "Encounter", Method: "POST", URL: "Encounter", FullURL: "urn:uuid:9d2e7b40-61c4-4a8f-b3e2-5f6a7b8c9d0e"},
		{Type: "Observation", Method: "POST", URL: "Observation", FullURL: "urn:uuid:1c3e5a7b-9d2f-4b6a-8e0c-2d4f6a8b0c1e"},
		{Type: "DiagnosticReport", Method: "POST", URL: "DiagnosticReport", FullURL: "urn:uuid:7a9c1e3f-5b7d-4f1a-a3c5-e7f9a1b3c5d7"},
		{Type: "MedicationRequest", ID: "medrx-lisinopril-alice-1", Method: "PUT", URL: "MedicationRequest/medrx-lisinopril-alice-1",
			FullURL: "https://ehr.example.invalid/fhir/MedicationRequest/medrx-lisinopril-alice-1"},
	}
	if len(entries) != len(want) {
		t.Fatalf("got %d entries, want %d", len(entries), len(want))
	}
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(doc, &bundle); err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		doc := e.Doc
		e.Doc = nil
		if !equalEntry(e, want[i]) {
			t.Errorf("entry %d: got %+v, want %+v", i, e, want[i])
		}
		p, err := fhir.Validate(doc)
		if err != nil {
			t.Errorf("entry %d: its document does not validate: %v", i, err)
			continue
		}
		if p.ResourceType != e.Type {
			t.Errorf("entry %d: document of type %s, entry says %s", i, p.ResourceType, e.Type)
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, bundle.Entry[i].Resource)
		if !bytes.Equal(doc, compact.Bytes()) {
			t.Errorf("entry %d: the document is not the entry's resource as sent", i)
		}
	}
	// The patient's own data stays in its document, for the vault.
	if !bytes.Contains(entries[0].Doc, []byte(`"Alice"`)) {
		t.Errorf("the Patient document lost its content: %s", entries[0].Doc)
	}

	empty, err := fhir.SplitTransaction([]byte(`{"resourceType":"Bundle","type":"transaction"}`))
	if err != nil || len(empty) != 0 {
		t.Errorf("an empty transaction: got %v, %v", empty, err)
	}
}

func equalEntry(a, b fhir.Entry) bool {
	return a.Type == b.Type && a.ID == b.ID && a.Method == b.Method && a.URL == b.URL && a.FullURL == b.FullURL
}

func TestSplitTransactionRefuses(t *testing.T) {
	const obs = `{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"potassium"}}`
	const obsNoID = `{"resourceType":"Observation","status":"final","code":{"text":"potassium"}}`
	tx := func(entries ...string) string {
		return `{"resourceType":"Bundle","type":"transaction","entry":[` + strings.Join(entries, ",") + `]}`
	}
	entry := func(method, url, resource string) string {
		e := `{"request":{"method":"` + method + `","url":"` + url + `"}`
		if resource != "" {
			e += `,"resource":` + resource
		}
		return e + "}"
	}
	tests := []struct {
		name string
		doc  string
		want medledger.Code
		in   string
	}{
		{"not JSON", `{`, fhir.ErrNotJSON, ""},
		{"not a Bundle", obs, fhir.ErrUnsupported, "not a transaction Bundle"},
		{"batch", `{"resourceType":"Bundle","type":"batch","entry":[` + entry("POST", "Observation", obsNoID) + `]}`, fhir.ErrUnsupported, "a batch Bundle"},
		{"collection", string(readTestdata(t, "valid/bundle-collection-bob.json")), fhir.ErrUnsupported, "a collection Bundle"},
		{"DELETE", tx(entry("POST", "Observation", obsNoID), entry("DELETE", "Observation/o1", "")), fhir.ErrUnsupported, "Bundle.entry[1].request.method is DELETE"},
		{"GET", tx(entry("GET", "Observation?patient=p1", "")), fhir.ErrUnsupported, "method is GET"},
		{"PATCH", tx(entry("PATCH", "Observation/o1", obs)), fhir.ErrUnsupported, "method is PATCH"},
		{"conditional PUT", tx(entry("PUT", "Observation?identifier=x", obs)), fhir.ErrUnsupported, "conditional"},
		{"PUT without id", tx(entry("PUT", "Observation/o1", obsNoID)), fhir.ErrInvalidFHIR, "Observation/{id}"},
		{"PUT other id", tx(entry("PUT", "Observation/o2", obs)), fhir.ErrInvalidFHIR, "own id"},
		{"POST other type", tx(entry("POST", "Condition", obs)), fhir.ErrInvalidFHIR, `must be "Observation"`},
		{"POST absolute url", tx(entry("POST", "https://ehr.example.invalid/fhir/Observation", obs)), fhir.ErrInvalidFHIR, `must be "Observation"`},
		{"POST without resource", tx(entry("POST", "Observation", "")), fhir.ErrInvalidFHIR, "has no resource"},
		{"no request", tx(`{"resource":` + obs + `}`), fhir.ErrInvalidFHIR, "has no request"},
		{"invalid resource", tx(entry("POST", "Observation", `{"resourceType":"Observation","status":"final"}`)), fhir.ErrInvalidFHIR, `missing required field "code"`},
		{"unknown resource type", tx(entry("POST", "ProcedureRequest", `{"resourceType":"ProcedureRequest"}`)), fhir.ErrUnsupported, "unknown resource type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fhir.SplitTransaction([]byte(tt.doc))
			if got != nil {
				t.Errorf("entries returned with an error: %v", got)
			}
			requireCode(t, err, tt.want)
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q does not say %q", err, tt.in)
			}
		})
	}
}
