package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
)

// TestDemoPolicyIsGolden: the demo policy (YAML, what dev publishes and
// docs/claims.md shows) is the golden cases' policy.
func TestDemoPolicyIsGolden(t *testing.T) {
	var demo claims.Policy
	if err := json.Unmarshal(DemoPolicyJSON(), &demo); err != nil {
		t.Fatal(err)
	}
	f, err := claimstest.Load()
	if err != nil {
		t.Fatal(err)
	}
	golden, err := f.PolicyBody()
	if err != nil {
		t.Fatal(err)
	}
	// The golden file has a third plan for the out-of-pocket case.
	golden.Policy.Plans = golden.Policy.Plans[:2]
	if !reflect.DeepEqual(demo, golden.Policy) {
		a, _ := json.MarshalIndent(demo, "", " ")
		b, _ := json.MarshalIndent(golden.Policy, "", " ")
		t.Fatalf("the demo policy is not the golden one:\n%s\n---\n%s", a, b)
	}
}

// TestPolicyFileLines: YAML and JSON read alike; a refusal names the
// file's line of the field at fault; a fraction is refused as one.
func TestPolicyFileLines(t *testing.T) {
	yamlDoc := strings.Replace(string(DemoPolicy), "allowed: units * 1800", "allowed: 'units * int(18.5)'", 1)
	pf, err := parsePolicy("p.yaml", []byte(yamlDoc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = claims.DecodePolicy(pf.json)
	if err == nil {
		t.Fatal("a fraction was accepted")
	}
	if msg := pf.where(err).Error(); !strings.Contains(msg, "p.yaml:27:") || !strings.Contains(msg, "floating point") {
		t.Fatalf("the refusal: %s", msg)
	}
	if _, err := parsePolicy("p.yaml", []byte("version: 1.5\n")); err == nil || !strings.Contains(err.Error(), "a fraction") {
		t.Fatalf("a fractional number: %v", err)
	}
	js, err := parsePolicy("p.json", DemoPolicyJSON())
	if err != nil || string(js.json) != string(DemoPolicyJSON()) || js.lines["rules[2].allowed"] != 1 {
		t.Fatalf("JSON: %v %d", err, js.lines["rules[2].allowed"])
	}
}
