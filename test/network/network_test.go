//go:build unix

package network_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// TestFourValidators runs a 4-validator network as 4 processes and takes
// validators away: with one down the chain goes on, a restarted validator
// catches up to the same app hash, with two down (a third of the power or
// more) the chain halts without diverging, and it resumes when one returns.
func TestFourValidators(t *testing.T) {
	setUp(t)
	const blockTime = 150 * time.Millisecond
	began := time.Now()
	phase := func(name string) { t.Logf("%5.1fs %s", time.Since(began).Seconds(), name) }
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	err := node.Testnet(out, node.TestnetOptions{Validators: 4, Ports: freePorts(t, 4), BlockTime: blockTime,
		TimeoutPropose: 500 * time.Millisecond, TimeoutVote: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*proc, 4)
	for k := range ps {
		ps[k] = startNode(t, fmt.Sprintf("node%d", k), node.Home(node.TestnetNodeDir(out, k)), dir)
	}
	for _, p := range ps {
		p.waitReady(20 * time.Second)
	}
	waitHeight(t, ps, 3, 20*time.Second)
	signers := []client.Signer{
		signer(t, out, "northside-hospital/dr-chen"), signer(t, out, "lakeside-clinic/dr-patel"),
		signer(t, out, "cityrx-pharmacy/pharmacist"), signer(t, out, "acme-pharma/packager"),
	}

	phase("all four up")
	// All four up: transactions committed through any node reach every node.
	recs := commitEach(t, ps, signers)
	waitHeight(t, ps, lastHeight(recs)+1, 20*time.Second)
	checkAnchors(t, ps, recs)
	checkAgreement(t, ps, lastHeight(recs)+1)

	phase("one down")
	// One down: the other three go on.
	ps[3].terminate()
	up := ps[:3]
	waitHeight(t, up, maxHeight(t, up)+3, 20*time.Second)
	recs = append(recs, commitEach(t, up, signers)...)

	phase("restart")
	// It comes back and catches up, with what was committed without it.
	ps[3].restart()
	ps[3].waitReady(20 * time.Second)
	phase("restarted node3 serves")
	waitHeight(t, ps, lastHeight(recs)+1, 20*time.Second)
	phase("node3 caught up")
	recs = append(recs, commitEach(t, ps[3:], signers[3:])...)
	waitHeight(t, ps, lastHeight(recs)+1, 20*time.Second)
	checkAnchors(t, ps, recs)
	checkAgreement(t, ps, lastHeight(recs)+1)

	phase("halt")
	// Another one down: three go on; a second one down: the chain halts.
	ps[2].terminate()
	phase("node2 stopped")
	live := []*proc{ps[0], ps[1], ps[3]}
	waitHeight(t, live, maxHeight(t, live)+2, 20*time.Second)
	ps[1].terminate()
	live = []*proc{ps[0], ps[3]}
	// A block already decided may still be committed: let it settle.
	time.Sleep(time.Second)
	halted := maxHeight(t, live)
	// Submitted while halted: accepted into the mempool, committed later.
	pending := newDigest(t)
	// Each call is bounded by the client's HTTP timeout.
	ctx := context.Background()
	res, err := ps[0].cl.Send(ctx, signers[0], notary.TypeAnchor, notary.AnchorBody{Digest: pending, Kind: "lab-report"}, "sync")
	if err != nil {
		t.Fatalf("submit while halted: %v", err)
	}
	time.Sleep(10 * blockTime)
	if h := maxHeight(t, live); h != halted {
		t.Fatalf("with 2 of 4 validators down the chain went from height %d to %d", halted, h)
	}
	checkAgreement(t, live, halted)

	phase("resume")
	// One returns: the chain resumes and commits what waited.
	ps[1].restart()
	ps[1].waitReady(20 * time.Second)
	phase("node1 serves")
	live = []*proc{ps[0], ps[1], ps[3]}
	waitHeight(t, live, halted+2, 30*time.Second)
	phase("resumed")
	deadline := time.Now().Add(20 * time.Second)
	for {
		tx, err := ps[3].cl.Tx(ctx, res.Hash, false)
		if err == nil && tx.Height > halted {
			recs = append(recs, anchorRec{digest: pending, hash: res.Hash, via: ps[0].name, height: tx.Height})
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transaction %s submitted while the chain was halted at %d was not committed after it resumed: %v", res.Hash, halted, err)
		}
		time.Sleep(blockTime)
	}
	recs = append(recs, commitEach(t, live, signers)...)

	phase("last returns")
	// The last one returns; all four agree on everything.
	ps[2].restart()
	ps[2].waitReady(20 * time.Second)
	waitHeight(t, ps, lastHeight(recs)+1, 20*time.Second)
	checkAnchors(t, ps, recs)
	checkAgreement(t, ps, lastHeight(recs)+1)

	phase("light client")
	// A light client trusting only the genesis accepts a node's proof.
	trust, err := client.TrustGenesisFile(node.Home(node.TestnetNodeDir(out, 0)).GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ps[2].cl.VerifyAnchor(ctx, trust, recs[0].digest)
	if err != nil {
		t.Fatalf("verify through the restarted node: %v", err)
	}
	if rep.Validators != 4 || rep.Anchor.TxHash != recs[0].hash {
		t.Fatalf("verified %+v, want tx %s with 4 validators", rep, recs[0].hash)
	}
	phase("stop")
	// All stop cleanly on SIGTERM.
	for _, p := range ps {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range ps {
		if err := p.wait(); err != nil {
			t.Errorf("%s: exit after SIGTERM: %v", p.name, err)
		}
	}
	phase("stopped")
}
