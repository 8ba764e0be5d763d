package claimsapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/tx"
)

// BenchmarkNodeClaims measures claims adjudicated per second by a real
// single-validator node (CometBFT in-process, 100 ms blocks, IAVL on disk,
// the REST API): 5-line claims (an office visit, an HbA1c test, a panel,
// physical therapy, a visit with modifier 25: copays, the deductible,
// coinsurance, a limit over history, timed minutes, the policy's edits)
// of 2,000 members, signed before the timer starts, sent by two clients in
// batches of 250 to POST /v1/txs with at most 2,000 submitted and not yet
// committed (a steady load: a block takes about half of them), timed from
// the first submission until the commit stream has shown every one of
// them applied. One op is 10,000 claims. The client shares the machine's
// two cores with the node. It reports the mean block (claims/block), and
// fails unless the payer's counts show every claim sent adjudicated and
// none pended.
func BenchmarkNodeClaims(b *testing.B) {
	const members, perOp, workers, batch, inflight = 2000, 10_000, 2, 250, 2000
	const from, to = "2025-01-01", "2025-12-31"
	ctx := context.Background()
	admin, biller := node.Signer(claimstest.Admin), node.Signer(claimstest.Biller)
	var enrol []client.BulkTx
	ids := make([]string, members)
	for i := range ids {
		k := claimstest.MemberKey(fmt.Sprint("node-bench-", i))
		ids[i] = k.ID()
		enrol = append(enrol, client.BulkTx{Signer: admin, Type: claims.TypeEnroll,
			Body: claims.EnrollBody{Plan: "gold", From: from, To: to, SignKey: k.SignPub(), EncKey: k.EncPub()}})
	}
	if res, err := node.Client.SendAll(ctx, enrol, client.BulkOptions{}); err != nil || res.Failed >= 0 {
		b.Fatalf("enrol: %v %v", err, res.Err())
	}
	before := payerCounts(b)
	n, blocks := 0, 0
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		st, err := node.Client.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		biller.ChainID, biller.TTL = st.ChainID, 5000
		raws := make([][]byte, perOp)
		pending := map[string]bool{}
		for i := range raws {
			body := benchClaim(from, ids[n%members], n/members, n%members)
			n++
			if raws[i], err = biller.Build(claims.TypeSubmit, body, st.LatestHeight); err != nil {
				b.Fatal(err)
			}
			pending[fmt.Sprintf("%X", tx.Hash(raws[i]))] = true
		}
		sctx, cancel := context.WithCancel(ctx)
		stream, err := node.Client.Commits(sctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		var mu sync.Mutex
		room := sync.NewCond(&mu)
		sent, committed := 0, 0
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w * batch; i < len(raws); i += workers * batch {
					mu.Lock()
					for sent-committed+batch > inflight {
						room.Wait()
					}
					sent += min(batch, len(raws)-i)
					mu.Unlock()
					res, err := node.Client.SubmitBatch(ctx, api.BatchRequest{Txs: raws[i:min(i+batch, len(raws))]})
					if err != nil {
						errs <- err
						return
					}
					for _, r := range res.Results {
						if r.Problem != nil {
							errs <- fmt.Errorf("refused: %s", r.Problem.Detail)
							return
						}
					}
				}
			}()
		}
		for len(pending) > 0 {
			select {
			case ev, ok := <-stream.C:
				if !ok {
					b.Fatalf("the commit stream ended: %v", stream.Err())
				}
				mine := false
				for _, ct := range ev.Txs {
					if pending[ct.Hash] {
						mine = true
						if ct.Code != 0 {
							b.Fatalf("claim %s refused in its block: %s/%d", ct.Hash, ct.Codespace, ct.Code)
						}
						delete(pending, ct.Hash)
						mu.Lock()
						committed++
						mu.Unlock()
					}
				}
				if mine {
					blocks++
				}
				room.Broadcast()
			case err := <-errs:
				b.Fatal(err)
			case <-time.After(60 * time.Second):
				b.Fatalf("%d claims not committed after a minute", len(pending))
			}
		}
		total += time.Since(start)
		b.StopTimer()
		wg.Wait()
		cancel()
		b.StartTimer()
	}
	// What is measured is adjudication: every claim sent was adjudicated,
	// none held for review (a pended claim costs less: it writes no member).
	after := payerCounts(b)
	if got := after.Adjudicated - before.Adjudicated; got != int64(n) || after.Pended != before.Pended {
		b.Fatalf("of %d claims sent, %d were adjudicated and %d pended", n, got, after.Pended-before.Pended)
	}
	b.ReportMetric(float64(n)/total.Seconds(), "claims/s")
	b.ReportMetric(float64(n)/float64(max(blocks, 1)), "claims/block")
	b.ReportMetric(0, "ns/op")
}

// payerCounts are the payer's claim counts on the node.
func payerCounts(b *testing.B) claims.Stats {
	b.Helper()
	all, err := node.Client.ClaimCounts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range all {
		if st.Payer == claimstest.Payer {
			return st
		}
	}
	return claims.Stats{Payer: claimstest.Payer}
}

// benchClaim is the benchmark's 5-line claim for member, its date from
// from (the start of the member's coverage), its round (the member's nth
// claim) and slot (the member's number).
func benchClaim(from, member string, round, slot int) claims.SubmitBody {
	// A member's claims are 31 days apart (round), and a day holds the
	// claims of one slot in 28 (slot): about 70 a round for the rendering
	// clinician, 15 timed minutes each, within the day's 1,440; no member
	// has three visits within 30 days. So the claims are adjudicated, not
	// pended for review by the impossible-day and frequent-visit flags.
	d, _ := claims.ParseDate(from)
	date := d.AddDate(0, 0, round*31%365+slot%28).Format("2006-01-02")
	line := func(code string, charge int64, units int64, mods ...string) claims.LineIn {
		return claims.LineIn{Code: code, Modifiers: mods, Pointers: []int{1, 2}, Units: units, ChargeCents: charge, Date: date, Place: "11"}
	}
	return claims.SubmitBody{Payer: claimstest.Payer, Member: member, Rendering: claimstest.Rendering, Diagnoses: []string{"E11.9", "I10"},
		Lines: []claims.LineIn{line("99214", 20000, 1), line("83036", 5000, 1), line("80053", 30000, 1), line("97110", 8000, 1), line("99213", 15000, 1, "25")}}
}
