//go:build unix

package network_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/internal/damage"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// TestDamagedStorage edits, truncates and flips bytes in copies of a real
// node's home, the ways a tool, a torn copy and a failing disk damage
// them, and shows what the node does with each: it never serves an edited
// value as the chain's, never answers a read of damaged storage with a
// dropped connection, refuses to start on a block store with a gap, says
// it is unhealthy, rebuilds a damaged transaction index from the blocks,
// and medledger check names what is wrong and how to recover.
func TestDamagedStorage(t *testing.T) {
	setUp(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	if err := node.Testnet(out, node.TestnetOptions{Validators: 1, BasePort: freeBasePort(t, 1), BlockTime: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	home := node.Home(node.TestnetNodeDir(out, 0))
	p := startNode(t, "node0", home, dir)
	p.waitReady(20 * time.Second)
	waitHeight(t, []*proc{p}, 2, 20*time.Second)
	signers := []client.Signer{signer(t, out, "northside-hospital/dr-chen"), signer(t, out, "lakeside-clinic/dr-patel")}
	var recs []anchorRec
	for range 10 {
		recs = append(recs, commitEach(t, []*proc{p, p}, signers)...)
	}
	waitHeight(t, []*proc{p}, lastHeight(recs)+2, 20*time.Second)
	var edited notary.Anchor
	if err := p.cl.Get(context.Background(), "/v1/anchors/"+recs[3].digest, &edited); err != nil {
		t.Fatal(err)
	}
	// Stop, start and stop again, so that the databases' journals are
	// written into their tables, as on any node that ran for a while.
	p.terminate()
	p.restart()
	p.waitReady(20 * time.Second)
	p.terminate()
	if stdout, stderr, err := runCLI(t, 60*time.Second, "check", "--home", string(home)); err != nil {
		t.Fatalf("check of the intact home: %v\n%s%s", err, stdout, stderr)
	}

	forged := edited
	forged.Signer, forged.Org = "forger-org/forger", "forger-org"
	forgedJSON, _ := json.Marshal(forged)
	app := func(h string) string { return filepath.Join(h, "data", "app") }
	tables := func(t *testing.T, db string) []string {
		fs, err := damage.Files(db, ".ldb")
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	flipAll := func(t *testing.T, db string) {
		for _, f := range tables(t, db) {
			if err := damage.FlipBytes(f, damage.Size(t, f)/3, int(damage.Size(t, f)/3)); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, c := range []struct {
		name   string
		damage func(t *testing.T, h string)
		// starts: the node starts (and what it then serves is checked);
		// else it refuses, saying refuse.
		starts  bool
		refuse  string
		healthy bool   // it stays healthy (a damaged index is rebuilt)
		check   string // what medledger check says ("" for nothing wrong)
	}{
		{"an anchor's signer edited in the state database", func(t *testing.T, h string) {
			if _, err := damage.EditValue(app(h), notary.Key(recs[3].digest), forgedJSON); err != nil {
				t.Fatal(err)
			}
		}, true, "", false, "notary/anchor/" + recs[3].digest[:8]},
		{"bytes flipped in the state database's tables", func(t *testing.T, h string) {
			flipAll(t, filepath.Join(app(h), "application.db"))
		}, false, "move data/app aside", false, "state"},
		{"the state database's largest table cut in half", func(t *testing.T, h string) {
			if err := damage.Truncate(tables(t, filepath.Join(app(h), "application.db"))[0], 0.5); err != nil {
				t.Fatal(err)
			}
		}, false, "move data/app aside", false, "state"},
		{"blocks 3 to 5 lost from the block store", func(t *testing.T, h string) {
			if err := damage.DropBlocks(filepath.Join(h, "data"), 3, 5); err != nil {
				t.Fatal(err)
			}
		}, false, "blocks 3 to 5 are missing from the block store", false, "blocks 3 to 5"},
		{"bytes flipped in the block store's tables", func(t *testing.T, h string) {
			flipAll(t, filepath.Join(h, "data", "blockstore.db"))
		}, false, "block store", false, "blocks"},
		{"every other transaction index entry lost", func(t *testing.T, h string) {
			if _, err := damage.DropIndexEntries(filepath.Join(h, "data")); err != nil {
				t.Fatal(err)
			}
		}, true, "", true, "txindex"},
		{"bytes flipped in the transaction index's tables", func(t *testing.T, h string) {
			flipAll(t, filepath.Join(h, "data", "txindex.db"))
		}, true, "", true, "txindex"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := filepath.Join(t.TempDir(), "home")
			copyDir(t, string(home), h)
			c.damage(t, h)

			// What medledger check says, and its exit code.
			stdout, stderr, err := runCLI(t, 60*time.Second, "check", "--home", h)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stdout, c.check) || !strings.Contains(stdout, "fix: ") {
				t.Errorf("check: %v, want exit 1 naming %q with a fix:\n%s%s", err, c.check, stdout, firstLines(stderr))
			}
			t.Logf("medledger check:\n%s", stdout)

			if !c.starts {
				startDamaged(t, h, c.refuse)
				return
			}
			q := startNode(t, "damaged", node.Home(h), t.TempDir())
			q.waitReady(30 * time.Second)
			defer q.kill()
			if c.healthy {
				// The index was rebuilt from the blocks: every transaction is found.
				checkAnchors(t, []*proc{q}, recs)
				if st := q.status(); !st.Healthy {
					t.Errorf("after rebuilding its index the node is unhealthy: %v", st.Problems)
				}
				return
			}
			// Never the edited value, never a dropped connection; soon unhealthy.
			deadline := time.Now().Add(20 * time.Second)
			for {
				code, body := rawGet(t, q, "/v1/anchors/"+recs[3].digest)
				if bytes.Contains(body, []byte("forger-org")) || code == 200 {
					t.Fatalf("the node served the edited anchor: %d %s", code, body)
				}
				var h api.HealthResponse
				hc, hb := rawGet(t, q, "/v1/health")
				json.Unmarshal(hb, &h)
				if hc == 503 && !h.Healthy && strings.Contains(strings.Join(h.Problems, " "), "medledger check") {
					t.Logf("health: %s", hb)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the node did not report itself unhealthy: %d %s", hc, hb)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// startDamaged starts a node on a damaged home and wants it to refuse,
// saying want, with an error and a hint; or, if it starts (damage it can
// only find on reading), wants every read of the damaged store answered
// with a problem document and the node unhealthy.
func startDamaged(t *testing.T, h, want string) {
	t.Helper()
	stdout, stderr, err := runCLI(t, 30*time.Second, "start", "--home", h)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if !strings.Contains(stderr, "medledger: error: ") || !strings.Contains(stderr, "medledger: hint: ") || !strings.Contains(stdout+stderr, want) {
			t.Errorf("refused, but not saying %q with an error and a hint:\n%s", want, firstLines(stderr))
		}
		t.Logf("start refused:\n%s", firstLines(stderr))
		return
	}
	t.Errorf("start on a damaged home: %v, want a refusal saying %q\n%s", err, want, firstLines(stdout+stderr))
}

// rawGet GETs path from q; a connection that closes without an answer
// fails the test (clients took it for "is the node running?").
func rawGet(t *testing.T, q *proc, path string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", q.url+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: no answer: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: the answer broke off: %v", path, err)
	}
	// NOTE: /v1/health answers its own document with 503.
	if res.StatusCode != 200 && res.Header.Get("Content-Type") != "application/problem+json" && path != "/v1/health" {
		t.Fatalf("GET %s: HTTP %d %q is not a problem document: %s", path, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	return res.StatusCode, b
}
