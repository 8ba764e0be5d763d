package web_test

// Browser tests: Debian's chromium, driven by chromedp, against a real
// node with the modules and demo data of `medledger dev` (daemontest, the
// records custodian on a real vault, each module's seed). One node and one
// browser serve every test; each test opens its own tabs in their own
// browser contexts (fresh storage, so sessions never leak between tests)
// and saves a screenshot of each of its tabs when it fails.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	identitycli "github.com/medledger/medledger/identity/cli"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	notarycli "github.com/medledger/medledger/notary/cli"
	recordscli "github.com/medledger/medledger/records/cli"
	"github.com/medledger/medledger/state"
	supplycli "github.com/medledger/medledger/supply/cli"
	"github.com/medledger/medledger/vault/disk"
)

// BobPassphrase protects bob's key file in the tests, so that opening it
// runs the page's scrypt and AES-GCM.
const bobPassphrase = "correct horse battery staple"

// env is the node and browser the browser tests share.
type env struct {
	node    *daemontest.Node
	keys    string // folder of the demo key files, unencrypted
	bobKey  string // bob's key file, passphrase-protected
	browser context.Context
}

// chromium finds Debian's chromium. Missing in CI is a failure (.ci/run
// installs it); elsewhere the browser tests are skipped with the command
// that installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: apt-get update && apt-get install -y --no-install-recommends chromium"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (.ci/run installs it; browser tests never skip in CI)")
	}
	t.Skip(msg)
	return ""
}

// startEnv starts the node, stores the demo data as `medledger dev` does,
// writes the key files a person would open, and starts the browser.
func startEnv(t *testing.T) *env {
	t.Helper()
	exe := chromium(t)
	ctx := context.Background()
	dir := t.TempDir()
	v, closeVault, err := disk.OpenVault(ctx, filepath.Join(dir, "vault"), filepath.Join(dir, "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mods := []cmdline.Module{identitycli.Module, notarycli.Module, recordscli.Module, supplycli.Module}
	var plugins []daemon.Plugin
	for _, m := range mods {
		plugins = append(plugins, m.Plugin)
	}
	home := node.Home(filepath.Join(dir, "node"))
	daemontest.InitHome(t, home, daemontest.Options{}) // the records service signs erasure receipts with its node key
	svcs, err := recordscli.Module.Services(cmdline.NodeEnv{Ctx: ctx, Home: home, Operator: "northside-hospital", Vault: v, Identities: identity.Module{}})
	if err != nil {
		t.Fatal(err)
	}
	svcs = append(svcs, closer(closeVault))
	n := daemontest.Start(t, daemontest.Options{Home: string(home), Plugins: plugins, Services: svcs})

	e := &env{node: n, keys: filepath.Join(dir, "keys"), bobKey: filepath.Join(dir, "protected", "patient", "bob.json")}
	if err := n.Keys.Save(keystore.Store{Dir: e.keys}); err != nil {
		t.Fatal(err)
	}
	if err := (keystore.Store{Dir: filepath.Join(dir, "protected")}).Save(n.Keys["patient/bob"], []byte(bobPassphrase)); err != nil {
		t.Fatal(err)
	}
	seed := cmdline.SeedEnv{Client: n.Client, Keys: keystore.Store{Dir: e.keys}, Logf: func(string, ...any) {}, Invocation: "medledger"}
	for _, m := range mods {
		if m.Seed != nil {
			if _, err := m.Seed.Run(ctx, seed); err != nil {
				t.Fatalf("seed: %v", err)
			}
		}
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.WindowSize(1280, 900),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil { // starts the browser, with no time-out
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	e.browser = browser
	return e
}

type closer func() error

func (closer) Attach(*app.App, *state.Store) error { return nil }
func (closer) Routes(*api.Server) []api.Route      { return nil }
func (f closer) Close() error                      { return f() }

// tab is one browser tab of a test, in a browser context of its own.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string

	cancel    context.CancelFunc
	closeOnce sync.Once

	mu      sync.Mutex
	dialogs []string // messages of JavaScript dialogs the page opened (there must be none)
	console []string // what the page wrote to its console, shown when the test fails
	sent    [][]byte // every request the page sent: its URL, then its body
}

// open opens a tab for t, named name in its failure screenshot.
func (e *env) open(t *testing.T, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	b := &tab{t: t, ctx: ctx, base: e.node.URL(), name: name}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.sent = append(b.sent, []byte(ev.Request.URL))
			for _, d := range ev.Request.PostDataEntries {
				b.sent = append(b.sent, d.Bytes)
			}
			b.mu.Unlock()
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m.String())
			b.mu.Unlock()
		}
	}()
	b.cancel = cancel
	t.Cleanup(b.close)
	return b
}

