package state_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/medledger/medledger/state"
)

// benchKey spreads keys over the tree as hashed ids do in real state.
func benchKey(i uint64) []byte {
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
	return fmt.Appendf(nil, "bench/%x", h[:12])
}

func benchValue(i uint64) []byte {
	v := make([]byte, 200)
	for j := range v {
		v[j] = byte(i) + byte(j)
	}
	return v
}

const setsPerVersion = 1000

// BenchmarkSetCommit measures a block's worth of writes: 1000 sets of
// 200-byte values into the working tree, then Commit (which syncs to disk).
// One op is one version.
func BenchmarkSetCommit(b *testing.B) {
	s := mustOpen(b, b.TempDir())
	w := s.Working()
	var n uint64
	versions := 0
	var inCommit time.Duration
	for b.Loop() {
		for range setsPerVersion {
			w.Set(benchKey(n), benchValue(n))
			n++
		}
		start := time.Now()
		if _, _, err := s.Commit(); err != nil {
			b.Fatal(err)
		}
		inCommit += time.Since(start)
		versions++
	}
	b.ReportMetric(float64(versions*setsPerVersion)/b.Elapsed().Seconds(), "sets/s")
	b.ReportMetric(float64(inCommit.Milliseconds())/float64(versions), "commit-ms/op")
}

// BenchmarkGet reads random present keys of a committed 20000-key store,
// from the working tree (as FinalizeBlock does) and from the latest snapshot
// (as queries and CheckTx do). One op is one Get.
func BenchmarkGet(b *testing.B) {
	s := mustOpen(b, b.TempDir())
	const keys = 20 * setsPerVersion
	for i := uint64(0); i < keys; i++ {
		s.Working().Set(benchKey(i), benchValue(i))
		if (i+1)%setsPerVersion == 0 {
			if _, _, err := s.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	snap, err := s.Snapshot(0)
	if err != nil {
		b.Fatal(err)
	}
	order := make([][]byte, keys) // a fixed pseudo-random order of the keys
	for i := range order {
		order[i] = benchKey(uint64(i*7919) % keys)
	}
	for _, r := range []struct {
		name string
		r    state.Reader
	}{{"working", s.Working()}, {"snapshot", snap}} {
		b.Run(r.name, func(b *testing.B) {
			var i int
			for b.Loop() {
				if r.r.Get(order[i%len(order)]) == nil {
					b.Fatalf("key %q missing", order[i%len(order)])
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "gets/s")
		})
	}
}
