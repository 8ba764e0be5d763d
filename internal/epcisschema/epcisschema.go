// Package epcisschema checks EPCIS 2.0 JSON against GS1's EPCIS 2.0 JSON
// schema (testdata/epcis/EPCIS-JSON-Schema.json, draft-07), for tests: every
// test of an EPCIS export validates what it exported with Validate.
//
// It MUST NOT be imported by the product: the schema is GS1's, shipped with
// its notice in testdata for tests only, and the node's own import checks
// stand on their own.
package epcisschema

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaURL is the schema's own $id; the schema is added under it, so the
// compiler never fetches anything.
const SchemaURL = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"

// Path is the schema file, found from this source file's place in the
// repository so that tests of any package find it.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "epcis", "EPCIS-JSON-Schema.json")
}

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	raw, err := os.ReadFile(Path())
	if err != nil {
		return nil, fmt.Errorf("epcisschema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("epcisschema: the schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	// NOTE: draft-07 treats "format" as an annotation unless asked: the
	// schema's date-time (eventTime) and uri (EPCs, extension names)
	// would otherwise pass anything.
	c.AssertFormat()
	// NOTE: two of the schema's patterns are negative lookaheads,
	// "^(?!(A|B))" (a URI that is not a CBV or GS1 Web vocabulary one),
	// which Go's regexp does not speak: lookahead answers them.
	c.UseRegexpEngine(lookahead)
	if err := c.AddResource(SchemaURL, doc); err != nil {
		return nil, fmt.Errorf("epcisschema: %w", err)
	}
	return c.Compile(SchemaURL)
})

// notPrefix is the regexp "^(?!(inner))": a string that does not start
// with a match of inner.
type notPrefix struct {
	src   string
	inner *regexp.Regexp
}

func (n notPrefix) String() string            { return n.src }
func (n notPrefix) MatchString(s string) bool { return !n.inner.MatchString(s) }

// lookahead compiles a pattern with Go's regexp, and the one form of
// lookahead the schema uses, a whole pattern "^(?!(...))", as its
// negation.
func lookahead(src string) (jsonschema.Regexp, error) {
	if inner, ok := strings.CutPrefix(src, "^(?!("); ok {
		if inner, ok = strings.CutSuffix(inner, "))"); ok {
			re, err := regexp.Compile("^(" + inner + ")")
			if err != nil {
				return nil, err
			}
			return notPrefix{src: src, inner: re}, nil
		}
	}
	return regexp.Compile(src)
}

// Validate reports whether doc (an EPCISDocument, an EPCISQueryDocument or
// one event with its @context) is valid by the schema; the error lists
// every violation with its place in doc.
func Validate(doc []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%v", err)
	}
	return nil
}
