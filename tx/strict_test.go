package tx

import "testing"

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
