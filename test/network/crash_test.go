//go:build unix

package network_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// TestCrashRecovery kills a single-validator node with SIGKILL while
// clients commit anchors, at several moments, and restarts it from the same
// home each time: every transaction reported committed before the kill is
// still there, the node goes on making blocks, and the app's state agrees
// with CometBFT's headers.
func TestCrashRecovery(t *testing.T) {
	setUp(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	// The CLI writes the network, as an operator would.
	stdout, stderr, err := runCLI(t, 30*time.Second, "testnet", "--validators", "1", "--dir", out,
		"--base-port", strconv.Itoa(freeBasePort(t, 1)), "--block-time", "100ms", "--chain-id", "crash-test", "-o", "json")
	if err != nil {
		t.Fatalf("medledger testnet: %v\n%s", err, stderr)
	}
	var written struct {
		ChainID string `json:"chain_id"`
		Nodes   []struct {
			Home, API, Start string
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(stdout), &written); err != nil {
		t.Fatalf("medledger testnet -o json: %v\n%s", err, stdout)
	}
	if written.ChainID != "crash-test" || len(written.Nodes) != 1 || written.Nodes[0].Start != "medledger start --home "+node.TestnetNodeDir(out, 0) {
		t.Fatalf("medledger testnet -o json wrote %s", stdout)
	}
	home := node.Home(written.Nodes[0].Home)
	p := startNode(t, "node0", home, dir)
	if p.url != written.Nodes[0].API {
		t.Fatalf("the home serves its API on %s, testnet printed %s", p.url, written.Nodes[0].API)
	}
	p.waitReady(20 * time.Second)
	waitHeight(t, []*proc{p}, 2, 20*time.Second)
	trust, err := client.TrustGenesisFile(home.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	signers := []client.Signer{
		signer(t, out, "northside-hospital/dr-chen"), signer(t, out, "lakeside-clinic/dr-patel"),
		signer(t, out, "cityrx-pharmacy/pharmacist"), signer(t, out, "acme-pharma/packager"),
		signer(t, out, "medsupply-dist/warehouse"), signer(t, out, "unity-health-plan/adjudicator"),
	}

	var all []anchorRec
	unindexed := map[string]bool{} // tx hashes lost from the index by a kill
	// Kill moments: after n anchors are reported committed, and a pause.
	moments := []struct {
		n     int
		pause time.Duration
	}{{1, 0}, {25, 40 * time.Millisecond}, {10, 170 * time.Millisecond}}
	for round, m := range moments {
		recs, killedAt := loadAndKill(t, p, signers, m.n, m.pause)
		all = append(all, recs...)
		p.restart()
		p.waitReady(20 * time.Second)

		// Nothing committed is lost: state, blocks, transaction index.
		lost := checkAfterCrash(t, p, all, unindexed, killedAt)
		if len(lost) > 0 {
			// The node's own index (package txindex) is written before a
			// commit is announced and rebuilt from the block store at start.
			t.Fatalf("round %d: %d transactions reported committed are missing from the tx index after the kill: %v", round, len(lost), lost)
		}
		// The node goes on from where it stopped.
		st := p.status()
		if st.LatestHeight < lastHeight(all) {
			t.Fatalf("round %d: restarted at height %d, below the committed height %d", round, st.LatestHeight, lastHeight(all))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		b, err := p.cl.Block(ctx, st.LatestHeight)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if b.AppHash != st.AppHash {
			t.Fatalf("round %d: status app hash %s at height %d, header says %s", round, st.AppHash, st.LatestHeight, b.AppHash)
		}
		waitHeight(t, []*proc{p}, st.LatestHeight+3, 20*time.Second)
		// The app's state at every version around the kill is the one the
		// signed headers commit to.
		checkStateProofs(t, p, trust, notary.Key(recs[len(recs)-1].digest), max(1, killedAt-3), p.height()-1)
		last := recs[0]
		for _, r := range recs {
			if !unindexed[r.hash] && r.height > last.height {
				last = r
			}
		}
		if _, err := p.cl.VerifyAnchor(context.Background(), trust, last.digest); err != nil && !unindexed[last.hash] {
			t.Fatalf("round %d: verify the last anchor committed before the kill: %v", round, err)
		}
		t.Logf("round %d: killed at height %d with %d anchors committed; restarted, %d anchors in all", round, killedAt, len(recs), len(all))
	}
	p.terminate()
}

// loadAndKill commits anchors through p from one goroutine per signer, kills
// p with SIGKILL once n are reported committed and pause has passed, and
// returns what was reported committed and the last height seen before the
// kill.
func loadAndKill(t *testing.T, p *proc, signers []client.Signer, n int, pause time.Duration) ([]anchorRec, int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu   sync.Mutex
		recs []anchorRec
		errs []error
		wg   sync.WaitGroup
	)
	for _, s := range signers {
		wg.Go(func() {
			for ctx.Err() == nil {
				r, err := sendAnchor(ctx, t, p, s)
				mu.Lock()
				if err == nil {
					recs = append(recs, r)
				} else if ctx.Err() == nil && p.running() {
					// An error while the node runs is a bug; after the
					// kill, errors are expected.
					var ce *client.Error
					if errors.As(err, &ce) {
						errs = append(errs, err)
					}
				}
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := len(recs)
		mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d anchors committed in 20s of load", got)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(pause)
	killedAt := p.height()
	if err := p.stop(syscall.SIGKILL); err == nil {
		t.Fatal("the node exited cleanly after SIGKILL")
	}
	// Requests in flight fail now; stop the load.
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("%d anchors refused while the node ran, first: %v", len(errs), errs[0])
	}
	return recs, killedAt
}

// checkStateProofs checks the app's state at versions from..to against the
// signed headers: the ICS-23 proof of key at version v verifies against
// the app hash in header v+1.
func checkStateProofs(t *testing.T, p *proc, trust client.Trust, key []byte, from, to int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for v := from; v <= to; v++ {
		if _, err := p.cl.VerifyStateAt(ctx, trust, string(key), v); err != nil {
			t.Fatalf("state version %d does not match header %d: %v", v, v+1, err)
		}
	}
}

// checkAfterCrash checks that every anchor reported committed is in the
// node's state, its transaction in its block, and its transaction in the
// index, except (returned, and added to unindexed) transactions of the
// blocks committed as the node was killed that the index lost.
func checkAfterCrash(t *testing.T, p *proc, recs []anchorRec, unindexed map[string]bool, killedAt int64) (lost []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range recs {
		var a notary.Anchor
		if err := p.cl.Get(ctx, "/v1/anchors/"+r.digest, &a); err != nil {
			t.Fatalf("anchor %s committed at height %d is lost: %v", r.digest, r.height, err)
		}
		if a.TxHash != r.hash || a.Height != r.height {
			t.Fatalf("anchor %s is tx %s at height %d, want tx %s at height %d", r.digest, a.TxHash, a.Height, r.hash, r.height)
		}
		b, err := p.cl.Block(ctx, r.height)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(b.Txs, r.hash) {
			t.Fatalf("block %d does not hold tx %s, committed in it", r.height, r.hash)
		}
		if unindexed[r.hash] {
			continue
		}
		tx, err := p.cl.Tx(ctx, r.hash, false)
		switch {
		case err == nil && tx.Height == r.height && tx.Code == 0:
		case client.IsCode(err, "api", "not-found") && r.height >= killedAt:
			unindexed[r.hash] = true
			lost = append(lost, fmt.Sprintf("%s@%d", r.hash[:8], r.height))
		case err != nil:
			t.Fatalf("tx %s committed at height %d (the node was killed at %d or later): %v", r.hash, r.height, killedAt, err)
		default:
			t.Fatalf("tx %s: height %d code %d, want height %d code 0", r.hash, tx.Height, tx.Code, r.height)
		}
	}
	return lost
}
