//go:build unix

package network_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
)

// TestDamagedHome starts nodes from homes damaged or mixed up the ways
// backups and hands do it. A home that cannot be run refuses to start and
// says why; a home whose application state is behind CometBFT's, or gone,
// is rebuilt by replaying the blocks, to the same app hash.
func TestDamagedHome(t *testing.T) {
	setUp(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	base := freeBasePort(t, 1)
	if err := node.Testnet(out, node.TestnetOptions{Validators: 1, BasePort: base, BlockTime: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Two other networks: another chain, and another genesis of this chain id.
	other, twin := filepath.Join(dir, "other"), filepath.Join(dir, "twin")
	if err := node.Testnet(other, node.TestnetOptions{Validators: 1, BasePort: base, ChainID: "other-chain"}); err != nil {
		t.Fatal(err)
	}
	if err := node.Testnet(twin, node.TestnetOptions{Validators: 1, BasePort: base}); err != nil {
		t.Fatal(err)
	}
	home := node.Home(node.TestnetNodeDir(out, 0))
	otherHome, twinHome := node.Home(node.TestnetNodeDir(other, 0)), node.Home(node.TestnetNodeDir(twin, 0))

	// A used home: an anchor committed, stopped cleanly ("early"), run on and
	// stopped again ("late").
	p := startNode(t, "node0", home, dir)
	p.waitReady(20 * time.Second)
	waitHeight(t, []*proc{p}, 2, 20*time.Second)
	rec := commitEach(t, []*proc{p}, []client.Signer{signer(t, out, "northside-hospital/dr-chen")})[0]
	waitHeight(t, []*proc{p}, rec.height+2, 20*time.Second)
	p.terminate()
	early := filepath.Join(dir, "early")
	copyDir(t, string(home), early)
	p.restart()
	p.waitReady(20 * time.Second)
	waitHeight(t, []*proc{p}, p.height()+5, 20*time.Second)
	p.terminate()
	lateHeight := lastStoppedHeight(t, p)
	trust, err := client.TrustGenesisFile(home.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}

	write := func(path, s string) func(h string) {
		return func(h string) { mustWrite(t, filepath.Join(h, path), []byte(s)) }
	}
	refusals := []struct {
		name   string
		damage func(h string)
		want   []string // in the output
		hint   bool     // a medledger: hint line follows the error
		early  bool     // damage the early copy instead of the late home
	}{
		{"genesis of another chain", func(h string) { copyFile(t, otherHome.GenesisFile(), filepath.Join(h, "config", "genesis.json")) },
			[]string{"other-chain", "mixes two chains"}, true, false},
		{"genesis of another network with the same chain id", func(h string) { copyFile(t, twinHome.GenesisFile(), filepath.Join(h, "config", "genesis.json")) },
			[]string{"is not the genesis this node's chain started from", "mixes two chains"}, true, false},
		{"truncated validator key", func(h string) { truncate(t, filepath.Join(h, "config", "priv_validator_key.json")) },
			[]string{"priv_validator_key.json is damaged"}, true, false},
		{"garbled validator key", write("config/priv_validator_key.json", "{\"address\": 7"),
			[]string{"priv_validator_key.json is damaged"}, true, false},
		{"validator key whose parts do not match", func(h string) {
			mixKeys(t, filepath.Join(h, "config", "priv_validator_key.json"), filepath.Join(string(otherHome), "config", "priv_validator_key.json"))
		},
			[]string{"priv_validator_key.json is damaged", "do not match"}, true, false},
		{"missing validator state", func(h string) { mustRemove(t, filepath.Join(h, "data", "priv_validator_state.json")) },
			[]string{"priv_validator_state.json is missing", "never signs twice"}, true, false},
		{"garbled validator state", write("data/priv_validator_state.json", "height: 12"),
			[]string{"priv_validator_state.json is damaged"}, true, false},
		{"garbled node key", write("config/node_key.json", "{}"),
			[]string{"node_key.json"}, true, false},
		{"garbled config", write("config/config.toml", "[p2p\nladdr = 1"),
			[]string{"config.toml"}, true, false},
		{"application state ahead of CometBFT's", func(h string) {
			mustRemove(t, filepath.Join(h, "data", "app"))
			copyDir(t, home.AppDataDir(), filepath.Join(h, "data", "app"))
		}, []string{"app block height", "is higher than core"}, true, true},
		{"CometBFT's data deleted, application state kept", func(h string) {
			for _, db := range []string{"blockstore.db", "state.db", "tx_index.db", "evidence.db", "cs.wal"} {
				mustRemove(t, filepath.Join(h, "data", db))
			}
		}, []string{"blockstore.db is missing", "restore the whole data folder"}, true, false},
		{"CometBFT's block store deleted, application state kept", func(h string) {
			mustRemove(t, filepath.Join(h, "data", "blockstore.db"))
		}, []string{"blockstore.db is missing"}, true, false},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			h := filepath.Join(t.TempDir(), "home")
			from := string(home)
			if tt.early {
				from = early
			}
			copyDir(t, from, h)
			tt.damage(h)
			stdout, stderr, err := runCLI(t, 20*time.Second, "start", "--home", h)
			out := stdout + stderr
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("start on a damaged home: %v (it should have refused)\n%s", err, firstLines(out))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output does not say %q:\n%s", w, firstLines(out))
				}
			}
			if tt.hint && (!strings.Contains(stderr, "medledger: error: ") || !strings.Contains(stderr, "medledger: hint: ")) {
				t.Errorf("want a medledger: error line and a medledger: hint line, got:\n%s", firstLines(stderr))
			}
		})
	}

	// Application state behind CometBFT's, or none: the handshake replays
	// the blocks it lacks, checking each app hash, and the node goes on.
	recoveries := []struct {
		name   string
		damage func(h string)
	}{
		{"application state behind CometBFT's", func(h string) {
			mustRemove(t, filepath.Join(h, "data", "app"))
			copyDir(t, filepath.Join(early, "data", "app"), filepath.Join(h, "data", "app"))
		}},
		{"application state deleted", func(h string) { mustRemove(t, filepath.Join(h, "data", "app")) }},
	}
	for _, tt := range recoveries {
		t.Run(tt.name, func(t *testing.T) {
			h := node.Home(filepath.Join(t.TempDir(), "home"))
			copyDir(t, string(home), string(h))
			tt.damage(string(h))
			p := startNode(t, "node0", h, t.TempDir())
			p.waitReady(30 * time.Second)
			waitHeight(t, []*proc{p}, lateHeight+2, 20*time.Second)
			checkAnchors(t, []*proc{p}, []anchorRec{rec})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := p.cl.VerifyAnchor(ctx, trust, rec.digest); err != nil {
				t.Fatalf("verify after replay: %v", err)
			}
			checkStateProofs(t, p, trust, []byte("identity/org/northside-hospital"), 1, p.height()-1)
			p.terminate()
		})
	}
}

