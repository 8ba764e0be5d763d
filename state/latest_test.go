package state_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/medledger/medledger/state"
)

// TestLatestMatchesSnapshot writes, overwrites and deletes keys over more
// blocks than MaxLayers and checks after each commit that Latest reads and
// iterates exactly what the latest snapshot holds; and that a rolled-back
// block leaves no trace in it.
func TestLatestMatchesSnapshot(t *testing.T) {
	s, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() []byte { return fmt.Appendf(nil, "k/%03d", rng.IntN(200)) }
	for block := range 3*state.MaxLayers + 2 {
		w := s.Working()
		for range 50 {
			if rng.IntN(4) == 0 {
				w.Delete(key())
			} else {
				w.Set(key(), fmt.Appendf(nil, "v%d-%d", block, rng.Int()))
			}
		}
		if block%5 == 4 {
			s.Rollback()
			w = s.Working()
			w.Set([]byte("k/after-rollback"), []byte{byte(block)})
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		snap, err := s.Snapshot(0)
		if err != nil {
			t.Fatal(err)
		}
		latest := s.Latest()
		for i := range 200 {
			k := fmt.Appendf(nil, "k/%03d", i)
			if got, want := latest.Get(k), snap.Get(k); !bytes.Equal(got, want) {
				t.Fatalf("block %d: Latest().Get(%s) = %q, snapshot has %q", block, k, got, want)
			}
		}
		var got, want []string
		latest.Iterate([]byte("k/"), nil, func(k, v []byte) bool { got = append(got, string(k)+"="+string(v)); return true })
		snap.Iterate([]byte("k/"), nil, func(k, v []byte) bool { want = append(want, string(k)+"="+string(v)); return true })
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("block %d: Latest iterates\n%v\nsnapshot\n%v", block, got, want)
		}
	}
}
