// Package bench is medledger's end-to-end load generator. It submits
// transactions to a node's REST API (POST /v1/tx?mode=sync, the raw bytes as
// application/octet-stream) from a number of concurrent workers, learns
// their commits from the node's commit stream (GET /v1/stream/commits), and
// reports committed transactions per second and commit latency (from the
// start of a transaction's submission to the arrival of its block's commit
// event).
//
// It also runs CometBFT's own kvstore example app behind the same three
// routes (StartKVStore), so that one harness measures both medledger and the
// engine's ceiling.
//
// It owns load generation and measurement only: it signs nothing itself
// (callers pass a Source) and reads no flags.
package bench

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
)

// Source makes the i-th transaction of a run. It MUST be safe to call from
// several goroutines at once (with distinct i) and MUST return distinct
// transactions for distinct i.
type Source func(i int) ([]byte, error)

// Defaults of Config.
const (
	DefaultDuration = 20 * time.Second
	// DefaultConcurrency and DefaultBatch: two requests of 100 transactions
	// in flight keep the mempool full while leaving the node's consensus
	// goroutine a core; more concurrent requests only made the CPU-bound
	// CheckTx path and consensus take turns (BENCHMARKS.md).
	DefaultConcurrency = 2
	DefaultBatch       = 100
	// DefaultMaxInflight bounds what waits in the mempool: with 0.5 s
	// blocks, enough for 10,000 tx/s; more only lengthens blocks and
	// latency.
	DefaultMaxInflight = 10_000
	// DefaultDrain bounds the wait, after the window, for transactions
	// still in flight.
	DefaultDrain = 30 * time.Second
)

// Config of a run.
type Config struct {
	// Node is the base URL of the node's REST API.
	Node string
	// Duration of the timed window during which transactions are sent.
	Duration time.Duration
	// Concurrency is the number of workers, each with at most one HTTP
	// request outstanding.
	Concurrency int
	// Batch is how many transactions a worker sends per request: 1 sends
	// each alone to POST /v1/tx, more send them together to POST /v1/txs.
	Batch int
	// MaxInflight bounds the transactions submitted but not yet seen
	// committed; a worker waits for a slot before it sends.
	MaxInflight int
	// Pool holds transactions made before the window (see Presign), sent
	// first, in order; when they run out, workers call Source during the
	// window (reported as MadeInWindow). Run takes ownership of Pool.
	Pool [][]byte
	// Source makes the transactions past the pool, numbered from len(Pool).
	Source Source
	// Drain bounds the wait for in-flight transactions after the window.
	Drain time.Duration
	// Progress, if set, receives a line per second during the window.
	Progress io.Writer
	// Rate, if positive, offers transactions at this many per second in
	// the window (open loop: transaction i is due at start + i/Rate, and
	// its latency counts from when it was due, so a node that falls behind
	// is not flattered by a client that waits for it) instead of as fast
	// as the workers and MaxInflight allow. Batch is then 1.
	Rate float64
	// Target names what the run measures in its result; empty means Node.
	Target string
	// Processes are other processes (the validators of a testnet) whose
	// CPU time in the window the result reports one by one, where the
	// system tells (Linux's /proc).
	Processes []int
}

