package dataset

import (
	"bytes"
	"fmt"

	"github.com/transparency-dev/merkle/rfc6962"
)

// Tree is the RFC 6962 Merkle tree of a batch's leaf hashes, every level
// kept, so that each leaf's inclusion proof is a lookup.
type Tree struct {
	levels [][][]byte // levels[0] are the leaf hashes; the last level is the root
}

// Build builds the tree of leaf hashes (at least one).
//
// NOTE: bottom-up pairing, a lone last node carried up unchanged, gives
// RFC 6962's tree (split at the largest power of two below the size); the
// tests check it against transparency-dev/merkle's verifier.
func Build(hashes [][]byte) *Tree {
	t := &Tree{levels: [][][]byte{hashes}}
	for level := hashes; len(level) > 1; {
		next := make([][]byte, 0, (len(level)+1)/2)
		for i := 0; i+1 < len(level); i += 2 {
			next = append(next, rfc6962.DefaultHasher.HashChildren(level[i], level[i+1]))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		t.levels = append(t.levels, next)
		level = next
	}
	return t
}

// Root is the tree's root hash.
func (t *Tree) Root() []byte { return t.levels[len(t.levels)-1][0] }

// Size is the number of leaves.
func (t *Tree) Size() int { return len(t.levels[0]) }

// Proof is the inclusion proof of leaf i: the sibling hashes from the leaf
// up.
func (t *Tree) Proof(i int) [][]byte {
	var p [][]byte
	for _, level := range t.levels[:len(t.levels)-1] {
		sib := i ^ 1
		if sib < len(level) {
			p = append(p, level[sib])
		}
		i /= 2
	}
	return p
}

// RootOf is the root of the tree of leaf hashes, without keeping the tree.
func RootOf(hashes [][]byte) []byte {
	if len(hashes) == 0 {
		return nil
	}
	level := make([][]byte, len(hashes))
	copy(level, hashes)
	for len(level) > 1 {
		n := 0
		for i := 0; i+1 < len(level); i += 2 {
			level[n] = rfc6962.DefaultHasher.HashChildren(level[i], level[i+1])
			n++
		}
		if len(level)%2 == 1 {
			level[n] = level[len(level)-1]
			n++
		}
		level = level[:n]
	}
	return level[0]
}

// VerifyProof checks that leafHash is leaf index of a tree of size leaves
// whose root is root, given its inclusion proof.
func VerifyProof(root []byte, index, size uint64, leafHash []byte, proof [][]byte) error {
	if index >= size {
		return fmt.Errorf("%w: index %d of a tree of %d", ErrProof, index, size)
	}
	// RFC 9162, 2.1.3.2.
	fn, sn := index, size-1
	r := leafHash
	for _, p := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: proof too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			r = rfc6962.DefaultHasher.HashChildren(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = rfc6962.DefaultHasher.HashChildren(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || !bytes.Equal(r, root) {
		return ErrProof
	}
	return nil
}
