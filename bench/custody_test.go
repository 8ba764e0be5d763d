package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/medledger/medledger/bench"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/supply"
)

// TestCustodyLoad runs the custody load for a few seconds against an
// in-process node with the supply module: every move must commit (none
// refused at CheckTx or in a block), the moves must go at least once round
// the cycle, and a pack's history must show them, alternating between the
// two partners.
func TestCustodyLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load for a few seconds")
	}
	n := daemontest.Start(t, daemontest.Options{Plugins: append(daemontest.Core(),
		daemon.Plugin{Module: supply.Module{}, Routes: supply.HTTPRoutes, Codes: supply.Codes})})
	ctx := context.Background()
	st, err := n.Client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signer := func(m string) (client.Signer, error) {
		s := n.Signer(m)
		s.TTL = 5_000
		return s, nil
	}
	// 40 packs against at most 10 in flight plus two requests of 5.
	const packs = 40
	cfg := bench.Config{Node: n.URL(), Duration: 4 * time.Second, Concurrency: 2, Batch: 5, MaxInflight: 10}
	cu, err := bench.PrepareCustody(ctx, n.Client, signer, packs, bench.RunID(), st.LatestHeight)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Source = cu.Source
	if cfg.Pool, err = bench.Presign(cfg.Source, 3*4*packs); err != nil {
		t.Fatal(err)
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d moves committed in %.0f s, %d blocks; rejected %d, failed in block %d, unconfirmed %d",
		res.Committed, res.DurationS, res.Blocks, res.Rejected, res.FailedInBlock, res.Unconfirmed)
	if res.Rejected != 0 || res.FailedInBlock != 0 || res.Unconfirmed != 0 || len(res.Errors) != 0 {
		t.Fatalf("moves refused: rejected %d, failed in block %d, unconfirmed %d, errors %v", res.Rejected, res.FailedInBlock, res.Unconfirmed, res.Errors)
	}
	if res.Committed < 4*packs {
		t.Fatalf("committed %d moves, want at least a cycle of %d (four per pack)", res.Committed, 4*packs)
	}

	// The first pack's history: commissioned at acme-pharma, then ship,
	// receive, ship, receive, ... alternating between the partners.
	h, err := n.Client.History(ctx, supply.Pack(cu.GTIN, cu.Serials[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) < 5 || h.Events[0].Type != "commission" {
		t.Fatalf("history of the first pack: %+v, want a commissioning and at least a cycle of moves", h.Events)
	}
	orgs := [2]string{"acme-pharma", "medsupply-dist"}
	for k, e := range h.Events[1:] {
		wantType, from := "ship", orgs[k/2%2]
		if k%2 == 1 {
			wantType = "receive"
		}
		if e.Type != wantType || e.From != from || e.To != orgs[1-k/2%2] {
			t.Fatalf("move %d of the first pack: %s from %s to %s, want %s from %s to %s", k, e.Type, e.From, e.To, wantType, from, orgs[1-k/2%2])
		}
	}
}
