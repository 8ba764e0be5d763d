package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/bench"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/node"
)

// benchTTL is the expiry, in blocks past the current height, of the
// transactions a bench signs: long enough for a presigned pool to outlive
// any run, within app.MaxTTL.
const benchTTL = 5_000

// benchReport is the output of medledger bench: the run's result, and with
// --baseline the baseline's result and the ratio of the two throughputs.
type benchReport struct {
	bench.Result
	Baseline *bench.Result `json:"baseline,omitempty"`
	Ratio    float64       `json:"ratio_to_baseline,omitempty"`
}

func (c *CLI) benchCmd() *cobra.Command {
	var (
		cfg        bench.Config
		as, kind   string
		presign    int
		local      bool
		baseline   string
		blockTime  time.Duration
		cpuprofile string
		memprofile string
		pruning    string
		retain     int64
		load       string
		packs      int
		testnet    int
	)
	cmd := &cobra.Command{
		Use: "bench",
		Example: `  medledger bench --local --duration 20s
  medledger bench --local --duration 20s --baseline kvstore -o json
  medledger bench --testnet 4 --rate 1000 --duration 30s   # 4 validator processes offered 1,000 tx/s
  medledger bench --node http://127.0.0.1:26680 --as northside-hospital/dr-chen`,
		Short: "Measure committed signed transactions per second and commit latency",
		Long: `Measure a node end to end: send signed transactions to its REST API and
report committed transactions per second and commit latency percentiles
(from the start of a submission to its block's commit event), and how much
the node's data folder grew per transaction.

--load anchors (the default) sends notary/anchor transactions as --as;
--load custody commissions --packs packs, then ships and receives them
between acme-pharma and medsupply-dist (updates, plus what DSCSA keeps).

Workers (--concurrency) submit with mode=sync (answered after CheckTx); the
bench learns commits from GET /v1/stream/commits. At most --max-inflight
transactions are submitted and not yet committed at once. Transactions are
signed before the timed window (--presign, default enough for 10,000 tx/s)
as --as, with keys from the keystore of --home; if the pool runs out,
workers sign more during the window (reported as made_in_window).

--local starts a fresh single-validator demo node in this process instead
of using --node; --baseline kvstore then also runs CometBFT's kvstore
example app in this process, with the same node configuration and the same
load, and reports the ratio. The client shares the machine's cores with
the node: on a small machine it costs the node part of its throughput.
--testnet N starts N validators on loopback (processes of this binary) and
reports each one's CPU per transaction. --rate R offers R transactions a
second (open loop: latency counts from when each was due).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if baseline != "" && baseline != "kvstore" {
				return cmdline.Hint(cmdline.Usage("unknown baseline %q", cmdline.Short(baseline)), "the only baseline is kvstore")
			}
			if local && testnet > 0 {
				return cmdline.Hint(cmdline.Usage("--local and --testnet both start a node"), "give one of them")
			}
			if load != "anchors" && load != "custody" {
				return cmdline.Hint(cmdline.Usage("unknown load %q", cmdline.Short(load)), "--load is anchors or custody")
			}
			if cfg.Duration <= 0 {
				return cmdline.Hint(cmdline.Usage("--duration must be positive"), "e.g. --duration 20s")
			}
			if presign < 0 {
				presign = int(min(cfg.Duration.Seconds()*10_000, 1_000_000))
			}
			if !c.JSON() {
				cfg.Progress = c.Stdout
			}
			tmp, err := os.MkdirTemp("", "medledger-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			keyOf := c.Signer
			cfg.Node = c.APIURL()
			var keys demo.Keys // of the node --local or --testnet starts
			if testnet > 0 {
				tn, err := bench.StartTestnet(c.Ctx, "", filepath.Join(tmp, "testnet"), testnet, blockTime)
				if err != nil {
					return err
				}
				defer tn.Stop()
				cfg.Node, cfg.Target, cfg.Processes, keys = tn.URLs[0], tn.Name(), tn.PIDs(), tn.Keys
			}
			if local {
				storage := node.PruningFlag(pruning)
				storage.RetainBlocks = retain
				var d *daemon.Daemon
				if d, keys, err = startBenchNode(filepath.Join(tmp, "local"), blockTime, storage); err != nil {
					return err
				}
				defer d.Stop()
				cfg.Node, cfg.Target = d.URL(), "medledger (in-process)"
			}
			if keys != nil {
				keyOf = func(id string) (client.Signer, error) {
					k, ok := keys[id]
					if !ok {
						return client.Signer{}, cmdline.Hint(cmdline.Usage("no demo identity %s", cmdline.Short(id)), "use a demo member, e.g. --as northside-hospital/dr-chen")
					}
					return client.Signer{Key: k}, nil
				}
			}
			cl := client.New(cfg.Node)
			st, err := cl.Status(c.Ctx)
			if err != nil {
				return cmdline.Hint(err, "start a node with medledger dev, or pass --node URL, or use --local")
			}
			signer := func(id string) (client.Signer, error) {
				s, err := keyOf(id)
				s.ChainID, s.TTL = st.ChainID, benchTTL
				return s, err
			}
			run := bench.RunID()
			if err := bench.Prepare(c.Ctx, &cfg, cl, signer, bench.Load{Name: load, As: as, Kind: kind, Packs: packs, Run: run, Height: st.LatestHeight}); err != nil {
				return err
			}
			sample, err := cfg.Source(-1)
			if err != nil {
				return err
			}
			c.Logf("bench: signing %d transactions of the %s load\n", presign, load)
			if cfg.Pool, err = bench.Presign(cfg.Source, presign); err != nil {
				return err
			}
			c.Logf("bench: sending to %s for %s, concurrency %d, batch %d\n", cfg.Node, cfg.Duration, cfg.Concurrency, cfg.Batch)

			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
			}
			if memprofile != "" {
				runtime.MemProfileRate = 64 << 10
			}
			res, err := bench.Run(c.Ctx, cfg)
			if cpuprofile != "" {
				pprof.StopCPUProfile()
			}
			if memprofile != "" {
				if err := bench.WriteAllocProfile(memprofile); err != nil {
					return err
				}
			}
			if err != nil {
				return cmdline.Hint(err, "is %s a medledger node of this version? see medledger bench --help", cfg.Node)
			}
			rep := benchReport{Result: res}
			if baseline == "kvstore" {
				// NOTE: a --local node stays up, idle but for empty blocks, while the baseline runs.
				c.Logf("bench: baseline: CometBFT kvstore example app in-process, %d-byte transactions\n", len(sample))
				bres, err := bench.RunBaseline(c.Ctx, filepath.Join(tmp, "kvstore"), cfg, blockTime, run, len(sample), presign)
				if err != nil {
					return err
				}
				rep.Baseline = &bres
				if bres.CommittedTPS > 0 {
					rep.Ratio = res.CommittedTPS / bres.CommittedTPS
				}
			}
			return c.Print(rep, func(w io.Writer) {
				res.WriteText(w)
				if rep.Baseline != nil {
					fmt.Fprintln(w)
					rep.Baseline.WriteText(w)
					fmt.Fprintf(w, "\nratio        %.2f of the kvstore baseline\n", rep.Ratio)
				}
			})
		},
	}
	f := cmd.Flags()
	f.DurationVar(&cfg.Duration, "duration", bench.DefaultDuration, "length of the timed window")
	f.IntVar(&cfg.Concurrency, "concurrency", bench.DefaultConcurrency, "concurrent submitting workers (each with one request outstanding)")
	f.IntVar(&cfg.Batch, "batch", bench.DefaultBatch, "transactions per request: 1 sends each to POST /v1/tx, more send them together to POST /v1/txs")
	f.IntVar(&cfg.MaxInflight, "max-inflight", bench.DefaultMaxInflight, "most transactions submitted and not yet committed")
	f.StringVar(&load, "load", "anchors", "anchors (notary/anchor as --as, each a new key) or custody (supply ship and receive of commissioned packs between acme-pharma and medsupply-dist: updates only)")
	f.IntVar(&packs, "packs", 0, "packs the custody load commissions before the window and moves in turn (default: twice --max-inflight and the requests in flight)")
	f.StringVar(&as, "as", "northside-hospital/dr-chen", "identity to sign as (a member; any role may anchor)")
	f.StringVar(&kind, "kind", "bench", "kind of the anchored documents")
	f.IntVar(&presign, "presign", -1, "transactions to sign before the window (default: 10,000 per second of --duration)")
	f.BoolVar(&local, "local", false, "start a fresh in-process demo node instead of using --node")
	f.IntVar(&testnet, "testnet", 0, "start an N-validator network on loopback (processes of this binary) instead of using --node")
	f.Float64Var(&cfg.Rate, "rate", 0, "offer this many transactions a second (open loop) instead of as many as the node takes")
	f.StringVar(&baseline, "baseline", "", "also run this baseline in-process and report the ratio: kvstore")
	f.DurationVar(&blockTime, "block-time", node.DefaultBlockTime, "block time of the nodes --local and --baseline start")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the main run (with --local: node and client) to this file")
	f.StringVar(&pruning, "pruning", "default", "state pruning of the node --local starts: default (keep the last 1,000 versions), nothing (keep every version), or N (keep the last N, at least 100)")
	f.Int64Var(&retain, "retain-blocks", 0, "blocks the node --local starts keeps: 0 every one, else the last N (more than the state versions kept)")
	f.StringVar(&memprofile, "memprofile", "", "write an allocation profile of this process (with --local: node and client) after the main run to this file")
	return cmd
}

// startBenchNode starts a fresh demo node in dir, with the modules of this
// binary, and waits for its first block.
func startBenchNode(dir string, blockTime time.Duration, storage node.StorageConfig) (*daemon.Daemon, demo.Keys, error) {
	keys, err := demo.NewKeys(nil)
	if err != nil {
		return nil, nil, err
	}
	apiAddr, err := bench.LoopbackAddr()
	if err != nil {
		return nil, nil, err
	}
	p2pAddr, err := bench.LoopbackAddr()
	if err != nil {
		return nil, nil, err
	}
	h := node.Home(filepath.Join(dir, "home"))
	if err := node.Init(h, node.Options{ChainID: demo.ChainID, Moniker: "northside-hospital", AppState: keys.AppState(),
		APIListen: apiAddr, P2PListen: p2pAddr, BlockTime: blockTime, Storage: storage}); err != nil {
		return nil, nil, err
	}
	cfg := daemonConfig()
	cfg.Home = h
	d, err := daemon.Start(cfg)
	if err != nil {
		return nil, nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for d.Store.Version() < 1 {
		if time.Now().After(deadline) {
			d.Stop()
			return nil, nil, errors.New("the local node made no block in 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return d, keys, nil
}
