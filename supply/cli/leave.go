package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
	"github.com/spf13/cobra"
)

// --- leaving the chain ---

func (c *cmds) supplyDispenseCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "dispense CODE --as ORG/pharmacist",
		Short: "Dispense a pack to a patient (a pharmacy's or a hospital pharmacy's pharmacist); the patient is not named",
		Long: `Dispense a pack to a patient: the pack leaves the supply chain, and from
then on verify-pack answers "dispensed" for its code (a second sale of the same
serial is suspect). The patient is not named: nothing about them goes on the
chain. Pharmacists dispense: a pharmacy's, or a hospital's pharmacy's. A
recalled, expired or quarantined pack is refused, and so is a return not yet
verified (medledger supply verify-return).`,
		Example: `  medledger supply dispense '(01)00312345678906(21)100012' --as cityrx-pharmacy/pharmacist
  medledger supply dispense '(01)00312345678906(21)100014' --as northside-hospital/pharmacist`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			it, err := packOf(args[0])
			if err != nil {
				return err
			}
			t, _, err := c.Send(as, supply.TypeDispense, supply.DispenseBody{GTIN: it.GTIN, Serial: it.Serial})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Code   string `json:"code"`
				Status string `json:"status"`
			}{t, it.String(), supply.StatusDispensed}, func(w io.Writer) {
				fmt.Fprintf(w, "dispensed %s\n", it)
				t.Text(w)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *cmds) supplyDecommissionCmd() *cobra.Command {
	var as, reason string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "decommission --reason REASON --items CODE,... --as ORG/MEMBER",
		Short: "Take packs or cases out of the supply chain: " + strings.Join(supply.DecommissionReasons, ", "),
		Long: `Take packs or cases you hold out of the supply chain for good, other than by
dispensing them to a patient: ` + strings.Join(supply.DecommissionReasons, ", ") + `.

A decommissioned pack answers "decommissioned" to verify-pack (one
decommissioned as stolen answers "stolen"), so it cannot be sold again. Either
end of a shipment may report its items stolen or lost while they are in
transit: the item leaves the shipment, the addressee receives the rest without
it, and its history names the shipment it was lost from. A quarantined pack is
kept until its investigation ends; one determined illegitimate is destroyed
(--reason destroyed), by either end if it is in transit.`,
		Example: `  medledger supply decommission --reason expired --items '(01)00312345678906(21)100013' --as cityrx-pharmacy/pharmacist
  medledger supply decommission --reason destroyed --items-file destroyed.txt --as acme-pharma/packager
  medledger supply decommission --reason stolen --items '(01)00312345678906(21)100016' --as acme-pharma/packager`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(supply.DecommissionReasons, reason) {
				return usage("give --reason one of "+strings.Join(supply.DecommissionReasons, ", "), "reason %q is not known", cmdline.Short(reason))
			}
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, _, err := c.Send(as, supply.TypeDecommission, supply.DecommissionBody{Items: its, Reason: reason})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Reason string   `json:"reason"`
				Items  []string `json:"items"`
			}{t, reason, codesOf(its)}, func(w io.Writer) {
				fmt.Fprintf(w, "decommissioned %s (%s)\n", plural(len(its), "item"), reason)
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why: "+strings.Join(supply.DecommissionReasons, ", "))
	items.register(cmd, "what is decommissioned")
	cmdline.AsFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *cmds) supplyRecallCmd() *cobra.Command {
	var as, gtin, lot, reason string
	cmd := &cobra.Command{
		Use:   "recall --gtin GTIN [--lot LOT] --reason TEXT --as ORG/MEMBER",
		Short: "Recall a lot, or every lot of a product (its manufacturer's admin, or a regulator)",
		Long: `Recall a lot, or without --lot every lot of a product.

The recall is written once, on the lot or the product, and reaches every pack
at once, and every case holding one: verify-pack answers "recalled" and
dispensing is refused. --reason is shown to whoever verifies a pack: say what
is wrong with the product, and nothing about any patient. The product's
manufacturer (its admin) or a regulator (its admin or inspector) recalls.`,
		Example: `  medledger supply recall --gtin 00312345678906 --lot A100 --reason 'potency below specification' --as acme-pharma/admin
  medledger supply recall --gtin 00312345678906 --reason 'contamination at the plant' --as drug-regulator/inspector`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := gtinOf(gtin)
			if err != nil {
				return err
			}
			if lot != "" {
				if err := checkLot(g, lot); err != nil {
					return err
				}
			}
			if strings.TrimSpace(reason) == "" {
				return usage("say what is wrong with the product, e.g. --reason 'potency below specification'", "--reason is required")
			}
			t, res, err := c.Send(as, supply.TypeRecall, supply.RecallBody{GTIN: g, Lot: lot, Reason: reason})
			if err != nil {
				return err
			}
			id := cmdline.EventAttr(res, supply.EventRecalled, "recall")
			return c.Print(struct {
				cmdline.Sent
				ID     string `json:"id"`
				GTIN   string `json:"gtin"`
				Lot    string `json:"lot,omitempty"`
				Reason string `json:"reason"`
			}{t, id, g, lot, reason}, func(w io.Writer) {
				what := "every lot of " + g
				if lot != "" {
					what = "lot " + lot + " of " + g
				}
				fmt.Fprintf(w, "recalled %s: %s\n  recall %s\n", what, reason, id)
				t.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&gtin, "gtin", "", "the product's GTIN")
	f.StringVar(&lot, "lot", "", "the lot recalled (default: every lot)")
	f.StringVar(&reason, "reason", "", "why the product is recalled")
	cmdline.AsFlag(cmd, &as, "acme-pharma/admin")
	return cmd
}

// --- suspect products (reports: the list; report, investigate, terminate
// and notifications are in suspect.go) ---

func (c *cmds) supplyReportsCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:   "reports [--org MANUFACTURER]",
		Short: "List suspect-product reports: all of them, or those about a manufacturer's products",
		Long: `List the suspect-product reports (medledger supply report): all of them, as the
regulators see them, or with --org those about the products of one
manufacturer. --manufacturer, its former name, still works for this release.`,
		Example: `  medledger supply reports
  medledger supply reports --org acme-pharma`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOrg("--org", org); err != nil {
				return err
			}
			list, err := c.Client().SuspectReports(c.Ctx, org)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no suspect-product reports")
					return
				}
				cmdline.Table(w, "ID\tRESULT\tCODE\tMANUFACTURER\tREPORTER\tHEIGHT\tTIME", func(tw io.Writer) {
					for _, r := range list {
						m := r.Manufacturer
						if m == "" {
							m = "-"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Result, r.Code, m, r.Reporter, r.Height, r.Time.Format(time.RFC3339))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "only reports about the products of this manufacturer (an organization id)")
	cmd.Flags().StringVar(&org, "manufacturer", "", "former name of --org")
	cmdline.Deprecate(cmd, "manufacturer", "org")
	return cmd
}
