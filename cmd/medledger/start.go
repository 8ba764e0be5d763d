package main

import (
	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/node"
)

func (c *CLI) startCmd() *cobra.Command {
	var listen string
	var sync node.StateSync
	var stateSync bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node in --home (made by init or testnet)",
		Long: `Run the node in --home, made by medledger init or medledger testnet, until
Ctrl-C (or SIGTERM). Its addresses and block time come from the home's
config; --listen overrides the API address for this run. A taken address is
refused before anything starts, naming what to change.

A new member's node joins by state sync with --state-sync: on its empty home
it restores a recent snapshot of the state from the members' nodes, checked
against a block hash it trusts (--trust-height, --trust-hash, read from a
member's GET /v1/blocks/HEIGHT), instead of replaying the chain from genesis.`,
		Example: `  medledger start --home ./node1
  medledger start --home ./testnet/node0 --listen 127.0.0.1:36681
  medledger start --home ./node5 --state-sync --trust-height 12000 --trust-hash 3F2A... --sync-from http://10.0.0.1:26680,http://10.0.0.2:26680`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := c.HomeDir()
			if !h.Exists() {
				return cmdline.Hint(errNotHome(h), "create it with medledger init --home %s, or medledger testnet", h)
			}
			if listen != "" {
				if err := node.CheckAddr(listen); err != nil {
					return cmdline.Hint(cmdline.Usage("--listen %s", cmdline.Short(err.Error())), "give the API address as host:port, e.g. --listen 127.0.0.1:26680")
				}
			}
			if stateSync {
				if err := node.EnableStateSync(h, sync); err != nil {
					return cmdline.Hint(cmdline.Usage("%v", err), "e.g. --state-sync --trust-height H --trust-hash HASH --sync-from URL1,URL2 (docs/operators.md, State sync)")
				}
			}
			cc, ac, err := node.LoadConfig(h)
			if err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%v", err), "if the home is damaged, restore it from a backup (docs/operators.md) or start over with a new --home")
			}
			api := ac.APIListen
			if listen != "" {
				api = listen
			}
			if err := node.CheckFree(api); err != nil {
				return cmdline.Hint(cmdline.Usage("API address %v", err), "choose another with --listen host:port (or api_listen in %s)", h.AppConfigFile())
			}
			if err := node.CheckFree(node.P2PListen(cc)); err != nil {
				return cmdline.Hint(cmdline.Usage("peer-to-peer address %v", err), "stop what listens there, or change p2p.laddr in %s/config.toml (the other validators dial it)", h.ConfigDir())
			}
			return c.runNode(h, listen, false)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "", "API address host:port for this run (default: the home's config/medledger.json)")
	f.BoolVar(&stateSync, "state-sync", false, "join by restoring a member's state snapshot (an empty home; writes [statesync] in config.toml)")
	f.Int64Var(&sync.TrustHeight, "trust-height", 0, "with --state-sync: a height whose block hash you trust")
	f.StringVar(&sync.TrustHash, "trust-hash", "", "with --state-sync: the hash of the block at --trust-height (hex)")
	f.StringSliceVar(&sync.Servers, "sync-from", nil, "with --state-sync: the API URLs of two or more members' nodes")
	return cmd
}
