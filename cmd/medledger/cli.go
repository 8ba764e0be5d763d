package main

import (
	"bytes"
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	keystorecli "github.com/medledger/medledger/keystore/cli"
)

// CLI is the root command's state: the environment every command shares
// (cmdline.Env, filled in from the flags below) and the modules wired in.
type CLI struct {
	*cmdline.Env
	// warnings are written to stderr after the command ran, so that an
	// error stays the first thing on stderr.
	warnings bytes.Buffer
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
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.CheckOutput(); err != nil {
				return err
			}
			cmdline.WarnDeprecated(cmd, &c.warnings)
			return c.checkHome(cmd)
		},
	}
	root.PersistentFlags().StringVar(&c.Home, "home", "", "home folder of the node and keystore (default: "+cmdline.DefaultHome()+")")
	root.PersistentFlags().StringVar(&c.Node, "node", client.DefaultNode, "API address of the node to talk to")
	root.PersistentFlags().StringVarP(&c.Output, "output", "o", "text", "output format: text or json")
	// The node's own verbs, then each module's.
	root.AddCommand(c.devCmd(), c.initCmd(), c.startCmd(), c.testnetCmd(), c.statusCmd(), keystorecli.Command(c.Env),
		c.queryCmd(), c.txCmd(), c.benchCmd(), c.checkCmd())
	for _, m := range c.Modules {
		if m.Commands != nil {
			root.AddCommand(m.Commands(c.Env)...)
		}
	}
	cmdline.ExplainArgs(root)
	return root
}

// checkHome refuses a --home that does not exist, unless the command
// creates one: falling back to the default node or keystore would answer
// for another chain than the one asked about.
func (c *CLI) checkHome(cmd *cobra.Command) error {
	if c.Home == "" {
		return nil
	}
	for p := cmd; p != nil; p = p.Parent() {
		if p.Annotations[cmdline.CreatesHome] != "" {
			return nil
		}
	}
	if _, err := os.Stat(c.Home); err != nil {
		return cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%s is not a medledger home: there is no such folder", cmdline.Short(c.Home)),
			"check the path; medledger dev --home %s or medledger init --home %s creates one", cmdline.Short(c.Home), cmdline.Short(c.Home))
	}
	return nil
}
