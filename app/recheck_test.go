package app_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

// TestRecheckRebaseMatchesFullRecheck drives two chains in lockstep, one
// that rebases the mempool's view after a block (recheck.go) and one that
// runs every recheck in full, through random mempools: new transactions,
// some conflicting (the same digest twice) and some about to expire;
// blocks of a prefix of the mempool, some with a transaction the view never
// saw; transactions leaving the mempool without a recheck. Every CheckTx,
// recheck and block result, and every app hash, must be the same on both,
// and the run must have taken each path (rebase, fallback, drop).
func TestRecheckRebaseMatchesFullRecheck(t *testing.T) {
	signers := []string{"northside-hospital/dr-chen", "cityrx-pharmacy/pharmacist"}
	var total app.RecheckStats
	for seed := uint64(1); seed <= 12; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		r, f := chaintest.New(t, chaintest.Demo()), chaintest.New(t, chaintest.Demo())
		f.App.SetRebase(false)
		r.Block()
		f.Block()
		same := func(what string, a, b *abci.ResponseCheckTx) {
			t.Helper()
			if a.Code != b.Code || a.Codespace != b.Codespace {
				t.Fatalf("seed %d, %s: rebasing view says %d/%s (%s), full recheck %d/%s (%s)", seed, what, a.Code, a.Codespace, a.Log, b.Code, b.Codespace, b.Log)
			}
		}
		recheck := func(ch *chaintest.Chain, raw []byte) *abci.ResponseCheckTx {
			res, err := ch.App.CheckTx(t.Context(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_Recheck})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		sign := func() []byte {
			edit := func(p *tx.Payload) {}
			if rng.IntN(6) == 0 {
				edit = func(p *tx.Payload) { p.Expires = r.Height + 2 }
			}
			return r.Sign(signers[rng.IntN(2)], notary.TypeAnchor, anchorBody(fmt.Sprintf("d%d", rng.IntN(40))), edit)
		}
		var mempool [][]byte
		for step := range 80 {
			switch op := rng.IntN(10); {
			case op < 6:
				raw := sign()
				cr, cf := r.Check(raw), f.Check(raw)
				same(fmt.Sprintf("step %d, CheckTx", step), cr, cf)
				if cr.Code == abci.CodeTypeOK {
					mempool = append(mempool, raw)
				}
			default:
				n := rng.IntN(len(mempool) + 1)
				txs := append([][]byte(nil), mempool[:n]...)
				if rng.IntN(4) == 0 {
					at := rng.IntN(len(txs) + 1)
					txs = append(txs[:at], append([][]byte{sign()}, txs[at:]...)...)
				}
				rr, rf := r.Block(txs...), f.Block(txs...)
				for i := range rr {
					if rr[i].Code != rf[i].Code {
						t.Fatalf("seed %d, step %d: block tx %d: %d against %d", seed, step, i, rr[i].Code, rf[i].Code)
					}
				}
				if string(r.Store.Hash()) != string(f.Store.Hash()) {
					t.Fatalf("seed %d, step %d: app hashes differ", seed, step)
				}
				mempool = mempool[n:]
				if len(mempool) > 0 && rng.IntN(4) == 0 {
					i := rng.IntN(len(mempool)) // the mempool drops one, unasked
					mempool = append(mempool[:i:i], mempool[i+1:]...)
				}
				kept := mempool[:0]
				for i, raw := range mempool {
					cr, cf := recheck(r, raw), recheck(f, raw)
					same(fmt.Sprintf("step %d, recheck %d", step, i), cr, cf)
					if cr.Code == abci.CodeTypeOK {
						kept = append(kept, raw)
					}
				}
				mempool = kept
			}
		}
		if s := f.App.RecheckStats(); s.Rebased != 0 {
			t.Fatalf("seed %d: the chain without rebase rebased %d times", seed, s.Rebased)
		}
		s := r.App.RecheckStats()
		total.Rebased += s.Rebased
		total.Fallbacks += s.Fallbacks
		total.Dropped += s.Dropped
	}
	t.Logf("rebased %d blocks, fell back on %d, dropped %d", total.Rebased, total.Fallbacks, total.Dropped)
	if total.Rebased == 0 || total.Fallbacks == 0 || total.Dropped == 0 {
		t.Fatalf("the runs did not take every path: %+v", total)
	}
}

// TestRecheckRebaseKeepsTheView: after a block that is the front of the
// mempool, the transactions left are rechecked without running again, and
// the view still holds their effects (a second anchor of a waiting
// transaction's digest is refused), while one that left the mempool
// unrechecked is gone from it (its digest may be anchored again).
func TestRecheckRebaseKeepsTheView(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	a := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("a"))
	b := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("b"))
	c := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("c"))
	for _, raw := range [][]byte{a, b, c} {
		chaintest.RequireOK(t, ch.Check(raw), "CheckTx")
	}
	before := ch.App.RecheckStats()
	chaintest.RequireOK(t, ch.Block(a)[0], "the front of the mempool, in a block")
	if s := ch.App.RecheckStats(); s.Rebased != before.Rebased+1 {
		t.Fatalf("stats %+v after a block of the mempool's front, want one more rebase than %+v", s, before)
	}
	res, err := ch.App.CheckTx(t.Context(), &abci.RequestCheckTx{Tx: c, Type: abci.CheckTxType_Recheck})
	if err != nil {
		t.Fatal(err)
	}
	chaintest.RequireOK(t, res, "recheck of a waiting transaction")
	// b left the mempool without a recheck: the next new transaction finds
	// the view rebuilt without it.
	other := "cityrx-pharmacy/pharmacist"
	chaintest.RequireOK(t, ch.Check(ch.Sign(other, notary.TypeAnchor, anchorBody("b"))), "anchoring the digest of a transaction that left")
	chaintest.RequireCode(t, ch.Check(ch.Sign(other, notary.TypeAnchor, anchorBody("c"))), notary.ErrAlreadyAnchored, "anchoring the digest of one still waiting")
	chaintest.RequireCode(t, ch.Check(ch.Sign(other, notary.TypeAnchor, anchorBody("a"))), notary.ErrAlreadyAnchored, "anchoring a committed digest")
	if s := ch.App.RecheckStats(); s.Dropped != before.Dropped+1 {
		t.Fatalf("stats %+v, want one transaction dropped", s)
	}
}
