package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/node"
)

// A newcomer's first minutes (issue 8): flags checked before anything is
// made, two dev nodes on one machine, commands that reach the node dev
// printed, a quick Ctrl-C, and a --home that does not exist.

// occupy listens on a free address until the test ends, as another node
// would, and returns it.
func occupy(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// TestDevRefusesBadFlagsBeforeCreating: a bad --listen, --p2p or
// --block-time, or a --listen another program holds, is refused naming the
// flag, and no home is left behind.
func TestDevRefusesBadFlagsBeforeCreating(t *testing.T) {
	t.Parallel()
	taken := occupy(t)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"listen not host:port", []string{"--listen", "nonsense"}, "--listen"},
		{"listen port out of range", []string{"--listen", "127.0.0.1:70000"}, "--listen"},
		{"p2p not host:port", []string{"--p2p", "127.0.0.1"}, "--p2p"},
		{"block time too short", []string{"--block-time", "1ns"}, "--block-time"},
		{"block time negative", []string{"--block-time", "-1s"}, "--block-time"},
		{"listen taken", []string{"--listen", taken}, "--listen"},
		{"p2p taken", []string{"--p2p", taken, "--listen", daemontest.FreeAddr(t)}, "--p2p"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "dev")
			r := run(t, append([]string{"dev", "--home", home}, c.args...)...).refused(t, c.want)
			if !strings.Contains(r.stderr, "usage (cli/2)") {
				t.Errorf("not a usage error:\n%s", r.stderr)
			}
			if _, err := os.Stat(home); !os.IsNotExist(err) {
				t.Errorf("a refused dev left %s behind", home)
			}
		})
	}
	// init checks its flags the same way.
	home := filepath.Join(t.TempDir(), "node")
	run(t, "init", "--demo", "--home", home, "--listen", "127.0.0.1:0x50").refused(t, "--listen")
	run(t, "init", "--demo", "--home", home, "--p2p", "nowhere").refused(t, "--p2p")
	run(t, "init", "--demo", "--home", home, "--block-time", "2h").refused(t, "--block-time")
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("a refused init left %s behind", home)
	}
}

// runDev runs dev with args in the background and returns its API URL
// once the demo data is seeded, and a function that stops it.
func runDev(t *testing.T, home string, args ...string) (url string, stop func() result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- runCtx(t, ctx, append([]string{"dev", "--home", home}, args...)...) }()
	stop = func() result {
		cancel()
		select {
		case r := <-done:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("dev did not stop within 30 s")
			return result{}
		}
	}
	// Up once its demo data is seeded and the API in its config answers
	// (on a reopened home both come after dev settled its addresses).
	marker := filepath.Join(home, "data", supplySeedMarker)
	up := func() bool {
		if !fileExists(marker) {
			return false
		}
		_, ac, err := node.LoadConfig(node.Home(home))
		if err != nil {
			return false
		}
		cl := client.New("http://" + ac.APIListen)
		cl.HTTP.Timeout = 500 * time.Millisecond
		_, err = cl.Status(context.Background())
		return err == nil
	}
	deadline := time.Now().Add(60 * time.Second)
	for !up() {
		select {
		case r := <-done:
			cancel()
			t.Fatalf("dev exited early: %d\n%s\n%s", r.code, r.stdout, r.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r := stop()
			t.Fatalf("dev did not seed within 60 s:\n%s\n%s", r.stdout, r.stderr)
		}
	}
	_, ac, err := node.LoadConfig(node.Home(home))
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + ac.APIListen, stop
}

