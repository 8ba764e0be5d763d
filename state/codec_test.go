package state

import (
	"bytes"
	"testing"
)

// TestCodec pins the byte formats modules' state depends on: a change here
// would change every app hash.
func TestCodec(t *testing.T) {
	c := NewCache(&Snapshot{})
	if n := NextSeq(c, []byte("seq")); n != 1 {
		t.Fatalf("first NextSeq = %d, want 1", n)
	}
	if n := NextSeq(c, []byte("seq")); n != 2 {
		t.Fatalf("second NextSeq = %d, want 2", n)
	}
	if got := c.Get([]byte("seq")); !bytes.Equal(got, []byte{0, 0, 0, 0, 0, 0, 0, 2}) {
		t.Fatalf("counter bytes %x, want 8-byte big-endian 2", got)
	}
	PutJSON(c, []byte("v"), struct {
		B string `json:"b"`
		A int    `json:"a"`
	}{"x", 1})
	if got := string(c.Get([]byte("v"))); got != `{"b":"x","a":1}` {
		t.Fatalf("PutJSON wrote %s", got)
	}
	var v struct{ A int }
	if !GetJSON(c, []byte("v"), &v) || v.A != 1 {
		t.Fatalf("GetJSON read %+v", v)
	}
	if GetJSON(c, []byte("missing"), &v) {
		t.Fatal("GetJSON found a missing key")
	}
}
