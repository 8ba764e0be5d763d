package daemon_test

import (
	"bufio"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/medledger/medledger/daemon/daemontest"
)

// TestStopEndsCommitStreams stops a node while a client follows its commit
// stream (GET /v1/stream/commits): Stop MUST return at once and without
// error, and the client MUST see its stream end. A stream never ends by
// itself, so an HTTP shutdown that waits for it would time out (5 s, and
// Ctrl-C on `medledger dev` would exit 1).
func TestStopEndsCommitStreams(t *testing.T) {
	n := daemontest.Start(t, daemontest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.URL()+"/v1/stream/commits", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: HTTP %d, want 200", res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	// The server writes ": subscribed" once the stream is registered.
	if !sc.Scan() || sc.Text() != ": subscribed" {
		t.Fatalf("stream began with %q (%v), want \": subscribed\"", sc.Text(), sc.Err())
	}
	ended := make(chan error, 1)
	go func() {
		for sc.Scan() {
		}
		ended <- sc.Err()
	}()

	start := time.Now()
	err = n.Stop()
	took := time.Since(start)
	if err != nil {
		t.Errorf("Stop: %v, want nil", err)
	}
	if took > time.Second {
		t.Errorf("Stop took %s with a stream open, want under 1s", took)
	}
	t.Logf("Stop took %s", took)

	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream client did not see its stream end after Stop")
	}
}
