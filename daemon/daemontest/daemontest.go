// Package daemontest starts real medledger nodes for tests: a single
// validator with the demo consortium, CometBFT in-process, on-disk state in
// a temporary folder, fast blocks, and the REST API on a free loopback port.
// Nothing is mocked.
package daemontest

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
)

// BlockTime of test nodes.
const BlockTime = 100 * time.Millisecond

// Core is the identity and notary plugins; a module's tests append their own.
func Core() []daemon.Plugin {
	return []daemon.Plugin{
		{Module: identity.Module{}, Routes: identity.HTTPRoutes, Codes: identity.Codes},
		{Module: notary.Module{}, Routes: notary.HTTPRoutes, Codes: notary.Codes},
	}
}

// Node is a running test node.
type Node struct {
	*daemon.Daemon
	Home   node.Home
	Keys   demo.Keys
	Client *client.Client
}

// Signer signs as a demo identity ("northside-hospital/dr-chen", "patient/alice").
func (n *Node) Signer(name string) client.Signer {
	k, ok := n.Keys[name]
	if !ok {
		panic("daemontest: no demo key " + name)
	}
	return client.Signer{Key: k, ChainID: demo.ChainID}
}

// Options of Start.
type Options struct {
	Plugins []daemon.Plugin // default Core()
	Home    string          // default a t.TempDir()
	// Services run beside the chain (e.g. the records custodian).
	Services []daemon.Service
	// Licences answers licence checks (the credentials module, which MUST
	// be among Plugins); nil: none is enforced.
	Licences app.Licences
	// RecoveryWait is the waiting period of a patient's recovery; zero
	// keeps the demo's (demo.RecoveryWait).
	RecoveryWait time.Duration
}

// Start starts a single-validator demo node and stops it when the test ends.
// Keys are derived from a fixed seed, so runs are reproducible.
func Start(t testing.TB, o Options) *Node {
	t.Helper()
	if o.Plugins == nil {
		o.Plugins = Core()
	}
	home := node.Home(o.Home)
	if o.Home == "" {
		home = node.Home(filepath.Join(t.TempDir(), "home"))
	}
	keys := InitHome(t, home, o)
	d, err := daemon.Start(daemon.Config{Home: home, Identities: identity.Module{}, Licences: o.Licences, Plugins: o.Plugins, Services: o.Services})
	// FreeAddr's port is free when it is picked, not when the node binds
	// it: a test running beside may take it in between. A home of its own
	// is made again, on other ports.
	for try := 0; err != nil && o.Home == "" && strings.Contains(err.Error(), "address already in use") && try < 3; try++ {
		t.Logf("start node: %v; again on other ports", err)
		home = node.Home(filepath.Join(t.TempDir(), "home"))
		keys = InitHome(t, home, o)
		d, err = daemon.Start(daemon.Config{Home: home, Identities: identity.Module{}, Licences: o.Licences, Plugins: o.Plugins, Services: o.Services})
	}
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{Daemon: d, Home: home, Keys: keys, Client: client.New(d.URL())}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
	n.WaitHeight(t, 2)
	return n
}

// InitHome makes the demo node's home at home, as Start does, unless it
// exists, and returns the demo keys. A test calls it before Start when a
// service needs the home first (the node key that signs erasure receipts).
func InitHome(t testing.TB, home node.Home, o Options) demo.Keys {
	t.Helper()
	keys, err := demo.NewKeys([]byte("daemontest"))
	if err != nil {
		t.Fatal(err)
	}
	if !home.Exists() {
		g := keys.Genesis()
		if o.RecoveryWait > 0 {
			g.RecoveryWaitSeconds = int64(o.RecoveryWait / time.Second)
		}
		err = node.Init(home, node.Options{ChainID: demo.ChainID, Moniker: "northside-hospital", AppState: demo.AppStateOf(g),
			APIListen: FreeAddr(t), P2PListen: FreeAddr(t), BlockTime: BlockTime})
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// Get sends GET path to the node's API and returns the response and its
// body, failing the test if the node cannot be reached.
func (n *Node) Get(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	return n.get(t, path, nil)
}

// GetAs is Get with the request signed by s (RFC 9421), as a signed read.
func (n *Node) GetAs(t testing.TB, s client.Signer, path string) (*http.Response, []byte) {
	t.Helper()
	return n.get(t, path, &s)
}

func (n *Node) get(t testing.TB, path string, s *client.Signer) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", n.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s != nil {
		if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// WaitHeight waits until the node has committed height h.
func (n *Node) WaitHeight(t testing.TB, h int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n.Store.Version() < h {
		if time.Now().After(deadline) {
			t.Fatalf("node did not reach height %d (at %d)", h, n.Store.Version())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FreeAddr returns a free loopback host:port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
