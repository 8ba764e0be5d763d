//go:build unix

package network_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// jepsenRun is one run of the fault-injection test.
type jepsenRun struct {
	Chaos time.Duration // how long the nemesis acts
	Every time.Duration // the mean pause between its actions
	// KillWeight is the weight of kill actions against 2 for pauses (0: 2,
	// as many of each).
	KillWeight int
	Load       int // clients, each committing one anchor at a time
}

// jepsenFigures is what a run measured (BENCHMARKS.md).
type jepsenFigures struct {
	Chaos        string  `json:"chaos"`
	Kills        int     `json:"kills"`
	Pauses       int     `json:"pauses"`
	Acknowledged int     `json:"acknowledged"`  // reported committed to a client
	Found        int     `json:"found"`         // of them, found on every node at the height acknowledged
	Unknown      int     `json:"unknown"`       // sent, outcome unknown to the client (then found or not)
	UnknownFound int     `json:"unknown_found"` // of them, committed after all
	Refused      int     `json:"refused"`       // answered with a problem
	Forks        int     `json:"forks"`         // heights at which two nodes hold different blocks or app hashes
	Height       int64   `json:"height"`
	CatchUpP50   float64 `json:"catch_up_p50_s"` // a killed validator, restarted, to the others' height
	CatchUpMax   float64 `json:"catch_up_max_s"`
	HealS        float64 `json:"heal_s"` // the last fault healed to all four at one height
}

// TestJepsen runs 4 validators on loopback under a bounded load while a
// nemesis, at random, kills one validator (SIGKILL, restarted a few
// seconds later from its home) and pauses another (SIGSTOP, then
// SIGCONT), sometimes both at once (the chain then halts, and must not
// fork). Afterwards every transaction acknowledged as committed is found
// on every node, at its height, with its anchor in every node's state;
// every node has the same block and app hash at every height; every node
// is healthy. About a minute and a half.
func TestJepsen(t *testing.T) {
	setUp(t)
	jepsen(t, jepsenRun{Chaos: 45 * time.Second, Every: 2500 * time.Millisecond, Load: 4})
}

// TestJepsenLong is the long run (10 minutes of faults, about 100 kills),
// run by hand; BENCHMARKS.md has its figures:
//
//	MEDLEDGER_JEPSEN_LONG=1 go test ./test/network -run TestJepsenLong -timeout 40m -v
func TestJepsenLong(t *testing.T) {
	if os.Getenv("MEDLEDGER_JEPSEN_LONG") == "" {
		t.Skip("run by hand: MEDLEDGER_JEPSEN_LONG=1")
	}
	setUp(t)
	jepsen(t, jepsenRun{Chaos: 10 * time.Minute, Every: 800 * time.Millisecond, KillWeight: 3, Load: 4})
}

