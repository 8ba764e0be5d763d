// Verified reads: a value the store hands out is checked against the root
// hash its version committed to, so that a value edited on disk, whose
// stored hashes above it are unchanged, is never served as the chain's.

package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cosmos/iavl"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/medledger/medledger"
)

// ErrCorrupt is the cause of every *CorruptError: errors.Is(err,
// state.ErrCorrupt) tells damaged storage from any other failure.
var ErrCorrupt = errors.New("stored state is damaged")

// CorruptError is stored state that failed an integrity check: the
// database could not be read, a value's Merkle path does not lead to the
// root hash its version committed to, or a tree node does not hash to what
// its parent stored. Reads panic with it (Reader has no error): the API
// answers it as a 500 problem and marks the node unhealthy, and in
// consensus it stops the node rather than let it diverge.
type CorruptError struct {
	Version int64  // the state version read (0 if none)
	Key     []byte // the key read, if any
	Err     error  // what failed
}

func (e *CorruptError) Error() string {
	s := "state"
	if e.Version > 0 {
		s += fmt.Sprintf(" version %d", e.Version)
	}
	if e.Key != nil {
		s += ", key " + medledger.Quote(string(e.Key))
	}
	return s + ": " + ErrCorrupt.Error() + ": " + e.Err.Error()
}

// Unwrap makes errors.Is(err, ErrCorrupt) true, and keeps the cause.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// AsCorrupt returns the *CorruptError that r (a recovered panic value) or
// an error carries, or nil.
func AsCorrupt(r any) *CorruptError {
	err, ok := r.(error)
	if !ok {
		return nil
	}
	var ce *CorruptError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// corrupt records err as damage of the store (the first one is kept, see
// Damage) and returns it as a *CorruptError.
func (s *Store) corrupt(version int64, key []byte, err error) *CorruptError {
	ce := AsCorrupt(err)
	if ce == nil {
		ce = &CorruptError{Version: version, Key: bytes.Clone(key), Err: err}
	}
	if s != nil && !s.deleted(ce.Version) {
		// NOTE: a read of a version that pruning deleted under it fails
		// as damage would; the store is not damaged.
		s.damage.CompareAndSwap(nil, ce)
	}
	return ce
}

// Damage is the first damage the store found (a failed read, a value that
// does not verify, a rehash that does not match), or nil. Once set it stays
// set: a node whose storage failed once cannot vouch for its state until an
// operator has checked it (medledger check).
func (s *Store) Damage() error {
	if ce := s.damage.Load(); ce != nil {
		return ce
	}
	return nil
}

// errNotCommitted is a value whose path leads to another root.
var errNotCommitted = errors.New("its Merkle path does not lead to the root hash its version committed to")

// verifiedGet returns the value of key in t, checked against root: a
// membership proof of the value, or a non-membership proof of the key,
// built from the tree and verified like a client would.
func verifiedGet(t *iavl.ImmutableTree, root, key []byte) ([]byte, error) {
	p, err := t.GetMembershipProof(key)
	if err == nil {
		ex := p.GetExist()
		if ex == nil || !bytes.Equal(ex.Key, key) {
			return nil, errNotCommitted
		}
		if err := verifyExist(ex, root); err != nil {
			return nil, err
		}
		if ex.Value == nil {
			return []byte{}, nil
		}
		return ex.Value, nil
	}
	// NOTE: IAVL says "key does not exist" for an absent key and nothing
	// else tells it from a read error: Has does, at the cost of a walk
	// that a present key (most reads) does not pay.
	if has, herr := t.Has(key); herr != nil || has {
		if herr != nil {
			return nil, herr
		}
		return nil, err
	}
	p, err = t.GetNonMembershipProof(key)
	if err != nil {
		return nil, err
	}
	if err := verifyAbsent(p.GetNonexist(), root, key); err != nil {
		return nil, err
	}
	return nil, nil
}

// verifyExist checks that an existence proof of the IAVL spec leads to
// root. NOTE: ics23's own LeafOp refuses an empty value, which this store
// holds (index keys): the leaf is hashed here, the inner steps by ics23.
func verifyExist(p *ics23.ExistenceProof, root []byte) error {
	if p == nil || p.Leaf == nil {
		return errNotCommitted
	}
	if err := p.CheckAgainstSpec(ics23.IavlSpec); err != nil {
		return fmt.Errorf("%w: %v", errNotCommitted, err)
	}
	h := leafHash(p.Leaf.Prefix, p.Key, p.Value)
	// NOTE: CheckAgainstSpec made every step SHA-256; hashing here saves
	// InnerOp.Apply's allocations, most of a verified read's cost.
	d := sha256.New()
	for _, op := range p.Path {
		d.Reset()
		d.Write(op.Prefix)
		d.Write(h)
		d.Write(op.Suffix)
		h = d.Sum(h[:0])
	}
	if !bytes.Equal(h, root) {
		return errNotCommitted
	}
	return nil
}

// leafHash is the IAVL spec's leaf operation: SHA-256 of the prefix, the
// length-prefixed key and the length-prefixed SHA-256 of the value.
func leafHash(prefix, key, value []byte) []byte {
	vh := sha256.Sum256(value)
	b := make([]byte, 0, len(prefix)+len(key)+2*binary.MaxVarintLen64+len(vh))
	b = append(b, prefix...)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(vh)))
	b = append(b, vh[:]...)
	h := sha256.Sum256(b)
	return h[:]
}

// verifyAbsent checks a non-existence proof of key against root: its
// neighbours exist under root, lie on either side of key, and are adjacent
// (ics23's NonExistenceProof.Verify, with verifyExist for the neighbours).
func verifyAbsent(p *ics23.NonExistenceProof, root, key []byte) error {
	if p == nil || !bytes.Equal(p.Key, key) || (p.Left == nil && p.Right == nil) {
		return errNotCommitted
	}
	if p.Left != nil {
		if err := verifyExist(p.Left, root); err != nil {
			return err
		}
		if bytes.Compare(key, p.Left.Key) <= 0 {
			return fmt.Errorf("%w: the left neighbour is not left of the key", errNotCommitted)
		}
	}
	if p.Right != nil {
		if err := verifyExist(p.Right, root); err != nil {
			return err
		}
		if bytes.Compare(key, p.Right.Key) >= 0 {
			return fmt.Errorf("%w: the right neighbour is not right of the key", errNotCommitted)
		}
	}
	spec := ics23.IavlSpec.InnerSpec
	switch {
	case p.Left == nil:
		if !ics23.IsLeftMost(spec, p.Right.Path) {
			return fmt.Errorf("%w: no left neighbour, and the right one is not left-most", errNotCommitted)
		}
	case p.Right == nil:
		if !ics23.IsRightMost(spec, p.Left.Path) {
			return fmt.Errorf("%w: no right neighbour, and the left one is not right-most", errNotCommitted)
		}
	case !adjacent(spec, p.Left.Path, p.Right.Path):
		return fmt.Errorf("%w: the neighbours are not adjacent", errNotCommitted)
	}
	return nil
}

// adjacent is ics23.IsLeftNeighbor, which indexes past the end of paths
// that do not diverge: such paths are not adjacent.
func adjacent(spec *ics23.InnerSpec, left, right []*ics23.InnerOp) (ok bool) {
	if len(left) == 0 || len(right) == 0 {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return ics23.IsLeftNeighbor(spec, left, right)
}
