package tx_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/tx"
)

// FuzzDecode checks that no input makes Decode panic, that every error is an
// envelope error, and that a transaction Decode accepts decodes again to the
// same payload. Seeds: every vector of testdata/tx-vectors.json and a few
// edge cases. Run longer with go test ./tx -fuzz FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, v := range readVectors(f) {
		raw, err := hex.DecodeString(v.Tx)
		if err != nil {
			f.Fatalf("vector %q: %v", v.Description, err)
		}
		f.Add(raw)
	}
	header := append([]byte{tx.Version}, make([]byte, ed25519.SignatureSize)...)
	for _, payload := range []string{
		"", "{", "{}", "[]", "null", `{"body":{}}`, `{"expires":-1}`, `{"type":"a/b/c"}`,
		`{"chain_id":"c","type":"a/b","signer":"s","key_id":"00000000000000000000000000000000","nonce":"n","expires":1,"body":{}}`,
		`{"chain_id":"c","type":"a/b","signer":"s","key_id":"00000000000000000000000000000000","nonce":"n","expires":1,"body":{}}}`,
		`{"CHAIN_ID":"c","type":"a/b","signer":"s","key_id":"00000000000000000000000000000000","nonce":"n","expires":1,"body":{},"nonce":"m"}`,
		"{\"chain_id\":\"\xff\",\"type\":\"a/b\"}",
	} {
		f.Add(append(bytes.Clone(header), payload...))
	}
	f.Add([]byte{})
	f.Add([]byte{0x02})

	f.Fuzz(func(t *testing.T, raw []byte) {
		in := bytes.Clone(raw)
		got, err := tx.Decode(raw)
		if !bytes.Equal(in, raw) {
			t.Fatalf("Decode modified its input")
		}
		if err != nil {
			if !medledger.HasCode(err, tx.ErrMalformed) && !medledger.HasCode(err, tx.ErrOversize) {
				t.Fatalf("error %v is neither malformed nor oversize", err)
			}
			if got != nil {
				t.Fatalf("Decode returned a transaction and an error")
			}
			return
		}
		if len(got.Signature) != ed25519.SignatureSize || !bytes.Equal(got.Raw, raw) ||
			!bytes.Equal(got.Signed, raw[1+ed25519.SignatureSize:]) {
			t.Fatalf("Raw, Signature or Signed are not the parts of the input")
		}
		if got.ChainID == "" || got.Expires <= 0 || got.Module() == "" || len(got.Body) == 0 || got.Body[0] != '{' {
			t.Fatalf("accepted payload breaks the envelope rules: %+v", got.Payload)
		}
		again, err := tx.Decode(got.Raw)
		if err != nil {
			t.Fatalf("re-decoding an accepted transaction: %v", err)
		}
		if !reflect.DeepEqual(again.Payload, got.Payload) {
			t.Fatalf("re-decoding gave %+v, first decoding %+v", again.Payload, got.Payload)
		}
		// Verify MUST NOT panic either, whatever the key.
		got.Verify(make([]byte, ed25519.PublicKeySize))
		got.Verify(nil)
	})
}
