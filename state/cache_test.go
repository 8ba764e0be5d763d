package state_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sort"
	"testing"

	"pgregory.net/rapid"

	"github.com/medledger/medledger/state"
)

func TestCacheOverlay(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	w.Set([]byte("a"), []byte("parent-a"))
	w.Set([]byte("b"), []byte("parent-b"))

	c := state.NewCache(w)
	if got := c.Get([]byte("a")); string(got) != "parent-a" {
		t.Errorf("read through: a = %q", got)
	}
	c.Set([]byte("a"), []byte("cache-a"))
	c.Set([]byte("c"), []byte("cache-c"))
	c.Delete([]byte("b"))
	c.Delete([]byte("missing"))
	if got := c.Get([]byte("a")); string(got) != "cache-a" {
		t.Errorf("overlay: a = %q", got)
	}
	if c.Get([]byte("b")) != nil {
		t.Errorf("a deleted key is still visible")
	}
	if c.Get([]byte("missing")) != nil {
		t.Errorf("a missing key is visible")
	}
	if got := c.Len(); got != 4 {
		t.Errorf("Len = %d, want 4 (2 writes, 2 deletes)", got)
	}
	// The parent is untouched until Write.
	if got := pairs(w, nil, nil); !equal(got, []string{"a=parent-a", "b=parent-b"}) {
		t.Errorf("parent changed before Write: %q", got)
	}
	if got := pairs(c, nil, nil); !equal(got, []string{"a=cache-a", "c=cache-c"}) {
		t.Errorf("overlay iteration: %q", got)
	}

	// Set after Delete revives; Delete after Set hides.
	c.Set([]byte("b"), []byte("again"))
	c.Delete([]byte("c"))
	if got := c.Get([]byte("b")); string(got) != "again" {
		t.Errorf("Set after Delete: b = %q", got)
	}
	if c.Get([]byte("c")) != nil {
		t.Errorf("Delete after Set: c still visible")
	}
	// A nil value is stored as empty, not as a deletion.
	c.Set([]byte("e"), nil)
	if v := c.Get([]byte("e")); v == nil || len(v) != 0 {
		t.Errorf("Set(nil) reads back as %#v, want an empty non-nil slice", v)
	}

	c.Write()
	if c.Len() != 0 {
		t.Errorf("Len after Write = %d", c.Len())
	}
	if got := pairs(w, nil, nil); !equal(got, []string{"a=cache-a", "b=again", "e="}) {
		t.Errorf("parent after Write: %q", got)
	}
	// A written cache is empty and reads through again.
	w.Set([]byte("f"), []byte("later"))
	if got := c.Get([]byte("f")); string(got) != "later" {
		t.Errorf("after Write the cache does not read through: %q", got)
	}
}

func TestCacheDiscard(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	w.Set([]byte("a"), []byte("1"))
	before := s.WorkingHash()
	c := state.NewCache(w)
	c.Set([]byte("a"), []byte("2"))
	c.Delete([]byte("a"))
	c.Set([]byte("b"), []byte("3"))
	// Dropping the cache without Write changes nothing.
	if !bytes.Equal(s.WorkingHash(), before) || !equal(pairs(w, nil, nil), []string{"a=1"}) {
		t.Errorf("an unwritten cache changed its parent")
	}
}

func TestCacheNested(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	w.Set([]byte("a"), []byte("0"))
	outer := state.NewCache(w)
	outer.Set([]byte("b"), []byte("outer"))
	inner := state.NewCache(outer)
	inner.Set([]byte("a"), []byte("inner"))
	inner.Delete([]byte("b"))
	if got := pairs(inner, nil, nil); !equal(got, []string{"a=inner"}) {
		t.Errorf("inner view: %q", got)
	}
	inner.Write()
	if got := pairs(outer, nil, nil); !equal(got, []string{"a=inner"}) {
		t.Errorf("outer after inner Write: %q", got)
	}
	if got := pairs(w, nil, nil); !equal(got, []string{"a=0"}) {
		t.Errorf("inner Write reached the tree: %q", got)
	}
	outer.Write()
	if got := pairs(w, nil, nil); !equal(got, []string{"a=inner"}) {
		t.Errorf("tree after outer Write: %q", got)
	}
}

