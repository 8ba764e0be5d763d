package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/medledger/medledger"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"google.golang.org/protobuf/reflect/protoreflect"

	rpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
)

// Limits of Validate and SplitTransaction. They are checked before any
// parsing.
const (
	// MaxDocumentSize is the largest document Validate accepts, in bytes.
	// The validator's cost follows the number of elements: a 4 KiB
	// Observation takes about 0.5 ms, while a Bundle of thousands of
	// small entries near this limit takes about a second and allocates
	// about 200 MB. A large attachment belongs in the vault by
	// attachment.url, not inline.
	MaxDocumentSize = 4 << 20
	// MaxNestingDepth is the deepest field path (counted in path steps,
	// e.g. "Bundle.entry[0].resource.Observation.code" is 4) the
	// validator follows. Real resources stay well under 20.
	MaxNestingDepth = 64
	// maxIssues is how many of the validator's issues an error names; the
	// rest are counted.
	maxIssues = 10
)

// Parsed is what Validate found in a valid document.
type Parsed struct {
	// ResourceType is the document's own type: "Observation", "Bundle", ...
	ResourceType string `json:"resource_type"`
	// ID is the document's own id, "" if it has none.
	ID string `json:"id,omitempty"`
	// BundleType is the type of a Bundle ("transaction", "collection",
	// "document", ...), "" for any other resource.
	BundleType string `json:"bundle_type,omitempty"`
	// Types are the resource types the document holds, sorted and without
	// duplicates: for a Bundle, the types of its entries' resources (not
	// "Bundle" itself, unless an entry is one); for any other resource,
	// its own type.
	Types []string `json:"types"`
	// IDs are the ids of those resources in document order, skipping
	// resources without one: for a Bundle, its entries' resources' ids;
	// otherwise the resource's id.
	IDs []string `json:"ids,omitempty"`
	// Entries is the number of a Bundle's entries, 0 for any other
	// resource.
	Entries int `json:"entries,omitempty"`
}

// unmarshaller is the R4 validating unmarshaller. It holds no state that
// Unmarshal changes, so one serves every goroutine.
var unmarshaller = sync.OnceValue(func() *jsonformat.Unmarshaller {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		// Only an unknown version or time zone fails, both constants.
		panic("fhir: creating the R4 unmarshaller: " + err.Error())
	}
	u.MaxNestingDepth = MaxNestingDepth
	return u
})

// r4Types are the resource type names FHIR R4 defines, from the library's
// ContainedResource, which has one field per resource type.
var r4Types = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	fields := (&rpb.ContainedResource{}).ProtoReflect().Descriptor().Oneofs().ByName("oneof_resource").Fields()
	for i := range fields.Len() {
		if md := fields.Get(i).Message(); md != nil {
			m[string(md.Name())] = true
		}
	}
	return m
})

// IsR4Type reports whether t is the name of a FHIR R4 resource type.
func IsR4Type(t string) bool { return r4Types()[t] }

// Validate checks that doc is one FHIR R4 resource (a Bundle included) in
// JSON, valid by google/fhir's validating unmarshaller: known fields only,
// the right JSON types, valid primitives (dates, ids, codes from required
// value sets), required fields present and references to allowed types.
// Validate also refuses empty strings, objects and arrays, which FHIR JSON
// forbids and the library lets through, and checks what the library keeps
// opaque as it checks the document: every contained resource (alone or in
// a Bundle entry: its id, required elements, types; it needs an id and
// holds no contained of its own) and the resource of a Parameters'
// parameter, which the library would refuse as an unknown field. It does
// not evaluate FHIRPath invariants or profiles.
//
// Errors, all *medledger.Error:
//   - ErrTooLarge if doc is over MaxDocumentSize (checked first);
//   - ErrNotJSON if doc is not one JSON object;
//   - ErrUnsupported if its resourceType, or that of a resource inside it,
//     is not an R4 resource type (a STU3 or R5 name, or a typo);
//   - ErrInvalidFHIR for anything else the validator refuses, with the
//     validator's messages, sorted, as the detail.
//
// NOTE: the detail names paths and field names, never values: the
// validator keeps values (which may be personal data) out of its messages,
// and Validate adds only an unknown field's name, and only when it looks
// like a field name.
func Validate(doc []byte) (Parsed, error) {
	if len(doc) > MaxDocumentSize {
		return Parsed{}, ErrTooLarge.New("the document is %d bytes, over the limit of %d bytes: refer to large attachments by url instead of inlining them", len(doc), MaxDocumentSize)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Parsed{}, ErrNotJSON.New("the document is JSON %s, not an object: send one FHIR resource, a JSON object with a resourceType", typeErr.Value)
		}
		return Parsed{}, ErrNotJSON.New("the document is not JSON: %v", err)
	}
	if top == nil {
		return Parsed{}, ErrNotJSON.New("the document is JSON null, not an object: send one FHIR resource, a JSON object with a resourceType")
	}
	var rt string
	if raw, ok := top["resourceType"]; ok && json.Unmarshal(raw, &rt) == nil && !IsR4Type(rt) {
		return Parsed{}, unsupportedType(rt)
	}
	// NOTE: the validator accepts "" (even for a required code such as
	// Observation.status), {} and [], which FHIR JSON forbids.
	if at, what := emptyValue(doc); at >= 0 {
		return Parsed{}, ErrInvalidFHIR.New("not valid FHIR R4: empty %s at byte %d: FHIR JSON has no empty values; leave the element out instead", what, at)
	}
	outer, nested, err := splitNested(doc)
	if err != nil {
		return Parsed{}, err
	}
	cr, err := unmarshal(outer)
	if err != nil {
		return Parsed{}, err
	}
	for _, n := range nested {
		if err := validateNested(n); err != nil {
			return Parsed{}, err
		}
	}
	return parsed(cr), nil
}

