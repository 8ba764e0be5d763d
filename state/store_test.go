package state_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/medledger/medledger/state"
)

// mustOpen opens the store in dir and closes it when the test ends.
func mustOpen(t testing.TB, dir string) *state.Store {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustCommit(t testing.TB, s *state.Store) ([]byte, int64) {
	t.Helper()
	h, v, err := s.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return h, v
}

// pairs lists a Reader's content in [start, end) as "k=v" strings.
func pairs(r state.Reader, start, end []byte) []string {
	var out []string
	r.Iterate(start, end, func(k, v []byte) bool {
		out = append(out, fmt.Sprintf("%s=%s", k, v))
		return true
	})
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStoreCommitReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Working()
	w.Set([]byte("a"), []byte("1"))
	w.Set([]byte("b"), []byte("2"))
	h1, v1 := mustCommit(t, s)
	w.Set([]byte("b"), []byte("3"))
	w.Delete([]byte("a"))
	w.Set([]byte("c"), []byte{})
	h2, v2 := mustCommit(t, s)
	if v1 != 1 || v2 != 2 {
		t.Errorf("versions %d, %d; want 1, 2", v1, v2)
	}
	if bytes.Equal(h1, h2) {
		t.Errorf("two different states have the same hash")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = state.Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if s.Version() != 2 || !bytes.Equal(s.Hash(), h2) {
		t.Errorf("reopened at version %d hash %X; want 2, %X", s.Version(), s.Hash(), h2)
	}
	if !bytes.Equal(s.WorkingHash(), h2) {
		t.Errorf("reopened working hash %X, want the committed %X", s.WorkingHash(), h2)
	}
	if got, want := pairs(s.Working(), nil, nil), []string{"b=3", "c="}; !equal(got, want) {
		t.Errorf("reopened working tree: %q, want %q", got, want)
	}
	if v := s.Working().Get([]byte("c")); v == nil || len(v) != 0 {
		t.Errorf("an empty value reads back as %#v, want an empty non-nil slice", v)
	}
	latest, err := s.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}
	if latest.Version() != 2 || !bytes.Equal(latest.Hash(), h2) {
		t.Errorf("latest snapshot: version %d hash %X", latest.Version(), latest.Hash())
	}
	old, err := s.Snapshot(1)
	if err != nil {
		t.Fatalf("Snapshot(1) after reopen: %v", err)
	}
	if !bytes.Equal(old.Hash(), h1) {
		t.Errorf("version 1 hash %X after reopen, want %X", old.Hash(), h1)
	}
	if got, want := pairs(old, nil, nil), []string{"a=1", "b=2"}; !equal(got, want) {
		t.Errorf("version 1 after reopen: %q, want %q", got, want)
	}
	// The next commit continues the numbering.
	s.Working().Set([]byte("d"), []byte("4"))
	if _, v := mustCommit(t, s); v != 3 {
		t.Errorf("next version %d, want 3", v)
	}
}

func TestStoreEmpty(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	if s.Version() != 0 {
		t.Errorf("new store at version %d", s.Version())
	}
	snap, err := s.Snapshot(0)
	if err != nil {
		t.Fatalf("Snapshot(0) of a new store: %v", err)
	}
	if snap.Version() != 0 || snap.Hash() != nil || snap.Get([]byte("a")) != nil || len(pairs(snap, nil, nil)) != 0 {
		t.Errorf("the snapshot of a new store is not empty")
	}
	if _, err := snap.Prove([]byte("a")); !errors.Is(err, state.ErrNoVersion) {
		t.Errorf("Prove on the empty state: %v, want ErrNoVersion", err)
	}
	for _, v := range []int64{1, 5, -1} {
		if _, err := s.Snapshot(v); !errors.Is(err, state.ErrNoVersion) {
			t.Errorf("Snapshot(%d) of a new store: %v, want ErrNoVersion", v, err)
		}
	}
	// Committing nothing still makes a version.
	h, v := mustCommit(t, s)
	if v != 1 || !bytes.Equal(s.Hash(), h) {
		t.Errorf("empty commit: version %d hash %X, store hash %X", v, h, s.Hash())
	}
	if _, err := s.Snapshot(1); err != nil {
		t.Errorf("Snapshot(1) after an empty commit: %v", err)
	}
	if _, err := s.Snapshot(2); !errors.Is(err, state.ErrNoVersion) {
		t.Errorf("Snapshot(2): %v, want ErrNoVersion", err)
	}
}

func TestStoreWorkingHashAndRollback(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	w.Set([]byte("k"), []byte("v"))
	h, _ := mustCommit(t, s)

	w.Set([]byte("k"), []byte("changed"))
	w.Set([]byte("new"), []byte("x"))
	if bytes.Equal(s.WorkingHash(), h) {
		t.Errorf("working hash did not change after Set")
	}
	if !bytes.Equal(s.Hash(), h) {
		t.Errorf("Hash changed before Commit")
	}
	s.Rollback()
	if got := w.Get([]byte("k")); string(got) != "v" {
		t.Errorf("after Rollback k = %q, want v", got)
	}
	if w.Get([]byte("new")) != nil {
		t.Errorf("after Rollback an uncommitted key is still there")
	}
	if !bytes.Equal(s.WorkingHash(), h) {
		t.Errorf("after Rollback working hash %X, want %X", s.WorkingHash(), h)
	}

	w.Set([]byte("k"), []byte("v2"))
	want := s.WorkingHash()
	got, _ := mustCommit(t, s)
	if !bytes.Equal(got, want) {
		t.Errorf("Commit hash %X, WorkingHash before it %X", got, want)
	}
}

// TestStoreSameHistorySameHash: two stores given the same writes commit the
// same hashes, version by version.
func TestStoreSameHistorySameHash(t *testing.T) {
	a, b := mustOpen(t, t.TempDir()), mustOpen(t, t.TempDir())
	for v := 0; v < 5; v++ {
		for i := 0; i < 50; i++ {
			k := []byte(fmt.Sprintf("k/%03d", (i*7+v*13)%97))
			val := []byte(fmt.Sprintf("v%d-%d", v, i))
			a.Working().Set(k, val)
			b.Working().Set(k, val)
			if i%9 == 0 {
				a.Working().Delete(k)
				b.Working().Delete(k)
			}
		}
		ha, _ := mustCommit(t, a)
		hb, _ := mustCommit(t, b)
		if !bytes.Equal(ha, hb) {
			t.Fatalf("version %d: hashes %X and %X differ", v+1, ha, hb)
		}
	}
}

func TestSnapshotIsolation(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	w.Set([]byte("a"), []byte("1"))
	w.Set([]byte("b"), []byte("1"))
	h1, _ := mustCommit(t, s)
	v1, err := s.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}

	w.Set([]byte("a"), []byte("2"))
	w.Delete([]byte("b"))
	w.Set([]byte("c"), []byte("2"))
	// Uncommitted writes are not in the latest snapshot.
	if got := pairs(v1, nil, nil); !equal(got, []string{"a=1", "b=1"}) {
		t.Errorf("snapshot sees uncommitted writes: %q", got)
	}
	if latest, _ := s.Snapshot(0); !equal(pairs(latest, nil, nil), []string{"a=1", "b=1"}) {
		t.Errorf("latest snapshot sees uncommitted writes")
	}
	mustCommit(t, s)
	if got := pairs(v1, nil, nil); !equal(got, []string{"a=1", "b=1"}) || !bytes.Equal(v1.Hash(), h1) {
		t.Errorf("a snapshot changed after a later commit: %q", got)
	}
	latest, _ := s.Snapshot(0)
	if got := pairs(latest, nil, nil); !equal(got, []string{"a=2", "c=2"}) || latest.Version() != 2 {
		t.Errorf("latest snapshot after commit: version %d, %q", latest.Version(), got)
	}
}

