package state

import (
	"fmt"
	"testing"
	"time"
)

// TestKeyFilterAfterReopen: the keys of a reopened store are found by the
// background scan, so Latest still reads every one of them; keys never
// written are answered absent by the filter alone.
func TestKeyFilterAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Working()
	for i := range 5000 {
		w.Set(fmt.Appendf(nil, "k/%d", i), []byte{1})
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !s.keys.ready.Load() {
		if time.Now().After(deadline) {
			t.Fatal("key scan did not finish")
		}
		time.Sleep(time.Millisecond)
	}
	latest := s.Latest()
	for i := range 5000 {
		k := fmt.Appendf(nil, "k/%d", i)
		if s.keys.absent(k) || latest.Get(k) == nil {
			t.Fatalf("key %s lost after reopen", k)
		}
	}
	w = s.Working()
	for i := range 5000 {
		if k := fmt.Appendf(nil, "k/%d", i); w.Get(k) == nil {
			t.Fatalf("working tree lost key %s after reopen", k)
		}
	}
	absent := 0
	for i := range 1000 {
		if s.keys.absent(fmt.Appendf(nil, "other/%d", i)) {
			absent++
		}
	}
	if absent < 990 {
		t.Errorf("filter answered only %d of 1000 unknown keys", absent)
	}
}
