package httpsig

import (
	"container/heap"
	"sync"
	"time"

	"github.com/medledger/medledger"
)

// DefaultNonceCapacity is the number of live nonces a NonceCache holds
// unless told otherwise: about 870 signed requests a second sustained over
// the five-minute window, at a few hundred bytes each (keyid, nonce, map and
// heap entries), so some tens of MiB.
const DefaultNonceCapacity = 1 << 18

// NonceCache is a replay guard: it remembers each (keyid, nonce) it is shown
// until that signature could no longer verify anyway, and refuses to see one
// twice. It is safe for concurrent use.
//
// NOTE: the cache is per node and in memory. It is not consensus state: a
// request replayed to another node, or to this node after a restart, is not
// caught here. That is acceptable because it guards reads and the HTTP edge;
// every write to the chain carries its own replay guard in the signed
// transaction, checked against state by every validator (package tx).
type NonceCache struct {
	mu       sync.Mutex
	capacity int
	live     map[string]time.Time // key -> time after which it may be forgotten
	order    expiryHeap
}

// NewNonceCache returns an empty cache holding at most capacity live nonces
// (DefaultNonceCapacity if capacity <= 0).
func NewNonceCache(capacity int) *NonceCache {
	if capacity <= 0 {
		capacity = DefaultNonceCapacity
	}
	return &NonceCache{capacity: capacity, live: map[string]time.Time{}}
}

// Check records the nonce of keyID until until, and returns ErrReplayed if
// it is already recorded and not yet forgotten. When the cache is full of
// nonces that are all still live it returns ErrBusy rather than forget one
// early, which would let it be replayed.
func (c *NonceCache) Check(keyID, nonce string, until, now time.Time) error {
	key := keyID + "\x00" + nonce
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if exp, ok := c.live[key]; ok && !now.After(exp) {
		return ErrReplayed.New("nonce %s of keyid %s was used before: sign every request with a fresh nonce", medledger.Quote(nonce), medledger.Quote(keyID))
	}
	if len(c.live) >= c.capacity {
		return ErrBusy.New("the replay guard holds %d live nonces: retry in a moment", len(c.live))
	}
	c.live[key] = until
	heap.Push(&c.order, expiryEntry{key: key, until: until})
	return nil
}

// Len returns the number of nonces held.
func (c *NonceCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.live)
}

// expire forgets every nonce whose time has passed. c.mu MUST be held.
func (c *NonceCache) expire(now time.Time) {
	for c.order.Len() > 0 && now.After(c.order[0].until) {
		e := heap.Pop(&c.order).(expiryEntry)
		if exp, ok := c.live[e.key]; ok && exp.Equal(e.until) {
			delete(c.live, e.key)
		}
	}
}

type expiryEntry struct {
	key   string
	until time.Time
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = expiryEntry{}
	*h = old[:len(old)-1]
	return e
}