// TestSnapshotConcurrentReads reads snapshots on other goroutines while the
// working tree is written and committed, as the API does during blocks. Run
// with -race: a snapshot that shared tree nodes with the working tree would
// race with the working tree's writes.
func TestSnapshotConcurrentReads(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	for i := 0; i < 64; i++ {
		s.Working().Set([]byte(fmt.Sprintf("k%03d", i)), []byte("v0"))
	}
	mustCommit(t, s)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				snap, err := s.Snapshot(int64(g % 2)) // latest, or version 1
				if err != nil {
					t.Error(err)
					return
				}
				n := 0
				snap.Iterate(nil, nil, func(k, v []byte) bool { n++; return true })
				if n < 64 {
					t.Errorf("snapshot %d has %d keys, want at least 64", snap.Version(), n)
					return
				}
				snap.Get([]byte("k010"))
				if _, err := snap.Prove([]byte("k010")); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	for v := 0; v < 30; v++ {
		for i := 0; i < 64; i += 3 {
			s.Working().Set([]byte(fmt.Sprintf("k%03d", (i+v)%64)), []byte(fmt.Sprintf("v%d", v)))
		}
		s.Working().Set([]byte(fmt.Sprintf("new%03d", v)), []byte("x"))
		mustCommit(t, s)
	}
	close(stop)
	wg.Wait()
}

