//go:build unix

package network_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
)

// TestBackupRestore does what docs/operators.md says about backup and
// restore (section 6), on a 4-validator network of processes: node1 is
// stopped, its home copied with tar and started again; the network goes
// on; node1's machine is lost (SIGKILL), its backup restored into a new
// folder with the newest priv_validator_state.json that could still be
// read, and started. It catches up to the same blocks and app hash as the
// others, serves every anchor, signs blocks again, and no block holds
// evidence of a double sign. Then that one is lost too and the same backup
// is restored with its own, older, state file, as the docs allow once the
// chain has moved past the height the lost node last signed: the same.
func TestBackupRestore(t *testing.T) {
	setUp(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	if err := node.Testnet(out, node.TestnetOptions{Validators: 4, Ports: freePorts(t, 4), BlockTime: 150 * time.Millisecond,
		TimeoutPropose: 500 * time.Millisecond, TimeoutVote: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	ps := make([]*proc, 4)
	for k := range ps {
		ps[k] = startNode(t, fmt.Sprintf("node%d", k), node.Home(node.TestnetNodeDir(out, k)), dir)
	}
	for _, p := range ps {
		p.waitReady(20 * time.Second)
	}
	waitHeight(t, ps, 3, 20*time.Second)
	signers := []client.Signer{
		signer(t, out, "northside-hospital/dr-chen"), signer(t, out, "lakeside-clinic/dr-patel"),
		signer(t, out, "cityrx-pharmacy/pharmacist"), signer(t, out, "acme-pharma/packager"),
	}
	recs := commitEach(t, ps, signers)

	// Back up: stop the node, copy the whole home, start it again.
	orig := ps[1]
	orig.terminate()
	parent, base := filepath.Split(filepath.Clean(string(orig.home)))
	backup := filepath.Join(dir, "node1-backup.tgz")
	runTar(t, "-czf", backup, "-C", parent, base)
	orig.restart()
	orig.waitReady(20 * time.Second)
	for range 3 {
		recs = append(recs, commitEach(t, ps, signers)...)
	}
	waitHeight(t, ps, lastHeight(recs)+1, 20*time.Second)

	// The machine is lost; its newest validator state can still be read.
	orig.kill()
	newest, err := os.ReadFile(filepath.Join(string(orig.home), "data", "priv_validator_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	live := []*proc{ps[0], ps[2], ps[3]}
	recs = append(recs, commitEach(t, live, []client.Signer{signers[0], signers[2], signers[3]})...)

	restore := func(name string, state []byte) *proc {
		t.Helper()
		where := filepath.Join(dir, name)
		if err := os.MkdirAll(where, 0o700); err != nil {
			t.Fatal(err)
		}
		runTar(t, "-xzf", backup, "-C", where)
		home := node.Home(filepath.Join(where, base))
		if state != nil {
			if err := os.WriteFile(filepath.Join(string(home), "data", "priv_validator_state.json"), state, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		p := startNode(t, name, home, dir)
		p.waitReady(30 * time.Second)
		return p
	}
	check := func(r *proc, from int64) {
		t.Helper()
		all := []*proc{ps[0], r, ps[2], ps[3]}
		recs = append(recs, commitEach(t, all, signers)...)
		top := lastHeight(recs) + 1
		waitHeight(t, all, top, 30*time.Second)
		checkAgreement(t, all, top)
		checkAnchors(t, all, recs)
		checkNoEvidence(t, r, 1, top)
		checkSigns(t, r, from, top)
	}

	// NOTE: the blocks up to the loss hold the lost node's signatures,
	// made with the same key: the restored one must sign a later block.
	from := maxHeight(t, live)
	restored := restore("restored", newest)
	check(restored, from)

	restored.kill()
	recs = append(recs, commitEach(t, live, []client.Signer{signers[0], signers[2], signers[3]})...)
	from = maxHeight(t, live)
	again := restore("restored-again", nil)
	check(again, from)
}

func runTar(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("tar", args...).CombinedOutput(); err != nil {
		t.Fatalf("tar %v: %v\n%s", args, err, out)
	}
}

// checkNoEvidence fails if a block in [from, to] holds evidence of
// misbehaviour (a double sign).
func checkNoEvidence(t *testing.T, p *proc, from, to int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	empty := types.EvidenceList{}.Hash()
	for h := from; h <= to; h++ {
		sh := signedHeader(ctx, t, p, h)
		if string(sh.EvidenceHash) != string(empty) {
			t.Fatalf("block %d holds evidence (evidence hash %X): a validator double-signed", h, sh.EvidenceHash)
		}
	}
}

// checkSigns waits for the validator of p's home to sign a block's commit
// in [from, to+20]: the restored validator takes part in consensus again.
func checkSigns(t *testing.T, p *proc, from, to int64) {
	t.Helper()
	c, _, err := node.LoadConfig(p.home)
	if err != nil {
		t.Fatal(err)
	}
	addr := privval.LoadFilePVEmptyState(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()).GetAddress()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for h := from + 1; h <= to+20; h++ {
		waitHeight(t, []*proc{p}, h, 20*time.Second)
		for _, s := range signedHeader(ctx, t, p, h).Commit.Signatures {
			if s.BlockIDFlag == types.BlockIDFlagCommit && s.ValidatorAddress.String() == addr.String() {
				return
			}
		}
	}
	t.Fatalf("%s: validator %s signed no commit of blocks %d to %d after its restore", p.name, addr, from+1, to+20)
}

func signedHeader(ctx context.Context, t *testing.T, p *proc, h int64) *types.SignedHeader {
	t.Helper()
	b, err := p.cl.Block(ctx, h)
	if err != nil {
		t.Fatalf("%s: block %d: %v", p.name, h, err)
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(b.SignedHeader, &sh); err != nil {
		t.Fatalf("%s: block %d: signed header: %v", p.name, h, err)
	}
	return &sh
}
