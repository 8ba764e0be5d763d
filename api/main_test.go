package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

// node is the one real node the package's tests share: starting one costs
// about a second, and no test here needs a fresh chain.
var node *daemontest.Node

func TestMain(m *testing.M) { daemontest.Main(m, daemontest.Options{}, &node, nil) }

// call sends a request to the node's API and returns the response and its
// body.
func call(t *testing.T, method, path, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, node.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// getJSON GETs path, wants 200 and application/json, and decodes into out.
func getJSON(t *testing.T, path string, out any) {
	t.Helper()
	res, b := call(t, "GET", path, "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200: %s", path, res.StatusCode, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, b)
	}
}

// wantProblem checks that a response is an RFC 9457 problem document of
// the given status and code, and returns it.
func wantProblem(t *testing.T, what string, res *http.Response, body []byte, status int, codespace, slug string) api.Problem {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %s", what, res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatalf("%s: body is not JSON: %v: %s", what, err, body)
	}
	for _, f := range []string{"type", "title", "status", "detail"} {
		if v, ok := fields[f]; !ok || v == "" || v == nil {
			t.Errorf("%s: problem member %q is missing or empty: %s", what, f, body)
		}
	}
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if p.Status != res.StatusCode {
		t.Errorf("%s: problem status %d, HTTP status %d", what, p.Status, res.StatusCode)
	}
	if got, want := p.Type, api.ProblemType(codespace, slug); got != want {
		t.Errorf("%s: problem type %q, want %q (detail: %s)", what, got, want, p.Detail)
	}
	if p.Title != slug || p.Codespace != codespace {
		t.Errorf("%s: title %q codespace %q, want %q %q", what, p.Title, p.Codespace, slug, codespace)
	}
	return p
}

// newDigest returns a fresh SHA-256 digest, lowercase hex.
func newDigest(t *testing.T) string {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b[:])
	return hex.EncodeToString(s[:])
}

// anchorPayload is a valid notary/anchor payload signed by key, expiring
// 100 blocks from now; the test changes what it needs.
func anchorPayload(t *testing.T, key *keystore.Key, digest string) tx.Payload {
	t.Helper()
	body, err := json.Marshal(notary.AnchorBody{Digest: digest, Kind: "lab-report"})
	if err != nil {
		t.Fatal(err)
	}
	var n [12]byte
	if _, err := rand.Read(n[:]); err != nil {
		t.Fatal(err)
	}
	return tx.Payload{ChainID: demo.ChainID, Type: notary.TypeAnchor, Signer: key.ID, KeyID: key.KeyID(),
		Nonce: hex.EncodeToString(n[:]), Expires: node.Store.Version() + 100, Body: body}
}

func sign(t *testing.T, key *keystore.Key, p tx.Payload) []byte {
	t.Helper()
	raw, err := tx.Sign(key.Sign, p)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func txBody(t *testing.T, raw []byte) []byte {
	t.Helper()
	b, err := json.Marshal(api.TxRequest{Tx: raw})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hashOf(raw []byte) string { return fmt.Sprintf("%X", tx.Hash(raw)) }

// stateOf reads a state key through the API.
func stateOf(t *testing.T, key string) api.StateResponse {
	t.Helper()
	var s api.StateResponse
	getJSON(t, "/v1/state/"+key, &s)
	return s
}

// waitTx polls GET /v1/tx/{hash} until the transaction is committed.
func waitTx(t *testing.T, hash string) api.TxResponse {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, b := call(t, "GET", "/v1/tx/"+hash, "", nil)
		if res.StatusCode == http.StatusOK {
			var r api.TxResponse
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("transaction %s not committed within 10s: %d %s", hash, res.StatusCode, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
