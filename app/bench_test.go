package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
)

// The hot path of `medledger bench`: one notary/anchor per transaction.
// BENCHMARKS.md records these figures.

const benchSigner = "northside-hospital/dr-chen"

// anchors signs n anchors of distinct digests (numbered from *next) that
// stay valid for the chain's DefaultTTL.
func anchors(ch *chaintest.Chain, next *uint64, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		d := sha256.Sum256(binary.BigEndian.AppendUint64(nil, *next))
		*next++
		out[i] = ch.Sign(benchSigner, notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(d[:]), Kind: "bench"})
	}
	return out
}

// BenchmarkCheckTx measures CheckTx of a new anchor (decode, signature
// verification, envelope and handler against the mempool's view), as a
// transaction that did not come through the API meets it. One op is one
// transaction.
func BenchmarkCheckTx(b *testing.B) {
	benchCheckTx(b, false)
}

// BenchmarkCheckTxPreVerified is CheckTx after the API's PreVerify (which
// runs on the API's goroutines, outside the mempool's lock): no decoding and
// no signature check left.
func BenchmarkCheckTxPreVerified(b *testing.B) {
	benchCheckTx(b, true)
}

func benchCheckTx(b *testing.B, preVerified bool) {
	ch := chaintest.New(b, chaintest.Demo())
	ch.Block() // commit the genesis state, which CheckTx reads
	var next uint64
	const perBlock = 1000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		txs := anchors(ch, &next, perBlock)
		if preVerified {
			for _, raw := range txs {
				ch.App.PreVerify(raw)
			}
		}
		b.StartTimer()
		for _, raw := range txs {
			res, err := ch.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
			if err != nil || res.Code != abci.CodeTypeOK {
				b.Fatalf("CheckTx: %v %v", err, res)
			}
		}
		b.StopTimer()
		ch.Block() // a new view for the next round, as after a commit
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next), "ns/tx")
}

// BenchmarkDeliver measures FinalizeBlock and Commit of blocks of 1000
// anchors that CheckTx admitted first, as on a node (so signatures are
// verified and transactions decoded already). One op is one block; ns/tx
// is per transaction.
func BenchmarkDeliver(b *testing.B) {
	ch := chaintest.New(b, chaintest.Demo())
	ch.Block() // commit the genesis state, which CheckTx reads
	var next uint64
	const perBlock = 1000
	for b.Loop() {
		b.StopTimer()
		txs := anchors(ch, &next, perBlock)
		for _, raw := range txs {
			chaintest.RequireOK(b, ch.Check(raw), "check")
		}
		b.StartTimer()
		for i, res := range ch.Block(txs...) {
			if res.Code != abci.CodeTypeOK {
				b.Fatalf("tx %d: %s", i, chaintest.Describe(res))
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next), "ns/tx")
}
