package state_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/internal/damage"
	"github.com/medledger/medledger/state"
)

// fill writes n keys over several versions, one of them with an empty
// value (as the modules' index keys have), and closes the store.
func fill(t *testing.T, dir string, n int) (hash []byte) {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		s.Working().Set(fmt.Appendf(nil, "k/%04d", i), fmt.Appendf(nil, "value %d", i))
		if i%50 == 49 {
			mustCommit(t, s)
		}
	}
	s.Working().Set([]byte("k/0500/index"), nil)
	hash, _ = mustCommit(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return hash
}

// corruptPanic runs fn and returns the *state.CorruptError it panicked
// with, or nil.
func corruptPanic(fn func()) (ce *state.CorruptError) {
	defer func() {
		if r := recover(); r != nil {
			if ce = state.AsCorrupt(r); ce == nil {
				panic(r)
			}
		}
	}()
	fn()
	return nil
}

// TestEditedValueNeverServed edits a value in the database the way a
// database tool would (IAVL's stored hashes and the database's checksums
// stay valid, so the root hash still matches the chain's): no read of the
// store serves the edited value, the rehash at start names the key and
// marks the store damaged, and the working tree refuses to execute on it.
func TestEditedValueNeverServed(t *testing.T) {
	dir := t.TempDir()
	root := fill(t, dir, 400)
	key := []byte("k/0123")
	if _, err := damage.EditValue(dir, key, []byte("forged")); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, dir)
	if !bytes.Equal(s.Hash(), root) {
		t.Fatalf("the edit changed the stored root: a root check alone would catch it, and this test would prove nothing")
	}
	if err := s.CheckRoot(root); err != nil {
		t.Fatalf("CheckRoot: %v", err)
	}
	snap, err := s.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]state.Reader{"Snapshot": snap, "Latest": s.Latest()} {
		var got []byte
		ce := corruptPanic(func() { got = r.Get(key) })
		if ce == nil {
			t.Errorf("%s served %q for the edited key", name, got)
			continue
		}
		if !errors.Is(ce, state.ErrCorrupt) || !bytes.Equal(ce.Key, key) || !strings.Contains(ce.Error(), "k/0123") {
			t.Errorf("%s: %v, want a corruption naming k/0123", name, ce)
		}
		ce = corruptPanic(func() {
			r.Iterate([]byte("k/01"), []byte("k/02"), func(k, v []byte) bool {
				if string(v) == "forged" {
					t.Errorf("%s: Iterate served the edited value of %s", name, k)
				}
				return true
			})
		})
		if ce == nil {
			t.Errorf("%s: Iterate over the edited key raised no corruption", name)
		}
	}
	// Keys away from the edit still read, verified.
	if v := snap.Get([]byte("k/0399")); string(v) != "value 399" {
		t.Errorf("k/0399 = %q", v)
	}
	if v := snap.Get([]byte("k/0500/index")); v == nil || len(v) != 0 {
		t.Errorf("the empty value reads %q", v)
	}

	err = s.Vouched()
	if !errors.Is(err, state.ErrCorrupt) || !strings.Contains(err.Error(), "k/0123") {
		t.Fatalf("Vouched = %v, want the rehash to name k/0123", err)
	}
	if s.Damage() == nil {
		t.Error("Damage is nil after a failed rehash")
	}
	if ce := corruptPanic(func() { s.Working() }); ce == nil {
		t.Error("Working handed out a tree the rehash did not vouch for")
	}
	r, err := s.Rehash(0)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !strings.Contains(strings.Join(r.Damage, "\n"), `"k/0123"`) || r.Leaves != 401 {
		t.Errorf("Rehash = %+v, want damage naming k/0123 among 401 leaves", r)
	}
	if !bytes.Equal(r.Stored, root) || bytes.Equal(r.Root, root) {
		t.Errorf("rehash: stored %X, recomputed %X, committed %X", r.Stored, r.Root, root)
	}
}

