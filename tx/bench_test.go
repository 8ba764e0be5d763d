package tx_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/medledger/medledger/tx"
)

// benchTx is a notary/anchor transaction as `medledger bench` sends it.
func benchTx(b *testing.B) ([]byte, ed25519.PublicKey) {
	seed := sha256.Sum256([]byte("bench"))
	key := ed25519.NewKeyFromSeed(seed[:])
	pub := key.Public().(ed25519.PublicKey)
	d := sha256.Sum256([]byte("document"))
	body, _ := json.Marshal(map[string]string{"digest": hex.EncodeToString(d[:]), "kind": "bench"})
	raw, err := tx.Sign(key, tx.Payload{ChainID: "medledger-dev", Type: "notary/anchor", Signer: "northside-hospital/dr-chen",
		KeyID: tx.KeyID(pub), Nonce: "0123456789abcdef01234567", Expires: 5000, Body: body})
	if err != nil {
		b.Fatal(err)
	}
	return raw, pub
}

// BenchmarkDecode measures the envelope decoder alone.
func BenchmarkDecode(b *testing.B) {
	raw, _ := benchTx(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := tx.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeVerify measures what a node does once per transaction
// before it looks at state: decode the envelope and check its signature.
func BenchmarkDecodeVerify(b *testing.B) {
	raw, pub := benchTx(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		t, err := tx.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		if !t.Verify(pub) {
			b.Fatal("signature does not verify")
		}
	}
}
