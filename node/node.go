package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	dbm "github.com/cometbft/cometbft-db"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
)

// Node is a running CometBFT node with its application in-process.
type Node struct {
	Home   Home
	CMT    *cmtnode.Node
	Client *local.Local
	App    AppConfig

	dbs    *dbTracker
	failed *failed
}

// dbTracker remembers every database CometBFT opens, so that Stop can close
// the ones CometBFT leaves open (the transaction index): a node restarted in
// the same process must be able to open them again.
type dbTracker struct {
	mu  sync.Mutex
	dbs []dbm.DB
}

func (t *dbTracker) provide(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err == nil {
		t.mu.Lock()
		t.dbs = append(t.dbs, db)
		t.mu.Unlock()
	}
	return db, err
}

func (t *dbTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, db := range t.dbs {
		_ = db.Close() // NOTE: most are closed by CometBFT already; closing again only errs
	}
	t.dbs = nil
}

// Start starts CometBFT for app from home. The application's state MUST
// already be open: the ABCI handshake replays any blocks it lacks. logw
// receives CometBFT's log (nil: discarded).
func Start(h Home, app abci.Application, logw *os.File) (*Node, error) {
	return StartWith(h, app, StartOptions{Log: logw})
}

// StartOptions are what StartWith takes beside the home and the app.
type StartOptions struct {
	// Log receives CometBFT's log (nil: discarded).
	Log *os.File
	// Metrics builds CometBFT's metrics (nil: none are kept).
	Metrics cmtnode.MetricsProvider
}

// StartWith starts CometBFT for app from home, as Start does, with o.
func StartWith(h Home, app abci.Application, o StartOptions) (*Node, error) {
	logw := o.Log
	c, ac, err := LoadConfig(h)
	if err != nil {
		return nil, err
	}
	nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node key %s: %w", c.NodeKeyFile(), err)
	}
	pv, err := loadPV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	if err != nil {
		return nil, err
	}
	logger := cmtlog.NewNopLogger()
	if logw != nil {
		logger = cmtlog.NewTMLogger(cmtlog.NewSyncWriter(logw))
		if lvl, err := cmtlog.AllowLevel(c.LogLevel); err == nil {
			logger = cmtlog.NewFilter(logger, lvl)
		}
	}
	f := &failed{done: make(chan struct{})}
	logger = failureWatch{logger, f}
	var opts []cmtnode.Option
	if c.StateSync.Enable && hasBlocks(c) {
		// NOTE: state sync is for an empty home; CometBFT skips it on one
		// with blocks, and the light client need not reach the members.
		c.StateSync.Enable = false
	}
	if c.StateSync.Enable {
		p, err := stateSyncProvider(h, c)
		if err != nil {
			return nil, err
		}
		opts = append(opts, cmtnode.StateProvider(p))
	}
	dbs := &dbTracker{}
	n, err := cmtnode.NewNode(c, pv, nodeKey,
		proxy.NewConnSyncLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(c),
		dbs.provide, metricsOf(o.Metrics, c), logger, opts...)
	if err != nil {
		dbs.closeAll()
		return nil, explain(h, err)
	}
	if err := n.Start(); err != nil {
		dbs.closeAll()
		return nil, explain(h, err)
	}
	return &Node{Home: h, CMT: n, Client: local.New(n), App: ac, dbs: dbs, failed: f}, nil
}

// metricsOf is p, or CometBFT's default (no metrics unless its own
// Prometheus server is configured).
func metricsOf(p cmtnode.MetricsProvider, c *cfg.Config) cmtnode.MetricsProvider {
	if p == nil {
		return cmtnode.DefaultMetricsProvider(c.Instrumentation)
	}
	return p
}

// loadPV loads the validator key without the panics of privval.LoadFilePV.
func loadPV(keyFile, stateFile string) (pv *privval.FilePV, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validator key %s or state %s is unreadable: %v", keyFile, stateFile, r)
		}
	}()
	return privval.LoadFilePV(keyFile, stateFile), nil
}

// explain turns CometBFT's start-up errors about a damaged or mismatched
// home into ones that say what to do.
func explain(h Home, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "app hash") || strings.Contains(msg, "AppHash"):
		return fmt.Errorf("the application state in %s does not match the chain's blocks (%v): the home is damaged or mixes two chains; restore it from a backup", filepath.Join(string(h), "data"), err)
	case strings.Contains(msg, "genesis"):
		return fmt.Errorf("genesis in %s does not fit this home's data: %w", h.GenesisFile(), err)
	}
	return fmt.Errorf("start CometBFT: %w", err)
}

// Stop stops the node and waits for it.
func (n *Node) Stop() error {
	err := n.CMT.Stop()
	if err == nil {
		n.CMT.Wait()
	}
	n.dbs.closeAll()
	return err
}
