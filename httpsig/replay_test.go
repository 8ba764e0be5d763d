package httpsig_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/httpsig"
)

func TestNonceCache(t *testing.T) {
	c := httpsig.NewNonceCache(3)
	until := now.Add(time.Minute)
	if err := c.Check("k1", "n1", until, now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.Check("k1", "n1", until, now.Add(30*time.Second)), httpsig.ErrReplayed)
	// The same nonce of another signer is another entry.
	if err := c.Check("k2", "n1", until, now); err != nil {
		t.Fatal(err)
	}
	if err := c.Check("k1", "n2", now.Add(2*time.Minute), now); err != nil {
		t.Fatal(err)
	}
	// Full of live nonces: refuse rather than forget one early.
	wantCode(t, c.Check("k1", "n3", until, now), httpsig.ErrBusy)
	// Still remembered at the last instant, forgotten after.
	wantCode(t, c.Check("k1", "n1", until, until), httpsig.ErrReplayed)
	if err := c.Check("k1", "n3", until, until.Add(time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	if got := c.Len(); got != 2 { // k1/n2 and k1/n3
		t.Fatalf("Len: got %d, want 2", got)
	}
	if err := c.Check("k1", "n1", now.Add(3*time.Minute), until.Add(time.Second)); err != nil {
		t.Fatalf("a forgotten nonce: %v", err)
	}
	wantCode(t, c.Check("k1", "n2", until, now.Add(90*time.Second)), httpsig.ErrReplayed)
}

// TestNonceCacheConcurrent has many goroutines present the same nonces at
// once: each nonce must be accepted exactly once. Run with -race.
func TestNonceCacheConcurrent(t *testing.T) {
	const workers, nonces = 16, 500
	c := httpsig.NewNonceCache(0)
	var accepted [nonces]atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range nonces {
				n := (i + w*31) % nonces // each worker in another order
				at := now.Add(time.Duration(n) * time.Millisecond)
				err := c.Check("pat-x#k", fmt.Sprint("nonce-", n), now.Add(time.Hour), at)
				switch {
				case err == nil:
					accepted[n].Add(1)
				case !medledger.HasCode(err, httpsig.ErrReplayed):
					t.Errorf("nonce %d: %v", n, err)
				}
				_ = c.Len()
			}
		}()
	}
	wg.Wait()
	for n := range accepted {
		if got := accepted[n].Load(); got != 1 {
			t.Errorf("nonce %d accepted %d times", n, got)
		}
	}
	if c.Len() != nonces {
		t.Fatalf("Len: got %d, want %d", c.Len(), nonces)
	}
	// Everything expires.
	if err := c.Check("pat-x#k", "late", now.Add(3*time.Hour), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 1 {
		t.Fatalf("Len after expiry: got %d, want 1", c.Len())
	}
}

// TestVerifyConcurrentReplay sends one signed request to Verify from many
// goroutines sharing a guard: exactly one is accepted.
func TestVerifyConcurrentReplay(t *testing.T) {
	guard := httpsig.NewNonceCache(0)
	req := clientRequest(t, "POST", "http://n.example/v1/records", postBody)
	if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now); err != nil {
		t.Fatal(err)
	}
	reqs := make(chan error, 32)
	var wg sync.WaitGroup
	for range cap(reqs) {
		srv := received(t, req)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := httpsig.Verify(srv, lookup, now, httpsig.WithReplayGuard(guard))
			reqs <- err
		}()
	}
	wg.Wait()
	close(reqs)
	ok := 0
	for err := range reqs {
		if err == nil {
			ok++
		} else if !medledger.HasCode(err, httpsig.ErrReplayed) {
			t.Errorf("Verify: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d copies accepted, want 1", ok, cap(reqs))
	}
}
