package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/notary"
)

// TestCallTimeout: a node that accepts a connection and never answers (a
// paused process) does not hang a call past the client's timeout.
func TestCallTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(stop)
	c := client.New(srv.URL)
	c.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := c.Status(context.Background())
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the call took %s", took)
	}
	if !client.IsUnreachable(err) || !strings.Contains(err.Error(), "no answer within") {
		t.Errorf("got %v, want an unreachable node that did not answer in time", err)
	}
}

// TestResponseLimit: an answer larger than MaxResponseBytes is refused,
// not read into memory.
func TestResponseLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"chain_id":"`)
		chunk := strings.Repeat("x", 1<<20)
		for range client.MaxResponseBytes>>20 + 2 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `"}`)
	}))
	defer srv.Close()
	_, err := client.New(srv.URL).Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("got %v, want the answer refused as too large", err)
	}
}

// TestCommitCutByCrash: a commit request whose connection breaks after the
// transaction reached the node (the node crashed, or a proxy dropped the
// answer) is looked up by hash: found committed, it is reported committed;
// never sent on, its outcome is reported unknown, with its hash.
func TestCommitCutByCrash(t *testing.T) {
	ctx := context.Background()
	for _, forward := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/tx") {
				if forward {
					// Pass the transaction on as sync, then cut the
					// connection instead of answering.
					req, _ := http.NewRequest(http.MethodPost, node.URL()+"/v1/tx?mode=sync", r.Body)
					req.Header = r.Header.Clone()
					if res, err := http.DefaultClient.Do(req); err == nil {
						res.Body.Close()
					}
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			req, _ := http.NewRequestWithContext(r.Context(), r.Method, node.URL()+r.URL.RequestURI(), r.Body)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer res.Body.Close()
			w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
			w.WriteHeader(res.StatusCode)
			io.Copy(w, res.Body)
		}))
		c := client.New(srv.URL)
		sum := sha256.Sum256([]byte("cut by a crash " + time.Now().String()))
		cctx, cancel := context.WithTimeout(ctx, 4*time.Second)
		res, err := c.Send(cctx, node.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(sum[:]), Kind: "lab-report"}, "commit")
		cancel()
		srv.Close()
		var ou *client.OutcomeUnknownError
		switch {
		case forward && (err != nil || !res.Committed || res.Height == 0):
			t.Errorf("sent on, then cut: %+v %v, want it found committed", res, err)
		case !forward && (!errors.As(err, &ou) || len(ou.Hash) != 64 || !strings.Contains(err.Error(), "outcome unknown")):
			t.Errorf("never sent on: %+v %v, want outcome unknown with the hash", res, err)
		}
	}
}

// TestVerifyStaleView is the attack of a node (or anything between) that
// reports an old height: the true state of a height before the anchor
// proves the anchored digest absent. With a freshness bound, the verifier
// refuses the old header as stale instead; a current view still verifies.
func TestVerifyStaleView(t *testing.T) {
	ctx := context.Background()
	digests, made := anchors(t)
	old := made[0].Height - 1
	lie := rewriters(
		func(t *testing.T, r *http.Request, body []byte) []byte {
			if r.URL.Path != "/v1/status" {
				return body
			}
			return editJSON(t, body, func(s *api.StatusResponse) { s.LatestHeight = old })
		},
		onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			if r.URL.Query().Get("height") == "" {
				*s = otherState(t, s.Key, old-1)
			}
		}),
	)
	// Let the anchor's block age past the bound.
	const maxAge = 2 * time.Second
	if wait := time.Until(made[0].Time.Add(maxAge + 200*time.Millisecond)); wait > 0 {
		time.Sleep(wait)
	}
	c := proxy(t, lie)
	if _, err := c.VerifyAnchor(ctx, trust, digests[0]); !errors.Is(err, client.ErrNotAnchored) {
		t.Fatalf("without a freshness bound the lie should prove the digest absent (the attack); got %v", err)
	}
	fresh := trust
	fresh.MaxAge = maxAge
	_, err := c.VerifyAnchor(ctx, fresh, digests[0])
	var se *client.StaleError
	if !errors.As(err, &se) || se.Height != old || errors.Is(err, client.ErrNotAnchored) {
		t.Fatalf("with MaxAge %s: %v, want a stale view at height %d", maxAge, err, old)
	}
	// The honest node's view is current: absence and presence verify.
	rep, err := node.Client.VerifyAnchor(ctx, fresh, digests[0])
	if err != nil || rep.ProvenHeight != rep.StateHeight+1 || rep.ProvenTime.IsZero() {
		t.Errorf("honest, present: %+v %v, want the proven height and time", rep, err)
	}
	var na *client.NotAnchoredError
	_, err = node.Client.VerifyAnchor(ctx, fresh, strings.Repeat("cd", 32))
	if !errors.As(err, &na) || na.ProvenHeight < made[1].Height || time.Since(na.ProvenTime) > maxAge {
		t.Errorf("honest, absent: %v, want a fresh proof of absence", err)
	}
}

// TestCommitCutSigned: a transaction about a patient whose commit answer
// was cut is looked up signed by its sender, so that its events (what it
// made) come back, which an unsigned look-up of a private transaction
// does not show.
func TestCommitCutSigned(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fwd := func(method, target string) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(r.Context(), method, node.URL()+target, r.Body)
			req.Header = r.Header.Clone()
			req.Host = r.Host // as a reverse proxy keeps it: the signature covers it
			return http.DefaultClient.Do(req)
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/tx") {
			if res, err := fwd(http.MethodPost, "/v1/tx?mode=sync"); err == nil {
				res.Body.Close()
			}
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		res, err := fwd(r.Method, r.URL.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		io.Copy(w, res.Body)
	}))
	defer srv.Close()
	c := client.New(srv.URL)
	bob := node.Signer("patient/bob")
	res, err := c.Send(ctx, bob, identity.TypePatientGuardians, identity.GuardiansBody{Guardians: []string{"northside-hospital", "lakeside-clinic"}, Threshold: 2}, "commit")
	if err != nil || !res.Committed {
		t.Fatalf("cut, then settled: %+v %v", res, err)
	}
	found := false
	for _, ev := range res.Events {
		found = found || ev.Type == identity.EventGuardiansSet
	}
	if !found || res.Redacted {
		t.Fatalf("the settled guardians transaction lacks its events (redacted %v): %+v", res.Redacted, res.Events)
	}
}
