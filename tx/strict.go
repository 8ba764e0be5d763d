package tx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/medledger/medledger"
)

// StrictJSON checks what encoding/json lets through silently: an object key
// that appears twice at any depth (the last would win), and a top-level key
// that is not exactly one of fields (encoding/json matches names without
// regard to case, so "TYPE" would fill "type"). Every validator decodes the
// same way, but another parser, such as a wallet showing what a user signs,
// could read such a document differently from what executes.
func StrictJSON(raw []byte, fields []string) error {
	return strict(raw, shape{fields: fields})
}

// StrictJSONFor is StrictJSON with the field names taken from v's type, at
// every depth: nested structs, slices and pointers of structs are checked
// against their own fields.
func StrictJSONFor(raw []byte, v any) error {
	return strict(raw, shapeOf(reflect.TypeOf(v)))
}

// strict checks raw against sh: with the fast scanner when it can decide,
// else (escaped or non-ASCII keys, anything malformed) with the decoder,
// which also words the errors.
func strict(raw []byte, sh shape) error {
	sc := scanner{b: raw}
	if sc.value(0, sh) == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return walk(dec, 0, sh, "")
}

// shape is what a JSON value must look like: for an object, the exact field
// names (nil: any) and the shape of each field's value.
type shape struct {
	fields []string
	sub    map[string]reflect.Type
	elem   reflect.Type // for arrays
}

var shapeCache sync.Map // reflect.Type -> shape

func shapeOf(t reflect.Type) shape {
	if t == nil {
		return shape{}
	}
	if sh, ok := shapeCache.Load(t); ok {
		return sh.(shape)
	}
	sh := makeShape(t)
	shapeCache.Store(t, sh)
	return sh
}

func makeShape(t reflect.Type) shape {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return shape{}
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) ||
			t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return shape{} // time.Time and the like decode themselves
		}
		sh := shape{sub: map[string]reflect.Type{}}
		for _, f := range structFields(t) {
			sh.fields = append(sh.fields, f.name)
			sh.sub[f.name] = f.typ
		}
		return sh
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return shape{} // []byte is a base64 string
		}
		return shape{elem: t.Elem()}
	}
	return shape{}
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
)

const maxDepth = 64

func walk(dec *json.Decoder, depth int, sh shape, path string) error {
	if depth > maxDepth {
		return fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			if seen[k] {
				return fmt.Errorf("key %s appears twice in %s", medledger.Quote(k), orRoot(path))
			}
			seen[k] = true
			if sh.fields != nil && !contains(sh.fields, k) {
				return fmt.Errorf("unknown field %s in %s (fields are case-sensitive: %s)", medledger.Quote(k), orRoot(path), strings.Join(sh.fields, ", "))
			}
			var next shape
			if t, ok := sh.sub[k]; ok {
				next = shapeOf(t)
			}
			if err := walk(dec, depth+1, next, path+"."+k); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case json.Delim('['):
		var next shape
		if sh.elem != nil {
			next = shapeOf(sh.elem)
		}
		for i := 0; dec.More(); i++ {
			if err := walk(dec, depth+1, next, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}

// orRoot names where path points, for a message. A path runs through the
// keys of the input, so a long one (a runaway key on the way) is quoted
// short.
func orRoot(p string) string {
	if p == "" {
		return "the object"
	}
	p = strings.TrimPrefix(p, ".")
	if len(p) > medledger.QuoteMax {
		return medledger.Quote(p)
	}
	return p
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type field struct {
	name string
	typ  reflect.Type
}

var fieldCache sync.Map // reflect.Type -> []field

// structFields lists a struct type's JSON fields, following encoding/json's
// tag rules for plain and embedded fields.
func structFields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, structFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name, f.Type})
	}
	fieldCache.Store(t, out)
	return out
}

// FieldNames returns the JSON names of a struct's fields.
func FieldNames(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for _, f := range structFields(t) {
		names = append(names, f.name)
	}
	return names
}

var payloadFields = FieldNames(Payload{})
