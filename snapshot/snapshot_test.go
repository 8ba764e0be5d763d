package snapshot

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/state"
)

func open(t *testing.T, dir string) *state.Store {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Vouched(); err != nil {
		t.Fatal(err)
	}
	return s
}

func commit(t *testing.T, s *state.Store, round int) []byte {
	t.Helper()
	kv := s.Working()
	for k := range 300 {
		kv.Set(fmt.Appendf(nil, "notary/anchor/%04d", k+round*100), fmt.Appendf(nil, "value %d of round %d", k, round))
	}
	kv.Delete(fmt.Appendf(nil, "notary/anchor/%04d", round*100))
	h, _, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// transfer offers every snapshot src lists to dst and applies its chunks,
// as CometBFT would, with corrupt changing a chunk's bytes on its first
// delivery.
func transfer(t *testing.T, src, dst *Manager, appHash []byte, corrupt int) (abci.ResponseOfferSnapshot_Result, abci.ResponseApplySnapshotChunk_Result, bool) {
	t.Helper()
	list := src.List()
	if len(list) == 0 {
		t.Fatal("no snapshot listed")
	}
	s := list[len(list)-1]
	if r := dst.Offer(s, appHash); r != abci.ResponseOfferSnapshot_ACCEPT {
		return r, 0, false
	}
	var last abci.ResponseApplySnapshotChunk_Result
	for i := uint32(0); i < s.Chunks; i++ {
		c := src.Chunk(s.Height, s.Format, i)
		if int(i) == corrupt {
			bad := bytes.Clone(c)
			bad[len(bad)/2] ^= 1
			res, _ := dst.Apply(i, bad, "liar")
			if res.Result != abci.ResponseApplySnapshotChunk_RETRY || len(res.RejectSenders) != 1 {
				t.Fatalf("a corrupted chunk: %v, want RETRY and its sender rejected", res)
			}
		}
		res, restored := dst.Apply(i, c, "peer")
		last = res.Result
		if res.Result != abci.ResponseApplySnapshotChunk_ACCEPT || restored {
			return abci.ResponseOfferSnapshot_ACCEPT, last, restored
		}
	}
	return abci.ResponseOfferSnapshot_ACCEPT, last, false
}

// TestSnapshotRestore takes a snapshot of a store cut into several chunks,
// restores it into an empty store through Offer and Apply with a corrupted
// chunk on the way, and finds the same root, the same values, and the same
// next version after the same writes. A snapshot offered with another app
// hash than its state's is rejected, and the store stays empty for
// another.
func TestSnapshotRestore(t *testing.T) {
	chunkSize = 4 << 10
	defer func() { chunkSize = ChunkSize }()
	dir := t.TempDir()
	src := open(t, filepath.Join(dir, "src"))
	var hash []byte
	for r := range 4 {
		hash = commit(t, src, r)
	}
	sm, err := Open(filepath.Join(dir, "src-snapshots"), src, Config{Interval: 4, KeepRecent: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := sm.Take(4); err != nil {
		t.Fatal(err)
	}
	if l := sm.List(); len(l) != 1 || l[0].Chunks < 3 || l[0].Height != 4 {
		t.Fatalf("listed %v, want one snapshot of height 4 in several chunks", l)
	}

	dst := open(t, filepath.Join(dir, "dst"))
	dm, err := Open(filepath.Join(dir, "dst-snapshots"), dst, Config{})
	if err != nil {
		t.Fatal(err)
	}
	wrong := bytes.Repeat([]byte{7}, 32)
	if _, res, _ := transfer(t, sm, dm, wrong, -1); res != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
		t.Fatalf("a snapshot offered with another app hash: last chunk %v, want REJECT_SNAPSHOT", res)
	}
	if v := dst.Version(); v != 0 {
		t.Fatalf("after a rejected snapshot the store is at version %d", v)
	}
	if offer, res, restored := transfer(t, sm, dm, hash, 1); offer != abci.ResponseOfferSnapshot_ACCEPT || res != abci.ResponseApplySnapshotChunk_ACCEPT || !restored {
		t.Fatalf("restore: offer %v, last chunk %v, restored %v", offer, res, restored)
	}
	if dst.Version() != 4 || !bytes.Equal(dst.Hash(), hash) {
		t.Fatalf("restored version %d hash %X, want 4 and %X", dst.Version(), dst.Hash(), hash)
	}
	for _, k := range []string{"notary/anchor/0350", "notary/anchor/0001", "notary/anchor/0100"} {
		snap, err := dst.Snapshot(0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := dst.Latest().Get([]byte(k)), src.Latest().Get([]byte(k)); !bytes.Equal(got, want) || !bytes.Equal(snap.Get([]byte(k)), want) {
			t.Errorf("%s: restored %q, source %q", k, got, want)
		}
	}
	if a, b := commit(t, src, 9), commit(t, dst, 9); !bytes.Equal(a, b) {
		t.Fatalf("the next version differs: source %X, restored %X", a, b)
	}
	if r := dm.Offer(sm.List()[0], hash); r != abci.ResponseOfferSnapshot_ABORT {
		t.Fatalf("a snapshot offered to a store that holds state: %v, want ABORT", r)
	}
}
