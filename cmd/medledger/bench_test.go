package main

import (
	"strings"
	"testing"
)

// TestBench runs the bench harness for two seconds against a test node and
// checks the shape of its JSON report. It asserts nothing about speed: the
// figures are in BENCHMARKS.md.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load for a few seconds")
	}
	e := startEnv(t)
	var rep map[string]any
	e.runJSON(t, &rep, "bench", "--duration", "2s", "--concurrency", "2", "--batch", "20", "--presign", "2000")
	for _, k := range []string{"committed_tps", "p50_ms", "p95_ms", "p99_ms", "committed", "submitted"} {
		if _, ok := rep[k].(float64); !ok {
			t.Errorf("report has no number %q: %v", k, rep)
		}
	}
	if c, _ := rep["committed"].(float64); c <= 0 {
		t.Errorf("committed = %v, want > 0 (report %v)", rep["committed"], rep)
	}
	if r, _ := rep["rejected"].(float64); r != 0 {
		t.Errorf("rejected = %v, want 0 (report %v)", r, rep)
	}
}

// TestBenchSingle sends each transaction alone (POST /v1/tx).
func TestBenchSingle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load for a few seconds")
	}
	e := startEnv(t)
	var rep map[string]any
	e.runJSON(t, &rep, "bench", "--duration", "1s", "--concurrency", "2", "--batch", "1", "--presign", "500")
	if c, _ := rep["committed"].(float64); c <= 0 {
		t.Errorf("committed = %v, want > 0 (report %v)", rep["committed"], rep)
	}
}

// TestBenchRefusesUnknownBaseline: only kvstore is a baseline.
func TestBenchRefusesUnknownBaseline(t *testing.T) {
	run(t, "bench", "--baseline", "redis").refused(t, "unknown baseline")
}

// TestBenchCustody runs the custody load through the command line: packs
// commissioned, then moved with none refused.
func TestBenchCustody(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load for a few seconds")
	}
	e := startEnv(t)
	var rep map[string]any
	e.runJSON(t, &rep, "bench", "--load", "custody", "--packs", "100", "--duration", "2s", "--batch", "10", "--max-inflight", "30", "--presign", "1000")
	if c, _ := rep["committed"].(float64); c <= 0 {
		t.Errorf("committed = %v, want > 0 (report %v)", rep["committed"], rep)
	}
	for _, k := range []string{"rejected", "failed_in_block", "unconfirmed"} {
		if r, _ := rep[k].(float64); r != 0 {
			t.Errorf("%s = %v, want 0 (report %v)", k, r, rep)
		}
	}
}

// TestBenchRefusesUnknownLoad: the loads are anchors and custody.
func TestBenchRefusesUnknownLoad(t *testing.T) {
	run(t, "bench", "--load", "claims").refused(t, "unknown load")
}

// TestBenchRetainBlocks: --retain-blocks reaches the storage of the node
// --local starts, whose checks refuse fewer blocks than state versions.
func TestBenchRetainBlocks(t *testing.T) {
	r := run(t, "bench", "--local", "--pruning", "100", "--retain-blocks", "50", "--duration", "1s")
	if r.code == 0 || !strings.Contains(r.stderr, "storage.retain_blocks 50") {
		t.Fatalf("bench --pruning 100 --retain-blocks 50: exit %d, stderr:\n%s\nwant a refusal naming storage.retain_blocks 50", r.code, r.stderr)
	}
}