// Result of a run. The JSON names are part of `medledger bench -o json`.
type Result struct {
	Target      string  `json:"target"`
	DurationS   float64 `json:"duration_s"`
	Concurrency int     `json:"concurrency"`
	Batch       int     `json:"batch"`
	MaxInflight int     `json:"max_inflight"`
	// Rate is the offered rate of an open-loop run (Config.Rate), in
	// transactions per second; absent for a closed-loop run.
	Rate float64 `json:"rate,omitempty"`

	Presigned    int   `json:"presigned"`
	MadeInWindow int64 `json:"made_in_window"`
	Submitted    int64 `json:"submitted"`
	Rejected     int64 `json:"rejected"` // refused by CheckTx or the API
	// Committed counts transactions applied (code 0) in blocks whose commit
	// arrived within the window; CommittedTPS is that over the window.
	Committed    int64   `json:"committed"`
	CommittedTPS float64 `json:"committed_tps"`
	// FailedInBlock counts transactions included in a block but refused
	// there (nonzero code); Unconfirmed those never seen after the drain.
	FailedInBlock int64 `json:"failed_in_block"`
	Unconfirmed   int64 `json:"unconfirmed"`

	// Commit latency of every applied transaction of the run (the window's
	// and the drain's), in milliseconds.
	P50ms  float64 `json:"p50_ms"`
	P95ms  float64 `json:"p95_ms"`
	P99ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	Blocks int     `json:"blocks"` // commit events in the window
	// MeanBlockTxs is the mean transactions per block in the window.
	MeanBlockTxs float64 `json:"mean_block_txs"`
	// CPUs is the CPU time this process (the client, and the node when it
	// runs in-process) used during the window, in seconds;
	// CPUMicrosPerTx is that per committed transaction. With the node
	// in-process they measure the whole system's cost per transaction,
	// whatever else the machine runs.
	CPUs           float64 `json:"cpu_s"`
	CPUMicrosPerTx float64 `json:"cpu_us_per_tx,omitempty"`
	// ProcessCPUs is the CPU time of each of Config.Processes in the
	// window, in seconds, and ProcessCPUMicrosPerTx that per committed
	// transaction: with a testnet, what each validator pays for one.
	ProcessCPUs           []float64 `json:"process_cpu_s,omitempty"`
	ProcessCPUMicrosPerTx []float64 `json:"process_cpu_us_per_tx,omitempty"`
	// Load1 is the machine's one-minute load average at the end of the
	// window (0 where unknown): above the core count, other processes took
	// CPU from this run.
	Load1 float64 `json:"load1,omitempty"`
	// StorageBytes is how much the node's data folder on disk grew from
	// the start of the window to the end of the drain, and
	// StorageBytesPerTx that per transaction applied in the run (window
	// and drain), from the node's GET /metrics; absent when the node does
	// not serve it. NOTE: the database compacts in bursts, so a short run
	// measures its writes more than what it finally keeps.
	StorageBytes      int64   `json:"storage_bytes,omitempty"`
	StorageBytesPerTx float64 `json:"storage_bytes_per_tx,omitempty"`
	// ViewRebased and ViewRechecked count the blocks of the run after
	// which the node (the first, of a testnet) rebased its view of the
	// mempool or rechecked every waiting transaction in full
	// (medledger_mempool_view_blocks_total).
	ViewRebased   int64 `json:"view_rebased,omitempty"`
	ViewRechecked int64 `json:"view_rechecked,omitempty"`
	// Errors counts rejections by problem title (e.g. "mempool-full").
	Errors map[string]int64 `json:"errors,omitempty"`
}

func (c *Config) defaults() {
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.MaxInflight <= 0 {
		c.MaxInflight = DefaultMaxInflight
	}
	if c.Drain <= 0 {
		c.Drain = DefaultDrain
	}
	if c.Rate > 0 {
		c.Batch = 1
	}
}

// Presign calls src for 0..n-1 on all cores and returns the transactions.
func Presign(src Source, n int) ([][]byte, error) {
	out := make([][]byte, n)
	workers := runtime.GOMAXPROCS(0)
	var next atomic.Int64
	var wg sync.WaitGroup
	var errOnce sync.Once
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				b, err := src(i)
				if err != nil {
					errOnce.Do(func() { first = err })
					return
				}
				out[i] = b
			}
		}()
	}
	wg.Wait()
	return out, first
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// tracker holds the submission time of every transaction in flight.
type tracker struct {
	mu      sync.Mutex
	pending map[[32]byte]time.Time
}

func (t *tracker) add(h [32]byte, at time.Time) {
	t.mu.Lock()
	t.pending[h] = at
	t.mu.Unlock()
}

func (t *tracker) take(h [32]byte) (time.Time, bool) {
	t.mu.Lock()
	at, ok := t.pending[h]
	if ok {
		delete(t.pending, h)
	}
	t.mu.Unlock()
	return at, ok
}

