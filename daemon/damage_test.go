package daemon_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/damage"
	"github.com/medledger/medledger/notary"
)

// TestEditedAnchorNeverServed edits an anchor's signer directly in a
// stopped node's database (its stored hashes, and so the root and the app
// hash, unchanged) and starts it again: the node never serves the edited
// anchor, reports itself unhealthy (the rehash at start finds the edit),
// stops making blocks rather than build on it (a consensus failure, also
// reported), still serves what validators signed, and medledger check
// names the edited key and the way to recover.
func TestEditedAnchorNeverServed(t *testing.T) {
	ctx := context.Background()
	n := daemontest.Start(t, daemontest.Options{})
	sum := sha256.Sum256([]byte("a lab report, edited later"))
	digest := hex.EncodeToString(sum[:])
	res, err := n.Client.Send(ctx, n.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: "lab-report"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	n.WaitHeight(t, res.Height+2)
	var a notary.Anchor
	if err := n.Client.Get(ctx, "/v1/anchors/"+digest, &a); err != nil {
		t.Fatal(err)
	}
	home := n.Home
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	forged := a
	forged.Signer, forged.Org = "lakeside-clinic/dr-patel", "lakeside-clinic"
	b, _ := json.Marshal(forged)
	if _, err := damage.EditValue(home.AppDataDir(), notary.Key(digest), b); err != nil {
		t.Fatal(err)
	}

	n = daemontest.Start(t, daemontest.Options{Home: string(home)})
	// The edited anchor is never served; once the rehash has run, the
	// node says it is unhealthy and refuses every read of state.
	deadline := time.Now().Add(20 * time.Second)
	var h api.HealthResponse
	for {
		res, body := n.Get(t, "/v1/anchors/"+digest)
		if bytes.Contains(body, []byte("lakeside-clinic")) {
			t.Fatalf("the node served the edited anchor: HTTP %d %s", res.StatusCode, body)
		}
		if res.StatusCode == 200 {
			t.Fatalf("the node served the anchor as 200 from damaged state: %s", body)
		}
		res, body = n.Get(t, "/v1/health")
		h = api.HealthResponse{}
		json.Unmarshal(body, &h)
		if res.StatusCode == 503 && len(h.Problems) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health after the edit: HTTP %d %s, want 503 with the state damage and the consensus failure", res.StatusCode, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	all := strings.Join(h.Problems, "\n")
	for _, want := range []string{"consensus:", "state:", "notary/anchor/" + digest[:8], "medledger check"} {
		if !strings.Contains(all, want) {
			t.Errorf("health does not say %q:\n%s", want, all)
		}
	}
	res2, body := n.Get(t, "/v1/anchors/"+digest)
	var p api.Problem
	if json.Unmarshal(body, &p) != nil || res2.StatusCode != http.StatusServiceUnavailable || p.Title != api.ErrUnhealthy.Slug {
		t.Errorf("anchor read on the unhealthy node: HTTP %d %s, want 503 unhealthy", res2.StatusCode, body)
	}
	st, err := n.Client.Status(ctx)
	if err != nil || st.Healthy {
		t.Errorf("status: %+v %v, want healthy false", st, err)
	}
	// It makes no more blocks on state it cannot vouch for.
	at := n.Store.Version()
	time.Sleep(5 * daemontest.BlockTime)
	if v := n.Store.Version(); v != at {
		t.Errorf("the node went on from version %d to %d on damaged state", at, v)
	}
	if _, body := n.Get(t, "/v1/blocks/latest"); !bytes.Contains(body, []byte(`"signed_header"`)) {
		t.Errorf("blocks are not served: %s", body)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	rep, err := daemon.Check(home, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatalf("check found nothing: %+v", rep)
	}
	text, _ := json.Marshal(rep)
	for _, want := range []string{`"part":"state"`, "notary/anchor/" + digest[:8], "move data/app aside"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("check does not say %q: %s", want, text)
		}
	}
}

// TestCheckIntactHome: a stopped node's home checks clean, fully, and a
// running node's home is refused with ErrRunning.
func TestCheckIntactHome(t *testing.T) {
	n := daemontest.Start(t, daemontest.Options{})
	n.WaitHeight(t, 4)
	if _, err := daemon.Check(n.Home, false, nil); err == nil || !strings.Contains(err.Error(), "running") {
		t.Errorf("check of a running node's home: %v, want ErrRunning", err)
	}
	home := n.Home
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	rep, err := daemon.Check(home, true, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("check of an intact home: %+v %v", rep, err)
	}
	if rep.Height < 4 || rep.AppVersion != rep.Height || len(rep.Checked) < 4 {
		t.Errorf("report %+v", rep)
	}
}

// TestBlockStoreGap: blocks lost from the middle of the block store (as a
// damaged journal loses them) stop the node from starting, saying which
// and how to recover; check lists them.
func TestBlockStoreGap(t *testing.T) {
	n := daemontest.Start(t, daemontest.Options{})
	n.WaitHeight(t, 12)
	home := n.Home
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := damage.DropBlocks(string(home)+"/data", 5, 8); err != nil {
		t.Fatal(err)
	}
	_, err := daemon.Start(daemon.Config{Home: home, Identities: identity.Module{}, Plugins: daemontest.Core()})
	if err == nil || !strings.Contains(err.Error(), "blocks 5 to 8 are missing") || !strings.Contains(err.Error(), "restore") {
		t.Fatalf("start with blocks 5-8 lost: %v", err)
	}
	rep, err := daemon.Check(home, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 || rep.Findings[0].Part != "blocks" || !strings.Contains(rep.Findings[0].Problem, "blocks 5 to 8") {
		t.Errorf("check: %+v", rep.Findings)
	}
}

// TestIndexRebuiltAtStart: a transaction index that lost entries (every
// other one) is found at start and rebuilt from the blocks: every
// committed transaction is found again.
func TestIndexRebuiltAtStart(t *testing.T) {
	ctx := context.Background()
	n := daemontest.Start(t, daemontest.Options{})
	var hashes []string
	for i := range 6 {
		sum := sha256.Sum256([]byte{byte(i), 'i', 'x'})
		res, err := n.Client.Send(ctx, n.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(sum[:]), Kind: "lab-report"}, "sync")
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, res.Hash)
	}
	for _, h := range hashes {
		waitTx(t, n, h)
	}
	home := n.Home
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := damage.DropIndexEntries(string(home) + "/data"); err != nil {
		t.Fatal(err)
	}
	rep, err := daemon.Check(home, false, nil)
	if err != nil || len(rep.Findings) != 1 || rep.Findings[0].Part != "txindex" {
		t.Errorf("check of the damaged index: %+v %v", rep.Findings, err)
	}
	n = daemontest.Start(t, daemontest.Options{Home: string(home)})
	for _, h := range hashes {
		if _, err := n.Client.Tx(ctx, h, false); err != nil {
			t.Errorf("tx %s after the rebuild: %v", h, err)
		}
	}
}

func waitTx(t *testing.T, n *daemontest.Node, hash string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := n.Client.Tx(context.Background(), hash, false)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tx %s not committed: %v", hash, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
