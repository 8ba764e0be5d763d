package main

import (
	"github.com/spf13/cobra"
)

// txCmd is `medledger tx`: each module's group of transaction commands
// (Module.Tx), for transactions that have no verb of their own.
func (c *CLI) txCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tx",
		Example: `  medledger tx identity add-member nurse --role clinician --key northside-hospital/nurse --as northside-hospital/admin`,
		Short:   "Sign and send transactions (each waits until its block commits)",
	}
	for _, m := range c.Modules {
		if m.Tx != nil {
			cmd.AddCommand(m.Tx(c.Env)...)
		}
	}
	return cmd
}
