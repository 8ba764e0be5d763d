package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

func (c *CLI) devCmd() *cobra.Command {
	var listen, p2p string
	var blockTime time.Duration
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a single-validator chain with the demo consortium (created on first run, reopened after)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := c.HomeDir()
			if !h.Exists() {
				if err := initDev(h, listen, p2p, blockTime); err != nil {
					return err
				}
				c.Logf("created the demo consortium in %s\n", h)
			}
			return c.runNode(h, listen, true, c.seedDemo)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "API address host:port (default "+node.DefaultAPIListen+")")
	cmd.Flags().StringVar(&p2p, "p2p", "", "peer-to-peer address host:port, for a new dev chain (default 127.0.0.1:26656)")
	cmd.Flags().DurationVar(&blockTime, "block-time", node.DefaultBlockTime, "pause between blocks, for a new dev chain")
	return cmd
}

func initDev(h node.Home, listen, p2p string, blockTime time.Duration) error {
	keys, err := demo.NewKeys(nil)
	if err != nil {
		return err
	}
	if err := node.Init(h, node.Options{ChainID: demo.ChainID, Moniker: "northside-hospital", AppState: keys.AppState(), APIListen: listen, P2PListen: p2p, BlockTime: blockTime}); err != nil {
		return err
	}
	return keys.Save(keystore.Store{Dir: h.KeysDir()})
}

// runNode starts the node in h and serves until the context ends.
func (c *CLI) runNode(h node.Home, listen string, dev bool, after ...func(h node.Home, d *daemon.Daemon) error) error {
	cfg := daemonConfig()
	cfg.Home, cfg.APIListen = h, listen
	_, ac, err := node.LoadConfig(h)
	if err != nil {
		return cmdline.Hint(err, "if the home is damaged, restore it from a backup (docs/operators.md) or start over with a new --home")
	}
	svcs, protected, err := services(c.Ctx, h, ac.Operator)
	if err != nil {
		return cmdline.Hint(err, "the vault in %s/data/vault could not be opened; is another node running from this home?", h)
	}
	cfg.Services = svcs
	if os.Getenv("MEDLEDGER_COMET_LOG") != "" {
		cfg.CometLog = os.Stderr
	}
	d, err := daemon.Start(cfg)
	if err != nil {
		for _, s := range svcs {
			s.Close()
		}
		var ne *os.PathError
		if errors.As(err, &ne) {
			return cmdline.Hint(err, "check that %s is a medledger home and readable", h)
		}
		return cmdline.Hint(err, "if the home is damaged, restore it from a backup (docs/operators.md) or start over with a new --home")
	}
	c.Logf("medledger: chain %s, node %s\n", d.App.ChainID(), d.Node.CMT.NodeInfo().ID())
	c.Logf("medledger: home      %s\n", h)
	c.Logf("medledger: API       %s\n", d.URL())
	if dev {
		c.Logf("medledger: demo keys %s (unencrypted: for development only)\n", h.KeysDir())
	}
	if !protected {
		c.Logf("medledger: vault key %s is not passphrase-protected (set MEDLEDGER_VAULT_PASSPHRASE on a real node)\n", h.ConfigDir()+"/vault_key.json")
	}
	for _, fn := range after {
		if err := fn(h, d); err != nil {
			c.Logf("medledger: warning: %v\n", err)
		}
	}
	c.Logf("medledger: press Ctrl-C to stop\n")
	if c.JSON() {
		c.Print(map[string]string{"chain_id": d.App.ChainID(), "home": string(h), "api": d.URL(), "keys": h.KeysDir()}, func(io.Writer) {})
	}
	<-c.Ctx.Done()
	c.Logf("medledger: stopping at height %d\n", d.Store.Version())
	if err := d.Stop(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}
