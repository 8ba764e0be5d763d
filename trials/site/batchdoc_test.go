package site

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials/dataset"
)

func subject(t testing.TB, name string) string {
	seed := make([]byte, 32)
	copy(seed, name)
	k, err := pseudonym.Derive(ed25519.NewKeyFromSeed(seed), "trials/T1")
	if err != nil {
		t.Fatal(err)
	}
	return k.ID()
}

func entries(t testing.TB, n int) []dataset.Entry {
	out := make([]dataset.Entry, n)
	for i := range out {
		leaf, err := dataset.Leaf(dataset.Record{Subject: subject(t, fmt.Sprint(i%3)), Visit: fmt.Sprint("v", i), Data: json.RawMessage(`{"x":"<&>\u2028","n":1}`)}, dataset.NewSalt())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = dataset.Entry{Hash: dataset.LeafHash(leaf), Subject: subject(t, fmt.Sprint(i%3)), Leaf: leaf}
	}
	return out
}

// TestBatchDocRoundTrip: a batch document reads back to its entries,
// leaves byte for byte (their hashes computed), removed ones without their
// leaf. (A changed leaf reads as another record: the vault's encryption
// authenticates a document, and its reader checks its root against the
// chain's.)
func TestBatchDocRoundTrip(t *testing.T) {
	es := entries(t, 7)
	es[2].Leaf = nil
	h := BatchHeader{Trial: "T1", Site: "northside-hospital", By: "northside-hospital/dr-chen", Root: "ab", Count: len(es), Removed: []string{es[2].Subject}}
	doc := EncodeBatch(h, es)
	gh, got, err := DecodeBatch(doc)
	if err != nil {
		t.Fatal(err)
	}
	if gh.Trial != "T1" || gh.Count != 7 || len(gh.Removed) != 1 || len(got) != 7 {
		t.Fatalf("header %+v, %d entries", gh, len(got))
	}
	for i := range es {
		if !bytes.Equal(got[i].Hash, es[i].Hash) || got[i].Subject != es[i].Subject || !bytes.Equal(got[i].Leaf, es[i].Leaf) {
			t.Fatalf("entry %d differs", i)
		}
	}
	if got[2].Leaf != nil {
		t.Fatal("a removed entry read back with a leaf")
	}
	lines := strings.Split(string(doc), "\n")
	for _, c := range []struct {
		name string
		doc  string
	}{
		{"a leaf that is no record", strings.Replace(string(doc), `"visit":"v0"`, `"visit":""`, 1)},
		{"a removed record's short hash", strings.Replace(string(doc), `{"hash":"`, `{"hash":"ab`, 1)},
		{"a removed record's unknown field", strings.Replace(string(doc), `{"hash":"`, `{"name":"x","hash":"`, 1)},
		{"a record dropped", strings.Join(append(append([]string{}, lines[:2]...), lines[3:]...), "\n")},
		{"another format", strings.Replace(string(doc), BatchFormat, "x", 1)},
		{"a count too large", strings.Replace(string(doc), `"count":7`, `"count":700000000`, 1)},
		{"a patient id", strings.Replace(string(doc), es[0].Subject, "pat-abcdefghijklmnopqrstuvwx", 1)},
	} {
		if _, _, err := DecodeBatch([]byte(c.doc)); err == nil {
			t.Errorf("%s: decoded", c.name)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(EncodeBatch(BatchHeader{Trial: "T1", Count: 2}, entries(f, 2)))
	f.Add([]byte(`{"format":"medledger-trial-batch/v1","count":1}` + "\n" + `{"hash":"00","subject":"psn-"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, es, err := DecodeBatch(b)
		if err != nil {
			return
		}
		if len(es) != h.Count {
			t.Fatalf("%d entries, header %d", len(es), h.Count)
		}
		for _, e := range es {
			if e.Leaf != nil && !bytes.Equal(dataset.LeafHash(e.Leaf), e.Hash) {
				t.Fatal("a leaf that does not hash to its hash")
			}
		}
		h2, es2, err := DecodeBatch(EncodeBatch(h, es))
		if err != nil || h2.Count != h.Count || len(es2) != len(es) {
			t.Fatalf("a decoded batch does not encode back: %v", err)
		}
	})
}
