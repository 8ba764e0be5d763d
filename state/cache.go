package state

import (
	"bytes"
	"slices"
)

// Cache is a write-back overlay on a parent KV: reads see the overlay first,
// writes stay in the overlay until Write applies them to the parent in
// ascending key order (IAVL's shape depends on the order of writes, so the
// order MUST be deterministic). Discarding a Cache discards its writes.
type Cache struct {
	parent  Reader
	writes  map[string][]byte // nil value: deleted
	deleted map[string]bool
}

var _ KV = (*Cache)(nil)

// NewCache returns an empty overlay on parent.
func NewCache(parent Reader) *Cache {
	return &Cache{parent: parent, writes: map[string][]byte{}, deleted: map[string]bool{}}
}

func (c *Cache) Get(key []byte) []byte {
	// NOTE: string(key) inside the index expressions does not allocate.
	if c.deleted[string(key)] {
		return nil
	}
	if v, ok := c.writes[string(key)]; ok {
		return v
	}
	return c.parent.Get(key)
}

func (c *Cache) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	k := string(key)
	delete(c.deleted, k)
	c.writes[k] = value
}

func (c *Cache) Delete(key []byte) {
	k := string(key)
	delete(c.writes, k)
	c.deleted[k] = true
}

// Len is the number of keys written or deleted.
func (c *Cache) Len() int { return len(c.writes) + len(c.deleted) }

// Write applies the overlay to parent, which MUST be a KV, in key order, and
// empties the overlay.
func (c *Cache) Write() {
	kv := c.parent.(KV)
	keys := make([]string, 0, c.Len())
	for k := range c.writes {
		keys = append(keys, k)
	}
	for k := range c.deleted {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if c.deleted[k] {
			kv.Delete([]byte(k))
		} else {
			kv.Set([]byte(k), c.writes[k])
		}
	}
	c.writes = map[string][]byte{}
	c.deleted = map[string]bool{}
}

// Iterate merges the overlay with the parent in key order.
func (c *Cache) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	var mine []string
	for k := range c.writes {
		if inRange([]byte(k), start, end) {
			mine = append(mine, k)
		}
	}
	slices.Sort(mine)
	i := 0
	stopped := false
	c.parent.Iterate(start, end, func(k, v []byte) bool {
		for i < len(mine) && mine[i] < string(k) {
			if !fn([]byte(mine[i]), c.writes[mine[i]]) {
				stopped = true
				return false
			}
			i++
		}
		if i < len(mine) && mine[i] == string(k) {
			i++
			if !fn(k, c.writes[string(k)]) {
				stopped = true
				return false
			}
			return true
		}
		if c.deleted[string(k)] {
			return true
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	if stopped {
		return
	}
	for ; i < len(mine); i++ {
		if !fn([]byte(mine[i]), c.writes[mine[i]]) {
			return
		}
	}
}

func inRange(k, start, end []byte) bool {
	return (start == nil || bytes.Compare(k, start) >= 0) && (end == nil || bytes.Compare(k, end) < 0)
}
