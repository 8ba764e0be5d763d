package vault_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
)

// TestConcurrent runs Put, Get, Open, Stat, Wrap and Delete from many
// goroutines on one vault (run with -race).
func TestConcurrent(t *testing.T) {
	v := newTestVault(t)
	readers := []*ecdh.PrivateKey{newKey(t), newKey(t), newKey(t)}
	shared, err := v.Put(ctx, []byte("shared document"), pub(readers[0]))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				doc := fmt.Appendf(nil, "goroutine %d document %d ", g, i)
				doc = append(doc, make([]byte, 100*i)...)
				r, err := v.Put(ctx, doc, pub(readers[0]))
				if err != nil {
					t.Error(err)
					return
				}
				blob, err := v.Get(ctx, r.ID)
				if err != nil || vault.BlobID(blob) != r.ID {
					t.Errorf("Get: %v", err)
					return
				}
				got, err := v.Open(ctx, r.ID, readers[0])
				if err != nil || !bytes.Equal(got, doc) {
					t.Errorf("Open: %v", err)
					return
				}
				// Everyone wraps the shared document for the same readers.
				reader := readers[(g+i)%len(readers)]
				if _, err := v.Wrap(ctx, shared.ID, pub(reader)); err != nil {
					t.Errorf("Wrap: %v", err)
					return
				}
				if got, err := v.Open(ctx, shared.ID, reader); err != nil || string(got) != "shared document" {
					t.Errorf("Open shared: %v", err)
					return
				}
				if _, err := v.Stat(ctx, shared.ID); err != nil {
					t.Errorf("Stat: %v", err)
				}
				if i%3 == 0 {
					if err := v.Delete(ctx, r.ID); err != nil {
						t.Errorf("Delete: %v", err)
						return
					}
					if _, err := v.Open(ctx, r.ID, readers[0]); !medledger.HasCode(err, vault.ErrGone) {
						t.Errorf("Open after Delete: %v", err)
					}
				}
			}
		})
	}
	wg.Wait()
	info, err := v.Stat(ctx, shared.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Recipients) != 1+len(readers) {
		t.Fatalf("shared document has %d recipients, want %d: a concurrent Wrap was lost", len(info.Recipients), 1+len(readers))
	}
}

// TestWrapRacingDelete: a Wrap that races a Delete never writes a key back
// after the erasure.
func TestWrapRacingDelete(t *testing.T) {
	v := newTestVault(t)
	for range 20 {
		r, err := v.Put(ctx, []byte("doc"))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				k := make([]byte, 32)
				rand.Read(k)
				if _, err := v.Wrap(ctx, r.ID, k); err != nil && !medledger.HasCode(err, vault.ErrGone) && !medledger.HasCode(err, vault.ErrBadKey) {
					t.Errorf("Wrap: %v", err)
				}
			})
		}
		wg.Go(func() {
			if err := v.Delete(ctx, r.ID); err != nil {
				t.Errorf("Delete: %v", err)
			}
		})
		wg.Wait()
		if _, err := os.Stat(objectPath(v, r.ID, ".keys")); !os.IsNotExist(err) {
			t.Fatalf("a keyring exists after Delete: %v", err)
		}
	}
}
