// Package daemon wires one running medledger node: the application's state
// store, the ABCI app with its modules, CometBFT in-process, and the REST
// API with the web app (package web) at "/". cmd/medledger chooses the
// modules (Plugins); tests use the same wiring to run real nodes.
//
// It owns start-up order and shutdown order, nothing else: no flags, no
// config files beyond the node home (package node).
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/metrics"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/snapshot"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
	"github.com/medledger/medledger/txindex"
	"github.com/medledger/medledger/web"
)

// Plugin is one module as the daemon plugs it in.
type Plugin struct {
	Module app.Module
	Routes func(*api.Server) []api.Route // may be nil
	Codes  []medledger.Code
}

// Service is an off-chain service that runs beside the chain on this node
// (the records custodian). Attach is called before the node starts, Routes
// once the API exists, Close at shutdown after the node stopped.
type Service interface {
	Attach(a *app.App, st *state.Store) error
	Routes(srv *api.Server) []api.Route
	Close() error
}

// Config of a daemon.
type Config struct {
	Home node.Home
	// Identities answers who signers are; its module MUST be among Plugins.
	Identities app.Identities
	// Licences answers the modules' licence checks; its module MUST be
	// among Plugins. Nil: no licence check is ever enforced.
	Licences app.Licences
	Plugins  []Plugin
	// APIListen overrides the home's configured API address when set.
	APIListen string
	// Services run beside the chain on this node.
	Services []Service
	// CometLog receives CometBFT's log; nil discards it.
	CometLog *os.File
}

// Daemon is a running node.
type Daemon struct {
	Node    *node.Node
	App     *app.App
	Store   *state.Store
	API     *api.Server
	APIAddr string // the address the API listens on
	// Metrics is the node's registry, served at GET /metrics.
	Metrics *metrics.Metrics

	index    *txindex.Index
	pruner   *txPruner // nil without block retention
	snaps    *snapshot.Manager
	services []Service
	http     *http.Server
	done     chan error
	stopOnce sync.Once
	stopping chan struct{} // closed when Stop begins
	stopErr  error
}

// Start opens the state, starts CometBFT and serves the API.
func Start(cfg Config) (*Daemon, error) {
	h := cfg.Home
	doc, err := node.Genesis(h)
	if err != nil {
		return nil, err
	}
	if err := checkChainMarker(h, doc.ChainID); err != nil {
		return nil, err
	}
	if err := node.CheckStoredGenesis(h); err != nil {
		return nil, err
	}
	store, err := state.Open(h.AppDataDir())
	if errors.Is(err, state.ErrCorrupt) {
		return nil, fmt.Errorf("the application state in %s is damaged (%v); medledger check --home %s says what else is: %s", h.AppDataDir(), err, h, fixAppDir)
	}
	if err != nil {
		return nil, err
	}
	if err := checkCoreData(h, store.Version()); err != nil {
		store.Close()
		return nil, err
	}
	_, ac, err := node.LoadConfig(h)
	if err == nil {
		keep, every := ac.Storage.StateVersions()
		err = store.SetPruning(state.Pruning{KeepRecent: keep, Interval: every})
	}
	if err != nil {
		store.Close()
		return nil, err
	}
	mods := make([]app.Module, 0, len(cfg.Plugins))
	api.RegisterCodes(tx.Codes...)
	api.RegisterCodes(api.ErrBadRequest, api.ErrNotFound, api.ErrTooLarge, api.ErrUnavailable, api.ErrTimeout)
	for _, p := range cfg.Plugins {
		mods = append(mods, p.Module)
		api.RegisterCodes(p.Codes...)
	}
	a, err := app.New(store, doc.ChainID, cfg.Identities, mods...)
	if err != nil {
		store.Close()
		return nil, err
	}
	a.UseLicences(cfg.Licences)
	every, keep := ac.Storage.Snapshots()
	snaps, err := snapshot.Open(filepath.Join(string(h), "data", "snapshots"), store, snapshot.Config{Interval: every, KeepRecent: keep})
	if err != nil {
		store.Close()
		return nil, err
	}
	a.UseSnapshots(snaps)
	a.SetRetention(app.Retention{Blocks: ac.Storage.RetainBlocks, Floor: snaps.Floor})
	idx, err := txindex.Open(filepath.Join(string(h), "data"))
	if err != nil {
		store.Close()
		return nil, err
	}
	// The index listens first, so a transaction is indexed before any
	// listener announces its commit. With block retention, the entries of
	// deleted blocks are pruned in the background (pruner, set once the
	// block store is open).
	var pruner atomic.Pointer[txPruner]
	idx.KeepPositions(ac.Storage.RetainBlocks > 0)
	a.OnCommit(func(height int64, txs []app.Committed) {
		hashes := make([][]byte, len(txs))
		for i, c := range txs {
			hashes[i] = c.Hash
		}
		if err := idx.Add(height, hashes); err != nil {
			panic(fmt.Errorf("transaction index: %w", err)) // the disk failed: stop rather than answer wrongly
		}
		pruner.Load().committed(height)
	})
	for _, svc := range cfg.Services {
		if err := svc.Attach(a, store); err != nil {
			idx.Close()
			store.Close()
			return nil, err
		}
	}
	if err := checkAtStart(h, store, idx); err != nil {
		idx.Close()
		store.Close()
		return nil, err
	}
	m := metrics.New()
	a.OnCommit(m.Committed)
	m.Storage(filepath.Join(string(h), "data"))
	m.Mempool(a)
	from := idx.Last() + 1
	n, err := node.StartWith(h, metrics.App{Application: a, M: m}, node.StartOptions{Log: cfg.CometLog, Metrics: m.CometProvider()})
	if err != nil {
		idx.Close()
		store.Close()
		return nil, err
	}
	if err := idx.CatchUp(n.CMT.BlockStore(), from); err != nil {
		n.Stop()
		idx.Close()
		store.Close()
		return nil, fmt.Errorf("rebuild transaction index: %w", err)
	}
	trustHistory(store, n)
	srv := api.New(a, n.Client)
	srv.Index = idx
	for _, svc := range cfg.Services {
		for _, r := range svc.Routes(srv) {
			srv.Handle(r)
		}
	}
	for _, p := range cfg.Plugins {
		if p.Routes != nil {
			for _, r := range p.Routes(srv) {
				srv.Handle(r)
			}
		}
	}
	addr := cfg.APIListen
	if addr == "" {
		addr = n.App.APIListen
	}
	// The web app (package web) answers its own pages at "/" and passes
	// every other request to the API unchanged.
	handler, err := web.Handler(srv)
	if err != nil {
		n.Stop()
		idx.Close()
		store.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		n.Stop()
		idx.Close()
		store.Close()
		return nil, fmt.Errorf("API cannot listen on %s: %w", addr, err)
	}
	// GET /metrics is served beside the API and the web app, healthy or
	// not (an operator watches an unhealthy node too); every other request
	// is timed by its route.
	top := http.NewServeMux()
	top.Handle("GET /metrics", m.Handler())
	top.Handle("/", m.Middleware(handler))
	if ac.Storage.RetainBlocks > 0 {
		pruner.Store(startTxPruner(idx, n.CMT.BlockStore().Base))
	}
	d := &Daemon{Node: n, App: a, Store: store, API: srv, Metrics: m, index: idx, pruner: pruner.Load(), snaps: snaps, services: cfg.Services, APIAddr: ln.Addr().String(), done: make(chan error, 1),
		http: api.HTTPServer(top), stopping: make(chan struct{})}
	// A request's context ends when the stop begins, so that a handler
	// waiting on the chain (a commit wait, a read behind a paused peer)
	// answers at once rather than holding the stop for its grace.
	base, cancelBase := context.WithCancel(context.Background())
	d.http.BaseContext = func(net.Listener) context.Context { return base }
	d.http.RegisterOnShutdown(cancelBase)
	go d.watchConsensus()
	// Shutdown waits for every request to finish, and a commit stream never
	// does: end the streams when shutdown begins.
	d.http.RegisterOnShutdown(srv.CloseStreams)
	go func() {
		err := d.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		d.done <- err
	}()
	return d, nil
}

