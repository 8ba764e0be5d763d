package notary_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/notary"
)

// node is the one real node this package's HTTP tests share.
var node *daemontest.Node

func TestMain(m *testing.M) { daemontest.Main(m, daemontest.Options{}, &node, nil) }

func get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	return node.Get(t, path)
}

// TestAnchorsRoute anchors a digest on the node and reads it back with GET
// /v1/anchors/{digest}, now and at the height before it was anchored; then
// checks the problem document of every bad request.
func TestAnchorsRoute(t *testing.T) {
	ctx := context.Background()
	sum := sha256.Sum256([]byte("notary http test " + time.Now().String()))
	digest := hex.EncodeToString(sum[:])
	res, err := node.Client.Send(ctx, node.Signer("lakeside-clinic/dr-patel"), notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: "lab-report"}, "commit")
	if err != nil {
		t.Fatal(err)
	}

	r, b := get(t, "/v1/anchors/"+digest)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/anchors/%s: %d %q %s", digest, r.StatusCode, r.Header.Get("Content-Type"), b)
	}
	var a notary.Anchor
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Digest != digest || a.Kind != "lab-report" || a.Signer != "lakeside-clinic/dr-patel" || a.Org != "lakeside-clinic" ||
		a.Height != res.Height || a.TxHash != res.Hash || a.Time.IsZero() {
		t.Errorf("got %+v, want dr-patel's anchor at height %d in tx %s", a, res.Height, res.Hash)
	}
	r, b = get(t, fmt.Sprintf("/v1/anchors/%s?height=%d", digest, res.Height))
	if r.StatusCode != 200 {
		t.Errorf("at the anchoring height: %d %s", r.StatusCode, b)
	}

	unknown := sha256.Sum256([]byte("never anchored"))
	for _, tc := range []struct {
		path             string
		status           int
		codespace, title string
	}{
		{"/v1/anchors/" + hex.EncodeToString(unknown[:]), 404, "notary", "not-anchored"},
		{fmt.Sprintf("/v1/anchors/%s?height=%d", digest, res.Height-1), 404, "notary", "not-anchored"},
		{"/v1/anchors/abc", 400, "notary", "invalid"},
		{"/v1/anchors/" + strings.ToUpper(digest), 400, "notary", "invalid"},
		{"/v1/anchors/" + strings.Repeat("z", 64), 400, "notary", "invalid"},
		{"/v1/anchors/" + digest + "00", 400, "notary", "invalid"},
		{"/v1/anchors/" + digest + "?height=abc", 400, "api", "bad-request"},
		{"/v1/anchors/" + digest + "?height=999999", 404, "api", "not-found"},
		{"/v1/anchors/", 404, "api", "not-found"}, // no such route
	} {
		r, b := get(t, tc.path)
		if r.StatusCode != tc.status || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %q, want %d application/problem+json: %s", tc.path, r.StatusCode, r.Header.Get("Content-Type"), tc.status, b)
		}
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil {
			t.Fatalf("GET %s: %v: %s", tc.path, err, b)
		}
		for _, f := range []string{"type", "title", "status", "detail"} {
			if v, ok := fields[f]; !ok || v == "" {
				t.Errorf("GET %s: problem member %q missing: %s", tc.path, f, b)
			}
		}
		var p api.Problem
		json.Unmarshal(b, &p)
		if p.Type != api.ProblemType(tc.codespace, tc.title) || p.Status != tc.status || p.Title != tc.title || p.Codespace != tc.codespace {
			t.Errorf("GET %s: got %+v, want %d %s/%s", tc.path, p, tc.status, tc.codespace, tc.title)
		}
	}
}
