package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/cmdline"
)

// --- reviews, payment ---

func (c *cmds) reviewCmd() *cobra.Command {
	var as, reason, carc string
	var approve, deny bool
	cmd := &cobra.Command{
		Use:   "review ID --approve|--deny --reason TEXT --as PAYER/adjudicator",
		Short: "Decide a pended claim: approve it (adjudicated again without its flags) or deny it with a reason",
		Long: `Decide a claim held for review (pended) by a flag. --approve adjudicates it
again as if unflagged; --deny denies every line with --carc (group and code,
default CO-96, non-covered charges). Your decision is signed and kept with
the claim. --reason is about the decision, never about the patient.`,
		Example: `  medledger claims review clm-4 --approve --reason 'notes support both panels' --as unity-health-plan/adjudicator`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkClaimID(args[0]); err != nil {
				return err
			}
			if err := decision(approve, deny, reason); err != nil {
				return err
			}
			body := claims.ReviewBody{Claim: args[0], Action: claims.ActionApprove, Reason: reason}
			if deny {
				body.Action = claims.ActionDeny
				group, code, ok := strings.Cut(carc, "-")
				if !ok || len(carc) > 8 {
					return usage("give the group and code, e.g. --carc CO-96 or --carc CO-151", "--carc %q is not GROUP-CODE", cmdline.Short(carc))
				}
				body.Group, body.CARC = group, code
			} else if cmd.Flags().Changed("carc") {
				return usage("--carc goes with --deny", "an approval names no reason code")
			}
			sent, _, err := c.Send(as, claims.TypeReview, body)
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			cl, err := c.Client().Claim(c.Ctx, s, args[0])
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(submitView(cl, sent), func(w io.Writer) {
				printClaim(w, cl, false)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "approve the claim")
	cmd.Flags().BoolVar(&deny, "deny", false, "deny every line")
	cmd.Flags().StringVar(&reason, "reason", "", "why, in one line")
	cmd.Flags().StringVar(&carc, "carc", "CO-96", "with --deny: the group and reason code of the denial")
	cmdline.AsFlag(cmd, &as, "unity-health-plan/adjudicator")
	return cmd
}

func (c *cmds) payCmd() *cobra.Command {
	var as, trace string
	cmd := &cobra.Command{
		Use:   "pay ID... --trace TEXT --as PAYER/admin",
		Short: "Record the payment of adjudicated claims under one trace number (the check or transfer's number)",
		Long: `Record that your organization paid adjudicated claims, each what its
adjudication says, under one trace number: the number of the check or
electronic transfer. Each claim becomes paid, with the date; its provider
reads the remittance advice with medledger claims remittance TRACE.`,
		Example: `  medledger claims pay clm-1 clm-2 --trace EFT-20250310-01 --as unity-health-plan/admin`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range args {
				if err := checkClaimID(id); err != nil {
					return err
				}
			}
			if trace == "" {
				return usage("give the check or transfer number: --trace EFT-20250310-01", "--trace is required")
			}
			if err := checkArg("--trace", trace, "a trace number is at most 50 characters"); err != nil {
				return err
			}
			sent, _, err := c.Send(as, claims.TypePay, claims.PayBody{Claims: args, Trace: trace})
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			rem, err := c.Client().Remittance(c.Ctx, s, strings.SplitN(s.Key.ID, "/", 2)[0], trace)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(rem, func(w io.Writer) {
				printRemittance(w, rem)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&trace, "trace", "", "the payment's trace number (check or transfer)")
	cmdline.AsFlag(cmd, &as, "unity-health-plan/admin")
	return cmd
}

func printRemittance(w io.Writer, r claims.Remittance) {
	fmt.Fprintf(w, "remittance %s from %s on %s: %s for %d claims\n", r.Trace, r.Payer, r.Date, dollars(r.Total), len(r.Claims))
	for _, c := range r.Claims {
		fmt.Fprintf(w, "  %s  %s  %s\n", c.Claim, c.Provider, dollars(c.AmountCents))
	}
}

func (c *cmds) remittanceCmd() *cobra.Command {
	var as, payer string
	cmd := &cobra.Command{
		Use:   "remittance TRACE [--payer ORG] --as ORG/MEMBER",
		Short: "Show a remittance advice: what a payer paid under a trace number (a provider sees its own claims)",
		Long: `Show what a payer paid under one trace number, claim by claim. The payer sees
the whole payment; a provider sees the part for its own claims.`,
		Example: `  medledger claims remittance EFT-20250310-01 --as northside-hospital/biller`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkArg("TRACE", args[0], "a trace number is at most 50 characters"); err != nil {
				return err
			}
			p, err := c.payerOf(payer)
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			rem, err := c.Client().Remittance(c.Ctx, s, p, args[0])
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(rem, func(w io.Writer) { printRemittance(w, rem) })
		},
	}
	cmd.Flags().StringVar(&payer, "payer", "", "the payer (default: the chain's one payer)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/biller")
	return cmd
}