func TestProofs(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	for _, k := range []string{"b", "d", "f/1", "f/2", "h"} {
		w.Set([]byte(k), []byte("value of "+k))
	}
	h1, _ := mustCommit(t, s)
	w.Set([]byte("d"), []byte("changed"))
	h2, _ := mustCommit(t, s)
	snap, err := s.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("present", func(t *testing.T) {
		for _, k := range []string{"b", "d", "f/1", "f/2", "h"} {
			p, err := snap.Prove([]byte(k))
			if err != nil {
				t.Fatalf("Prove(%s): %v", k, err)
			}
			v := snap.Get([]byte(k))
			if err := state.VerifyProof(h2, p, []byte(k), v); err != nil {
				t.Errorf("%s: %v", k, err)
			}
			if err := state.VerifyProof(h2, p, []byte(k), []byte("other value")); err == nil {
				t.Errorf("%s: proof verifies a wrong value", k)
			}
			if err := state.VerifyProof(h2, p, []byte(k), nil); err == nil {
				t.Errorf("%s: membership proof verifies absence", k)
			}
			if err := state.VerifyProof(h2, p, []byte(k+"x"), v); err == nil {
				t.Errorf("%s: proof verifies another key", k)
			}
			if k != "d" {
				// d is the one key whose value differs between the versions.
				if err := state.VerifyProof(h1, p, []byte(k), v); err == nil {
					t.Errorf("%s: proof verifies against another version's root", k)
				}
			}
			bad := bytes.Clone(h2)
			bad[0] ^= 1
			if err := state.VerifyProof(bad, p, []byte(k), v); err == nil {
				t.Errorf("%s: proof verifies against a wrong root", k)
			}
		}
	})
	t.Run("absent", func(t *testing.T) {
		// Before the first key, between keys, inside a prefix, after the last.
		for _, k := range []string{"a", "\x00", "c", "e", "f", "f/0", "f/3", "g", "z", "\xff\xff"} {
			p, err := snap.Prove([]byte(k))
			if err != nil {
				t.Fatalf("Prove(%q): %v", k, err)
			}
			if err := state.VerifyProof(h2, p, []byte(k), nil); err != nil {
				t.Errorf("%q: %v", k, err)
			}
			if err := state.VerifyProof(h2, p, []byte(k), []byte("v")); err == nil {
				t.Errorf("%q: absence proof verifies a value", k)
			}
			bad := bytes.Clone(h2)
			bad[len(bad)-1] ^= 1
			if err := state.VerifyProof(bad, p, []byte(k), nil); err == nil {
				t.Errorf("%q: absence proof verifies against a wrong root", k)
			}
		}
		// A proof of absence of one key says nothing of another.
		p, _ := snap.Prove([]byte("c"))
		if err := state.VerifyProof(h2, p, []byte("b"), nil); err == nil {
			t.Errorf("absence proof of c verifies absence of the present key b")
		}
	})
	t.Run("old version", func(t *testing.T) {
		old, err := s.Snapshot(1)
		if err != nil {
			t.Fatal(err)
		}
		p, err := old.Prove([]byte("d"))
		if err != nil {
			t.Fatal(err)
		}
		if err := state.VerifyProof(h1, p, []byte("d"), []byte("value of d")); err != nil {
			t.Errorf("version 1 proof of d: %v", err)
		}
		if err := state.VerifyProof(h2, p, []byte("d"), []byte("value of d")); err == nil {
			t.Errorf("version 1 proof verifies against version 2's root")
		}
	})
	t.Run("no proof", func(t *testing.T) {
		if err := state.VerifyProof(h2, nil, []byte("b"), []byte("value of b")); err == nil {
			t.Errorf("a nil proof verifies")
		}
	})
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		name   string
		prefix []byte
		want   []byte
	}{
		{"nil", nil, nil},
		{"empty", []byte{}, nil},
		{"one byte", []byte("a"), []byte("b")},
		{"last byte incremented", []byte("ab"), []byte("ac")},
		{"zero byte", []byte{0x00}, []byte{0x01}},
		{"0xfe", []byte("a\xfe"), []byte("a\xff")},
		{"trailing 0xff dropped", []byte("a\xff"), []byte("b")},
		{"several 0xff dropped", []byte("a\xff\xff"), []byte("b")},
		{"0xff in the middle kept", []byte("\xffa"), []byte("\xffb")},
		{"all 0xff", []byte("\xff"), nil},
		{"all 0xff, long", []byte("\xff\xff\xff"), nil},
		{"module prefix", []byte("identity/org/"), []byte("identity/org0")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bytes.Clone(tc.prefix)
			got := state.PrefixEnd(tc.prefix)
			if !bytes.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Errorf("PrefixEnd(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
			if !bytes.Equal(in, tc.prefix) {
				t.Errorf("PrefixEnd modified its argument")
			}
		})
	}
}