// nestedResource is a resource inside another that the library does not
// check (it keeps contained resources and a Parameters parameter's
// resource as opaque values): its place, and the resource alone.
type nestedResource struct {
	path      string // "Observation.contained[0]"
	contained bool
	doc       []byte
}

// splitNested finds the resources in doc that the library leaves
// unchecked: every contained resource, at any depth (a Bundle entry's
// too), and every resource of a Parameters' parameter or part. It returns
// doc for the library, without the parameters' resources (which the
// library refuses as unknown fields, although R4 allows them), and the
// nested resources, each to be validated as a resource of its own. A
// document that has neither is returned as it is, unparsed.
func splitNested(doc []byte) ([]byte, []nestedResource, error) {
	if !bytes.Contains(doc, []byte(`"contained"`)) && !bytes.Contains(doc, []byte(`"Parameters"`)) {
		return doc, nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, ErrNotJSON.New("the document is not JSON: %v", err)
	}
	var nested []nestedResource
	stripped := false
	var walk func(v any, path string, depth int) error
	walk = func(v any, path string, depth int) error {
		if depth > MaxNestingDepth {
			return ErrInvalidFHIR.New("not valid FHIR R4: nested deeper than %d levels at %s", MaxNestingDepth, path)
		}
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				if err := walk(e, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
					return err
				}
			}
		case map[string]any:
			rt, _ := x["resourceType"].(string)
			if rt != "" {
				if path == "" {
					path = rt
				}
				if list, ok := x["contained"].([]any); ok {
					for i, c := range list {
						b, err := json.Marshal(c)
						if err != nil {
							return ErrInvalidFHIR.New("not valid FHIR R4: %s.contained[%d] cannot be read", path, i)
						}
						nested = append(nested, nestedResource{path: fmt.Sprintf("%s.contained[%d]", path, i), contained: true, doc: b})
					}
				}
				if rt == "Parameters" {
					if err := takeParameterResources(x["parameter"], path+".parameter", &nested, &stripped); err != nil {
						return err
					}
				}
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if rt != "" && k == "contained" {
					continue // checked as resources of their own
				}
				if err := walk(x[k], path+"."+k, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(v, "", 0); err != nil {
		return nil, nil, err
	}
	if !stripped {
		return doc, nested, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, nil, ErrInvalidFHIR.Wrap(err, "the document cannot be re-read")
	}
	return out, nested, nil
}

// takeParameterResources moves the resource of each parameter (and of each
// part, at any depth) of a Parameters out of it, into nested.
func takeParameterResources(params any, path string, nested *[]nestedResource, stripped *bool) error {
	list, ok := params.([]any)
	if !ok {
		return nil // the library says what is wrong with it
	}
	for i, p := range list {
		m, ok := p.(map[string]any)
		if !ok {
			continue
		}
		at := fmt.Sprintf("%s[%d]", path, i)
		if r, has := m["resource"]; has {
			b, err := json.Marshal(r)
			if err != nil {
				return ErrInvalidFHIR.New("not valid FHIR R4: %s.resource cannot be read", at)
			}
			*nested = append(*nested, nestedResource{path: at + ".resource", doc: b})
			delete(m, "resource")
			*stripped = true
			// inv-1: one and only one of value[x], resource and part.
			for k := range m {
				if strings.HasPrefix(k, "value") || k == "part" {
					return ErrInvalidFHIR.New("not valid FHIR R4: %s has a resource and a %s: a parameter has only one of value[x], resource or part (inv-1)", at, k)
				}
			}
		}
		if err := takeParameterResources(m["part"], at+".part", nested, stripped); err != nil {
			return err
		}
	}
	return nil
}

// validateNested checks a nested resource as Validate checks a document:
// the same validator, so the same ids and required elements. A contained
// resource MUST NOT contain others (dom-2) nor carry meta.versionId or
// meta.lastUpdated (dom-4), and needs an id to be referred to.
func validateNested(n nestedResource) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(n.doc, &top) != nil || top == nil {
		return ErrInvalidFHIR.New("not valid FHIR R4: %s is not a resource (a JSON object with a resourceType)", n.path)
	}
	var rt string
	if raw, ok := top["resourceType"]; !ok || json.Unmarshal(raw, &rt) != nil || rt == "" {
		return ErrInvalidFHIR.New("not valid FHIR R4: %s has no resourceType", n.path)
	}
	if !IsR4Type(rt) {
		return unsupportedType(rt)
	}
	if n.contained {
		if _, has := top["contained"]; has {
			return ErrInvalidFHIR.New("not valid FHIR R4: %s contains resources itself: a contained resource SHALL NOT contain others (dom-2)", n.path)
		}
		if _, has := top["id"]; !has {
			return ErrInvalidFHIR.New("not valid FHIR R4: %s has no id: a contained resource is referred to by #id", n.path)
		}
		var m struct {
			Meta struct {
				VersionID   *json.RawMessage `json:"versionId"`
				LastUpdated *json.RawMessage `json:"lastUpdated"`
			} `json:"meta"`
		}
		if json.Unmarshal(n.doc, &m) == nil && (m.Meta.VersionID != nil || m.Meta.LastUpdated != nil) {
			return ErrInvalidFHIR.New("not valid FHIR R4: %s has meta.versionId or meta.lastUpdated, which a contained resource SHALL NOT have (dom-4)", n.path)
		}
	}
	outer, nested, err := splitNested(n.doc)
	if err != nil {
		return err
	}
	if _, err := unmarshal(outer); err != nil {
		return ErrInvalidFHIR.New("not valid FHIR R4: in %s: %s", n.path, strings.TrimPrefix(medledger.As(err).Detail, "not valid FHIR R4: "))
	}
	for _, m := range nested {
		m.path = n.path + "." + strings.TrimPrefix(m.path, rt+".")
		if err := validateNested(m); err != nil {
			return err
		}
	}
	return nil
}

// emptyValue finds the first empty string, object or array in doc, which
// MUST be valid JSON, and returns its byte offset and kind; -1 if none.
func emptyValue(doc []byte) (int, string) {
	next := func(i int) int { // the first byte at or after i that is no JSON space
		for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
			i++
		}
		return i
	}
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '"':
			if i+1 < len(doc) && doc[i+1] == '"' {
				return i, "string"
			}
			for i++; i < len(doc) && doc[i] != '"'; i++ {
				if doc[i] == '\\' {
					i++
				}
			}
		case '{':
			if j := next(i + 1); j < len(doc) && doc[j] == '}' {
				return i, "object"
			}
		case '[':
			if j := next(i + 1); j < len(doc) && doc[j] == ']' {
				return i, "array"
			}
		}
	}
	return -1, ""
}

