package api_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/state"
)

// TestPanicIsAProblem: a handler that panics (a read of damaged storage,
// or a bug) answers a problem document with a code, never a connection
// closed without an answer (which clients took for "is the node
// running?").
func TestPanicIsAProblem(t *testing.T) {
	srv := api.New(node.App, node.Node.Client)
	srv.Handle(api.Route{Method: "GET", Path: "/v1/test/corrupt", Handler: func(w http.ResponseWriter, r *http.Request) {
		panic(&state.CorruptError{Version: 7, Key: []byte("notary/anchor/ab"), Err: errors.New("checksum mismatch")})
	}})
	srv.Handle(api.Route{Method: "GET", Path: "/v1/test/bug", Handler: func(w http.ResponseWriter, r *http.Request) {
		var m map[string]int
		m["x"]++ // a nil map write: a bug
	}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, c := range []struct {
		path   string
		status int
		slug   string
		says   string
	}{
		{"/v1/test/corrupt", 500, "storage-damaged", "failed its integrity check"},
		{"/v1/test/bug", 500, "", "internal error"},
	} {
		res, err := http.Get(ts.URL + c.path)
		if err != nil {
			t.Fatalf("%s: %v (the client saw no answer)", c.path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var p api.Problem
		if err := json.Unmarshal(b, &p); err != nil || res.StatusCode != c.status || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: HTTP %d %s, want a %d problem", c.path, res.StatusCode, b, c.status)
			continue
		}
		if p.Title != c.slug && c.slug != "" || !strings.Contains(p.Detail, c.says) {
			t.Errorf("%s: %+v, want %q saying %q", c.path, p, c.slug, c.says)
		}
	}
}

// TestUnhealthyServesNoState: a node that reported a failure (here a
// consensus failure) says so in GET /v1/health and /v1/status, still
// serves what validators signed, and refuses every read of state.
func TestUnhealthyServesNoState(t *testing.T) {
	srv := api.New(node.App, node.Node.Client)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path string) (int, []byte) {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if code, b := get("/v1/health"); code != 200 || !strings.Contains(string(b), `"healthy": true`) {
		t.Fatalf("healthy node: /v1/health %d %s", code, b)
	}
	srv.Fail("consensus", errors.New("consensus failed at a block and stopped (test)"))
	code, b := get("/v1/health")
	var h api.HealthResponse
	if json.Unmarshal(b, &h) != nil || code != 503 || h.Healthy || len(h.Problems) != 1 || !strings.Contains(h.Problems[0], "consensus") {
		t.Errorf("/v1/health: %d %s, want 503 naming the consensus failure", code, b)
	}
	code, b = get("/v1/status")
	var st api.StatusResponse
	if json.Unmarshal(b, &st) != nil || code != 200 || st.Healthy || len(st.Problems) != 1 {
		t.Errorf("/v1/status: %d %s, want 200 with healthy false", code, b)
	}
	for _, p := range []string{"/v1/blocks/latest", "/v1/blocks/1", "/v1/validators/1", "/v1/genesis", "/openapi.json"} {
		if code, b := get(p); code != 200 {
			t.Errorf("%s: %d %s, want 200 (signed by the validators)", p, code, b)
		}
	}
	for _, p := range []string{"/v1/state/identity/org/northside-hospital", "/v1/orgs", "/v1/anchors/" + strings.Repeat("ab", 32)} {
		code, b := get(p)
		var pr api.Problem
		if json.Unmarshal(b, &pr) != nil || code != 503 || pr.Title != api.ErrUnhealthy.Slug || !strings.Contains(pr.Detail, "ask another node") {
			t.Errorf("%s: %d %s, want 503 unhealthy", p, code, b)
		}
	}
}

// TestStreamLimit: commit streams beyond the feed's limit are refused
// with 503, and one ending frees its place.
func TestStreamLimit(t *testing.T) {
	feed := &api.CommitFeed{Max: 2}
	ts := httptest.NewServer(feed)
	defer ts.Close()
	var open []*http.Response
	for range 2 {
		res, err := http.Get(ts.URL)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("stream within the limit: %v %v", res, err)
		}
		open = append(open, res)
	}
	res, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a third stream: HTTP %d, want 503", res.StatusCode)
	}
	open[0].Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := http.Get(ts.URL)
		if err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if res != nil {
			res.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed stream did not free its place")
		}
		time.Sleep(20 * time.Millisecond)
	}
	open[1].Body.Close()
	feed.Close()
}

// TestHTTPServerTimeouts: the node's HTTP server sets every timeout; a
// client that sends half a request is cut off, while a commit stream
// outlives the write timeout.
func TestHTTPServerTimeouts(t *testing.T) {
	s := api.HTTPServer(http.NotFoundHandler())
	if s.ReadHeaderTimeout == 0 || s.ReadTimeout == 0 || s.WriteTimeout <= api.DefaultCommitTimeout || s.IdleTimeout == 0 {
		t.Fatalf("HTTPServer timeouts: %+v", s)
	}
	feed := &api.CommitFeed{}
	ts := httptest.NewUnstartedServer(feed)
	ts.Config = api.HTTPServer(feed)
	ts.Config.ReadHeaderTimeout, ts.Config.ReadTimeout, ts.Config.WriteTimeout = 200*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	ts.Start()
	defer ts.Close()
	defer feed.Close()

	// Half a request: the server hangs up after the read timeouts.
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Errorf("a stalled request was not cut off: %v", err)
	}

	// A stream lives on past the write timeout, and delivers.
	res, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	time.Sleep(600 * time.Millisecond)
	feed.Publish(api.CommitEvent{Height: 42})
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				got <- sc.Text()
				return
			}
		}
		got <- "stream ended: " + errString(sc.Err())
	}()
	select {
	case line := <-got:
		if !strings.Contains(line, `"height":42`) {
			t.Errorf("after the write timeout the stream gave %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Error("no event after the write timeout")
	}
}

func errString(err error) string {
	if err == nil {
		return "EOF"
	}
	return err.Error()
}