// lastStoppedHeight reads the height a node printed when it stopped.
func lastStoppedHeight(t *testing.T, p *proc) int64 {
	t.Helper()
	b, err := os.ReadFile(p.log)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "medledger: stopping at height "
	i := strings.LastIndex(string(b), marker)
	if i < 0 {
		t.Fatalf("%s did not log its stop height", p.name)
	}
	var h int64
	if err := json.Unmarshal([]byte(strings.Fields(string(b[i+len(marker):]))[0]), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// mixKeys writes into keyFile its own private key with other's public key
// and address.
func mixKeys(t *testing.T, keyFile, other string) {
	t.Helper()
	var mine, theirs map[string]json.RawMessage
	for f, m := range map[string]*map[string]json.RawMessage{keyFile: &mine, other: &theirs} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
	}
	mine["pub_key"], mine["address"] = theirs["pub_key"], theirs["address"]
	b, err := json.Marshal(mine)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, keyFile, b)
}

func truncate(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, path, b[:len(b)/2])
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustRemove(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, to, b)
}

// copyDir copies a stopped node's home, as a backup does.
// copyDir copies a home as a backup tool would, permissions included
// (os.CopyFS alone makes every file 0666 less the umask, which the vault
// rightly refuses for its key).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		return os.Chmod(filepath.Join(to, rel), info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
