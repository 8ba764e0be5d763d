package daemon_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// boundedHome makes a demo node's home whose medledger.json sets storage
// and whose blocks come every 20 ms.
func boundedHome(t *testing.T, storage node.StorageConfig) node.Home {
	t.Helper()
	home := node.Home(filepath.Join(t.TempDir(), "home"))
	daemontest.InitHome(t, home, daemontest.Options{})
	b, err := os.ReadFile(home.AppConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	var ac node.AppConfig
	if err := json.Unmarshal(b, &ac); err != nil {
		t.Fatal(err)
	}
	ac.Storage = storage
	if b, err = json.Marshal(ac); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(home.AppConfigFile(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	toml := filepath.Join(home.ConfigDir(), "config.toml")
	c, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	c2 := strings.Replace(string(c), `timeout_commit = "100ms"`, `timeout_commit = "20ms"`, 1)
	if c2 == string(c) {
		t.Fatal("config.toml has no timeout_commit of 100ms to shorten")
	}
	if err := os.WriteFile(toml, []byte(c2), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

// TestBoundedStorage runs a real node configured to keep 100 state
// versions and 150 blocks past 300 blocks: an old state version and an
// old block are refused as not held (404), never as damage; the kept
// ones are served, and a proof of a recent anchor verifies against the
// validators' headers; the block store's base moved up but never past
// the oldest state version's block; and the node starts again from its
// pruned home, healthy, and goes on.
func TestBoundedStorage(t *testing.T) {
	const keep, retain = 100, 150
	ctx := context.Background()
	home := boundedHome(t, node.StorageConfig{Pruning: "custom", KeepRecent: keep, PruneInterval: 10, RetainBlocks: retain})
	n := daemontest.Start(t, daemontest.Options{Home: string(home)})
	early, err := n.Client.Send(ctx, n.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(make([]byte, 32)), Kind: "discharge-summary"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	n.WaitHeight(t, 300)
	sum := sha256.Sum256([]byte("anchored within the kept blocks"))
	digest := hex.EncodeToString(sum[:])
	res, err := n.Client.Send(ctx, n.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: "discharge-summary"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	n.WaitHeight(t, res.Height+2)
	recent := res.Hash

	check := func(n *daemontest.Node) {
		t.Helper()
		v := n.Store.Version()
		base := n.Node.CMT.BlockStore().Base()
		if oldest := n.Store.Oldest(); oldest != v-keep+1 {
			t.Errorf("at version %d the oldest state served is %d, want %d", v, oldest, v-keep+1)
		}
		if base <= 1 || base > n.Store.Oldest() || base < v-retain-20 {
			t.Errorf("at height %d the block store's base is %d; want past 1, at most the oldest state version %d, about %d", v, base, n.Store.Oldest(), v-retain+1)
		}
		for path, want := range map[string]int{
			"/v1/state/app/block-time?height=5":                               http.StatusNotFound,
			fmt.Sprintf("/v1/state/app/block-time?height=%d", v-keep-30):      http.StatusNotFound,
			fmt.Sprintf("/v1/state/app/block-time?height=%d&prove=true", v-5): http.StatusOK,
			"/v1/blocks/2":                       http.StatusNotFound,
			fmt.Sprintf("/v1/blocks/%d", base+5): http.StatusOK,
			"/v1/health":                         http.StatusOK,
		} {
			if res, body := n.Get(t, path); res.StatusCode != want {
				t.Errorf("GET %s: %d %s, want %d", path, res.StatusCode, body, want)
			}
		}
		if err := n.Store.Damage(); err != nil {
			t.Errorf("damage: %v", err)
		}
		// The transaction index follows the blocks: the early anchor's
		// entry went with its block, and the lookup says why it is not
		// found; the recent one is found.
		if res, body := n.Get(t, "/v1/tx/"+early.Hash); res.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "retain_blocks") {
			t.Errorf("GET /v1/tx of a transaction in a deleted block: %d %s, want 404 saying the blocks were deleted", res.StatusCode, body)
		}
		if res, body := n.Get(t, "/v1/tx/"+recent); res.StatusCode != http.StatusOK {
			t.Errorf("GET /v1/tx of a recent transaction: %d %s", res.StatusCode, body)
		}
	}
	check(n)
	doc, err := n.Client.FetchGenesis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := client.TrustGenesis(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.VerifyAnchor(ctx, trust, digest); err != nil {
		t.Errorf("verify on a pruned node: %v", err)
	}

	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	n2 := daemontest.Start(t, daemontest.Options{Home: string(home)})
	n2.WaitHeight(t, n.Store.Version()+20)
	check(n2)
}
