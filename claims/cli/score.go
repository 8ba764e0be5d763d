package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/scorer"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
)

// parseMilli reads a decimal with up to three places (3.5) as thousandths.
func parseMilli(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 6 || len(frac) > 3 {
		return 0, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		v, err := strconv.ParseInt((frac + "00")[:3], 10, 64)
		if err != nil || v < 0 {
			return 0, false
		}
		f = v
	}
	return n*1000 + f, true
}

func (c *cmds) scoreCmd() *cobra.Command {
	var as, threshold string
	var minPeers int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "score --as PAYER/adjudicator",
		Short: "Run the payer's scorer: flag claims of providers who bill a code far above their peers, with why",
		Long: `Run your organization's claim scorer over the claims it may read. For each
procedure code billed by at least --min-peers providers, it compares each
provider's median units per line and median charge per unit with the other
providers' (median and median absolute deviation: robust statistics that
need no training data), and flags the adjudicated, unpaid claims of a
provider whose modified z-score is over --threshold, with the numbers that
say so. A flag holds a claim for review (pended); it never denies it. The
flags are signed by you; --dry-run only prints them.`,
		Example: `  medledger claims score --as unity-health-plan/adjudicator`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			th, ok := parseMilli(threshold)
			if !ok || th == 0 {
				return usage("--threshold is a positive number with up to three decimals, e.g. 3.5", "--threshold %q is not a number", cmdline.Short(threshold))
			}
			if minPeers < 2 {
				return usage("--min-peers is 2 or more (3 by default)", "--min-peers %d is too few to compare with", minPeers)
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			list, err := c.Client().Claims(c.Ctx, s, "")
			if err != nil {
				return c.ReadFail(err, "")
			}
			flags := scorer.Score(list, scorer.Options{MinPeers: minPeers, Threshold: th})
			if !dryRun && len(flags) > 0 {
				var txs []client.BulkTx
				for _, f := range flags {
					reason := f.Reason
					if len(reason) > 300 {
						reason = reason[:297] + "..."
					}
					txs = append(txs, client.BulkTx{Signer: s, Type: claims.TypeFlag, Body: claims.FlagBody{Claim: f.Claim, Code: scorer.FlagCode, Reason: reason, Facts: f.Facts}})
				}
				res, err := c.Client().SendAll(c.Ctx, txs, client.BulkOptions{})
				if err != nil {
					return c.Explain(err, claims.TypeFlag, as)
				}
				if res.Failed >= 0 {
					return c.Explain(res.Err(), claims.TypeFlag, as)
				}
			}
			out := struct {
				Claims  int           `json:"claims"`
				Flagged []scorer.Flag `json:"flagged"`
				DryRun  bool          `json:"dry_run"`
			}{len(list), flags, dryRun}
			if out.Flagged == nil {
				out.Flagged = []scorer.Flag{}
			}
			return c.Print(out, func(w io.Writer) {
				verb := "flagged"
				if dryRun {
					verb = "would flag"
				}
				fmt.Fprintf(w, "scored %d claims: %s %d\n", len(list), verb, len(flags))
				for _, f := range flags {
					fmt.Fprintf(w, "  %s (%s, code %s): %s\n", f.Claim, f.Provider, f.Code, f.Reason)
				}
			})
		},
	}
	cmd.Flags().StringVar(&threshold, "threshold", "3.5", "the modified z-score over which a provider is an outlier")
	cmd.Flags().IntVar(&minPeers, "min-peers", scorer.MinPeers, "the fewest providers billing a code for it to be scored")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the flags without sending them")
	cmdline.AsFlag(cmd, &as, "unity-health-plan/adjudicator")
	return cmd
}
