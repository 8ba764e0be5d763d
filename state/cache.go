package state

import (
	"bytes"
	"maps"
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
	// sorted holds the keys of writes in order when sortedOK; Iterate then
	// finds its range by binary search instead of scanning every write (a
	// layer of Store.Latest holds a whole block's writes).
	sorted   []string
	sortedOK bool
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
	if _, had := c.writes[k]; !had {
		c.sortedOK = false
	}
	c.writes[k] = value
}

func (c *Cache) Delete(key []byte) {
	k := string(key)
	if _, had := c.writes[k]; had {
		c.sortedOK = false
	}
	delete(c.writes, k)
	c.deleted[k] = true
}

// Freeze builds the sorted key index now, so that a Cache no longer written
// can be iterated from several goroutines at once. A Cache MUST NOT be
// written after Freeze while others read it.
func (c *Cache) Freeze() { c.sortedKeys() }

func (c *Cache) sortedKeys() []string {
	if !c.sortedOK {
		// NOTE: a new slice, never the old one's array: an Iterate in
		// progress may hold a part of it while its callback writes.
		c.sorted = slices.Sorted(maps.Keys(c.writes))
		c.sortedOK = true
	}
	return c.sorted
}

// Len is the number of keys written or deleted.
func (c *Cache) Len() int { return len(c.writes) + len(c.deleted) }

// Change is one key an overlay wrote: Value nil deletes it.
type Change struct {
	Key   string
	Value []byte
}

// Apply makes the changes in kv, in their order.
func Apply(kv KV, changes []Change) {
	for _, ch := range changes {
		if ch.Value == nil {
			kv.Delete([]byte(ch.Key))
		} else {
			kv.Set([]byte(ch.Key), ch.Value)
		}
	}
}

// Write applies the overlay to parent, which MUST be a KV, in key order, and
// empties the overlay.
func (c *Cache) Write() { c.write(false) }

// WriteChanges is Write that also returns what it applied, in key order,
// for Apply to make the same changes elsewhere. The values are shared, not
// copied: like every value given to Set, they MUST NOT be modified.
func (c *Cache) WriteChanges() []Change { return c.write(true) }

func (c *Cache) write(record bool) []Change {
	kv := c.parent.(KV)
	var out []Change
	if record {
		out = make([]Change, 0, c.Len())
	}
	// Set and Delete keep writes and deleted disjoint, so merging their
	// sorted keys visits every key once, in ascending order.
	sets, dels := c.sortedKeys(), slices.Sorted(maps.Keys(c.deleted))
	for len(sets) > 0 || len(dels) > 0 {
		if len(dels) == 0 || (len(sets) > 0 && sets[0] < dels[0]) {
			v := c.writes[sets[0]]
			kv.Set([]byte(sets[0]), v)
			if record {
				out = append(out, Change{sets[0], v})
			}
			sets = sets[1:]
		} else {
			kv.Delete([]byte(dels[0]))
			if record {
				out = append(out, Change{dels[0], nil})
			}
			dels = dels[1:]
		}
	}
	c.writes = map[string][]byte{}
	c.sorted, c.sortedOK = nil, false
	c.deleted = map[string]bool{}
	return out
}

// Iterate merges the overlay with the parent in key order.
func (c *Cache) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	keys := c.sortedKeys()
	lo, hi := 0, len(keys)
	if start != nil {
		lo, _ = slices.BinarySearch(keys, string(start))
	}
	if end != nil {
		hi, _ = slices.BinarySearch(keys, string(end))
	}
	var mine []string
	if lo < hi {
		mine = keys[lo:hi]
	}
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
