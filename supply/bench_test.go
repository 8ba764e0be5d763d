package supply_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/supply"
)

// The figures: a lot of 100,000 serials commissioned, and
// verification with 1,000,000 packs in state.
const (
	benchLot   = 100_000
	benchPacks = 1_000_000
)

// benchTB lends daemontest.Start a testing.TB whose cleanups outlive one
// benchmark run: the framework calls a benchmark function more than once,
// and the loaded node is built once per process. Cleanups run in TestMain.
type benchTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	dirs     []string
}

func (s *benchTB) Helper() {}
func (s *benchTB) Cleanup(f func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}
func (s *benchTB) TempDir() string {
	d, err := os.MkdirTemp("", "medledger-bench-")
	if err != nil {
		s.Fatal(err)
	}
	s.dirs = append(s.dirs, d)
	return d
}

func (s *benchTB) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	for _, d := range s.dirs {
		os.RemoveAll(d)
	}
}

var benchFixtures []*benchTB

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchFixtures {
		f.close()
	}
	os.Exit(code)
}

// sharedNode starts a node that lives until the test binary exits.
func sharedNode(b *testing.B) *daemontest.Node {
	tb := &benchTB{TB: b}
	benchFixtures = append(benchFixtures, tb)
	n := startNode(tb)
	ctx := context.Background()
	if _, err := n.Client.Send(ctx, n.Signer("acme-pharma/admin"), supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Bench"}, "commit"); err != nil {
		b.Fatal(err)
	}
	return n
}

// commissionLot commissions count serials of a new lot in transactions of
// supply.MaxSerials, all submitted at once, and waits until every one is
// committed.
func commissionLot(ctx context.Context, n *daemontest.Node, lot string, count int) error {
	s := n.Signer("acme-pharma/packager")
	st, err := n.Client.Status(ctx)
	if err != nil {
		return err
	}
	var txs [][]byte
	for i := 0; i < count; i += supply.MaxSerials {
		body := supply.CommissionBody{GTIN: gtin, Lot: lot, Expiry: "301231"}
		for j := i; j < min(i+supply.MaxSerials, count); j++ {
			body.Serials = append(body.Serials, fmt.Sprintf("%s-%07d", lot, j))
		}
		raw, err := s.Build(supply.TypeCommission, body, st.LatestHeight)
		if err != nil {
			return err
		}
		txs = append(txs, raw)
	}
	errs := make(chan error, len(txs))
	for _, raw := range txs {
		go func() {
			_, err := n.Client.Submit(ctx, raw, "commit")
			errs <- err
		}()
	}
	for range txs {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkCommissionLot commissions a lot of 100,000 serials per
// iteration through the node API: ten signed transactions of 10,000
// serials, from submission until all are committed.
//
//	go test -run '^$' -bench CommissionLot -benchtime 3x ./supply
func BenchmarkCommissionLot(b *testing.B) {
	n := sharedNode(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if err := commissionLot(ctx, n, fmt.Sprintf("L%d-%d", time.Now().UnixNano()%1e6, i), benchLot); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchLot*b.N)/b.Elapsed().Seconds(), "serials/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/lot")
}

var (
	loadedOnce sync.Once
	loadedNode *daemontest.Node
	loadedErr  error
)

// loaded returns, once per process, a node holding 1,000,000 packs in ten
// lots, with every tenth lot's packs in cases, one lot recalled and some
// packs dispensed, so that answers differ.
func loaded(b *testing.B) *daemontest.Node {
	loadedOnce.Do(func() {
		n := sharedNode(b)
		ctx := context.Background()
		start := time.Now()
		for l := range benchPacks / benchLot {
			if loadedErr = commissionLot(ctx, n, fmt.Sprintf("M%d", l), benchLot); loadedErr != nil {
				return
			}
		}
		b.Logf("loaded %d packs in %s", benchPacks, time.Since(start).Round(time.Second))
		_, loadedErr = n.Client.Send(ctx, n.Signer("acme-pharma/admin"), supply.TypeRecall, supply.RecallBody{GTIN: gtin, Lot: "M9", Reason: "bench"}, "commit")
		loadedNode = n
	})
	if loadedErr != nil {
		b.Fatal(loadedErr)
	}
	return loadedNode
}

// BenchmarkVerifyPack is the pharmacist's scan: GET /v1/verify/pack for
// random packs among 1,000,000 (1% never commissioned), over HTTP
// keep-alive connections, from one client (the latency of a scan) and from
// 8 concurrent clients (the requests per second one node answers, with the
// latency under that load). Reports latency percentiles and req/s.
//
//	go test -run '^$' -bench VerifyPack -benchtime 20000x -timeout 30m ./supply
func BenchmarkVerifyPack(b *testing.B) {
	n := loaded(b)
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			c := client.New(n.URL())
			c.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			lat := make([][]time.Duration, clients)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 1))
					for next.Add(1) <= int64(b.N) {
						lot, i := r.IntN(benchPacks/benchLot), r.IntN(benchLot+benchLot/100)
						code := fmt.Sprintf("(01)%s(21)M%d-%07d", gtin, lot, i)
						t0 := time.Now()
						var v supply.Verification
						err := c.Get(context.Background(), "/v1/verify/pack?code="+url.QueryEscape(code), &v)
						lat[w] = append(lat[w], time.Since(t0))
						if err != nil || v.Result == "" {
							b.Errorf("verify %s: %v %+v", code, err, v)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			all := slices.Concat(lat...)
			slices.Sort(all)
			if len(all) > 0 {
				q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
				b.ReportMetric(q(0.50), "p50-ms")
				b.ReportMetric(q(0.99), "p99-ms")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			}
		})
	}
}
