package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
)

// CLI is the root command's state: the environment every command shares
// (cmdline.Env, filled in from the flags below) and the modules wired in.
type CLI struct {
	*cmdline.Env
}

func (c *CLI) root() *cobra.Command {
	if c.Env == nil {
		c.Env = &cmdline.Env{Ctx: context.Background(), Modules: modules()}
	}
	root := &cobra.Command{
		Use:           "medledger",
		Short:         "medledger: a permissioned blockchain for healthcare",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Refuse a bad -o before any command acts: a transaction must not be
		// sent, nor a home created, only for its output to be refused.
		PersistentPreRunE: func(*cobra.Command, []string) error { return c.CheckOutput() },
	}
	root.PersistentFlags().StringVar(&c.Home, "home", "", "home folder of the node and keystore (default: "+cmdline.DefaultHome()+")")
	root.PersistentFlags().StringVar(&c.Node, "node", client.DefaultNode, "API address of the node to talk to")
	root.PersistentFlags().StringVarP(&c.Output, "output", "o", "text", "output format: text or json")
	// The node's own verbs, then each module's.
	root.AddCommand(c.devCmd(), c.initCmd(), c.startCmd(), c.testnetCmd(), c.statusCmd(), c.keysCmd(),
		c.queryCmd(), c.txCmd(), c.benchCmd())
	for _, m := range c.Modules {
		if m.Commands != nil {
			root.AddCommand(m.Commands(c.Env)...)
		}
	}
	return root
}
