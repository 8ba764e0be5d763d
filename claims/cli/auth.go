package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/cmdline"
)

// --- prior authorization ---

func (c *cmds) authRequestCmd() *cobra.Command {
	var as, member, payer, from, to string
	var codes []string
	cmd := &cobra.Command{
		Use:   "request --member M --codes C,... --from DATE --to DATE --as ORG/MEMBER",
		Short: "Ask a payer to authorize services for a member over a period",
		Long: `Ask the member's payer to authorize the services (HCPCS/CPT codes) your
organization will give the member between --from and --to. The policy may
approve at once (its rule says when); otherwise the payer's adjudicator
decides. It prints the request's id and status, and once approved its
authorization number.`,
		Example: `  medledger claims priorauth request --member psn-... --codes 70553 --from 2025-05-01 --to 2025-05-20 --as northside-hospital/biller`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if member == "" || len(codes) == 0 {
				return usage("name the member and the codes: --member psn-... --codes 70553", "--member and --codes are required")
			}
			for _, code := range codes {
				if err := checkArg("--codes", code, "codes are HCPCS/CPT codes, e.g. --codes 70553,70551"); err != nil {
					return err
				}
			}
			if err := checkDate("--from", from); err != nil {
				return err
			}
			if err := checkDate("--to", to); err != nil {
				return err
			}
			p, err := c.payerOf(payer)
			if err != nil {
				return err
			}
			m, err := c.memberID(member, p)
			if err != nil {
				return err
			}
			sent, res, err := c.Send(as, claims.TypeAuthAsk, claims.AuthRequestBody{Payer: p, Member: m, Codes: codes, From: from, To: to})
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			a, err := c.Client().PriorAuth(c.Ctx, s, cmdline.EventAttr(res, claims.EventAuthAsked, "authorization"))
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(a, func(w io.Writer) {
				printAuth(w, a)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&member, "member", "", "the member id, psn-... (or patient/NAME for a patient whose key is on this machine)")
	cmd.Flags().StringSliceVar(&codes, "codes", nil, "HCPCS/CPT codes, comma-separated")
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD")
	cmd.Flags().StringVar(&to, "to", "", "last day, YYYY-MM-DD")
	cmd.Flags().StringVar(&payer, "payer", "", "the payer (default: the chain's one payer)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/biller")
	return cmd
}

func printAuth(w io.Writer, a claims.PriorAuth) {
	fmt.Fprintf(w, "%s %s: %s from %s to %s for member %s by %s (asked of %s)\n", a.ID, a.Status, strings.Join(a.Codes, ","), a.From, a.To, a.Member, a.Provider, a.Payer)
	if a.Number != "" {
		fmt.Fprintf(w, "  authorization number %s\n", a.Number)
	}
	if a.Decision != nil {
		fmt.Fprintf(w, "  %s by %s at height %d: %s\n", a.Decision.Action, a.Decision.By, a.Decision.Height, a.Decision.Reason)
	}
}

// decision reads --approve and --deny: exactly one.
func decision(approve, deny bool, reason string) error {
	if approve == deny {
		return usage("give --approve or --deny, and --reason", "give exactly one of --approve and --deny")
	}
	if reason == "" {
		return usage("say why, in one line about the decision (never about the patient): --reason 'imaging criteria met'", "--reason is required")
	}
	if len(reason) > 300 {
		return usage("keep --reason to one line of at most 300 characters", "--reason is %d characters", len(reason))
	}
	return nil
}

func (c *cmds) authDecideCmd() *cobra.Command {
	var as, reason string
	var approve, deny bool
	cmd := &cobra.Command{
		Use:   "decide ID --approve|--deny --reason TEXT --as PAYER/adjudicator",
		Short: "Approve or deny a prior authorization request (the payer's adjudicator)",
		Long: `Approve or deny a prior authorization request asked of your organization. The
decision is signed by you and kept with the request; an approval gets an
authorization number. --reason is about the decision, never about the
patient.`,
		Example: `  medledger claims priorauth decide pa-1 --approve --reason 'imaging criteria met' --as unity-health-plan/adjudicator`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := claims.ParseAuthID(args[0]); !ok {
				return usage("a prior authorization id is pa-N, as the request printed it", "%q is not pa-N", cmdline.Short(args[0]))
			}
			if err := decision(approve, deny, reason); err != nil {
				return err
			}
			sent, _, err := c.Send(as, claims.TypeAuthDo, claims.AuthDecideBody{ID: args[0], Approve: approve, Reason: reason})
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			a, err := c.Client().PriorAuth(c.Ctx, s, args[0])
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(a, func(w io.Writer) {
				printAuth(w, a)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "approve the request")
	cmd.Flags().BoolVar(&deny, "deny", false, "deny the request")
	cmd.Flags().StringVar(&reason, "reason", "", "why, in one line")
	cmdline.AsFlag(cmd, &as, "unity-health-plan/adjudicator")
	return cmd
}
