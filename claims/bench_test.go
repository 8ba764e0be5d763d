package claims_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/internal/chaintest"
)

// benchClaim is a benchmark claim of five lines: an office visit (a
// copay), an HbA1c test (a diagnosis rule, the deductible, coinsurance), a
// panel (a map lookup), physical therapy (a limit over history, timed
// minutes) and a visit with modifier 25 (the edits over the claim and the
// history), for member's claim number round; slot is the member's number.
func benchClaim(member string, round, slot int) claims.SubmitBody {
	// A member's claims are 31 days apart (round), and a day holds the
	// claims of one slot in 28 (slot): about 70 a round for the rendering
	// clinician, 15 timed minutes each, within the day's 1,440; no member
	// has three visits within 30 days. So the claims are adjudicated, not
	// pended for review by the impossible-day and frequent-visit flags.
	d, _ := claims.ParseDate("2025-01-01")
	date := d.AddDate(0, 0, round*31%365+slot%28).Format("2006-01-02")
	line := func(code string, charge int64, units int64, mods ...string) claims.LineIn {
		return claims.LineIn{Code: code, Modifiers: mods, Pointers: []int{1, 2}, Units: units, ChargeCents: charge, Date: date, Place: "11"}
	}
	return claims.SubmitBody{Payer: payer, Member: member, Rendering: rendering, Diagnoses: []string{"E11.9", "I10"},
		Lines: []claims.LineIn{line("99214", 20000, 1), line("83036", 5000, 1), line("80053", 30000, 1), line("97110", 8000, 1), line("99213", 15000, 1, "25")}}
}

// BenchmarkAdjudicate measures what a validator spends on 5-line claims:
// CheckTx of each (signature, envelope, the checks that can refuse a claim:
// it is judged in its block), then FinalizeBlock and Commit of blocks of 1,000, as
// CometBFT drives the app; claims of 2,000 members, each with a history.
// One op is one block; claims/s is per second of the app's work (the
// consensus engine's own time is not in it).
func BenchmarkAdjudicate(b *testing.B) {
	ch := newChain(b, consortium())
	golden(b, ch)
	const members, perBlock = 2000, 1000
	ids := make([]string, members)
	var enrol [][]byte
	for i := range ids {
		k := claimstest.MemberKey(fmt.Sprint("bench-", i))
		ids[i] = k.ID()
		enrol = append(enrol, ch.Sign(admin, claims.TypeEnroll, claims.EnrollBody{Plan: "gold", From: "2025-01-01", To: "2025-12-31", SignKey: k.SignPub(), EncKey: k.EncPub()}))
	}
	ok(b, ch, "enrol", enrol...)
	n := 0
	ctx := context.Background()
	var claimsDone, lines int
	var cpu, inBlock time.Duration
	for b.Loop() {
		b.StopTimer()
		txs := make([][]byte, perBlock)
		for i := range txs {
			txs[i] = ch.Sign(biller, claims.TypeSubmit, benchClaim(ids[n%members], n/members, n%members))
			n++
		}
		b.StartTimer()
		cpu -= cpuTime()
		for _, raw := range txs {
			res, err := ch.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
			if err != nil || res.Code != 0 {
				b.Fatalf("CheckTx: %v %s", err, chaintest.Describe(res))
			}
		}
		t0 := time.Now()
		for i, r := range ch.Block(txs...) {
			if r.Code != 0 {
				b.Fatalf("tx %d: %s", i, chaintest.Describe(r))
			}
		}
		inBlock += time.Since(t0)
		cpu += cpuTime()
		claimsDone += perBlock
		lines += 5 * perBlock
	}
	b.ReportMetric(float64(claimsDone)/b.Elapsed().Seconds(), "claims/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(claimsDone), "ns/claim")
	// The process's CPU time (user and system, every thread: the garbage
	// collector's too) per claim: less disturbed than the elapsed time by
	// other processes on the machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(claimsDone), "cpu-ns/claim")
	// FinalizeBlock and Commit, which run one after another on CometBFT's
	// consensus goroutine: what bounds a node's rate.
	b.ReportMetric(float64(inBlock.Nanoseconds())/float64(claimsDone), "block-ns/claim")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
