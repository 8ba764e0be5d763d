package fhir

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/records"
)

// maxFuzzInput bounds fuzz inputs: the validator's cost grows with size,
// and the size limit itself is tested in TestValidateTooLarge.
const maxFuzzInput = 64 << 10

// FuzzValidate checks that no input makes Validate, SplitTransaction or
// Category panic (the validator's own panics are recovered in production,
// and counted as failures here), that every error is one of the package's
// codes, and that what Validate accepts it describes consistently.
func FuzzValidate(f *testing.F) {
	valid, _ := filepath.Glob("testdata/valid/*")
	invalid, _ := filepath.Glob("testdata/invalid/*")
	files := append(valid, invalid...)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `null`, `{}`, `{"resourceType":"Bundle","type":"transaction","entry":[{}]}`,
		`{"resourceType":"Basic","code":{"text":"x"},"contained":[{"resourceType":"Basic","code":{}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > maxFuzzInput {
			t.Skip()
		}
		p, err := Validate(doc)
		checkErr(t, "Validate", err)
		if err == nil {
			if !IsR4Type(p.ResourceType) || len(p.Types) == 0 && p.ResourceType != "Bundle" || !slices.IsSorted(p.Types) {
				t.Fatalf("accepted with %+v", p)
			}
			if (p.ResourceType == "Bundle") != (p.BundleType != "") {
				t.Fatalf("bundle type %q for a %s", p.BundleType, p.ResourceType)
			}
			if !slices.Contains(records.Categories, Category(p.ResourceType, doc)) {
				t.Fatalf("category %q", Category(p.ResourceType, doc))
			}
		}
		entries, err := SplitTransaction(doc)
		checkErr(t, "SplitTransaction", err)
		for _, e := range entries {
			if q, err := Validate(e.Doc); err != nil || q.ResourceType != e.Type || (e.Method != "POST" && e.Method != "PUT") {
				t.Fatalf("entry %+v: %v", e, err)
			}
		}
	})
}

func checkErr(t *testing.T, op string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, errPanic) {
		t.Fatalf("%s: the validator panicked: %v", op, err)
	}
	e := medledger.As(err)
	if e.Codespace != Codespace || !slices.ContainsFunc(Codes, func(c medledger.Code) bool { return c.Code == e.Code }) {
		t.Fatalf("%s: error outside the package's codes: %v", op, err)
	}
}
