package claims

import (
	"slices"
	"sync"
)

// memo remembers decodings by their exact bytes: a claim is decoded and
// judged when the mempool checks it, again when it rechecks it, and again
// in its block, and the member it is for is read each time. A decoding
// depends on its bytes only, so a hit is what decoding would give
// (deterministic). Callers MUST NOT modify what they get: members are
// cloned before use (Member.clone), claim bodies only read.
type memo[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// maxMemo bounds a memo; it starts over when full.
const maxMemo = 8192

func (c *memo[T]) get(b []byte) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[string(b)]
	return v, ok
}

func (c *memo[T]) put(b []byte, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxMemo {
		c.m = make(map[string]T)
	}
	c.m[string(b)] = v
}

var (
	bodyMemo   memo[SubmitBody]
	memberMemo memo[Member]
	indexMemo  memo[[]policyRef]
)

// clone copies the slices of a member that judging changes.
func (m Member) clone() Member {
	m.Coverage = slices.Clone(m.Coverage)
	m.History = slices.Clone(m.History)
	return m
}
