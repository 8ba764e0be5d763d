package main

import (
	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/node"
)

func (c *CLI) startCmd() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node in --home (made by init or testnet)",
		Long: `Run the node in --home, made by medledger init or medledger testnet, until
Ctrl-C (or SIGTERM). Its addresses and block time come from the home's
config; --listen overrides the API address for this run. A taken address is
refused before anything starts, naming what to change.`,
		Example: `  medledger start --home ./node1
  medledger start --home ./testnet/node0 --listen 127.0.0.1:36681`,
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
	cmd.Flags().StringVar(&listen, "listen", "", "API address host:port for this run (default: the home's config/medledger.json)")
	return cmd
}