func jepsen(t *testing.T, run jepsenRun) {
	if run.KillWeight == 0 {
		run.KillWeight = 2
	}
	began := time.Now()
	dir := t.TempDir()
	out := dir + "/net"
	err := node.Testnet(out, node.TestnetOptions{Validators: 4, Ports: freePorts(t, 4), BlockTime: 100 * time.Millisecond,
		TimeoutPropose: 500 * time.Millisecond, TimeoutVote: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*proc, 4)
	for k := range ps {
		ps[k] = startNode(t, fmt.Sprintf("node%d", k), node.Home(node.TestnetNodeDir(out, k)), dir)
	}
	for _, p := range ps {
		p.waitReady(30 * time.Second)
	}
	waitHeight(t, ps, 3, 30*time.Second)
	signers := []client.Signer{
		signer(t, out, "northside-hospital/dr-chen"), signer(t, out, "lakeside-clinic/dr-patel"),
		signer(t, out, "cityrx-pharmacy/pharmacist"), signer(t, out, "acme-pharma/packager"),
	}

	// up[k] is whether the load may use node k: not killed, not paused.
	var up [4]atomic.Bool
	for k := range up {
		up[k].Store(true)
	}
	var (
		mu      sync.Mutex
		acked   []anchorRec
		unknown []string // hashes
		refused int
		fig     jepsenFigures
	)
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range run.Load {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			s := signers[w%len(signers)]
			for ctx.Err() == nil {
				k := r.IntN(4)
				if !up[k].Load() {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				p := ps[k]
				cctx, cancel := context.WithTimeout(ctx, 8*time.Second)
				d := newDigest(t)
				res, err := p.cl.Send(cctx, s, notary.TypeAnchor, notary.AnchorBody{Digest: d, Kind: "lab-report"}, "commit")
				cancel()
				mu.Lock()
				var ou *client.OutcomeUnknownError
				switch {
				case err == nil && res.Committed && res.Height > 0:
					acked = append(acked, anchorRec{digest: d, hash: res.Hash, via: p.name, height: res.Height})
				case errors.As(err, &ou):
					unknown = append(unknown, ou.Hash)
				case client.IsProblem(err):
					refused++
				}
				mu.Unlock()
				time.Sleep(time.Duration(r.IntN(50)) * time.Millisecond)
			}
		})
	}

	// The nemesis: kills and pauses at random, one of each at most.
	r := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	killed, paused := -1, -1
	var catchUps []float64
	heal := func(which *int) {
		if *which < 0 {
			return
		}
		k := *which
		if which == &paused {
			if err := ps[k].cmd.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatalf("%s: SIGCONT: %v", ps[k].name, err)
			}
		} else {
			ps[k].restart()
			// NOTE: measured from the restart, in the nemesis' own time:
			// the node must serve again and reach the others' height.
			target := maxHeightOf(ps, k, &up)
			start := time.Now()
			ps[k].waitReady(60 * time.Second)
			waitHeight(t, ps[k:k+1], target, 120*time.Second)
			catchUps = append(catchUps, time.Since(start).Seconds())
		}
		up[k].Store(true)
		*which = -1
	}
	end := time.Now().Add(run.Chaos)
	for time.Now().Before(end) {
		time.Sleep(run.Every/2 + time.Duration(r.Int64N(int64(run.Every))))
		switch r.IntN(run.KillWeight + 2) {
		default: // kill one, or bring the killed one back
			if killed >= 0 {
				heal(&killed)
				continue
			}
			k := pick(r, killed, paused)
			up[k].Store(false)
			ps[k].kill()
			killed = k
			fig.Kills++
		case 0, 1: // pause one, or let the paused one go on
			if paused >= 0 {
				heal(&paused)
				continue
			}
			k := pick(r, killed, paused)
			up[k].Store(false)
			if err := ps[k].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatalf("%s: SIGSTOP: %v", ps[k].name, err)
			}
			paused = k
			fig.Pauses++
		}
	}
	heal(&paused)
	heal(&killed)
	healed := time.Now()
	stopLoad()
	wg.Wait()

	// All four reach one height; then every acknowledged transaction is
	// on every node, and no two nodes differ at any height.
	h := maxHeight(t, ps) + 2
	waitHeight(t, ps, h, 120*time.Second)
	fig.HealS = time.Since(healed).Seconds()
	fig.Acknowledged, fig.Found = len(acked), countFound(t, ps, acked)
	if fig.Found != fig.Acknowledged {
		t.Errorf("%d of %d acknowledged transactions are missing from some node", fig.Acknowledged-fig.Found, fig.Acknowledged)
	}
	fig.Forks = countForks(t, ps, h)
	if fig.Forks > 0 {
		t.Errorf("%d heights at which the nodes differ", fig.Forks)
	}
	for _, hash := range unknown {
		if _, err := ps[0].cl.Tx(context.Background(), hash, false); err == nil {
			fig.UnknownFound++
		}
	}
	for _, p := range ps {
		if st := p.status(); !st.Healthy {
			t.Errorf("%s is unhealthy after the run: %v", p.name, st.Problems)
		}
	}
	fig.Chaos, fig.Unknown, fig.Refused, fig.Height = run.Chaos.String(), len(unknown), refused, h
	if n := len(catchUps); n > 0 {
		sort.Float64s(catchUps)
		fig.CatchUpP50, fig.CatchUpMax = catchUps[n/2], catchUps[n-1]
	}
	if fig.Kills == 0 || fig.Pauses == 0 || fig.Acknowledged < 20 {
		t.Errorf("the run did too little to mean anything: %+v", fig)
	}
	b, _ := json.Marshal(fig)
	t.Logf("jepsen figures (%s in all): %s", time.Since(began).Round(time.Second), b)
	for _, p := range ps {
		p.terminate()
	}
}

// pick chooses a validator that is neither killed nor paused.
func pick(r *rand.Rand, killed, paused int) int {
	var free []int
	for k := range 4 {
		if k != killed && k != paused {
			free = append(free, k)
		}
	}
	return free[r.IntN(len(free))]
}

// maxHeightOf is the highest height of the nodes other than skip that the
// load may use.
func maxHeightOf(ps []*proc, skip int, up *[4]atomic.Bool) int64 {
	var h int64
	for k, p := range ps {
		if k == skip || !up[k].Load() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := p.cl.Status(ctx)
		cancel()
		if err == nil {
			h = max(h, st.LatestHeight)
		}
	}
	return h
}

// countFound counts the acknowledged transactions that every node holds at
// their height, applied, with their anchor in its state.
func countFound(t *testing.T, ps []*proc, recs []anchorRec) int {
	t.Helper()
	found := 0
	for _, r := range recs {
		ok := true
		for _, p := range ps {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			tx, err := p.cl.Tx(ctx, r.hash, false)
			var a notary.Anchor
			if err == nil {
				err = p.cl.Get(ctx, "/v1/anchors/"+r.digest, &a)
			}
			cancel()
			if err != nil || tx.Height != r.height || tx.Code != 0 || a.TxHash != r.hash {
				t.Errorf("%s: tx %s acknowledged at height %d through %s: height %d code %d, anchor %s, %v", p.name, r.hash, r.height, r.via, tx.Height, tx.Code, a.TxHash, err)
				ok = false
			}
		}
		if ok {
			found++
		}
	}
	return found
}

// countForks compares every node's block hash and app hash at every height
// from 1 to h and counts the heights at which they differ.
func countForks(t *testing.T, ps []*proc, h int64) int {
	t.Helper()
	forks := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for height := int64(1); height <= h; height++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var seen []string
			for _, p := range ps {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				b, err := p.cl.Block(ctx, height)
				cancel()
				if err != nil {
					t.Errorf("%s: block %d: %v", p.name, height, err)
					return
				}
				seen = append(seen, b.Hash+"/"+b.AppHash)
			}
			if slices.ContainsFunc(seen, func(x string) bool { return x != seen[0] }) {
				mu.Lock()
				forks++
				mu.Unlock()
				t.Errorf("fork at height %d: %s", height, strings.Join(seen, " "))
			}
		})
	}
	wg.Wait()
	return forks
}
