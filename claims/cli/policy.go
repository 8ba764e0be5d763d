package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/cmdline"
)

// --- policy ---

func (c *cmds) policyPublishCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "publish FILE --as PAYER/admin",
		Short: "Publish a version of your organization's coverage policy (YAML or JSON)",
		Long: `Publish a version of your organization's coverage policy. The policy is
checked here and again by the chain: every expression must compile, use no
fraction, time or map iteration, and cost at most the limit in the worst case;
a policy that fails is refused with the file's line and the reason. The
version must be newer than the last; it is in force from its effective_height
(default: the next block) for services on or after its effective_from. A
payer's admin publishes.`,
		Example: `  medledger claims policy publish policy.yaml --as unity-health-plan/admin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pf, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			compiled, err := claims.DecodePolicy(pf.json)
			if err != nil {
				return pf.where(err)
			}
			sent, res, err := c.Send(as, claims.TypePublish, json.RawMessage(`{"policy":`+string(pf.json)+`}`))
			if err != nil {
				return pf.where(err)
			}
			out := struct {
				Version uint64 `json:"version"`
				Payer   string `json:"payer"`
				InForce string `json:"in_force"`
				Digest  string `json:"digest"`
				MaxCost uint64 `json:"max_cost"`
				TxHash  string `json:"tx_hash"`
				Height  int64  `json:"height"`
			}{compiled.Policy.Version, cmdline.EventAttr(res, claims.EventPublished, "payer"), cmdline.EventAttr(res, claims.EventPublished, "in_force"),
				cmdline.EventAttr(res, claims.EventPublished, "digest"), compiled.MaxEstimate(), sent.Hash, sent.Height}
			return c.Print(out, func(w io.Writer) {
				fmt.Fprintf(w, "published %s's policy version %d, in force from height %s for services on or after %s\n", out.Payer, out.Version, out.InForce, compiled.Policy.EffectiveFrom)
				fmt.Fprintf(w, "  %d rules, %d edits; the costliest expression costs at most %d of %d\n", len(compiled.Policy.Rules), len(compiled.Policy.Edits), out.MaxCost, claims.MaxCost)
				sent.Text(w)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "unity-health-plan/admin")
	return cmd
}

func (c *cmds) policyShowCmd() *cobra.Command {
	var payer string
	var version uint64
	cmd := &cobra.Command{
		Use:   "show [--version V] [--payer ORG]",
		Short: "Show a payer's coverage policy (the newest version, or --version), as JSON",
		Long: `Show a payer's coverage policy: public to the network, so that providers know
the rules they are paid by. Without --payer, the chain's one payer.`,
		Example: `  medledger claims policy show --version 1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := c.payerOf(payer)
			if err != nil {
				return err
			}
			rec, err := c.Client().ClaimPolicy(c.Ctx, p, version)
			if err != nil {
				return c.ReadFail(err, "the payer publishes one with medledger claims policy publish FILE --as "+p+"/admin")
			}
			return c.Print(rec, func(w io.Writer) {
				fmt.Fprintf(w, "%s policy version %d: in force from height %d, for services on or after %s (published by %s at height %d, digest %s)\n",
					rec.Payer, rec.Policy.Version, rec.InForce, rec.Policy.EffectiveFrom, rec.By, rec.Height, rec.Digest)
				b, _ := json.MarshalIndent(rec.Policy, "", "  ")
				fmt.Fprintln(w, string(b))
			})
		},
	}
	cmd.Flags().StringVar(&payer, "payer", "", "the payer's organization id (default: the chain's one payer)")
	cmd.Flags().Uint64Var(&version, "version", 0, "the version (default: the newest)")
	return cmd
}

func (c *cmds) policySimulateCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "simulate FILE --as PAYER/MEMBER",
		Short: "Run a draft policy over your payer's claims on chain and list every decision it would change",
		Long: `Run a draft policy over the claims your payer has on chain, before you publish
it: the node replays them in order twice, under the published policies and
with the draft in force from its effective_from, and lists every line whose
decision (status, amounts, reason codes, rule) would change. Nothing is
sent to the chain. Reviews by people and the scorer's flags are not
replayed.`,
		Example: `  medledger claims policy simulate draft.yaml --as unity-health-plan/admin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pf, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			if _, err := claims.DecodePolicy(pf.json); err != nil {
				return pf.where(err)
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			sim, err := c.Client().SimulatePolicy(c.Ctx, s, pf.json)
			if err != nil {
				return c.ReadFail(pf.where(err), "")
			}
			return c.Print(sim, func(w io.Writer) {
				fmt.Fprintf(w, "draft version %d over %d claims (%d lines) of %s: %d decisions would change; the plan would pay %s instead of %s\n",
					sim.Version, sim.Claims, sim.Lines, sim.Payer, len(sim.Changes), dollars(sim.PaidAfter), dollars(sim.PaidBefore))
				if len(sim.Changes) == 0 {
					return
				}
				cmdline.Table(w, "CLAIM\tLINE\tCODE\tDATE\tNOW\tDRAFT", func(tw io.Writer) {
					for _, ch := range sim.Changes {
						fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", ch.Claim, ch.Line, ch.Code, ch.Date, decisionText(ch.Before), decisionText(ch.After))
					}
				})
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "unity-health-plan/admin")
	return cmd
}

func decisionText(d claims.LineDecision) string {
	return fmt.Sprintf("%s %s %s (%s)", d.Status, dollars(d.PaidCents), strings.Join(d.Codes, ","), d.Rule)
}

// --- members ---