// TestPrefixEndProperty: [p, PrefixEnd(p)) holds exactly the keys with
// prefix p.
func TestPrefixEndProperty(t *testing.T) {
	bytesGen := rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0x01, 'a', 0xfe, 0xff}), 0, 4)
	rapid.Check(t, func(t *rapid.T) {
		p := bytesGen.Draw(t, "prefix")
		k := bytesGen.Draw(t, "key")
		end := state.PrefixEnd(p)
		in := bytes.Compare(k, p) >= 0 && (end == nil || bytes.Compare(k, end) < 0)
		if in != bytes.HasPrefix(k, p) {
			t.Fatalf("prefix %q end %q key %q: in range %v, has prefix %v", p, end, k, in, bytes.HasPrefix(k, p))
		}
	})
}

// TestIteratePrefix iterates module-style prefixes of a committed store.
func TestIteratePrefix(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	for _, k := range []string{"a/", "a/1", "a/2", "a/\xff", "a0", "a\xff", "b", "\xff", "\xff\xff"} {
		s.Working().Set([]byte(k), []byte("v"))
	}
	mustCommit(t, s)
	snap, _ := s.Snapshot(0)
	keys := func(r state.Reader, p []byte) []string {
		var out []string
		r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool { out = append(out, string(k)); return true })
		return out
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/", "a/1", "a/2", "a/\xff"}},
		{"a", []string{"a/", "a/1", "a/2", "a/\xff", "a0", "a\xff"}},
		{"\xff", []string{"\xff", "\xff\xff"}},
		{"", []string{"a/", "a/1", "a/2", "a/\xff", "a0", "a\xff", "b", "\xff", "\xff\xff"}},
		{"c", nil},
	} {
		for name, r := range map[string]state.Reader{"working": s.Working(), "snapshot": snap} {
			if got := keys(r, []byte(tc.prefix)); !equal(got, tc.want) {
				t.Errorf("%s, prefix %q: %q, want %q", name, tc.prefix, got, tc.want)
			}
		}
	}
}
