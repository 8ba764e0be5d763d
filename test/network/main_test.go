//go:build unix

// Package network_test runs medledger nodes as separate processes of the
// real binary, the way operators run them: an N-validator network on
// loopback that loses and regains validators, a node killed under load and
// restarted, and homes damaged in the ways backups and hands damage them.
//
// TestMain builds cmd/medledger once (or uses $MEDLEDGER_BIN). Every process
// a test starts is killed when the test ends, and its output is shown if the
// test failed. The tests are skipped with -short.
package network_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// bin is the medledger binary under test.
var bin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // every test skips itself
	}
	if p := os.Getenv("MEDLEDGER_BIN"); p != "" {
		bin = p
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "medledger-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "medledger")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goCmd, "build", "-o", bin, "github.com/medledger/medledger/cmd/medledger")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build medledger: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// setUp skips t with -short and runs it in parallel with the other tests:
// each runs its own nodes on its own ports.
func setUp(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts node processes; skipped with -short")
	}
	t.Parallel()
}

// proc is one `medledger start` process.
type proc struct {
	t    testing.TB
	name string
	home node.Home
	url  string
	cl   *client.Client
	log  string // the process's stdout and stderr, appended over restarts

	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result, after done
}

// startNode starts `medledger start --home home`; the process is killed when
// the test ends. It does not wait for the node to serve.
func startNode(t testing.TB, name string, home node.Home, logDir string) *proc {
	t.Helper()
	_, ac, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, home: home, url: "http://" + ac.APIListen, log: filepath.Join(logDir, name+".log")}
	p.cl = client.New(p.url)
	p.cl.HTTP.Timeout = 10 * time.Second
	p.start()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			p.dumpLog()
		}
	})
	return p
}

func (p *proc) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	fmt.Fprintf(f, "----- %s start %s\n", time.Now().Format("15:04:05.000"), p.name)
	cmd := exec.Command(bin, "start", "--home", string(p.home))
	cmd.Env = append(os.Environ(), "MEDLEDGER_COMET_LOG=1")
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		p.t.Fatalf("%s: %v", p.name, err)
	}
	p.cmd, p.done, p.err = cmd, make(chan struct{}), nil
	done := p.done
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(done)
	}()
}

// restart starts the process again from the same home.
func (p *proc) restart() {
	p.t.Helper()
	if p.running() {
		p.t.Fatalf("%s: restart of a running node", p.name)
	}
	p.start()
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends sig and waits for the process to exit; it returns the exit
// error (nil for exit code 0).
func (p *proc) stop(sig syscall.Signal) error {
	p.t.Helper()
	if !p.running() {
		p.t.Fatalf("%s: stop of a stopped node", p.name)
	}
	_ = p.cmd.Process.Signal(sig)
	return p.wait()
}

// wait waits for the process to exit, at most 15s, and returns its exit
// error.
func (p *proc) wait() error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(15 * time.Second):
		p.kill()
		p.t.Fatalf("%s did not exit within 15s", p.name)
		return nil
	}
}

