package bench_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/bench"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/state"
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
	time.Sleep(2 * daemontest.BlockTime) // the commissioning's block is the store's latest
	before := liveState(t, n.Daemon.Store)
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

	// What the moves left in the live state (the latest version): per
	// move one event and one history entry, per ship a shipment record,
	// closed by its receipt, and nothing else that grows: the packs are as
	// many as were commissioned, and the only open shipments (inbox and
	// outbox entries) are those shipped in the window's last turn, whose
	// receipts were not sent.
	time.Sleep(2 * daemontest.BlockTime)
	after := liveState(t, n.Daemon.Store)
	grew := func(p string) int64 { return after[p].leaves - before[p].leaves }
	moves := grew("supply/event")
	var bytes int64
	for _, p := range slices.Sorted(maps.Keys(after)) {
		a, b := after[p], before[p]
		bytes += a.bytes - b.bytes
		t.Logf("%-16s %6d keys (%+5d), %+8d bytes: %6.1f bytes per move", p, a.leaves, a.leaves-b.leaves, a.bytes-b.bytes, float64(a.bytes-b.bytes)/float64(moves))
	}
	t.Logf("%d moves: %.0f bytes of keys and values per move", moves, float64(bytes)/float64(moves))
	ships, open := grew("supply/ship"), grew("supply/inbox")
	if moves < res.Committed || grew("supply/hist") != moves || grew("supply/pack") != 0 ||
		grew("supply/outbox") != open || open > packs || ships+(ships-open) != moves {
		t.Errorf("%d moves (%d committed in the window) added %d history entries, %d packs, %d shipments, %d inbox and %d outbox entries; want a history entry per move, no pack, a shipment per ship and a receipt closing all but the last turn's (at most %d)",
			moves, res.Committed, grew("supply/hist"), grew("supply/pack"), ships, open, grew("supply/outbox"), packs)
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

type statePart struct{ leaves, bytes int64 }

// liveState counts the keys of the store's latest version, and the bytes
// of their keys and values, by the first two segments of the key.
func liveState(t *testing.T, st *state.Store) map[string]statePart {
	t.Helper()
	parts := map[string]statePart{}
	err := st.Export(st.Version(), func(n *state.ExportNode) error {
		if n.Height == 0 {
			seg := strings.SplitN(string(n.Key), "/", 3)
			p := parts[strings.Join(seg[:min(2, len(seg))], "/")]
			p.leaves++
			p.bytes += int64(len(n.Key) + len(n.Value))
			parts[strings.Join(seg[:min(2, len(seg))], "/")] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return parts
}
