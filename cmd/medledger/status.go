package main

import (
	"fmt"
	"io"

	"github.com/medledger/medledger/cmdline"
	"github.com/spf13/cobra"
)

func (c *CLI) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use: "status",
		Example: `  medledger status
  medledger status --home ./node1 -o json`,
		Short: "Show the node's chain, height, app hash and validators",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := c.Client().Status(c.Ctx)
			if err != nil {
				return cmdline.Hint(err, "start a node with medledger dev, or pass --node URL")
			}
			return c.Print(st, func(w io.Writer) {
				fmt.Fprintf(w, "chain      %s\nheight     %d\ntime       %s\napp hash   %s\nnode       %s (%s)\nvalidators %d\nhealthy    %t\n",
					st.ChainID, st.LatestHeight, st.LatestTime.Format("2006-01-02T15:04:05.000Z07:00"), st.AppHash, st.Moniker, st.NodeID, len(st.Validators), st.Healthy)
				for _, p := range st.Problems {
					fmt.Fprintf(w, "problem    %s\n", p)
				}
			})
		},
	}
}