func (t *tracker) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// Run runs the load and measures it.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg.defaults()
	cfg.Node = strings.TrimRight(cfg.Node, "/")
	res := Result{Target: cmp.Or(cfg.Target, cfg.Node), DurationS: cfg.Duration.Seconds(), Concurrency: cfg.Concurrency, Batch: cfg.Batch, MaxInflight: cfg.MaxInflight, Rate: cfg.Rate}
	if cfg.Source == nil {
		return res, errors.New("bench: no transaction source")
	}
	hc := &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        cfg.Concurrency + 4,
		MaxIdleConnsPerHost: cfg.Concurrency + 4,
		DisableCompression:  true,
	}}
	defer hc.CloseIdleConnections()
	cl := client.New(cfg.Node)
	cl.HTTP = hc

	pool := cfg.Pool
	res.Presigned = len(pool)

	// Subscribe before sending anything, so no commit is missed.
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	stream, err := cl.Commits(streamCtx)
	if err != nil {
		return res, err
	}
	events := stream.C

	tr := &tracker{pending: make(map[[32]byte]time.Time, cfg.MaxInflight)}
	slots := make(chan struct{}, cfg.MaxInflight)
	var (
		next                      atomic.Int64
		submitted, rejected, made atomic.Int64
		errMu                     sync.Mutex
		errs                      = map[string]int64{}
	)
	m0, err := Metrics(ctx, hc, cfg.Node)
	if err != nil {
		return res, err
	}
	disk0, hasDisk := m0[storageMetric]
	pids0 := make([]time.Duration, len(cfg.Processes))
	for i, pid := range cfg.Processes {
		pids0[i], _ = PIDCPU(pid)
	}
	start, cpu0 := time.Now(), processCPU()
	var cpuWindow time.Duration
	pidsWindow := make([]time.Duration, len(cfg.Processes))
	closeWindow := func() { // the window's CPU, once, when it ends
		if cpuWindow != 0 {
			return
		}
		cpuWindow = processCPU() - cpu0
		for i, pid := range cfg.Processes {
			if c, err := PIDCPU(pid); err == nil {
				pidsWindow[i] = c - pids0[i]
			}
		}
	}
	end := start.Add(cfg.Duration)
	sendCtx, stopSend := context.WithDeadline(ctx, end)
	defer stopSend()

	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raws := make([][]byte, 0, cfg.Batch)
			hashes := make([][32]byte, 0, cfg.Batch)
			var due time.Time // with Rate: when the batch's one transaction was due
			for sendCtx.Err() == nil {
				raws, hashes = raws[:0], hashes[:0]
				for len(raws) < cfg.Batch {
					// NOTE: when no slot is free, send a partial batch rather
					// than hold slots that no commit would ever free.
					if !acquire(sendCtx, slots, len(raws) == 0) {
						break
					}
					i := int(next.Add(1) - 1)
					if cfg.Rate > 0 {
						due = start.Add(time.Duration(float64(i) * float64(time.Second) / cfg.Rate))
						if !sleepUntil(sendCtx, due) {
							<-slots
							break
						}
					}
					var raw []byte
					if i < len(pool) {
						raw, pool[i] = pool[i], nil
					} else {
						var err error
						if raw, err = cfg.Source(i); err != nil {
							for range len(raws) + 1 {
								<-slots
							}
							countErr(&errMu, errs, "source: "+err.Error())
							return
						}
						made.Add(1)
					}
					raws = append(raws, raw)
				}
				if len(raws) == 0 {
					continue
				}
				now := time.Now()
				if cfg.Rate > 0 && due.Before(now) {
					now = due
				}
				for _, raw := range raws {
					h := sha256.Sum256(raw)
					hashes = append(hashes, h)
					tr.add(h, now)
				}
				titles, err := submit(sendCtx, cl, raws)
				refused := 0
				for i, h := range hashes {
					title := ""
					if err != nil {
						title = err.Error()
					} else if titles[i] != "" {
						title = titles[i]
					}
					if title == "" {
						continue
					}
					if _, ok := tr.take(h); ok {
						<-slots
					}
					if sendCtx.Err() != nil {
						continue // the window closed during the request
					}
					refused++
					countErr(&errMu, errs, title)
				}
				rejected.Add(int64(refused))
				submitted.Add(int64(len(raws) - refused))
				if refused > 0 && sendCtx.Err() == nil {
					time.Sleep(20 * time.Millisecond) // e.g. a full mempool: let it drain
				}
			}
		}()
	}

	var (
		latencies         []time.Duration
		committed, failed int64
		blocks, blockTxs  int
		progressAt        = start.Add(time.Second)
		lastCommitted     int64
		allDone           = make(chan struct{})
		sendersDone       = allDone
		drainTimer        <-chan time.Time
		sendersFinished   bool
		streamFailure     error
	)
	go func() { wg.Wait(); close(allDone) }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				streamFailure = stream.Err()
				break loop
			}
			at := time.Now()
			// A transaction the mempool dropped frees its slot; the event
			// is no block.
			for _, d := range ev.Dropped {
				var h [32]byte
				if _, err := hex.Decode(h[:], []byte(d.Hash)); err != nil {
					continue
				}
				if _, ok := tr.take(h); ok {
					<-slots
					failed++
				}
			}
			if len(ev.Dropped) > 0 {
				continue
			}
			inWindow := at.Before(end)
			if !inWindow {
				closeWindow()
			}
			if inWindow {
				blocks++
			}
			for _, t := range ev.Txs {
				var h [32]byte
				if _, err := hex.Decode(h[:], []byte(t.Hash)); err != nil {
					continue
				}
				sent, ok := tr.take(h)
				if !ok {
					continue // not ours, or sent before this run
				}
				<-slots
				if t.Code != 0 {
					failed++
					continue
				}
				latencies = append(latencies, at.Sub(sent))
				if inWindow {
					committed++
					blockTxs++
				}
			}
			if sendersFinished && tr.len() == 0 {
				break loop
			}
		case <-sendersDone:
			sendersDone = nil
			sendersFinished = true
			if tr.len() == 0 {
				break loop
			}
			drainTimer = time.After(cfg.Drain)
		case <-drainTimer:
			break loop
		case now := <-tick.C:
			if !now.Before(end) {
				closeWindow()
			}
			if cfg.Progress != nil && now.After(progressAt) && now.Before(end) {
				fmt.Fprintf(cfg.Progress, "bench: %3.0fs  committed %7d  (%6.0f tx/s in the last second)  in flight %d\n",
					now.Sub(start).Seconds(), committed, float64(committed-lastCommitted)/now.Sub(progressAt.Add(-time.Second)).Seconds(), tr.len())
				lastCommitted = committed
				progressAt = now.Add(time.Second)
			}
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	stopSend()
	<-allDone
	if streamFailure != nil {
		return res, fmt.Errorf("commit stream: %w", streamFailure)
	}
	res.Submitted, res.Rejected, res.MadeInWindow = submitted.Load(), rejected.Load(), made.Load()
	res.Committed, res.FailedInBlock, res.Unconfirmed = committed, failed, int64(tr.len())
	res.CommittedTPS = float64(committed) / cfg.Duration.Seconds()
	closeWindow()
	res.CPUs = cpuWindow.Seconds()
	res.Load1 = loadAverage()
	if committed > 0 {
		res.CPUMicrosPerTx = float64(cpuWindow.Microseconds()) / float64(committed)
	}
	for _, c := range pidsWindow {
		res.ProcessCPUs = append(res.ProcessCPUs, c.Seconds())
		if committed > 0 {
			res.ProcessCPUMicrosPerTx = append(res.ProcessCPUMicrosPerTx, float64(c.Microseconds())/float64(committed))
		}
	}
	res.Blocks = blocks
	if blocks > 0 {
		res.MeanBlockTxs = float64(blockTxs) / float64(blocks)
	}
	res.P50ms, res.P95ms, res.P99ms, res.MaxMs = percentiles(latencies)
	m1, err := Metrics(ctx, hc, cfg.Node)
	if err != nil {
		return res, err
	}
	if _, ok := m0[rebasedMetric]; ok {
		res.ViewRebased = int64(m1[rebasedMetric] - m0[rebasedMetric])
		res.ViewRechecked = int64(m1[recheckedMetric] - m0[recheckedMetric])
	}
	if hasDisk {
		res.StorageBytes = int64(m1[storageMetric] - disk0)
		if len(latencies) > 0 {
			res.StorageBytesPerTx = float64(res.StorageBytes) / float64(len(latencies))
		}
	}
	if len(errs) > 0 {
		res.Errors = errs
	}
	return res, nil
}

