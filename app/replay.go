package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// The replay guard keeps, for each expiry height, one state entry: a
// bucket holding the sorted 16-byte digests of the (signer, nonce) pairs
// applied with that expiry. A block writes each bucket it touched once, so
// the guard costs the authenticated state a few writes per block instead of
// a write and a later delete per transaction; a bucket is deleted whole once
// its expiry is past.
//
//	key:   "app/replay/" || expires (8 bytes, big endian)
//	value: entry || entry || ... (ascending), entry = SHA-256("medledger/replay/v1\n" || len(signer) || signer || nonce)[0:16]
const replayEntryLen = 16

type replayEntry [replayEntryLen]byte

func replayEntryOf(t *tx.Tx) replayEntry {
	h := sha256.New()
	h.Write([]byte("medledger/replay/v1\n"))
	h.Write([]byte{byte(len(t.Signer))})
	h.Write([]byte(t.Signer))
	h.Write([]byte(t.Nonce))
	var e replayEntry
	copy(e[:], h.Sum(nil))
	return e
}

func replayBucketKey(expires int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, replayPrefix...), uint64(expires))
}

// bucketHolds reports whether the bucket of expires in r holds e.
func bucketHolds(r state.Reader, expires int64, e replayEntry) bool {
	b := r.Get(replayBucketKey(expires))
	lo, hi := 0, len(b)/replayEntryLen
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(b[m*replayEntryLen:(m+1)*replayEntryLen], e[:]); {
		case c == 0:
			return true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// nonces are the replay entries applied since the buckets were last
// written: those of the block being executed, or of the mempool's view.
type nonces struct {
	exps  []int64 // ascending
	sets  map[int64]map[replayEntry]struct{}
	lists map[int64][]replayEntry // the same entries, in the order added
}

func newNonces() *nonces {
	return &nonces{sets: map[int64]map[replayEntry]struct{}{}, lists: map[int64][]replayEntry{}}
}

func (n *nonces) has(expires int64, e replayEntry) bool {
	_, ok := n.sets[expires][e]
	return ok
}

func (n *nonces) add(expires int64, e replayEntry) {
	s, ok := n.sets[expires]
	if !ok {
		s = map[replayEntry]struct{}{}
		n.sets[expires] = s
		i, _ := slices.BinarySearch(n.exps, expires)
		n.exps = slices.Insert(n.exps, i, expires)
	}
	s[e] = struct{}{}
	n.lists[expires] = append(n.lists[expires], e)
}

// used reports whether e was applied with expires, in kv or since.
func (n *nonces) used(kv state.Reader, expires int64, e replayEntry) bool {
	return n.has(expires, e) || bucketHolds(kv, expires, e)
}

// flush merges the entries into their buckets in kv, in expiry order.
func (n *nonces) flush(kv state.KV) {
	for _, exp := range n.exps {
		add := n.lists[exp]
		slices.SortFunc(add, func(a, b replayEntry) int { return bytes.Compare(a[:], b[:]) })
		old := kv.Get(replayBucketKey(exp))
		merged := make([]byte, 0, len(old)+len(add)*replayEntryLen)
		i := 0
		for j := 0; j+replayEntryLen <= len(old); j += replayEntryLen {
			cur := old[j : j+replayEntryLen]
			for i < len(add) && bytes.Compare(add[i][:], cur) < 0 {
				merged = append(merged, add[i][:]...)
				i++
			}
			merged = append(merged, cur...)
		}
		for ; i < len(add); i++ {
			merged = append(merged, add[i][:]...)
		}
		kv.Set(replayBucketKey(exp), merged)
	}
	n.exps, n.sets, n.lists = n.exps[:0], map[int64]map[replayEntry]struct{}{}, map[int64][]replayEntry{}
}
