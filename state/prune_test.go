package state_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/syndtr/goleveldb/leveldb"

	"github.com/medledger/medledger/metrics"
	"github.com/medledger/medledger/state"
)

// updates commits n versions to s, each rewriting the same keys (an update
// load: the live state does not grow), and returns the root hashes by
// version.
func updates(t *testing.T, s *state.Store, n int) map[int64][]byte {
	t.Helper()
	roots := map[int64][]byte{}
	for i := range n {
		kv := s.Working()
		for k := range 50 {
			kv.Set(fmt.Appendf(nil, "supply/pack/%03d", k), fmt.Appendf(nil, "custodian %d of version %d, padded to look like a real value", k%7, i))
		}
		h, v := mustCommit(t, s)
		roots[v] = h
	}
	return roots
}

// TestPruning keeps the last KeepRecent versions of an update load: older
// versions are refused as not available (never as damage), every kept
// version still reads and proves against its root, the store's disk stays
// bounded where keeping every version grows with each one, and the
// pruning survives a reopen.
func TestPruning(t *testing.T) {
	const keep, every, versions = 100, 10, 600
	dirs := map[string]string{"pruned": filepath.Join(t.TempDir(), "pruned"), "all": filepath.Join(t.TempDir(), "all")}
	sizes, disk := map[string]int64{}, map[string]int64{}
	for name, dir := range dirs {
		s, err := state.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if name == "pruned" {
			if err := s.SetPruning(state.Pruning{KeepRecent: keep, Interval: every}); err != nil {
				t.Fatal(err)
			}
		}
		roots := updates(t, s, versions)
		if name == "pruned" {
			if got := s.Oldest(); got != versions-keep+1 {
				t.Errorf("Oldest: %d, want %d", got, versions-keep+1)
			}
			for _, v := range []int64{1, versions - keep - 20, versions - keep} {
				if _, err := s.Snapshot(v); !errors.Is(err, state.ErrNoVersion) {
					t.Errorf("Snapshot(%d) of a pruned version: %v, want ErrNoVersion", v, err)
				}
			}
			for _, v := range []int64{versions - keep + 1, versions - keep/2, versions} {
				snap, err := s.Snapshot(v)
				if err != nil {
					t.Fatalf("Snapshot(%d) of a kept version: %v", v, err)
				}
				key := []byte("supply/pack/003")
				p, err := snap.Prove(key)
				if err != nil {
					t.Fatal(err)
				}
				if err := state.VerifyProof(roots[v], p, key, snap.Get(key)); err != nil {
					t.Errorf("version %d: %v", v, err)
				}
			}
		}
		if err := s.Damage(); err != nil {
			t.Fatalf("%s: damage %v", name, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		disk[name] = metrics.DirBytes(dir)
		db, err := leveldb.OpenFile(filepath.Join(dir, "application.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		it := db.NewIterator(nil, nil)
		for it.Next() {
			sizes[name] += int64(len(it.Key()) + len(it.Value()))
		}
		it.Release()
		db.Close()
	}
	t.Logf("after %d versions of an update load: %d bytes held pruned, %d bytes keeping every version; on disk %d and %d", versions, sizes["pruned"], sizes["all"], disk["pruned"], disk["all"])
	// The deleted versions' key range is compacted as pruning goes, so the
	// disk shrinks too. NOTE: the tree deletes in the background, and a
	// close stops it where it is: the next open goes on.
	if disk["pruned"]*2 > disk["all"] {
		t.Errorf("the pruned store takes %d bytes on disk, more than half of the %d bytes of every version", disk["pruned"], disk["all"])
	}
	if sizes["pruned"]*2 > sizes["all"] {
		t.Errorf("the pruned store holds %d bytes, more than half of the %d bytes of every version", sizes["pruned"], sizes["all"])
	}

	s := mustOpen(t, dirs["pruned"])
	if err := s.Vouched(); err != nil {
		t.Fatalf("reopened pruned store: %v", err)
	}
	if err := s.SetPruning(state.Pruning{KeepRecent: keep, Interval: every}); err != nil {
		t.Fatal(err)
	}
	updates(t, s, 2*every)
	if _, err := s.Snapshot(versions); err != nil {
		t.Errorf("after reopening, version %d: %v", versions, err)
	}
	if _, err := s.Snapshot(versions + 2*every - keep); !errors.Is(err, state.ErrNoVersion) {
		t.Errorf("after reopening, pruned version: %v, want ErrNoVersion", err)
	}
}

func TestPruningValidate(t *testing.T) {
	for _, p := range []state.Pruning{{KeepRecent: 5}, {KeepRecent: state.MinKeepRecent - 1}, {KeepRecent: 200, Interval: -1}} {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v: valid, want refused", p)
		}
	}
	for _, p := range []state.Pruning{{}, state.DefaultPruning, {KeepRecent: state.MinKeepRecent}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}