// acquire takes an in-flight slot: waiting for one if wait, else only if
// one is free. It reports whether it took one.
func acquire(ctx context.Context, slots chan struct{}, wait bool) bool {
	select {
	case slots <- struct{}{}:
		return true
	default:
	}
	if !wait {
		return false
	}
	select {
	case slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func countErr(mu *sync.Mutex, errs map[string]int64, title string) {
	mu.Lock()
	errs[title]++
	mu.Unlock()
}

// submit sends raws with mode=sync: one alone to POST /v1/tx as
// application/octet-stream, more to POST /v1/txs. It returns for each
// transaction the problem title of its refusal ("" when accepted), or an
// error if the node did not answer.
func submit(ctx context.Context, cl *client.Client, raws [][]byte) ([]string, error) {
	titles := make([]string, len(raws))
	var err error
	if len(raws) == 1 {
		_, err = cl.SubmitRaw(ctx, raws[0], "sync")
	} else {
		var br api.BatchResponse
		br, err = cl.SubmitBatch(ctx, api.BatchRequest{Txs: raws, Mode: "sync"})
		if err == nil {
			if len(br.Results) != len(raws) {
				return nil, fmt.Errorf("batch answer has %d results for %d transactions", len(br.Results), len(raws))
			}
			for i, r := range br.Results {
				if r.Problem != nil {
					titles[i] = r.Problem.Title
				}
			}
			return titles, nil
		}
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		// A refusal of the whole request: every transaction shares it.
		for i := range titles {
			titles[i] = ce.Title
		}
		return titles, nil
	}
	return titles, err
}

// percentiles returns p50, p95, p99 and max in milliseconds (nearest rank).
func percentiles(d []time.Duration) (p50, p95, p99, top float64) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(q float64) float64 {
		i := int(q*float64(len(d))+0.999999) - 1
		i = min(max(i, 0), len(d)-1)
		return ms(d[i])
	}
	return at(0.50), at(0.95), at(0.99), ms(d[len(d)-1])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// WriteText writes r for a person, a line per aspect.
func (r Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "target       %s\n", r.Target)
	fmt.Fprintf(w, "window       %.0fs, concurrency %d, batch %d, in-flight cap %d\n", r.DurationS, r.Concurrency, r.Batch, r.MaxInflight)
	if r.Rate > 0 {
		fmt.Fprintf(w, "offered      %.0f tx/s (open loop: latency counts from when each was due)\n", r.Rate)
	}
	fmt.Fprintf(w, "submitted    %d (rejected %d, presigned %d, made in window %d)\n", r.Submitted, r.Rejected, r.Presigned, r.MadeInWindow)
	fmt.Fprintf(w, "committed    %d in the window: %.0f tx/s (failed in block %d, unconfirmed %d)\n", r.Committed, r.CommittedTPS, r.FailedInBlock, r.Unconfirmed)
	fmt.Fprintf(w, "latency      p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms\n", r.P50ms, r.P95ms, r.P99ms, r.MaxMs)
	fmt.Fprintf(w, "blocks       %d (mean %.0f transactions)\n", r.Blocks, r.MeanBlockTxs)
	fmt.Fprintf(w, "cpu          %.1f s of this process in the window (%.0f µs per committed transaction); machine load %.1f\n", r.CPUs, r.CPUMicrosPerTx, r.Load1)
	for i, c := range r.ProcessCPUs {
		per := 0.0
		if i < len(r.ProcessCPUMicrosPerTx) {
			per = r.ProcessCPUMicrosPerTx[i]
		}
		fmt.Fprintf(w, "validator %d  %.1f s of CPU in the window (%.0f µs per committed transaction)\n", i, c, per)
	}
	if r.StorageBytesPerTx != 0 {
		fmt.Fprintf(w, "storage      data/ grew %.1f MB: %.0f bytes per committed transaction\n", float64(r.StorageBytes)/1e6, r.StorageBytesPerTx)
	}
	if r.ViewRebased+r.ViewRechecked > 0 {
		fmt.Fprintf(w, "mempool      after %d blocks the waiting transactions stood as they were, after %d each ran again\n", r.ViewRebased, r.ViewRechecked)
	}
	for title, n := range r.Errors {
		fmt.Fprintf(w, "rejections   %d %s\n", n, title)
	}
}