// close closes the tab, after a screenshot if the test has failed. A test
// that opens many tabs closes each when done with it: open tabs keep
// their pages running (the explorer's commit stream and chart) on CI's
// two cores.
func (b *tab) close() {
	b.closeOnce.Do(func() {
		if b.t.Failed() {
			b.screenshot()
			b.mu.Lock()
			for _, m := range b.console {
				b.t.Logf("%s: console: %s", b.name, m)
			}
			b.mu.Unlock()
		}
		b.cancel()
	})
}

// screenshot saves the tab as it is to $MEDLEDGER_WEB_FAILURES (default
// a folder in the temporary directory) and logs where.
func (b *tab) screenshot() {
	dir := os.Getenv("MEDLEDGER_WEB_FAILURES")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "medledger-web-failures")
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("no failure screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name()+"-"+b.name) + ".png"
	if err := os.MkdirAll(dir, 0o755); err == nil {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, png, 0o644); err == nil {
			b.t.Logf("screenshot of the failure: %s", p)
		}
	}
}

const step = 15 * time.Second

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

func (b *tab) go_(path string) { b.t.Helper(); b.do("open "+path, chromedp.Navigate(b.base+path)) }

func (b *tab) visible(css string) {
	b.t.Helper()
	b.do("wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
}

func (b *tab) click(css string) { b.t.Helper(); b.do("click "+css, chromedp.Click(chromedp.CSS(css))) }

// follow clicks a link and waits for the page it opens to load. The click
// is the element's own (HTMLElement.click), not a mouse at coordinates: on
// a page where new rows keep arriving, the link may move under a mouse.
func (b *tab) follow(css string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	click := chromedp.Evaluate[chromedp.Void](`document.querySelector(` + jsString(css) + `).click()`)
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, click)); err != nil {
		b.t.Fatalf("%s: follow %s: %v", b.name, css, err)
	}
}

func (b *tab) keys(css, s string) {
	b.t.Helper()
	b.do("type into "+css, chromedp.SendKeys(chromedp.CSS(css), s))
}

func (b *tab) text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", b.name, css, err)
	}
	return s
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: evaluate: %v", b.name, err)
	}
	return v
}

// until waits until the JavaScript condition is true, for at most d.
func (b *tab) until(what, cond string, d time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			b.t.Fatalf("%s: %s: not within %s", b.name, what, d)
		}
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// signIn opens a key file in the page's sign-in panel.
func (b *tab) signIn(file, passphrase string) {
	b.t.Helper()
	b.visible("#keyfile")
	b.do("choose the key file", chromedp.SetUploadFiles(chromedp.CSS("#keyfile"), []string{file}))
	if passphrase != "" {
		b.keys("#passphrase", passphrase)
	}
	b.click("#signin-open")
	b.until("signed in", `!!document.querySelector('.signed-in') || !!document.querySelector('.signin-msg .msg-error')`, 30*time.Second)
	if msg := eval[string](b, `(document.querySelector('.signin-msg .msg-error') || {}).textContent || ''`); msg != "" {
		b.t.Fatalf("%s: sign-in refused: %s", b.name, msg)
	}
}

// neverSent fails if any request the page sent holds one of secrets (as
// raw bytes, hex or base64).
func (b *tab) neverSent(what string, secrets ...[]byte) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.sent) == 0 {
		b.t.Fatalf("%s: no request was seen: the check would prove nothing", b.name)
	}
	for _, sec := range secrets {
		for _, form := range [][]byte{sec, []byte(hex.EncodeToString(sec)), []byte(base64.StdEncoding.EncodeToString(sec)), []byte(base64.RawURLEncoding.EncodeToString(sec))} {
			for _, r := range b.sent {
				if bytes.Contains(r, form) {
					b.t.Fatalf("%s: the page sent %s to the node", b.name, what)
				}
			}
		}
	}
}

func (b *tab) noDialogs() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Fatalf("%s: the page opened JavaScript dialogs: %q", b.name, b.dialogs)
	}
}

func (e *env) key(name string) string { return filepath.Join(e.keys, filepath.FromSlash(name)+".json") }

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