// TestIntactStoreVouched: an intact store rehashes to its root, every node
// visited, and is vouched for.
func TestIntactStoreVouched(t *testing.T) {
	dir := t.TempDir()
	root := fill(t, dir, 400)
	s := mustOpen(t, dir)
	if err := s.Vouched(); err != nil {
		t.Fatal(err)
	}
	r, err := s.Rehash(0)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || !bytes.Equal(r.Root, root) || r.Leaves != 401 || r.Nodes != 2*401-1 {
		t.Errorf("Rehash = %+v, want OK, root %X, 401 leaves, 801 nodes", r, root)
	}
	if err := s.CheckRoot(root); err != nil {
		t.Error(err)
	}
	bad := bytes.Clone(root)
	bad[0] ^= 1
	if err := s.CheckRoot(bad); !errors.Is(err, state.ErrCorrupt) {
		t.Errorf("CheckRoot of another hash: %v", err)
	}
	// Every historical version rehashes too.
	for v := int64(1); v <= s.Version(); v++ {
		if r, err := s.Rehash(v); err != nil || !r.OK() {
			t.Errorf("version %d: %+v %v", v, r, err)
		}
	}
}

// TestHistoryRoot: a historical version whose stored root is not the one
// the chain committed to (TrustHistory) is refused.
func TestHistoryRoot(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir, 200)
	s := mustOpen(t, dir)
	one, err := s.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	s.TrustHistory(func(v int64) []byte {
		if v == 1 {
			return one.Hash()
		}
		return bytes.Repeat([]byte{7}, 32)
	})
	if _, err := s.Snapshot(1); err != nil {
		t.Errorf("version 1, committed root: %v", err)
	}
	if _, err := s.Snapshot(2); !errors.Is(err, state.ErrCorrupt) {
		t.Errorf("version 2, another root: %v, want a corruption", err)
	}
}

// TestFlippedBytesAtOpen: damage to what Open reads (the latest root) is
// reported as corruption.
func TestFlippedBytesAtOpen(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir, 2000)
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tables, err := damage.Files(filepath.Join(dir, "application.db"), ".ldb")
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if err := damage.FlipBytes(tb, 0, int(damage.Size(t, tb))); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := state.Open(dir); !errors.Is(err, state.ErrCorrupt) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a database with every table flipped: %v, want a corruption", err)
	}
}

// TestFlippedBytes flips bytes in the middle of the database's tables, as
// a failing disk does: reads fail as corruption (never as a plain panic
// or a wrong value), and the rehash says so.
func TestFlippedBytes(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir, 2000)
	// Reopen once so that the journal is written into tables.
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tables, err := damage.Files(filepath.Join(dir, "application.db"), ".ldb")
	if err != nil {
		t.Fatal(err)
	}
	if err := damage.FlipBytes(tables[0], damage.Size(t, tables[0])/2, 64); err != nil {
		t.Fatal(err)
	}
	s, err = state.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v (the flipped bytes should hit values, not the roots it loads)", err)
	}
	defer s.Close()
	snap, err := s.Snapshot(0)
	if err != nil {
		if !errors.Is(err, state.ErrCorrupt) {
			t.Fatalf("Snapshot: %v, want a corruption", err)
		}
		return
	}
	failed := 0
	for i := range 2000 {
		k := fmt.Appendf(nil, "k/%04d", i)
		var v []byte
		if ce := corruptPanic(func() { v = snap.Get(k) }); ce != nil {
			failed++
			continue
		}
		if string(v) != fmt.Sprintf("value %d", i) {
			t.Fatalf("%s = %q", k, v)
		}
	}
	if failed == 0 {
		t.Fatal("no read failed after flipping 64 bytes of the largest table")
	}
	if err := s.Vouched(); !errors.Is(err, state.ErrCorrupt) {
		t.Errorf("Vouched = %v, want the rehash to report the damage", err)
	}
	t.Logf("%d of 2000 reads failed as corruption; rehash: %v", failed, s.Damage())
}
