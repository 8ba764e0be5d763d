package identity

import (
	"sync"

	"github.com/medledger/medledger/state"
)

// memo remembers the decoding of state values by their exact bytes: every
// transaction authenticates its signer, and decoding the same member and
// organization records again for each was a tenth of a node's work. A
// value's decoding depends on its bytes only, so a hit is what decoding
// would give (deterministic); callers must not modify what they get.
type memo[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// maxMemo bounds a memo; it starts over when full.
const maxMemo = 4096

func (c *memo[T]) get(r state.Reader, key []byte) (T, bool) {
	var v T
	b := r.Get(key)
	if b == nil {
		return v, false
	}
	c.mu.Lock()
	v, ok := c.m[string(b)]
	c.mu.Unlock()
	if ok {
		return v, true
	}
	mustUnmarshal(b, &v)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxMemo {
		c.m = make(map[string]T)
	}
	c.m[string(b)] = v
	c.mu.Unlock()
	return v, true
}

var (
	memberMemo  memo[Member]
	orgMemo     memo[Org]
	patientMemo memo[Patient]
)