// stopGrace is how long a stop waits for open requests and connections
// before it closes them.
const stopGrace = 2 * time.Second

// URL is the API's base URL.
func (d *Daemon) URL() string { return "http://" + d.APIAddr }

// Stop stops the API, then CometBFT, then closes the state: in that order,
// so that nothing writes to a closed store. Stop is idempotent.
func (d *Daemon) Stop() error {
	d.stopOnce.Do(func() { d.stopErr = d.stop() })
	return d.stopErr
}

func (d *Daemon) stop() error {
	close(d.stopping)
	// NOTE: requests end at once (their context ends with the stop), but
	// Shutdown counts a connection accepted and not yet sent a request as
	// busy for its first 5 s, so a client that had just dialled would hold
	// every stop for 5 s: after a short grace the rest are closed.
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	err := d.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		slog.Info("daemon: connections still open after the stop's grace; closing them", "grace", stopGrace)
		d.http.Close()
		err = nil
	}
	<-d.done
	d.pruner.close() // it reads the block store's base
	if e := d.Node.Stop(); e != nil && err == nil {
		err = e
	}
	for _, svc := range d.services {
		if e := svc.Close(); e != nil && err == nil {
			err = e
		}
	}
	d.snaps.Close() // a snapshot being taken reads the store
	if e := d.index.Close(); e != nil && err == nil {
		err = e
	}
	if e := d.Store.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// checkChainMarker refuses a home whose application data belongs to another
// chain: data/app/chain-id is written on first start and compared after.
// checkCoreData refuses application state without CometBFT's: blocks can
// rebuild the application's state (the handshake replays them), but not
// the other way round, and CometBFT would stop with a panic.
func checkCoreData(h node.Home, appVersion int64) error {
	if appVersion == 0 {
		return nil
	}
	for _, db := range []string{"blockstore.db", "state.db"} {
		p := filepath.Join(string(h), "data", db)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("the application state in %s is at height %d, but CometBFT's %s is missing: the blocks it was built from are gone, and this node cannot go on from it; restore the whole data folder from one backup (see docs/operators.md)",
				h.AppDataDir(), appVersion, p)
		}
	}
	return nil
}

func checkChainMarker(h node.Home, chainID string) error {
	p := h.AppDataDir() + "/chain-id"
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(h.AppDataDir(), 0o700); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(chainID+"\n"), 0o600)
	}
	if err != nil {
		return err
	}
	if got := string(b); got != chainID+"\n" {
		return fmt.Errorf("the application data in %s belongs to chain %q, but the genesis is for %q: this home mixes two chains", h.AppDataDir(), got[:len(got)-1], chainID)
	}
	return nil
}