// errPanic marks an error made from a panic of the validator, so that the
// fuzz test can tell a library bug from a refused document.
var errPanic = errors.New("validator panic")

// unmarshal runs the validator and maps its errors to ours.
func unmarshal(doc []byte) (cr *rpb.ContainedResource, err error) {
	defer func() {
		if p := recover(); p != nil {
			cr, err = nil, ErrInvalidFHIR.Wrap(fmt.Errorf("%w: %v", errPanic, p), "the validator could not process the document")
		}
	}()
	cr, err = unmarshaller().UnmarshalR4(doc)
	if err != nil {
		return nil, libraryError(err)
	}
	return cr, nil
}

// libraryError turns the validator's error into ErrUnsupported (an unknown
// resource type somewhere inside) or ErrInvalidFHIR.
func libraryError(err error) error {
	issues := libraryIssues(err)
	slices.Sort(issues)
	issues = slices.Compact(issues)
	for _, is := range issues {
		if strings.Contains(is, "unknown resource type") {
			return ErrUnsupported.New("%s: this facade speaks FHIR R4 only; convert STU3 or R5 resources to R4", is)
		}
	}
	more := ""
	if len(issues) > maxIssues {
		more = fmt.Sprintf("; and %d more", len(issues)-maxIssues)
		issues = issues[:maxIssues]
	}
	return ErrInvalidFHIR.New("not valid FHIR R4: %s%s", strings.Join(issues, "; "), more)
}