func TestCacheIterate(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	w := s.Working()
	for _, k := range []string{"b", "d", "f", "h"} {
		w.Set([]byte(k), []byte("p"))
	}
	c := state.NewCache(w)
	c.Set([]byte("a"), []byte("c")) // before every parent key
	c.Set([]byte("d"), []byte("c")) // overrides a parent key
	c.Delete([]byte("f"))           // hides a parent key
	c.Set([]byte("g"), []byte("c")) // between parent keys
	c.Set([]byte("z"), []byte("c")) // after every parent key
	all := []string{"a=c", "b=p", "d=c", "g=c", "h=p", "z=c"}

	for _, tc := range []struct {
		name       string
		start, end string
		nilStart   bool
		nilEnd     bool
		want       []string
	}{
		{name: "all", nilStart: true, nilEnd: true, want: all},
		{name: "from c", start: "c", nilEnd: true, want: all[2:]},
		{name: "to g", nilStart: true, end: "g", want: all[:3]},
		{name: "d to h", start: "d", end: "h", want: []string{"d=c", "g=c"}},
		{name: "deleted key only", start: "f", end: "g", want: nil},
		{name: "cache key only", start: "y", end: "zz", want: []string{"z=c"}},
		{name: "empty range", start: "d", end: "d", want: nil},
		{name: "reversed range", start: "h", end: "b", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var start, end []byte
			if !tc.nilStart {
				start = []byte(tc.start)
			}
			if !tc.nilEnd {
				end = []byte(tc.end)
			}
			if got := pairs(c, start, end); !equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("stop early", func(t *testing.T) {
		for n := 1; n <= len(all); n++ {
			var got []string
			c.Iterate(nil, nil, func(k, v []byte) bool {
				got = append(got, fmt.Sprintf("%s=%s", k, v))
				return len(got) < n
			})
			if !equal(got, all[:n]) {
				t.Errorf("stopping after %d: %q", n, got)
			}
		}
	})
}

// recorder is a KV that records the writes applied to it.
type recorder struct {
	state.KV
	ops []string
}

func (r *recorder) Set(k, v []byte) { r.ops = append(r.ops, "set "+string(k)); r.KV.Set(k, v) }
func (r *recorder) Delete(k []byte) { r.ops = append(r.ops, "del "+string(k)); r.KV.Delete(k) }

func TestCacheWriteOrder(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	rec := &recorder{KV: s.Working()}
	c := state.NewCache(rec)
	for _, k := range []string{"m", "c", "x", "a", "q"} {
		c.Set([]byte(k), []byte("v"))
	}
	for _, k := range []string{"n", "b", "z"} {
		c.Delete([]byte(k))
	}
	// A key set then deleted, or deleted then set, is written once, as its
	// last operation left it.
	c.Set([]byte("n"), []byte("v"))
	c.Delete([]byte("n"))
	c.Delete([]byte("m"))
	c.Set([]byte("m"), []byte("v"))
	c.Write()
	want := []string{"set a", "del b", "set c", "set m", "del n", "set q", "set x", "del z"}
	if !equal(rec.ops, want) {
		t.Errorf("Write applied %q, want ascending key order %q", rec.ops, want)
	}
}

// TestCacheWriteDeterministic: the same overlay content gives the same tree
// hash whatever the order of the Set and Delete calls that made it, while
// writing the same keys straight into IAVL in another order changes the
// tree's shape and hash (which is why Write sorts).
func TestCacheWriteDeterministic(t *testing.T) {
	var keys []string
	for i := 0; i < 40; i++ {
		keys = append(keys, fmt.Sprintf("key/%02d", i))
	}
	reversed := slices.Clone(keys)
	slices.Reverse(reversed)
	shuffled := slices.Clone(keys)
	for i := range shuffled { // a fixed permutation
		j := (i*17 + 5) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}

	viaCache := func(order []string) []byte {
		s := mustOpen(t, t.TempDir())
		s.Working().Set([]byte("key/00"), []byte("base"))
		s.Working().Set([]byte("key/99"), []byte("base"))
		mustCommit(t, s)
		c := state.NewCache(s.Working())
		for _, k := range order {
			c.Set([]byte(k), []byte("v-"+k))
		}
		c.Delete([]byte("key/99"))
		c.Delete([]byte("key/05"))
		c.Write()
		h, _ := mustCommit(t, s)
		return h
	}
	direct := func(order []string) []byte {
		s := mustOpen(t, t.TempDir())
		for _, k := range order {
			s.Working().Set([]byte(k), []byte("v-"+k))
		}
		h, _ := mustCommit(t, s)
		return h
	}

	want := viaCache(keys)
	for name, order := range map[string][]string{"reversed": reversed, "shuffled": shuffled} {
		if got := viaCache(order); !bytes.Equal(got, want) {
			t.Errorf("%s Set order through a Cache: hash %X, want %X", name, got, want)
		}
	}
	if bytes.Equal(direct(keys), direct(reversed)) {
		t.Errorf("writing straight into the tree in two orders gave one hash; this test no longer shows why Write sorts")
	}
}

// TestCacheModel runs random operations on a stack of Caches over a real
// store's working tree, and after each one compares every level with a map
// model: Get, full and ranged Iterate (with early stops), Write, discard,
// Commit and Rollback.
func TestCacheModel(t *testing.T) {
	base := t.TempDir()
	keyGen := rapid.Custom(func(t *rapid.T) string {
		return string(rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 'a', 'b', 0xff}), 0, 3).Draw(t, "key"))
	})
	valGen := rapid.Custom(func(t *rapid.T) string {
		return string(rapid.SliceOfN(rapid.SampledFrom([]byte{'x', 'y', 0x00}), 0, 3).Draw(t, "value"))
	})

	rapid.Check(t, func(t *rapid.T) {
		dir, err := os.MkdirTemp(base, "model")
		if err != nil {
			t.Fatal(err)
		}
		s, err := state.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()

		// levels[0] is the working tree; each further level a Cache over
		// the one below. models[i] is what levels[i] must show.
		levels := []state.KV{s.Working()}
		models := []map[string]string{{}}
		committed := map[string]string{}
		top := func() (state.KV, map[string]string) { return levels[len(levels)-1], models[len(models)-1] }

		t.Repeat(map[string]func(*rapid.T){
			"set": func(t *rapid.T) {
				k, v := keyGen.Draw(t, "k"), valGen.Draw(t, "v")
				kv, m := top()
				kv.Set([]byte(k), []byte(v))
				m[k] = v
			},
			"delete": func(t *rapid.T) {
				k := keyGen.Draw(t, "k")
				kv, m := top()
				kv.Delete([]byte(k))
				delete(m, k)
			},
			"get": func(t *rapid.T) {
				k := keyGen.Draw(t, "k")
				kv, m := top()
				got := kv.Get([]byte(k))
				want, ok := m[k]
				if ok != (got != nil) || string(got) != want {
					t.Fatalf("Get(%q) = %q (nil %v), model %q (present %v)", k, got, got == nil, want, ok)
				}
			},
			"iterate": func(t *rapid.T) {
				var start, end []byte
				if rapid.Bool().Draw(t, "bounded start") {
					start = []byte(keyGen.Draw(t, "start"))
				}
				switch rapid.IntRange(0, 2).Draw(t, "end kind") {
				case 1:
					end = []byte(keyGen.Draw(t, "end"))
				case 2:
					end = state.PrefixEnd(start)
				}
				limit := rapid.IntRange(0, 6).Draw(t, "limit") // 0: no limit
				level := rapid.IntRange(0, len(levels)-1).Draw(t, "level")
				checkIterate(t, levels[level], models[level], start, end, limit)
			},
			"push": func(t *rapid.T) {
				if len(levels) >= 4 {
					t.Skip("deep enough")
				}
				kv, m := top()
				levels = append(levels, state.NewCache(kv))
				models = append(models, maps(m))
			},
			"write": func(t *rapid.T) {
				if len(levels) == 1 {
					t.Skip("no cache")
				}
				levels[len(levels)-1].(*state.Cache).Write()
				models[len(models)-2] = models[len(models)-1]
				levels, models = levels[:len(levels)-1], models[:len(models)-1]
			},
			"discard": func(t *rapid.T) {
				if len(levels) == 1 {
					t.Skip("no cache")
				}
				levels, models = levels[:len(levels)-1], models[:len(models)-1]
			},
			"commit": func(t *rapid.T) {
				if len(levels) != 1 {
					t.Skip("caches open")
				}
				h, _, err := s.Commit()
				if err != nil {
					t.Fatal(err)
				}
				committed = maps(models[0])
				snap, err := s.Snapshot(0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(snap.Hash(), h) {
					t.Fatalf("latest snapshot hash %X, commit hash %X", snap.Hash(), h)
				}
				checkIterate(t, snap, committed, nil, nil, 0)
			},
			"rollback": func(t *rapid.T) {
				if len(levels) != 1 {
					t.Skip("caches open")
				}
				s.Rollback()
				models[0] = maps(committed)
			},
			"": func(t *rapid.T) {
				for i := range levels {
					checkIterate(t, levels[i], models[i], nil, nil, 0)
				}
			},
		})
	})
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkIterate compares r.Iterate(start, end) with the model's keys in
// [start, end), stopping after limit pairs if limit > 0.
func checkIterate(t *rapid.T, r state.Reader, m map[string]string, start, end []byte, limit int) {
	want := keyOrder(m, start, end)
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	var got []string
	r.Iterate(start, end, func(k, v []byte) bool {
		got = append(got, fmt.Sprintf("%q=%q", k, v))
		return limit == 0 || len(got) < limit
	})
	if !equal(got, want) {
		t.Fatalf("Iterate(%s, %s) limit %d:\n got %v\nwant %v", bound(start), bound(end), limit, got, want)
	}
}

// keyOrder lists the model's pairs in [start, end) in ascending byte order.
func keyOrder(m map[string]string, start, end []byte) []string {
	var keys []string
	for k := range m {
		if (start == nil || k >= string(start)) && (end == nil || k < string(end)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // Go compares strings bytewise, as the store orders keys
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%q=%q", k, m[k])
	}
	return out
}

// bound prints an Iterate bound, telling nil (no bound) from empty.
func bound(b []byte) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", b)
}
