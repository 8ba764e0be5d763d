package main

import (
	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
)

func (c *CLI) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check a stopped node's home: every block, every node of the state's tree rehashed, the transaction index; say what is wrong and how to recover",
		Long: `Check the stores of a stopped node's home (--home) and say what is wrong and
how to recover: the configuration and keys; the block store (no gaps, every
block hashed, chained and its commit verified); the application state (its
root is the chain's app hash, and every node of its tree is hashed again,
which finds a value edited in the database); the transaction index.

Exit 0: all is well; 1: damage found; 2: could not check (the node is
running: a running node checks itself, GET /v1/health says what it found).`,
		Example: `  medledger check --home ./node1
  medledger check --home ./testnet/node2 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := c.HomeDir()
			if !h.Exists() {
				return cmdline.Hint(errNotHome(h), "give the home of a node with --home")
			}
			rep, err := daemon.Check(h, true, nil)
			if err != nil {
				return &cmdline.ExitError{Code: 2, Err: cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%v", err), "stop the node, then check again")}
			}
			c.Print(rep, rep.Text)
			if !rep.OK() {
				return &cmdline.ExitError{Code: 1, Err: cmdline.Hint(cmdline.Fail(cmdline.ErrDamaged, "%s is damaged: %s", h, rep.Findings[0].Problem), "%s", rep.Findings[0].Fix)}
			}
			return nil
		},
	}
}
