package app_test

import (
	"bytes"
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

// TestRecheckTellsOfEviction: a transaction admitted to the mempool that a
// block makes invalid (here: the same digest anchored by a transaction
// another node admitted) is refused by the recheck after the block, and
// the OnEvict listeners hear of it with its hash, the height and the
// refusal. A recheck that passes, and a first check that fails, tell
// nobody.
func TestRecheckTellsOfEviction(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	var got []app.Evicted
	ch.App.OnEvict(func(e app.Evicted) { got = append(got, e) })
	recheck := func(raw []byte) *abci.ResponseCheckTx {
		t.Helper()
		res, err := ch.App.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_Recheck})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	mine := ch.Sign("northside-hospital/dr-chen", notary.TypeAnchor, anchorBody("evicted"))
	theirs := ch.Sign("cityrx-pharmacy/pharmacist", notary.TypeAnchor, anchorBody("evicted"))
	other := ch.Sign("northside-hospital/dr-chen", notary.TypeAnchor, anchorBody("stays"))
	chaintest.RequireOK(t, ch.Check(mine), "CheckTx of the transaction left in the mempool")
	chaintest.RequireOK(t, ch.Check(other), "CheckTx of another")
	chaintest.RequireOK(t, ch.Block(theirs)[0], "the other node's transaction, in the block")

	res := recheck(mine)
	chaintest.RequireCode(t, res, notary.ErrAlreadyAnchored, "recheck after the block")
	if len(got) != 1 || !bytes.Equal(got[0].Hash, tx.Hash(mine)) || got[0].Height != ch.Height || got[0].Result.Code != res.Code || got[0].Result.Codespace != "notary" {
		t.Fatalf("OnEvict heard %+v, want the refused transaction at height %d", got, ch.Height)
	}
	chaintest.RequireOK(t, recheck(other), "recheck of a transaction still valid")
	chaintest.RequireCode(t, ch.Check(ch.Sign("cityrx-pharmacy/pharmacist", notary.TypeAnchor, anchorBody("evicted"))), notary.ErrAlreadyAnchored, "a new transaction refused")
	if len(got) != 1 {
		t.Fatalf("OnEvict heard %d evictions, want 1 (a passing recheck and a new refusal are none)", len(got))
	}
}
