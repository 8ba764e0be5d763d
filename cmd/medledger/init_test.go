package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/node"
)

// initDemo runs medledger init --demo on free ports and returns the home
// and its API URL.
func initDemo(t *testing.T) (string, string) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "node")
	api := daemontest.FreeAddr(t)
	var out struct {
		Home    string `json:"home"`
		ChainID string `json:"chain_id"`
		Genesis string `json:"genesis"`
	}
	run(t, "-o", "json", "init", "--demo", "--home", home, "--api", api, "--p2p", daemontest.FreeAddr(t), "--block-time", "100ms").ok(t).json(t, &out)
	if out.Home != home || out.ChainID != "medledger" || out.Genesis != node.Home(home).GenesisFile() {
		t.Fatalf("init -o json = %+v", out)
	}
	return home, "http://" + api
}

// startNode runs medledger start --home in the background until stop is
// called, which returns its result.
func startNode(t *testing.T, home, url string, flags ...string) (stop func() result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- runCtx(t, ctx, append([]string{"start", "--home", home}, flags...)...) }()
	stop = func() result {
		cancel()
		select {
		case r := <-done:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("medledger start did not stop within 30s of its context's end")
			return result{}
		}
	}
	cl := client.New(url)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := cl.Status(context.Background())
		if err == nil && st.LatestHeight >= 2 {
			return stop
		}
		select {
		case r := <-done:
			cancel()
			t.Fatalf("medledger start exited early: %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("the API at %s did not answer within 30s: %v", url, err)
		}
	}
}

// TestInitStart: init refuses to guess or to overwrite; init --demo then
// start runs a node until the context ends, and exits 0; a home whose
// genesis was changed since refuses to start and says why.
func TestInitStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, "init", "--demo").refused(t, "--home is required")
	run(t, "init", "--home", filepath.Join(dir, "a")).refused(t, "say who founds the consortium")
	run(t, "init", "--home", filepath.Join(dir, "a"), "--org", "newco", "--org-kind", "clinic").refused(t, "needs a passphrase")
	if node.Home(filepath.Join(dir, "a")).Exists() {
		t.Fatal("a refused init created a home")
	}

	home, url := initDemo(t)
	run(t, "init", "--demo", "--home", home).refused(t, "initialized already")
	run(t, "--home", home, "keys", "list").ok(t).says(t, "northside-hospital/dr-chen", "unencrypted")

	stop := startNode(t, home, url)
	run(t, "--node", url, "status").ok(t).says(t, "chain      medledger")
	run(t, "--home", home, "--node", url, "tx", "identity", "propose-suspend-org", "drug-regulator", "--as", "northside-hospital/admin").ok(t).says(t, "proposal 1")
	r := stop()
	if r.code != 0 {
		t.Fatalf("medledger start: exit %d after its context ended, want 0\nstderr:\n%s", r.code, r.stderr)
	}
	r.says(t, "API       "+url, "stopping at height")

	// Again, with -o json: the node reopens its state and says where it serves.
	stop = startNode(t, home, url, "-o", "json")
	run(t, "--home", home, "--node", url, "query", "proposal", "1").ok(t).says(t, "suspend-org")
	r = stop()
	var started struct {
		ChainID string `json:"chain_id"`
		API     string `json:"api"`
	}
	r.ok(t).json(t, &started)
	if started.ChainID != "medledger" || started.API != url {
		t.Fatalf("start -o json = %s", r.stdout)
	}

	// The home was started once for chain "medledger"; a genesis for
	// another chain does not belong with its data.
	g := node.Home(home).GenesisFile()
	b, err := os.ReadFile(g)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["chain_id"] = "another-chain"
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(g, b, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "start", "--home", home).refused(t, `this home mixes two chains`)
}

// TestStartNotHome: start refuses a folder that is not a node home.
func TestStartNotHome(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	run(t, "start", "--home", empty).refused(t, "is not a medledger home").refused(t, "medledger init --home")
	run(t, "start", "--home", filepath.Join(empty, "missing")).refused(t, "is not a medledger home")
}

// TestDamagedHome: a home whose parts disagree refuses to start and says why.
func TestDamagedHome(t *testing.T) {
	t.Parallel()
	t.Run("app data of another chain", func(t *testing.T) {
		t.Parallel()
		home, _ := initDemo(t)
		if err := os.WriteFile(filepath.Join(node.Home(home).AppDataDir(), "chain-id"), []byte("someone-else\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, "start", "--home", home).refused(t, `belongs to chain "someone-else"`)
	})
	t.Run("unreadable genesis", func(t *testing.T) {
		t.Parallel()
		home, _ := initDemo(t)
		if err := os.WriteFile(node.Home(home).GenesisFile(), []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, "start", "--home", home).refused(t, "genesis")
	})
}
