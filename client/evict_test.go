package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	mlnode "github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// tinyBlockNode starts a node whose blocks hold one anchor each (its
// genesis's block.max_bytes is small), so that a transaction sent behind
// two others waits two blocks in the mempool.
func tinyBlockNode(t *testing.T) *daemontest.Node {
	t.Helper()
	home := mlnode.Home(filepath.Join(t.TempDir(), "home"))
	keys, err := demo.NewKeys([]byte("daemontest"))
	if err != nil {
		t.Fatal(err)
	}
	err = mlnode.Init(home, mlnode.Options{ChainID: demo.ChainID, Moniker: "northside-hospital", AppState: keys.AppState(),
		APIListen: daemontest.FreeAddr(t), P2PListen: daemontest.FreeAddr(t), BlockTime: daemontest.BlockTime})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(home.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	// CometBFT reserves 4,089 bytes of a block for its header and last
	// commit when it reaps the mempool; an anchor is about 360 bytes:
	// room for one.
	params := g["consensus_params"].(map[string]any)
	params["block"].(map[string]any)["max_bytes"] = "4500"
	params["evidence"].(map[string]any)["max_bytes"] = "0"
	if b, err = json.Marshal(g); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(home.GenesisFile(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return daemontest.Start(t, daemontest.Options{Home: string(home)})
}

func anchorOf(t *testing.T, what string) notary.AnchorBody {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s %s %s", t.Name(), what, time.Now()))
	return notary.AnchorBody{Digest: hex.EncodeToString(sum[:]), Kind: "lab-report"}
}

// TestDroppedTransactionKnownAtOnce: a transaction the node accepted but
// that expires in its mempool before a block has room for it is dropped
// by the recheck after the block that made it invalid, and whoever waits
// for it learns so at once: SendAll from the commit stream's "dropped"
// event, a submission with mode=commit from the node's own waiter;
// neither waits out DefaultCommitWait or the commit timeout. No block
// holds it.
func TestDroppedTransactionKnownAtOnce(t *testing.T) {
	n := tinyBlockNode(t)
	ctx := context.Background()
	signer := n.Signer("northside-hospital/dr-chen")
	short := signer
	short.TTL = 2 // expires two blocks after the height it was built at

	start := time.Now()
	res, err := n.Client.SendAll(ctx, []client.BulkTx{
		{Signer: signer, Type: notary.TypeAnchor, Body: anchorOf(t, "first")},
		{Signer: signer, Type: notary.TypeAnchor, Body: anchorOf(t, "second")},
		{Signer: short, Type: notary.TypeAnchor, Body: anchorOf(t, "third")},
	}, client.BulkOptions{})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	p := res.Problem
	if res.Committed != 2 || res.Failed != 2 || p.Codespace != "tx" || p.Title != "expired" || !strings.Contains(p.Detail, "dropped from the mempool") {
		t.Fatalf("SendAll: committed %d, failed %d: %+v", res.Committed, res.Failed, p)
	}
	t.Logf("SendAll learned of the drop in %s", took)
	if took > 10*time.Second {
		t.Fatalf("SendAll learned of the drop after %s", took)
	}
	if _, err := n.Client.Tx(ctx, res.Hashes[2], false); !client.IsCode(err, "api", "not-found") {
		t.Fatalf("GET /v1/tx of the dropped transaction: %v, want not-found (no block holds it)", err)
	}

	// One waiting with mode=commit hears it from the node at once too.
	for _, what := range []string{"fourth", "fifth"} {
		if _, err := n.Client.Send(ctx, signer, notary.TypeAnchor, anchorOf(t, what), "sync"); err != nil {
			t.Fatal(err)
		}
	}
	start = time.Now()
	_, err = n.Client.Send(ctx, short, notary.TypeAnchor, anchorOf(t, "sixth"), "commit")
	if took := time.Since(start); !client.IsCode(err, "tx", "expired") || !strings.Contains(err.Error(), "dropped from the mempool") || took > 10*time.Second {
		t.Fatalf("mode=commit of a transaction the mempool drops: %v after %s", err, took)
	}
}
