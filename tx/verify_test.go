package tx

import (
	"compress/gzip"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// TestZIP215Vectors: the ZIP-215 test vectors (testdata/zip215.json.gz,
// from Zcash's ZIP 215 as curve25519-voi ships them: 196 signatures over
// "Zcash" built on small-order and non-canonical points, every one valid
// under ZIP 215). Each is valid checked alone and in a batch, alone among
// valid signatures and beside an invalid one: the two paths agree, which
// is what lets a node verify on the API's batch path while another
// verifies in CheckTx. The standard library rejects some of them, which is
// why it is not the chain's rule.
func TestZIP215Vectors(t *testing.T) {
	f, err := os.Open("testdata/zip215.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var vectors [][2]string
	if err := json.NewDecoder(zr).Decode(&vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) != 196 {
		t.Fatalf("%d vectors, want 196", len(vectors))
	}
	msg := []byte("Zcash")
	good := ed25519.NewKeyFromSeed(make([]byte, 32))
	goodSig := ed25519.Sign(good, msg)
	goodPub := good.Public().(ed25519.PublicKey)
	stdRejects := 0
	var pubs []ed25519.PublicKey
	var sigs [][]byte
	for i, v := range vectors {
		pub, err1 := hex.DecodeString(v[0])
		sig, err2 := hex.DecodeString(v[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("vector %d: %v %v", i, err1, err2)
		}
		if !verify(pub, msg, sig) {
			t.Errorf("vector %d: invalid checked alone", i)
		}
		if !ed25519.Verify(pub, msg, sig) {
			stdRejects++
		}
		pubs, sigs = append(pubs, pub), append(sigs, sig)
	}
	if stdRejects == 0 {
		t.Error("control: the standard library accepts every vector, so they test nothing here")
	}
	msgs := make([][]byte, len(pubs))
	for i := range msgs {
		msgs[i] = msg
	}
	for i, ok := range verifyBatch(pubs, msgs, sigs) {
		if !ok {
			t.Errorf("vector %d: invalid in a batch", i)
		}
	}
	// Beside an invalid signature, the batch falls back to one by one and
	// still says which.
	bad := append([]byte(nil), goodSig...)
	bad[0] ^= 1
	mixed := verifyBatch(append(pubs[:10:10], goodPub, goodPub, nil), append(msgs[:10:10], msg, msg, msg), append(sigs[:10:10], goodSig, bad, goodSig))
	want := fmt.Sprint([]bool{true, true, true, true, true, true, true, true, true, true, true, false, false})
	if fmt.Sprint(mixed) != want {
		t.Errorf("a mixed batch: %v, want %v", mixed, want)
	}
}

// TestVerifyBatchAgrees: VerifyBatch says of every transaction what Verify
// says of it, for signed, tampered, foreign-key and keyless ones.
func TestVerifyBatchAgrees(t *testing.T) {
	var txs []*Tx
	var pubs []ed25519.PublicKey
	for i := 0; i < 40; i++ {
		key := ed25519.NewKeyFromSeed([]byte(fmt.Sprintf("%032d", i)))
		raw, err := Sign(key, Payload{ChainID: "c", Type: "notary/anchor", Signer: "org/m", KeyID: KeyID(key.Public().(ed25519.PublicKey)),
			Nonce: fmt.Sprint("n", i), Expires: 10, Body: json.RawMessage(`{"i":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		tx, err := Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		pub := key.Public().(ed25519.PublicKey)
		switch i % 5 {
		case 1:
			tx.Signature = append([]byte(nil), tx.Signature...)
			tx.Signature[5] ^= 0x40
		case 2:
			pub = ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
		case 3:
			pub = nil
		}
		txs, pubs = append(txs, tx), append(pubs, pub)
	}
	got := VerifyBatch(txs, pubs)
	for i, tx := range txs {
		if want := tx.Verify(pubs[i]); got[i] != want || want != (i%5 == 0 || i%5 == 4) {
			t.Errorf("transaction %d: batch %v, alone %v", i, got[i], want)
		}
	}
	// All valid: the batch path proper.
	var vt []*Tx
	var vp []ed25519.PublicKey
	for i := range txs {
		if i%5 == 0 || i%5 == 4 {
			vt, vp = append(vt, txs[i]), append(vp, pubs[i])
		}
	}
	for i, ok := range VerifyBatch(vt, vp) {
		if !ok {
			t.Errorf("valid transaction %d refused in an all-valid batch", i)
		}
	}
}

// BenchmarkVerify: one signature at a time with the standard library (the
// rule before), with curve25519-voi under ZIP 215 (the rule now), and in
// batches of 250 (what POST /v1/txs gets from medledger bench).
func BenchmarkVerify(b *testing.B) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := key.Public().(ed25519.PublicKey)
	raw, err := Sign(key, Payload{ChainID: "c", Type: "notary/anchor", Signer: "org/m", KeyID: KeyID(pub), Nonce: "n", Expires: 10,
		Body: json.RawMessage(`{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}`)})
	if err != nil {
		b.Fatal(err)
	}
	t, err := Decode(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stdlib", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if !ed25519.Verify(pub, SignBytes(t.Signed), t.Signature) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("zip215", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if !t.Verify(pub) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("batch250", func(b *testing.B) {
		txs, pubs := make([]*Tx, 250), make([]ed25519.PublicKey, 250)
		for i := range txs {
			txs[i], pubs[i] = t, pub
		}
		b.ResetTimer()
		for i := 0; i < b.N; i += len(txs) {
			for _, ok := range VerifyBatch(txs, pubs) {
				if !ok {
					b.Fatal("invalid")
				}
			}
		}
	})
}
