package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/supply"
)

// scrape reads GET /metrics as Prometheus would and returns each sample
// line's value by its name and labels as written.
func scrape(t *testing.T, n *daemontest.Node) map[string]float64 {
	t.Helper()
	res, body := n.Get(t, "/metrics")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type %q, want Prometheus's text format", ct)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("GET /metrics: line %q has no value: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// find returns the value of the first sample whose name and labels start
// with prefix and contain every one of labels.
func find(m map[string]float64, prefix string, labels ...string) (float64, bool) {
next:
	for k, v := range m {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(k, l) {
				continue next
			}
		}
		return v, true
	}
	return 0, false
}

// TestMetrics scrapes a real node's /metrics after it committed anchors and
// answered pack verifications: one registry holds CometBFT's metrics (its
// height, the validators, the mempool), medledger's (transactions by type
// and result, commit and block latency, verify-pack latency, storage) and
// the Go runtime's, and the counts follow what the node did.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	n := daemontest.Start(t, daemontest.Options{Plugins: append(daemontest.Core(), daemon.Plugin{Module: supply.Module{}, Routes: supply.HTTPRoutes, Codes: supply.Codes})})
	before := scrape(t, n)
	const anchors = 3
	for i := range anchors {
		sum := sha256.Sum256([]byte("metrics " + strconv.Itoa(i)))
		if _, err := n.Client.Send(ctx, n.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(sum[:]), Kind: "discharge-summary"}, "commit"); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		n.Get(t, "/v1/verify/pack?code=0100614141999996211234") // unknown pack: answered, and timed
	}
	n.WaitHeight(t, n.Store.Version()+1)
	m := scrape(t, n)

	if v, ok := find(m, "medledger_txs_total{", `type="notary/anchor"`, `code="0"`); !ok || v != anchors {
		t.Errorf("medledger_txs_total for notary/anchor with code 0: %v (found %v), want %d", v, ok, anchors)
	}
	if v, _ := find(before, "medledger_txs_total{", `type="notary/anchor"`); v != 0 {
		t.Errorf("before any anchor, medledger_txs_total for notary/anchor was %v", v)
	}
	h, ok := find(m, "cometbft_consensus_height{")
	if !ok || h < 3 {
		t.Errorf("cometbft_consensus_height: %v (found %v), want the node's height", h, ok)
	}
	if v, ok := find(m, "medledger_app_height"); !ok || v < 2 || v > h {
		t.Errorf("medledger_app_height %v (found %v), consensus height %v", v, ok, h)
	}
	for _, want := range []struct {
		prefix string
		labels []string
		min    float64
	}{
		{"cometbft_consensus_validators{", nil, 1},
		{"cometbft_mempool_size{", nil, 0},
		{"medledger_commit_seconds_count", nil, 3},
		{"medledger_finalize_block_seconds_count", nil, 3},
		{"medledger_verify_pack_seconds_count", nil, 2},
		{"medledger_api_request_seconds_count{", []string{`route="GET /v1/verify/pack"`}, 2},
		{"medledger_api_request_seconds_count{", []string{`route="POST /v1/tx"`}, anchors},
		{"medledger_storage_bytes{", []string{`part="state"`}, 1},
		{"medledger_storage_bytes{", []string{`part="blocks"`}, 1},
		{"medledger_storage_bytes{", []string{`part="total"`}, 1},
		{"medledger_storage_bytes_per_tx", nil, 0},
		{"medledger_vault_bytes", nil, 0},
		// Each anchor waited alone and its block was the mempool's front.
		{"medledger_mempool_view_blocks_total{", []string{`how="rebased"`}, anchors},
		{"medledger_mempool_view_blocks_total{", []string{`how="rechecked"`}, 0},
		{"medledger_mempool_view_dropped_total", nil, 0},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	} {
		v, ok := find(m, want.prefix, want.labels...)
		if !ok || v < want.min {
			t.Errorf("%s%v: %v (found %v), want at least %v", want.prefix, want.labels, v, ok, want.min)
		}
	}
	// The node's own API is unchanged beside /metrics.
	if res, _ := n.Get(t, "/v1/health"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /v1/health: %d", res.StatusCode)
	}
}
