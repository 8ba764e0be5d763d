package custodian_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/vault/disk"
)

// Figures of the issue: 100,000 records and 100,000 consents in state.
const (
	benchPatients  = 1000
	recordsPerPat  = 100
	consentsPerPat = 100
	// readsPerBlock is how many reads one block carries in the benchmark:
	// a node under load executes many per block, and block-level work
	// (FinalizeBlock's hashing) is shared among them.
	readsPerBlock = 50
)

var (
	benchOnce  sync.Once
	benchChain *chaintest.Chain
	benchPats  []string
)

// setupLoadedChain builds, once, a chain holding 1,000 patients with 100
// records and 100 consents each (spread over the demo organizations and
// members), by real transactions through the app.
func setupLoadedChain(b *testing.B) {
	benchOnce.Do(func() {
		c := chaintest.Demo()
		c.Modules = []app.Module{records.Module{}}
		dir, err := filepathTemp()
		if err != nil {
			b.Fatal(err)
		}
		ch := chaintest.Open(b, dir, c)
		ch.Block()
		start := time.Now()
		var enroll [][]byte
		for i := range benchPatients {
			k := chaintest.NewKey(fmt.Sprintf("bench-patient-%d", i))
			id := identity.PatientID(k.Public())
			ch.SetKey(id, k.Sign)
			benchPats = append(benchPats, id)
			enroll = append(enroll, ch.Sign("northside-hospital/dr-chen", identity.TypeEnrollPatient, identity.EnrollBody{SignKey: k.Public(), EncKey: k.Enc}))
		}
		mustOK(b, ch.Block(enroll...))
		grantees := []string{"lakeside-clinic", "cityrx-pharmacy", "unity-health-plan", "heartwell-trials", "lakeside-clinic/dr-patel"}
		var batch [][]byte
		flush := func() {
			if len(batch) > 0 {
				mustOK(b, ch.Block(batch...))
				batch = batch[:0]
			}
		}
		for i, p := range benchPats {
			for j := range recordsPerPat {
				batch = append(batch, ch.Sign("northside-hospital/dr-chen", records.TypeAdd, records.AddBody{Patient: p,
					ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: chaintest.Digest(fmt.Sprint(i, j)), Ref: fmt.Sprintf("doc-%d-%d", i, j)}))
			}
			for j := range consentsPerPat {
				// The bench's reader (lakeside-clinic/dr-patel) holds only
				// the last consent of each patient; the others are noise.
				g := grantees[j%(len(grantees)-1)+1]
				if j == consentsPerPat-1 {
					g = "lakeside-clinic/dr-patel"
				}
				batch = append(batch, ch.Sign(p, records.TypeGrant, records.GrantBody{Grantee: g, Purposes: []string{records.PurposeTreatment},
					NotAfter: ch.Time.Add(365 * 24 * time.Hour), Scope: records.Scope{Categories: []string{"laboratory"}}}))
			}
			if len(batch) >= 4000 {
				flush()
			}
		}
		flush()
		b.Logf("loaded %d records and %d consents in %s", benchPatients*recordsPerPat, benchPatients*consentsPerPat, time.Since(start).Round(time.Second))
		benchChain = ch
	})
}

func filepathTemp() (string, error) { return os.MkdirTemp("", "medledger-bench-") }

func mustOK(b *testing.B, res []*abciResult) {
	b.Helper()
	for _, r := range res {
		if r.Code != 0 {
			b.Fatalf("setup transaction refused: %s", chaintest.Describe(r))
		}
	}
}

// BenchmarkConsentedRead measures the node's own work for one consented
// read with 100,000 records and 100,000 consents in state: decoding and
// verifying the reader's signed request, CheckTx, its share of executing the
// block that carries it (readsPerBlock reads: the consent check and the
// disclosure write), and the vault's load and re-wrap of a 4 KiB document
// for the reader. The wait for the block is not included (it is the block
// time); Commit is per block, not per read, and is reported apart.
func BenchmarkConsentedRead(b *testing.B) {
	setupLoadedChain(b)
	ch := benchChain
	ctx := context.Background()
	v, closeVault, err := disk.OpenVault(ctx, filepath.Join(b.TempDir(), "vault"), filepath.Join(b.TempDir(), "kek.json"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer closeVault()
	doc := make([]byte, 4096)
	rand.Read(doc)
	rec, err := v.Put(ctx, doc)
	if err != nil {
		b.Fatal(err)
	}
	reader := chaintest.NewKey("lakeside-clinic/dr-patel")
	var lat, commits, appLat, vaultLat []time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(readsPerBlock, b.N-done)
		raws := make([][]byte, n)
		own := make([]time.Duration, n)
		for k := range n {
			i := done + k
			recID := fmt.Sprintf("rec-%d", (i%len(benchPats))*recordsPerPat+1+i%recordsPerPat)
			raws[k] = ch.Sign("lakeside-clinic/dr-patel", records.TypeAccess, records.AccessBody{Record: recID, Purpose: records.PurposeTreatment})
			t0 := time.Now()
			ch.App.PreVerify(raws[k])
			if r := ch.Check(raws[k]); r.Code != 0 {
				b.Fatalf("CheckTx: %s", chaintest.Describe(r))
			}
			own[k] = time.Since(t0)
		}
		t0 := time.Now()
		res := ch.Finalize(ch.Time.Add(time.Second), raws...)
		share := time.Since(t0) / time.Duration(n)
		for k, r := range res.TxResults {
			if r.Code != 0 || !granted(r) {
				b.Fatalf("read %d not granted: %s", k, chaintest.Describe(r))
			}
		}
		for k := range n {
			tv := time.Now()
			if _, err := v.Get(ctx, rec.ID); err != nil {
				b.Fatal(err)
			}
			if _, err := v.Wrap(ctx, rec.ID, reader.Enc); err != nil {
				b.Fatal(err)
			}
			vd := time.Since(tv)
			appLat = append(appLat, own[k]+share)
			vaultLat = append(vaultLat, vd)
			lat = append(lat, own[k]+share+vd)
		}
		t1 := time.Now()
		ch.Commit(res.AppHash)
		commits = append(commits, time.Since(t1))
		done += n
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(commits)
	slices.Sort(appLat)
	slices.Sort(vaultLat)
	q := func(d []time.Duration, p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(lat, 0.50), "p50-ms")
	b.ReportMetric(q(lat, 0.99), "p99-ms")
	b.ReportMetric(q(appLat, 0.99), "chain-p99-ms")
	b.ReportMetric(q(vaultLat, 0.99), "vault-p99-ms")
	b.ReportMetric(q(commits, 0.50), "commit-p50-ms")
}

func granted(r *abciResult) bool {
	for _, ev := range r.Events {
		if ev.Type == records.EventDisclosed {
			return true
		}
	}
	return false
}

type abciResult = abci.ExecTxResult
