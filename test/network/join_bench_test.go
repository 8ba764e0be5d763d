//go:build unix

package network_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/medledger/medledger/bench"
	"github.com/medledger/medledger/node"
)

// BenchmarkJoin measures how long a fifth validator takes to join a
// 4-of-5 loopback network after a load of anchors: by state sync (from an
// empty home to the network's height, the snapshot discovery's 5 s
// included), and by replaying every block from genesis (the same node,
// its data moved aside but its last-sign state kept). It reports both in
// seconds, with the chain's height and transactions.
//
//	go test ./test/network -run '^$' -bench BenchmarkJoin -benchtime 1x
func BenchmarkJoin(b *testing.B) {
	if testing.Short() {
		b.Skip("starts processes")
	}
	load := 60 * time.Second
	if v := os.Getenv("MEDLEDGER_JOIN_LOAD"); v != "" {
		var err error
		if load, err = time.ParseDuration(v); err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		dir := b.TempDir()
		out := filepath.Join(dir, "net")
		if err := node.Testnet(out, node.TestnetOptions{Validators: 5, Ports: freePorts(b, 5), BlockTime: 200 * time.Millisecond,
			TimeoutPropose: 500 * time.Millisecond, TimeoutVote: 200 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		const every = 50
		ps := make([]*proc, 4)
		for k := range ps {
			h := node.Home(node.TestnetNodeDir(out, k))
			setStorage(b, h, node.StorageConfig{SnapshotInterval: every})
			ps[k] = startNode(b, fmt.Sprintf("node%d", k), h, dir)
		}
		for _, p := range ps {
			p.waitReady(20 * time.Second)
		}
		waitHeight(b, ps, 3, 20*time.Second)
		ctx := context.Background()
		s := signer(b, out, "northside-hospital/dr-chen")
		st, err := ps[0].cl.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		s.ChainID, s.TTL = st.ChainID, 5_000
		src := bench.AnchorSource(s, "join", bench.RunID(), st.LatestHeight)
		pool, err := bench.Presign(src, int(load.Seconds()*3_000))
		if err != nil {
			b.Fatal(err)
		}
		res, err := bench.Run(ctx, bench.Config{Node: ps[0].url, Duration: load, Pool: pool, Source: src})
		if err != nil {
			b.Fatal(err)
		}
		top := maxHeight(b, ps)
		waitHeight(b, ps, (top/every+1)*every+3, 60*time.Second)
		trusted, err := ps[0].cl.Block(ctx, top)
		if err != nil {
			b.Fatal(err)
		}

		joiner := node.Home(node.TestnetNodeDir(out, 4))
		setStorage(b, joiner, node.StorageConfig{SnapshotInterval: every})
		if err := node.EnableStateSync(joiner, node.StateSync{TrustHeight: trusted.Height, TrustHash: trusted.Hash, Servers: []string{ps[0].url, ps[1].url}}); err != nil {
			b.Fatal(err)
		}
		setTOML(b, joiner, "statesync", map[string]string{"discovery_time": `"5s"`})
		join := func(name string) time.Duration {
			target := maxHeight(b, ps)
			began := time.Now()
			p := startNode(b, name, joiner, dir)
			p.waitReady(60 * time.Second)
			waitHeight(b, []*proc{p}, target, 10*time.Minute)
			took := time.Since(began)
			b.Logf("%s reached height %d in %s", name, target, took.Round(100*time.Millisecond))
			// NOTE: killed, not stopped: a node still in block sync can take
			// more than the 5 s terminate allows to stop, which is not what
			// is measured here; its last-sign state is written before it votes.
			p.kill()
			return took
		}
		synced := join("node4-statesync")

		// Replay: the same node from genesis, keeping its last-sign state.
		data := filepath.Join(string(joiner), "data")
		keep, err := os.ReadFile(filepath.Join(data, "priv_validator_state.json"))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(data, data+".statesync"); err != nil {
			b.Fatal(err)
		}
		if err := os.MkdirAll(data, 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, "priv_validator_state.json"), keep, 0o600); err != nil {
			b.Fatal(err)
		}
		setTOML(b, joiner, "statesync", map[string]string{"enable": "false"})
		replayed := join("node4-replay")

		b.ReportMetric(float64(top), "blocks")
		b.ReportMetric(float64(res.Committed), "txs")
		b.ReportMetric(synced.Seconds(), "s-statesync")
		b.ReportMetric(replayed.Seconds(), "s-replay")
	}
}
