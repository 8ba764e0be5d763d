package demo

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed fhir/*.json
var fhirDocs embed.FS

// Document is a synthetic FHIR R4 document of a demo patient.
type Document struct {
	Patient string // local key name, "patient/alice"
	Name    string // file name
	JSON    []byte
}

// Documents are the synthetic records `medledger dev` stores for the demo
// patients at northside-hospital (Dana's under her pseudonym there).
// Names and values in them are invented.
func Documents() []Document {
	entries, err := fs.Glob(fhirDocs, "fhir/*.json")
	if err != nil {
		panic(err)
	}
	sort.Strings(entries)
	var out []Document
	for _, e := range entries {
		b, err := fhirDocs.ReadFile(e)
		if err != nil {
			panic(err)
		}
		p := "patient/alice"
		switch {
		case strings.HasSuffix(e, "-bob.json"):
			p = "patient/bob"
		case strings.HasSuffix(e, "-dana.json"):
			p = "patient/dana"
		}
		out = append(out, Document{Patient: p, Name: strings.TrimPrefix(e, "fhir/"), JSON: b})
	}
	return out
}