// libraryIssues lists the validator's messages, one per issue. The
// library's error types live in an internal package, so they are read by
// reflection (a list of pointers to structs with Path, Details and
// Diagnostics strings); any other shape falls back to the error's text.
func libraryIssues(err error) []string {
	v := reflect.ValueOf(err)
	var items []reflect.Value
	switch {
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			items = append(items, v.Index(i))
		}
	case v.Kind() == reflect.Pointer:
		items = []reflect.Value{v}
	}
	var out []string
	for _, it := range items {
		if it.Kind() != reflect.Pointer || it.IsNil() || it.Elem().Kind() != reflect.Struct {
			return strings.Split(err.Error(), "\n")
		}
		e, ok := it.Interface().(error)
		if !ok {
			return strings.Split(err.Error(), "\n")
		}
		msg := e.Error() // the library's message: error at "Path": details
		details := stringField(it.Elem(), "Details")
		if details == "unknown field" || details == "unknown resource type" {
			if name, err := strconv.Unquote(stringField(it.Elem(), "Diagnostics")); err == nil && fieldName(name) {
				msg += " " + strconv.Quote(name)
			}
		}
		out = append(out, msg)
	}
	if len(out) == 0 {
		return strings.Split(err.Error(), "\n")
	}
	return out
}

func stringField(v reflect.Value, name string) string {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// fieldName reports whether s looks like a JSON field or resource type
// name, and so may be echoed in an error without echoing a value.
func fieldName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func unsupportedType(rt string) error {
	name := "a resourceType"
	if fieldName(rt) {
		name = "resourceType " + strconv.Quote(rt)
	}
	return ErrUnsupported.New("%s is not a FHIR R4 resource type: this facade speaks FHIR R4 only; convert STU3 or R5 resources to R4", name)
}

// parsed reads what Validate reports from the validated resource.
func parsed(cr *rpb.ContainedResource) Parsed {
	t, msg := resourceOf(cr)
	p := Parsed{ResourceType: t, ID: idOf(msg)}
	b, ok := msg.Interface().(*rpb.Bundle)
	if !ok {
		p.Types = []string{t}
		if p.ID != "" {
			p.IDs = []string{p.ID}
		}
		return p
	}
	p.BundleType = codeString(b.GetType().GetValue())
	p.Entries = len(b.GetEntry())
	p.Types = []string{}
	for _, e := range b.GetEntry() {
		if e.GetResource() == nil {
			continue
		}
		et, em := resourceOf(e.GetResource())
		if et == "" {
			continue
		}
		p.Types = append(p.Types, et)
		if id := idOf(em); id != "" {
			p.IDs = append(p.IDs, id)
		}
	}
	slices.Sort(p.Types)
	p.Types = slices.Compact(p.Types)
	return p
}

// resourceOf returns the type name and message of the resource a
// ContainedResource holds, or "" if it holds none.
func resourceOf(cr *rpb.ContainedResource) (string, protoreflect.Message) {
	m := cr.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("oneof_resource"))
	if fd == nil {
		return "", nil
	}
	rm := m.Get(fd).Message()
	return string(rm.Descriptor().Name()), rm
}

// idOf returns a resource's id, "" if it has none.
func idOf(m protoreflect.Message) string {
	if m == nil {
		return ""
	}
	fd := m.Descriptor().Fields().ByName("id")
	if fd == nil || fd.Message() == nil || !m.Has(fd) {
		return ""
	}
	id := m.Get(fd).Message()
	vf := id.Descriptor().Fields().ByName("value")
	if vf == nil || vf.Kind() != protoreflect.StringKind {
		return ""
	}
	return id.Get(vf).String()
}

// codeString turns the library's Bundle type enum into its FHIR code:
// TRANSACTION_RESPONSE is "transaction-response". It holds for every
// Bundle type, whose FHIR codes are lowercase words joined by '-'.
func codeString(v interface{ String() string }) string {
	s := v.String()
	if s == "INVALID_UNINITIALIZED" {
		return ""
	}
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// ReadDocument reads a document of at most MaxDocumentSize bytes from r,
// refusing a larger one with ErrTooLarge after reading at most one byte
// past the limit. Use it on request bodies before Validate.
func ReadDocument(r io.Reader) ([]byte, error) {
	doc, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the document: %w", err)
	}
	if len(doc) > MaxDocumentSize {
		return nil, ErrTooLarge.New("the document is over the limit of %d bytes: refer to large attachments by url instead of inlining them", MaxDocumentSize)
	}
	return doc, nil
}
