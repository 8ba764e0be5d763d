package state

import (
	"hash/maphash"
	"sync/atomic"
)

// keyFilter is a Bloom filter of every key the store may hold: the keys of
// the tree it opened (added by a scan in the background) and every key
// written since. A key it has never seen is certainly absent, so Latest
// answers such a read without walking the tree: that is most reads of
// CheckTx, which looks up keys that new transactions are about to create
// (a fresh anchor, a replay guard), and of the working tree, where the
// transactions' handlers do the same. Deleted keys stay in it (a Bloom
// filter cannot forget), which only costs a tree walk.
//
// It MUST NOT answer before the scan is done (ready), and every write MUST
// add its key before the write can be read.
type keyFilter struct {
	seed  maphash.Seed
	bits  []atomic.Uint64
	ready atomic.Bool
}

// keyFilterBits is the filter's size: 8 MiB, under a 1% false-positive rate
// up to about 6 million keys; past that it helps less, never wrongly.
const keyFilterBits = 1 << 26

const keyFilterHashes = 4

func newKeyFilter() *keyFilter {
	return &keyFilter{seed: maphash.MakeSeed(), bits: make([]atomic.Uint64, keyFilterBits/64)}
}

func (f *keyFilter) positions(key []byte) (h1, h2 uint64) {
	h := maphash.Bytes(f.seed, key)
	return h, h>>32 | h<<32 | 1
}

func (f *keyFilter) add(key []byte) {
	h1, h2 := f.positions(key)
	for i := range uint64(keyFilterHashes) {
		p := (h1 + i*h2) % keyFilterBits
		f.bits[p/64].Or(1 << (p % 64))
	}
}

// absent reports whether key is certainly not in the store.
func (f *keyFilter) absent(key []byte) bool {
	if !f.ready.Load() {
		return false
	}
	h1, h2 := f.positions(key)
	for i := range uint64(keyFilterHashes) {
		p := (h1 + i*h2) % keyFilterBits
		if f.bits[p/64].Load()&(1<<(p%64)) == 0 {
			return true
		}
	}
	return false
}

// filtered is a snapshot whose reads of keys the filter has never seen
// skip the tree.
type filtered struct {
	*Snapshot
	f *keyFilter
}

func (s filtered) Get(key []byte) []byte {
	if s.f.absent(key) {
		return nil
	}
	return s.Snapshot.Get(key)
}
