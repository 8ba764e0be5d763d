package fhir_test

// Issue 11: what the validator left unchecked inside a resource, as the
// issue reproduced it.

import (
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/fhir"
)

func TestValidateParametersResource(t *testing.T) {
	ok := []string{
		`{"resourceType":"Parameters","parameter":[{"name":"patient","resource":{"resourceType":"Patient","id":"example"}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"a","valueString":"x"},{"name":"b","part":[{"name":"c","resource":{"resourceType":"Patient","id":"p1"}}]}]}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Parameters","parameter":[{"name":"patient","resource":{"resourceType":"Patient","id":"example"}}]}}]}`,
	}
	for _, doc := range ok {
		p, err := fhir.Validate([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		if p.ResourceType != "Parameters" && p.ResourceType != "Bundle" {
			t.Errorf("%s: parsed %+v", doc, p)
		}
	}
	bad := []struct{ doc, want string }{
		{`{"resourceType":"Parameters","parameter":[{"name":"patient","resource":{"resourceType":"Observation","code":{"text":"x"}}}]}`, `Parameters.parameter[0].resource`},
		{`{"resourceType":"Parameters","parameter":[{"name":"b","part":[{"name":"c","resource":{"resourceType":"Patient","id":"p_1"}}]}]}`, `Parameters.parameter[0].part[0].resource`},
		{`{"resourceType":"Parameters","parameter":[{"name":"patient","valueString":"x","resource":{"resourceType":"Patient"}}]}`, "inv-1"},
		{`{"resourceType":"Parameters","parameter":[{"name":"patient","resource":{"resourceType":"Patient","unknown":1}}]}`, "unknown"},
		{`{"resourceType":"Parameters","parameter":[{"name":"patient","resource":{"id":"x"}}]}`, "no resourceType"},
	}
	for _, tc := range bad {
		_, err := fhir.Validate([]byte(tc.doc))
		if !medledger.HasCode(err, fhir.ErrInvalidFHIR) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want invalid-fhir saying %q", tc.doc, err, tc.want)
		}
	}
}

func TestValidateContained(t *testing.T) {
	obs := func(contained string) string {
		return `{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[` + contained + `]}`
	}
	inBundle := func(resource string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":` + resource + `}]}`
	}
	long := strings.Repeat("a", 65)
	bad := []struct{ name, contained, want string }{
		{"an Observation without status", `{"resourceType":"Observation","id":"o1","code":{"text":"y"}}`, `missing required field "status"`},
		{"id org_1", `{"resourceType":"Organization","id":"org_1"}`, "invalid Id format"},
		{"an id of 65 characters", `{"resourceType":"Organization","id":"` + long + `"}`, "invalid Id format"},
		{"no id", `{"resourceType":"Organization","name":"x"}`, "no id"},
		{"contained in contained", `{"resourceType":"Organization","id":"o1","contained":[{"resourceType":"Organization","id":"o2"}]}`, "dom-2"},
		{"a versionId", `{"resourceType":"Organization","id":"o1","meta":{"versionId":"1"}}`, "dom-4"},
		{"an unknown field", `{"resourceType":"Organization","id":"o1","nickname":"x"}`, `"nickname"`},
		{"an STU3 type", `{"resourceType":"ProcedureRequest","id":"o1"}`, "ProcedureRequest"},
		{"not an object", `"x"`, "contained[0]"},
	}
	for _, tc := range bad {
		for where, doc := range map[string]string{"alone": obs(tc.contained), "in a Bundle entry": inBundle(obs(tc.contained))} {
			_, err := fhir.Validate([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s, %s: got %v, want an error saying %q", tc.name, where, err, tc.want)
				continue
			}
			if !strings.Contains(err.Error(), "contained[0]") || where == "in a Bundle entry" && !strings.Contains(err.Error(), "Bundle.entry[0].resource") {
				t.Errorf("%s, in a Bundle entry: %v does not name the place", tc.name, err)
			}
		}
	}
	good := obs(`{"resourceType":"Organization","id":"org-1.a","name":"Lab"},{"resourceType":"Practitioner","id":"p1"}`)
	for _, doc := range []string{good, inBundle(good)} {
		if _, err := fhir.Validate([]byte(doc)); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}