// TestTwoDevNodes: with the default ports taken, a new dev chain picks
// free ones and says so; a chain whose ports were taken since picks new
// ones on its next run; --p2p and --listen given on a later run are kept;
// what dev prints to try names the --home that reaches it.
func TestTwoDevNodes(t *testing.T) {
	// Not parallel: it changes the default addresses.
	api, p2p := occupy(t), occupy(t)
	oldAPI, oldP2P := defaultAPIListen, defaultP2PListen
	defaultAPIListen, defaultP2PListen = api, p2p
	defer func() { defaultAPIListen, defaultP2PListen = oldAPI, oldP2P }()

	home := filepath.Join(t.TempDir(), "second")
	url, stop := runDev(t, home, "--block-time", "100ms")
	if url == "http://"+api {
		t.Fatalf("dev kept the taken default %s", api)
	}
	run(t, "--home", home, "status").ok(t).says(t, "medledger-dev")
	r := stop()
	if r.code != 0 {
		t.Fatalf("dev exited %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{api + " is taken", p2p + " is taken", "try: medledger --home " + home + " verify-pack", "medledger --home " + home + " status"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dev did not print %q:\n%s", want, r.stdout)
		}
	}

	// Its ports taken since: the next run picks others and keeps them.
	l, err := net.Listen("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	url2, stop := runDev(t, home)
	l.Close()
	if url2 == url {
		t.Fatalf("dev reopened on its taken address %s", url)
	}
	run(t, "--home", home, "status").ok(t)
	stop()

	// Addresses given on a later run are used and kept.
	newAPI, newP2P := daemontest.FreeAddr(t), daemontest.FreeAddr(t)
	url3, stop := runDev(t, home, "--listen", newAPI, "--p2p", newP2P)
	if url3 != "http://"+newAPI {
		t.Fatalf("dev --listen %s serves at %s", newAPI, url3)
	}
	stop()
	c, ac, err := node.LoadConfig(node.Home(home))
	if err != nil {
		t.Fatal(err)
	}
	if ac.APIListen != newAPI || node.P2PListen(c) != newP2P {
		t.Fatalf("the home keeps API %s and p2p %s, want %s and %s", ac.APIListen, node.P2PListen(c), newAPI, newP2P)
	}
}

// TestCtrlCWithStreamClient: Ctrl-C while a client follows the commit
// stream stops dev in under a second, with exit 0.
func TestCtrlCWithStreamClient(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	url, stop := runDev(t, home, "--listen", daemontest.FreeAddr(t), "--p2p", daemontest.FreeAddr(t), "--block-time", "100ms")
	res, err := http.Get(url + "/v1/stream/commits")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if line, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		t.Fatalf("stream did not open: %q %v", line, err)
	}
	start := time.Now()
	r := stop()
	if took := time.Since(start); took > time.Second {
		t.Errorf("dev took %s to stop with a stream client connected, want under 1 s", took)
	}
	if r.code != 0 {
		t.Errorf("dev exited %d after Ctrl-C, want 0:\n%s", r.code, r.stderr)
	}
}

