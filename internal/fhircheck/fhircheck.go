// Package fhircheck checks FHIR R4 resources with a validator that
// evaluates FHIR's invariants (the FHIRPath constraints of the R4
// definitions, such as cpb-14), not only their structure: @medplum/core
// with its R4 definitions, run by Node.js from js/ (installed with npm ci by
// .ci/run). Tests of the FHIR facade check every resource it returns with
// Require.
//
// It MUST NOT be imported by the product: nothing is fetched or run from
// npm at run time. A test that needs it fails, never skips, when Node.js
// or the installed validator is missing: CI installs them.
package fhircheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Dir is the folder of the validator's package.json and validate.mjs.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "js")
}

// Check validates each resource and returns, per resource, "" when it is
// valid or the validator's issues. The error says why the validator could
// not run (no Node.js, validator not installed).
func Check(resources ...[]byte) ([]string, error) {
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medplum", "core")); err != nil {
		return nil, fmt.Errorf("fhircheck: the validator is not installed: run (cd %s && npm ci), as .ci/run does", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("fhircheck: Node.js is not on PATH: %w", err)
	}
	list := make([]json.RawMessage, len(resources))
	for i, r := range resources {
		if !json.Valid(r) {
			return nil, fmt.Errorf("fhircheck: resource %d is not JSON: %.200s", i, r)
		}
		list[i] = r
	}
	in, _ := json.Marshal(list)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "validate.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("fhircheck: the validator failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var results []json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &results); err != nil || len(results) != len(resources) {
		return nil, fmt.Errorf("fhircheck: the validator answered %.300s (%v)", out.String(), err)
	}
	problems := make([]string, len(results))
	for i, r := range results {
		if s := string(r); s != "null" {
			problems[i] = s
		}
	}
	return problems, nil
}

// TB is what Require needs of a test.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// Require fails t unless every resource is valid by the invariant-checking
// validator (and the validator ran).
func Require(t TB, resources ...[]byte) {
	t.Helper()
	problems, err := Check(resources...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	for i, p := range problems {
		if p != "" {
			t.Errorf("resource %d is not valid FHIR R4 by @medplum/core: %s\n%.2000s", i, p, resources[i])
		}
	}
}
