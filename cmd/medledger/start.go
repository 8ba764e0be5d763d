package main

import (
	"github.com/medledger/medledger/cmdline"
	"github.com/spf13/cobra"
)

func (c *CLI) startCmd() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node in --home (made by init or testnet)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := c.HomeDir()
			if !h.Exists() {
				return cmdline.Hint(errNotHome(h), "create it with medledger init --home %s, or medledger testnet", h)
			}
			return c.runNode(h, listen, false)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "API address host:port (default: the home's config/medledger.json)")
	return cmd
}