// TestMissingHome: a --home that does not exist is named, instead of the
// command falling back to the default node or keystore.
func TestMissingHome(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-home")
	for _, args := range [][]string{{"status"}, {"query", "orgs"}, {"keys", "list"}, {"verify-pack", "(01)00312345678906(21)1"}} {
		r := run(t, append([]string{"--home", missing}, args...)...).refused(t, missing+" is not a medledger home: there is no such folder")
		if !strings.Contains(r.stderr, "home (cli/5)") {
			t.Errorf("%v: not a home error:\n%s", args, r.stderr)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a command created %s", missing)
	}
}

// TestStrayWords: a typed verb that does not exist below the root, and a
// value given as an argument where a flag is wanted, are usage errors that
// say what was meant (cobra printed the group's help and exited 0 for the
// first, and called the value an unknown command for the second).
func TestStrayWords(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	for _, c := range []struct {
		args       []string
		want, hint string
	}{
		{[]string{"records", "lsit"}, `medledger records has no verb "lsit"`, "did you mean medledger records list?"},
		{[]string{"supply", "shp"}, `medledger supply has no verb "shp"`, "did you mean medledger supply ship?"},
		{[]string{"records", "list", "patient/alice"}, `medledger records list takes no arguments, only flags; it was given "patient/alice"`, "for example: medledger records list --as patient/alice"},
		{[]string{"status", "now"}, `medledger status takes no arguments`, "medledger status --help"},
	} {
		r := run(t, append([]string{"--home", home}, c.args...)...).refused(t, c.want)
		if !strings.Contains(r.stderr, "usage (cli/2)") || !strings.Contains(r.stderr, c.hint) {
			t.Errorf("%v:\n%s", c.args, r.stderr)
		}
	}
}

// TestErrorFormat: errors have one form, CODE (codespace/N[, HTTP n]):
// message, on stderr; with -o json the same error is also one JSON
// document on stdout.
func TestErrorFormat(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	r := e.run(t, "query", "org", "nowhere").refused(t, "org-not-found (identity/3, HTTP 404): ")
	r = e.run(t, "-o", "json", "query", "org", "nowhere")
	var doc struct {
		Error struct {
			Code      string `json:"code"`
			Codespace string `json:"codespace"`
			Number    uint32 `json:"number"`
			Status    int    `json:"status"`
			Message   string `json:"message"`
			Hint      string `json:"hint"`
		} `json:"error"`
	}
	r.json(t, &doc)
	if doc.Error.Code != "org-not-found" || doc.Error.Codespace != "identity" || doc.Error.Number != 3 || doc.Error.Status != 404 ||
		!strings.Contains(doc.Error.Message, "nowhere") || doc.Error.Hint == "" {
		t.Fatalf("-o json error = %+v", doc.Error)
	}
	if !strings.HasPrefix(r.stderr, "medledger: error: org-not-found (identity/3, HTTP 404): ") {
		t.Fatalf("stderr with -o json:\n%s", r.stderr)
	}
	// A local mistake has a code too.
	r = e.run(t, "-o", "json", "tx", "identity", "suspend-member", "dr-chen")
	r.json(t, &doc)
	if doc.Error.Code != "usage" || doc.Error.Codespace != "cli" || !strings.Contains(doc.Error.Message, "--as is required") {
		t.Fatalf("-o json local error = %+v", doc.Error)
	}
	// A node that cannot be reached.
	r = run(t, "-o", "json", "--node", "http://127.0.0.1:1", "status")
	r.json(t, &doc)
	if doc.Error.Code != "unreachable" || doc.Error.Codespace != "cli" {
		t.Fatalf("-o json unreachable = %+v", doc.Error)
	}
}

// TestDeprecatedFlags: renamed flags keep working for a release, with a
// warning on stderr that leaves -o json's stdout one document.
func TestDeprecatedFlags(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "keys")
	var k struct {
		Protection string `json:"protection"`
	}
	r := run(t, "--home", home, "-o", "json", "keys", "add", "newco/admin", "--insecure").ok(t).json(t, &k)
	if !strings.Contains(r.stderr, "--insecure is deprecated") || !strings.Contains(r.stderr, "--insecure-keystore") {
		t.Errorf("no deprecation warning for --insecure:\n%s", r.stderr)
	}
	run(t, "--home", home, "keys", "add", "newco/dr-lee", "--insecure-keystore").ok(t)

	node1 := filepath.Join(t.TempDir(), "node")
	r = run(t, "-o", "json", "init", "--demo", "--home", node1, "--api", daemontest.FreeAddr(t)).ok(t).json(t, nil)
	if !strings.Contains(r.stderr, "--api is deprecated") {
		t.Errorf("no deprecation warning for --api:\n%s", r.stderr)
	}
	net1 := filepath.Join(t.TempDir(), "net")
	r = run(t, "-o", "json", "testnet", "--validators", "1", "--out", net1).ok(t).json(t, nil)
	if !strings.Contains(r.stderr, "--out is deprecated") {
		t.Errorf("no deprecation warning for testnet --out:\n%s", r.stderr)
	}
	run(t, "testnet", "--validators", "1", "--dir", filepath.Join(t.TempDir(), "net2")).ok(t)
}

// TestEveryCommandHasExamples: every command's help shows examples.
func TestEveryCommandHasExamples(t *testing.T) {
	t.Parallel()
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" || sub.Hidden {
				continue
			}
			if strings.TrimSpace(sub.Example) == "" {
				t.Errorf("medledger %s has no examples in its help", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk((&CLI{}).root())
}
