package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// verifyJSON is verify's answer with -o json.
type verifyJSON struct {
	Result       string    `json:"result"`
	ExitCode     int       `json:"exit_code"`
	Anchored     *bool     `json:"anchored"`
	ProvenHeight int64     `json:"proven_height"`
	ProvenTime   time.Time `json:"proven_time"`
	Reason       string    `json:"reason"`
}

// TestVerifyExitCodes: verify answers 0 VERIFIED, 1 NOT ANCHORED (proven),
// 2 cannot verify (no trusted genesis, a stale view, no node), each with
// the height and block time it is proven at, the same in -o json.
func TestVerifyExitCodes(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	genesis := e.n.Home.GenesisFile()
	dir := t.TempDir()
	anchored, other := filepath.Join(dir, "anchored.pdf"), filepath.Join(dir, "other.pdf")
	os.WriteFile(anchored, []byte("anchored for the verify test\n"), 0o600)
	os.WriteFile(other, []byte("never anchored\n"), 0o600)
	e.run(t, "anchor", anchored, "--as", "northside-hospital/dr-chen").ok(t)

	check := func(r result, code int, result string, proven bool) verifyJSON {
		t.Helper()
		var v verifyJSON
		r.json(t, &v)
		if r.code != code || v.ExitCode != code || v.Result != result || proven != (v.ProvenHeight > 0 && !v.ProvenTime.IsZero()) {
			t.Errorf("medledger %v: exit %d %+v, want exit %d %s (proven height and time: %v)\n%s", r.args, r.code, v, code, result, proven, r.stderr)
		}
		return v
	}
	check(e.run(t, "-o", "json", "verify", anchored, "--genesis", genesis), 0, "verified", true)
	check(e.run(t, "-o", "json", "verify", other, "--genesis", genesis), 1, "not-anchored", true)
	e.run(t, "verify", other, "--genesis", genesis).refused(t, "never anchored").says(t, "NOT ANCHORED", "proven at height")

	// No trusted genesis: refused, unless --trust-node.
	r := e.run(t, "verify", anchored)
	r.refused(t, "no trusted genesis")
	if r.code != 2 {
		t.Errorf("verify without a genesis: exit %d, want 2", r.code)
	}
	check(e.run(t, "-o", "json", "verify", anchored), 2, "cannot-verify", false)
	e.run(t, "verify", anchored, "--trust-node").ok(t).says(t, "VERIFIED", "only as good as the node")

	// A stale view cannot prove an absence; a presence stays proven.
	r = e.run(t, "verify", other, "--genesis", genesis, "--max-age", "1ns")
	r.refused(t, "cannot verify: the node's view is stale")
	if r.code != 2 {
		t.Errorf("stale: exit %d, want 2", r.code)
	}
	check(e.run(t, "-o", "json", "verify", other, "--genesis", genesis, "--max-age", "1ns"), 2, "cannot-verify", false)
	check(e.run(t, "-o", "json", "verify", anchored, "--genesis", genesis, "--max-age", "1ns"), 0, "verified", true)

	// No node: cannot verify.
	r = run(t, "--home", e.home, "--node", "http://127.0.0.1:1", "verify", anchored, "--genesis", genesis)
	r.refused(t, "unreachable")
	if r.code != 2 {
		t.Errorf("no node: exit %d, want 2", r.code)
	}
}
