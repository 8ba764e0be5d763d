package state

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"
)

// BenchmarkVerifiedGet compares a read of the latest snapshot as the API
// serves it (its Merkle path checked against the root) with a plain read,
// for present and absent keys of a committed 20,000-key store, after a
// warm-up read of every key (the node cache holds the tree). One op is one
// Get. BENCHMARKS.md has the figures.
func BenchmarkVerifiedGet(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const keys = 20_000
	key := func(i int) []byte {
		h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		return fmt.Appendf(nil, "bench/%x", h[:12])
	}
	for i := range keys {
		s.Working().Set(key(i), make([]byte, 200))
		if (i+1)%1000 == 0 {
			if _, _, err := s.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	snap, err := s.Snapshot(0)
	if err != nil {
		b.Fatal(err)
	}
	plain := &Snapshot{t: snap.t, s: s}
	for i := range keys {
		plain.Get(key(i))
	}
	for _, c := range []struct {
		name   string
		r      Reader
		absent bool
	}{{"plain/present", plain, false}, {"verified/present", snap, false}, {"plain/absent", plain, true}, {"verified/absent", snap, true}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				k := key(i * 7919 % keys)
				if c.absent {
					k = append(k, '!')
				}
				if v := c.r.Get(k); (v == nil) != c.absent {
					b.Fatalf("key %q: %q", k, v)
				}
				i++
			}
		})
	}
}
