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
//
// It keeps two generations, each of at most maxMemoBytes of keys: when
// the newer is full it becomes the older and the older is dropped, so
// what was used recently stays (a member's next claim reads the bytes its
// last one wrote) and the memory stays bounded (about twice the keys'
// bytes, with the values).
type memo[T any] struct {
	mu        sync.Mutex
	cur, prev map[string]T
	bytes     int
}

// maxMemoBytes bounds the keys of one generation of a memo.
const maxMemoBytes = 32 << 20

func (c *memo[T]) get(b []byte) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[string(b)]; ok {
		return v, true
	}
	v, ok := c.prev[string(b)]
	return v, ok
}

func (c *memo[T]) put(b []byte, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || c.bytes+len(b) > maxMemoBytes {
		c.prev, c.cur, c.bytes = c.cur, make(map[string]T), 0
	}
	if _, ok := c.cur[string(b)]; !ok {
		c.bytes += len(b)
	}
	c.cur[string(b)] = v
}

var (
	bodyMemo   memo[SubmitBody]
	memberMemo keyedMemo[Member]
	indexMemo  memo[[]policyRef]
)

// keyedMemo remembers, for each state key, the last bytes seen under it
// and what they decode to: a hit needs the exact bytes (deterministic, as
// memo), but the map hashes the short key, not a member's bytes, which
// grow with its history and were hashed at every read and write.
// Generations as memo, bounded by the bytes kept.
type keyedMemo[T any] struct {
	mu        sync.Mutex
	cur, prev map[string]keyed[T]
	bytes     int
}

type keyed[T any] struct {
	b string
	v T
}

func (c *keyedMemo[T]) get(key, b []byte) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cur[string(key)]
	if !ok {
		e, ok = c.prev[string(key)]
	}
	if !ok || e.b != string(b) {
		var zero T
		return zero, false
	}
	return e.v, true
}

func (c *keyedMemo[T]) put(key, b []byte, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(key) + len(b)
	if c.cur == nil || c.bytes+n > maxMemoBytes {
		c.prev, c.cur, c.bytes = c.cur, make(map[string]keyed[T]), 0
	}
	c.cur[string(key)] = keyed[T]{b: string(b), v: v}
	c.bytes += n
}

// clone copies the slices of a member that judging changes, with room
// in the history for a claim's lines (judging appends them). The history's
// facts, if any, are shared: nothing changes them.
func (m Member) clone() Member {
	m.Coverage = slices.Clone(m.Coverage)
	if m.History != nil {
		m.History = append(make([]Service, 0, len(m.History)+16), m.History...)
	}
	return m
}
