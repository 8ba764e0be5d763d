//go:build unix

package network_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
)

// setStorage writes storage into a home's config/medledger.json.
func setStorage(t testing.TB, h node.Home, storage node.StorageConfig) {
	t.Helper()
	b, err := os.ReadFile(h.AppConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	var ac node.AppConfig
	if err := json.Unmarshal(b, &ac); err != nil {
		t.Fatal(err)
	}
	ac.Storage = storage
	if b, err = json.Marshal(ac); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.AppConfigFile(), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// setTOML sets keys of one section of a home's config.toml.
func setTOML(t testing.TB, h node.Home, section string, kv map[string]string) {
	t.Helper()
	p := filepath.Join(h.ConfigDir(), "config.toml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sec := regexp.MustCompile(`(?ms)^\[` + regexp.QuoteMeta(section) + `\]\n.*?(?:^\[|\z)`)
	loc := sec.FindIndex(b)
	if loc == nil {
		t.Fatalf("%s has no [%s]", p, section)
	}
	part := b[loc[0]:loc[1]]
	for k, v := range kv {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(k) + ` = .*$`)
		if !re.Match(part) {
			t.Fatalf("%s: [%s] has no %s", p, section, k)
		}
		part = re.ReplaceAll(part, []byte(k+" = "+v))
	}
	out := append(append(append([]byte{}, b[:loc[0]]...), part...), b[loc[1]:]...)
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStateSync runs 4 of a 5-validator network (4 of 5 is more than two
// thirds) that takes a snapshot every 10 blocks, anchors through it, and
// after about 40 blocks starts the fifth validator from an empty home by
// state sync, trusting a height and hash read from a member: it restores
// the latest snapshot (its block store begins after it: it replayed
// nothing before), serves the anchors made before it joined from the
// restored state, has the same blocks and app hash as the others at
// every height it holds, and takes part: anchors sent through it commit.
func TestStateSync(t *testing.T) {
	setUp(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	ports := freePorts(t, 5)
	if err := node.Testnet(out, node.TestnetOptions{Validators: 5, Ports: ports, BlockTime: 100 * time.Millisecond,
		TimeoutPropose: 500 * time.Millisecond, TimeoutVote: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	const every = 10
	ps := make([]*proc, 4)
	for k := range ps {
		h := node.Home(node.TestnetNodeDir(out, k))
		setStorage(t, h, node.StorageConfig{SnapshotInterval: every})
		ps[k] = startNode(t, fmt.Sprintf("node%d", k), h, dir)
	}
	for _, p := range ps {
		p.waitReady(20 * time.Second)
	}
	waitHeight(t, ps, 3, 20*time.Second)
	signers := []client.Signer{
		signer(t, out, "northside-hospital/dr-chen"), signer(t, out, "lakeside-clinic/dr-patel"),
		signer(t, out, "cityrx-pharmacy/pharmacist"), signer(t, out, "acme-pharma/packager"),
		signer(t, out, "medsupply-dist/warehouse"),
	}
	recs := commitEach(t, ps, signers)
	waitHeight(t, ps, every+5, 60*time.Second)

	// The trusted height and hash come from a member, as an operator
	// would read them (GET /v1/blocks/{height}).
	ctx := context.Background()
	trusted, err := ps[0].cl.Block(ctx, every+2)
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, commitEach(t, ps, signers)...)
	waitHeight(t, ps, 3*every+10, 90*time.Second)
	recs = append(recs, commitEach(t, ps, signers)...)

	joiner := node.Home(node.TestnetNodeDir(out, 4))
	setStorage(t, joiner, node.StorageConfig{SnapshotInterval: every})
	// As medledger start --state-sync --trust-height --trust-hash
	// --sync-from does before it starts the node.
	if err := node.EnableStateSync(joiner, node.StateSync{TrustHeight: trusted.Height, TrustHash: trusted.Hash, Servers: []string{ps[0].url, ps[1].url}}); err != nil {
		t.Fatal(err)
	}
	setTOML(t, joiner, "statesync", map[string]string{"discovery_time": `"5s"`})
	began := time.Now()
	top := maxHeight(t, ps)
	p := startNode(t, "node4", joiner, dir)
	p.waitReady(20 * time.Second)
	all := append(append([]*proc{}, ps...), p)
	waitHeight(t, all, top+2, 90*time.Second)
	t.Logf("node4 joined by state sync at height %d in %s", top+2, time.Since(began).Round(100*time.Millisecond))

	base, err := p.cl.Block(ctx, 1)
	if err == nil {
		t.Fatalf("node4 holds block 1 (%s): it replayed the chain instead of restoring a snapshot", base.Hash)
	}
	low := top
	for ; low > 1; low-- {
		if _, err := p.cl.Block(ctx, low-1); err != nil {
			break
		}
	}
	if low%every != 1 || low <= trusted.Height {
		t.Errorf("node4's first block is %d; want the one after a snapshot (every %d blocks)", low, every)
	}
	t.Logf("node4 restored the snapshot of height %d", low-1)
	checkFrom(t, all, low, top+2)
	for _, r := range recs {
		var a struct {
			TxHash string `json:"tx_hash"`
			Height int64  `json:"height"`
		}
		if err := p.cl.Get(ctx, "/v1/anchors/"+r.digest, &a); err != nil || a.Height != r.height {
			t.Fatalf("node4: anchor %s made at %d before it joined: %+v, %v", r.digest, r.height, a, err)
		}
	}
	more := commitEach(t, all, signers)
	waitHeight(t, all, lastHeight(more)+1, 30*time.Second)
	checkAnchors(t, all, more)
	checkFrom(t, all, lastHeight(more)-5, lastHeight(more)+1)

	// Restarted, it goes on from its blocks: no second state sync.
	p.terminate()
	p.restart()
	p.waitReady(20 * time.Second)
	waitHeight(t, all, lastHeight(more)+5, 30*time.Second)
	if _, err := p.cl.Block(ctx, low-1); err == nil {
		t.Errorf("after a restart node4 holds block %d, before its snapshot", low-1)
	}
	checkFrom(t, all, lastHeight(more)+1, lastHeight(more)+5)
}

// checkFrom checks that every node has the same block and app hash at each
// height in [from, to].
func checkFrom(t testing.TB, ps []*proc, from, to int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for h := from; h <= to; h++ {
		var hash, app string
		for i, p := range ps {
			b, err := p.cl.Block(ctx, h)
			if err != nil {
				t.Fatalf("%s: block %d: %v", p.name, h, err)
			}
			if i == 0 {
				hash, app = b.Hash, b.AppHash
				continue
			}
			if b.Hash != hash || b.AppHash != app {
				t.Fatalf("height %d: %s has block %s app hash %s, %s has %s and %s", h, p.name, b.Hash, b.AppHash, ps[0].name, hash, app)
			}
		}
	}
}
