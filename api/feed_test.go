package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
)

// TestCommitFeedClose: Close ends an open stream at once and refuses new
// ones with 503, so a server's graceful shutdown need not wait for them.
func TestCommitFeedClose(t *testing.T) {
	var feed api.CommitFeed
	srv := httptest.NewServer(&feed)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: HTTP %d, want 200", res.StatusCode)
	}
	if !feed.Subscribed() {
		t.Fatal("no subscriber after the stream began")
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, res.Body)
		ended <- err
	}()
	feed.Close()
	feed.Close() // idempotent
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after Close")
	}
	res2, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Close: HTTP %d, want 503", res2.StatusCode)
	}
}
