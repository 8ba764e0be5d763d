package app

import "sync"

// sigCache remembers transaction hashes whose signatures verified, so that a
// transaction is verified once between the API, CheckTx and FinalizeBlock.
// A hit is sound because a transaction names its key by key id, and the
// envelope check refuses a key id that is not the signer's current key.
type sigCache struct {
	mu    sync.Mutex
	max   int
	items map[[32]byte]struct{}
	order [][32]byte // insertion order, for eviction
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, items: make(map[[32]byte]struct{}, max)}
}

func (c *sigCache) add(h []byte) {
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
	c.items[k] = struct{}{}
	c.order = append(c.order, k)
}

func (c *sigCache) has(h []byte) bool {
	var k [32]byte
	copy(k[:], h)
	c.mu.Lock()
	_, ok := c.items[k]
	c.mu.Unlock()
	return ok
}

func (c *sigCache) remove(h []byte) {
	var k [32]byte
	copy(k[:], h)
	c.mu.Lock()
	delete(c.items, k)
	c.mu.Unlock()
}