// terminate stops the node with SIGTERM and requires a clean exit.
func (p *proc) terminate() {
	p.t.Helper()
	start := time.Now()
	if err := p.stop(syscall.SIGTERM); err != nil {
		p.t.Fatalf("%s: exit after SIGTERM: %v", p.name, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		p.t.Errorf("%s took %s to stop after SIGTERM", p.name, d)
	}
}

func (p *proc) kill() {
	if p.cmd == nil || !p.running() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) dumpLog() {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	p.t.Logf("last lines of %s (%s):\n%s", p.name, p.log, strings.Join(lines, "\n"))
}

// waitReady waits until the node's API answers.
func (p *proc) waitReady(timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if !p.running() {
			p.t.Fatalf("%s exited while starting: %v", p.name, p.err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := p.cl.Status(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: API not ready after %s: %v", p.name, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) status() api.StatusResponse {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := p.cl.Status(ctx)
	if err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
	return st
}

func (p *proc) height() int64 { p.t.Helper(); return p.status().LatestHeight }

// waitHeight waits until every node has committed height h.
func waitHeight(t testing.TB, ps []*proc, h int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, p := range ps {
		for {
			if !p.running() {
				t.Fatalf("%s exited: %v", p.name, p.err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			st, err := p.cl.Status(ctx)
			cancel()
			if err == nil && st.LatestHeight >= h {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not reach height %d within %s (at %d, err %v)", p.name, h, timeout, st.LatestHeight, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func maxHeight(t testing.TB, ps []*proc) int64 {
	t.Helper()
	var h int64
	for _, p := range ps {
		h = max(h, p.height())
	}
	return h
}

// checkAgreement checks that every node has the same block hash and app
// hash at every height from 1 to h.
func checkAgreement(t testing.TB, ps []*proc, h int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for height := int64(1); height <= h; height++ {
		var first api.BlockResponse
		for i, p := range ps {
			b, err := p.cl.Block(ctx, height)
			if err != nil {
				t.Fatalf("%s: block %d: %v", p.name, height, err)
			}
			if i == 0 {
				first = b
				continue
			}
			if b.AppHash != first.AppHash || b.Hash != first.Hash {
				t.Fatalf("divergence at height %d: %s has block %s app hash %s, %s has block %s app hash %s",
					height, ps[0].name, first.Hash, first.AppHash, p.name, b.Hash, b.AppHash)
			}
		}
	}
}

// anchorRec is an anchor a node reported committed.
type anchorRec struct {
	digest, hash, via string
	height            int64
}

var digestSeq struct {
	mu sync.Mutex
	n  int
}

// newDigest returns a digest no other call of this test run returns.
func newDigest(t testing.TB) string {
	digestSeq.mu.Lock()
	digestSeq.n++
	n := digestSeq.n
	digestSeq.mu.Unlock()
	sum := sha256.Sum256(fmt.Appendf(nil, "%s %d %d %d", t.Name(), os.Getpid(), time.Now().UnixNano(), n))
	return hex.EncodeToString(sum[:])
}

// sendAnchor anchors a fresh digest through p with mode=commit.
func sendAnchor(ctx context.Context, t testing.TB, p *proc, s client.Signer) (anchorRec, error) {
	d := newDigest(t)
	res, err := p.cl.Send(ctx, s, notary.TypeAnchor, notary.AnchorBody{Digest: d, Kind: "lab-report"}, "commit")
	if err != nil {
		return anchorRec{}, fmt.Errorf("anchor through %s: %w", p.name, err)
	}
	if !res.Committed || res.Height == 0 {
		return anchorRec{}, fmt.Errorf("anchor through %s: %+v, want committed", p.name, res)
	}
	return anchorRec{digest: d, hash: res.Hash, via: p.name, height: res.Height}, nil
}

// commitEach anchors a fresh digest through each node at once, node k
// signing as signers[k].
func commitEach(t testing.TB, ps []*proc, signers []client.Signer) []anchorRec {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recs := make([]anchorRec, len(ps))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for k, p := range ps {
		wg.Go(func() { recs[k], errs[k] = sendAnchor(ctx, t, p, signers[k]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

// checkAnchors checks that every node has every anchor in its state and its
// transaction in its index.
func checkAnchors(t testing.TB, ps []*proc, recs []anchorRec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range ps {
		for _, r := range recs {
			var a notary.Anchor
			if err := p.cl.Get(ctx, "/v1/anchors/"+r.digest, &a); err != nil {
				t.Fatalf("%s: anchor %s (committed through %s at height %d): %v", p.name, r.digest, r.via, r.height, err)
			}
			if a.TxHash != r.hash || a.Height != r.height {
				t.Fatalf("%s: anchor %s is tx %s at height %d, want tx %s at height %d", p.name, r.digest, a.TxHash, a.Height, r.hash, r.height)
			}
			tx, err := p.cl.Tx(ctx, r.hash, false)
			if err != nil {
				t.Fatalf("%s: tx %s (committed at height %d): %v", p.name, r.hash, r.height, err)
			}
			if tx.Height != r.height || tx.Code != 0 {
				t.Fatalf("%s: tx %s at height %d code %d, want height %d code 0", p.name, r.hash, tx.Height, tx.Code, r.height)
			}
		}
	}
}

func lastHeight(recs []anchorRec) int64 {
	var h int64
	for _, r := range recs {
		h = max(h, r.height)
	}
	return h
}

// signer loads a demo identity from a testnet's keystore, as the CLI does.
func signer(t testing.TB, out, name string) client.Signer {
	t.Helper()
	k, err := keystore.Store{Dir: node.TestnetKeysDir(out)}.Load(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return client.Signer{Key: k}
}

// taken are the base ports handed out in this process, so that tests
// running in parallel never share one.
var taken struct {
	mu    sync.Mutex
	bases map[int]bool
}

// freeBasePort returns a base port such that the n nodes of a testnet
// (BASE+10*K and BASE+10*K+1) find their ports free. It picks below
// Linux's ephemeral range (32768 and up), so that no outgoing connection
// takes a port between this check and the node's start.
func freeBasePort(t testing.TB, n int) int {
	t.Helper()
	taken.mu.Lock()
	defer taken.mu.Unlock()
	if taken.bases == nil {
		taken.bases = map[int]bool{}
	}
	for range 100 {
		base := 20000 + 10*rand.IntN(1200-n)
		ok := true
		for k := range n {
			ok = ok && !taken.bases[base+10*k]
		}
		var ls []net.Listener
		for k := range n {
			for _, port := range []int{base + 10*k, base + 10*k + 1} {
				if !ok {
					break
				}
				l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
				if err != nil {
					ok = false
					break
				}
				ls = append(ls, l)
			}
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			for k := range n {
				taken.bases[base+10*k] = true
			}
			return base
		}
	}
	t.Fatal("no free port range found")
	return 0
}

// freePorts returns the ports of n testnet nodes, all free.
func freePorts(t testing.TB, n int) []node.TestnetPorts {
	base := freeBasePort(t, n)
	ps := make([]node.TestnetPorts, n)
	for k := range ps {
		ps[k] = node.TestnetPorts{P2P: base + 10*k, API: base + 10*k + 1}
	}
	return ps
}

// runCLI runs the binary and returns its stdout and stderr.
func runCLI(t testing.TB, timeout time.Duration, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out after %s)", ctx.Err(), timeout)
	}
	return o.String(), e.String(), err
}

// firstLines returns the lines of s that are not CometBFT log lines.
func firstLines(s string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := sc.Text(); !strings.HasPrefix(l, "E[") && !strings.HasPrefix(l, "I[") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
