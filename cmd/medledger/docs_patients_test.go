package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocsPatientTypes: docs/transactions.md names, in section 8, exactly
// the transaction types a patient may send under their chain-wide id (a
// policy with Patients), across every module wired in (issue 9: the page
// said none could be, while four records types could).
func TestDocsPatientTypes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/transactions.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	const lead = "Patients may send, under their chain-wide id, exactly these types:"
	i := strings.Index(doc, lead)
	if i < 0 {
		t.Fatalf("docs/transactions.md has no sentence starting %q", lead)
	}
	para, _, _ := strings.Cut(doc[i:], "\n\n")
	var documented []string
	for _, m := range regexp.MustCompile("`([a-z]+/[a-z-]+)`").FindAllStringSubmatch(para, -1) {
		documented = append(documented, m[1])
	}
	var want []string
	for _, m := range modules() {
		for _, r := range m.Plugin.Module.Routes() {
			if r.Policy.Patients {
				want = append(want, r.Type)
			}
		}
	}
	slices.Sort(documented)
	slices.Sort(want)
	if !slices.Equal(documented, want) {
		t.Errorf("section 8 names %v as sendable by patients; the policies allow %v", documented, want)
	}
}
