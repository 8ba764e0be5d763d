package tx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// StrictJSON checks what encoding/json lets through silently: an object key
// that appears twice at any depth (the last would win), and a top-level key
// that is not exactly one of fields (encoding/json matches names without
// regard to case, so "TYPE" would fill "type"). Every validator decodes the
// same way, but another parser, such as a wallet showing what a user signs,
// could read such a document differently from what executes.
func StrictJSON(raw []byte, fields []string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return walk(dec, 0, fields, "")
}

const maxDepth = 64

func walk(dec *json.Decoder, depth int, fields []string, path string) error {
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
				return fmt.Errorf("key %q appears twice in %s", k, orRoot(path))
			}
			seen[k] = true
			if depth == 0 && fields != nil && !contains(fields, k) {
				return fmt.Errorf("unknown field %q (fields are case-sensitive: %s)", k, strings.Join(fields, ", "))
			}
			if err := walk(dec, depth+1, nil, path+"."+k); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := walk(dec, depth+1, nil, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}

func orRoot(p string) string {
	if p == "" {
		return "the object"
	}
	return strings.TrimPrefix(p, ".")
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

var fieldCache sync.Map // reflect.Type -> []string

// FieldNames returns the JSON names of a struct type's fields (for
// StrictJSON), following encoding/json's tag rules for plain fields.
func FieldNames(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f, ok := fieldCache.Load(t); ok {
		return f.([]string)
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			names = append(names, FieldNames(reflect.New(f.Type).Interface())...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	fieldCache.Store(t, names)
	return names
}

var payloadFields = FieldNames(Payload{})
