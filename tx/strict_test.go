package tx

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestStrictJSON(t *testing.T) {
	fields := []string{"type", "body"}
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"plain", `{"type":"a","body":{"x":1,"y":[1,{"z":2}]}}`, true},
		{"duplicate top", `{"type":"a","type":"b"}`, false},
		{"duplicate nested", `{"body":{"x":1,"x":2}}`, false},
		{"duplicate in array", `{"body":[{"x":1,"x":2}]}`, false},
		{"case variant", `{"TYPE":"a"}`, false},
		{"unknown", `{"other":1}`, false},
		{"same key in sibling objects", `{"body":[{"x":1},{"x":2}]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := StrictJSON([]byte(tc.doc), fields)
			if (err == nil) != tc.ok {
				t.Fatalf("StrictJSON(%s) = %v, want ok=%v", tc.doc, err, tc.ok)
			}
		})
	}
}

func TestDecodeRefusesCaseVariantType(t *testing.T) {
	// "TYPE" would otherwise override "type" inside encoding/json.
	raw := append([]byte{Version}, make([]byte, 64)...)
	raw = append(raw, `{"chain_id":"c","type":"notary/anchor","TYPE":"identity/rotate-key","signer":"a/b","key_id":"00000000000000000000000000000000","nonce":"n","expires":5,"body":{}}`...)
	if _, err := Decode(raw); err == nil {
		t.Fatal("a payload with a case-variant duplicate key decoded")
	}
}

func TestStrictJSONForNested(t *testing.T) {
	type inner struct {
		ID string `json:"id"`
	}
	type outer struct {
		Org   *inner  `json:"org"`
		List  []inner `json:"list"`
		Bytes []byte  `json:"bytes"`
	}
	for _, tc := range []struct {
		doc string
		ok  bool
	}{
		{`{"org":{"id":"a"},"list":[{"id":"b"}],"bytes":"AAE="}`, true},
		{`{"org":{"ID":"a"}}`, false},
		{`{"list":[{"id":"b"},{"Id":"c"}]}`, false},
		{`{"org":{"id":"a","id":"b"}}`, false},
		{`{"Org":{"id":"a"}}`, false},
	} {
		if err := StrictJSONFor([]byte(tc.doc), outer{}); (err == nil) != tc.ok {
			t.Errorf("StrictJSONFor(%s) = %v, want ok=%v", tc.doc, err, tc.ok)
		}
	}
}

// FuzzStrictScanner: on valid JSON, the fast scanner and the decoder-based
// walk agree on every document (the scanner passes only what the walk
// passes, and refuses nothing the walk passes).
func FuzzStrictScanner(f *testing.F) {
	for _, s := range []string{
		`{"chain_id":"c","type":"t","signer":"s","key_id":"k","nonce":"n","expires":5,"body":{"a":[1,{"b":2,"b":3}]}}`,
		`{"type":"t","TYPE":"u"}`, `{"type":"t","type":"t"}`, `{"t\u0079pe":"x","type":"y"}`, `{"body":{"x":"\u00e9","x":"é"}}`,
		`[{"a":1},{"a":1,"a":2}]`, `{"body":{"k":{"k":{"k":[[[]]]}}}}`, `{}`, `[]`, `"s"`, `12.5e3`, `{"expires":-1.0E+3}`,
		`{"nonce":"a\"b","nonce":"c"}`, "{\"body\":{\"\xff\":1,\"\xfe\":2}}",
	} {
		f.Add([]byte(s))
	}
	shapes := []shape{{fields: payloadFields}, shapeOf(reflect.TypeFor[Payload]()), {}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		for _, sh := range shapes {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			want := walk(dec, 0, sh, "") == nil
			sc := scanner{b: raw}
			fast := sc.value(0, sh) == nil
			if fast && !want {
				t.Fatalf("scanner passes what the walk refuses: %q", raw)
			}
			if got := strict(raw, sh) == nil; got != want {
				t.Fatalf("strict = %v, walk = %v for %q", got, want, raw)
			}
		}
	})
}
