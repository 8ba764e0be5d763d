package cli

import (
	"fmt"
	"testing"
)

// TestSplit: a file is cut into batches of at most so many records,
// subjects and bytes, in order, every record in one batch.
func TestSplit(t *testing.T) {
	lines := make([][]byte, 250)
	subjects := make([]string, 250)
	for i := range lines {
		lines[i] = make([]byte, 9) // 10 bytes with its newline
		subjects[i] = fmt.Sprint("s", i%7)
	}
	for _, c := range []struct {
		name                  string
		records, subj, bytes_ int
		want                  [][2]int
	}{
		{"by records", 100, 100, 1 << 20, [][2]int{{0, 100}, {100, 200}, {200, 250}}},
		{"by bytes", 1000, 100, 1000, [][2]int{{0, 100}, {100, 200}, {200, 250}}},
		{"by subjects", 1000, 3, 1 << 20, nil},
		{"one batch", 1000, 100, 1 << 20, [][2]int{{0, 250}}},
	} {
		got := split(lines, subjects, c.records, c.subj, c.bytes_)
		next := 0
		for _, p := range got {
			if p[0] != next || p[1] <= p[0] || p[1]-p[0] > c.records || (p[1]-p[0])*10 > c.bytes_ {
				t.Fatalf("%s: batch %v after %d", c.name, p, next)
			}
			seen := map[string]bool{}
			for _, s := range subjects[p[0]:p[1]] {
				seen[s] = true
			}
			if len(seen) > c.subj {
				t.Fatalf("%s: batch %v has %d subjects", c.name, p, len(seen))
			}
			next = p[1]
		}
		if next != len(lines) {
			t.Fatalf("%s: the batches end at %d of %d", c.name, next, len(lines))
		}
		if c.want != nil && fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
