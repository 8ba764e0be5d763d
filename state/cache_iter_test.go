package state

import (
	"fmt"
	"testing"
)

// TestCacheIterateWhileWriting: a callback that writes to the cache it
// iterates sees the range as it was when Iterate began, in order.
func TestCacheIterateWhileWriting(t *testing.T) {
	c := NewCache(NewCache(&Snapshot{}))
	for i := range 10 {
		c.Set([]byte(fmt.Sprintf("k%02d", i)), []byte{byte(i)})
	}
	var seen []string
	c.Iterate([]byte("k03"), []byte("k07"), func(k, _ []byte) bool {
		seen = append(seen, string(k))
		c.Set([]byte("k05a"), []byte{1}) // a new key inside the range
		c.Set([]byte("a-new-key-before"), []byte{1})
		return true
	})
	want := []string{"k03", "k04", "k05", "k06"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("iterated %v, want %v", seen, want)
	}
	// Later iterations see the new keys.
	var all []string
	c.Iterate(nil, nil, func(k, _ []byte) bool { all = append(all, string(k)); return true })
	if len(all) != 12 || all[0] != "a-new-key-before" || all[7] != "k05a" {
		t.Fatalf("after writes: %v", all)
	}
}
