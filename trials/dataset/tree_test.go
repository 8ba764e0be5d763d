package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

func hashes(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		h := sha256.Sum256(b[:])
		out[i] = rfc6962.DefaultHasher.HashLeaf(h[:])
	}
	return out
}

// mth is RFC 6962's MTH written from the RFC's definition, to check Build.
func mth(d [][]byte) []byte {
	if len(d) == 1 {
		return d[0]
	}
	k := 1
	for k*2 < len(d) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(mth(d[:k]), mth(d[k:]))
}

// TestTreeMatchesRFC6962: for every size up to 70 and some large ones,
// the root is RFC 6962's MTH, every proof verifies with transparency-dev/
// merkle's verifier and with ours, and a proof for another leaf or index
// does not.
func TestTreeMatchesRFC6962(t *testing.T) {
	sizes := []int{}
	for n := 1; n <= 70; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 127, 128, 129, 1000, 1025)
	for _, n := range sizes {
		hs := hashes(n)
		tr := Build(hs)
		if want := mth(hs); string(tr.Root()) != string(want) || string(RootOf(hs)) != string(want) {
			t.Fatalf("size %d: root differs from RFC 6962's MTH", n)
		}
		for i := 0; i < n; i++ {
			p := tr.Proof(i)
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(n), hs[i], p, tr.Root()); err != nil {
				t.Fatalf("size %d leaf %d: transparency-dev refuses our proof: %v", n, i, err)
			}
			if err := VerifyProof(tr.Root(), uint64(i), uint64(n), hs[i], p); err != nil {
				t.Fatalf("size %d leaf %d: our verifier refuses: %v", n, i, err)
			}
			if n > 1 {
				if VerifyProof(tr.Root(), uint64((i+1)%n), uint64(n), hs[i], p) == nil {
					t.Fatalf("size %d leaf %d: the proof verifies at another index", n, i)
				}
				if VerifyProof(tr.Root(), uint64(i), uint64(n), hs[(i+1)%n], p) == nil {
					t.Fatalf("size %d leaf %d: the proof verifies another leaf", n, i)
				}
			}
		}
	}
	if VerifyProof(Build(hashes(4)).Root(), 4, 4, hashes(4)[0], nil) == nil {
		t.Fatal("an index past the end verifies")
	}
}
