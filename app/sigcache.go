package app

import (
	"sync"

	"github.com/medledger/medledger/tx"
)

// sigCache remembers transactions whose signatures verified, by hash, with
// their decoded form, so that a transaction is decoded and verified once
// between the API, CheckTx and FinalizeBlock. A hit is sound because a
// transaction names its key by key id, and the envelope check refuses a key
// id that is not the signer's current key; and the decoded form is what
// tx.Decode returns for the bytes of that hash.
type sigCache struct {
	mu    sync.Mutex
	max   int
	items map[[32]byte]*tx.Tx
	order [][32]byte // insertion order, for eviction
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, items: make(map[[32]byte]*tx.Tx, max)}
}

func (c *sigCache) add(h []byte, t *tx.Tx) {
	var k [32]byte
	copy(k[:], h)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	// order is bounded too: entries removed from items still age out here.
	for len(c.order) >= c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[k] = t
	c.order = append(c.order, k)
}

// get returns the verified transaction of hash h, or nil.
func (c *sigCache) get(h []byte) *tx.Tx {
	var k [32]byte
	copy(k[:], h)
	c.mu.Lock()
	t := c.items[k]
	c.mu.Unlock()
	return t
}

func (c *sigCache) has(h []byte) bool { return c.get(h) != nil }

func (c *sigCache) remove(h []byte) {
	var k [32]byte
	copy(k[:], h)
	c.mu.Lock()
	delete(c.items, k)
	c.mu.Unlock()
}
