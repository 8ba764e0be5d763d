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

// --- suspect and illegitimate product ---

// reportHint is how a report id looks and where to find one.
const reportHint = "a report id is rpt-N, as medledger supply report printed it and medledger supply notifications lists them"

// checkReport refuses a report id that is not rpt-N.
func checkReport(id string) error {
	n, ok := strings.CutPrefix(id, "rpt-")
	if !ok || n == "" || len(n) > 19 || strings.Trim(n, "0123456789") != "" {
		return usage(reportHint, "report id %q is not rpt-N", cmdline.Short(id))
	}
	return nil
}

func (c *cmds) supplyReportCmd() *cobra.Command {
	var as, reason string
	cmd := &cobra.Command{
		Use:   "report CODE --reason TEXT --as ORG/MEMBER",
		Short: "Report a suspect pack or case: it is quarantined until its manufacturer or holder investigates",
		Long: `Report a suspect pack or case. It goes into quarantine at once: until the
investigation ends, nobody ships, receives, returns, packs, unpacks, dispenses
or destroys it, and verify-pack answers "quarantined". Set it apart on your
shelf too.

Report what you hold when something about it is wrong, even if it verifies:
a reprinted label, a broken seal, a carton that does not look like the
manufacturer's. --reason says how you found it (it goes into the
notification a regulator receives; say nothing about any patient). A code
that does not verify (unknown, mismatch, dispensed, decommissioned, stolen)
anyone may report, wherever the pack is; then --reason may be left out.

The regulators, the product's manufacturer and whoever holds the pack see the
report in medledger supply notifications. The manufacturer, or the partner
holding the pack, then clears it or determines it illegitimate (medledger
supply investigate).`,
		Example: `  medledger supply report '(01)00312345678906(21)100013' --reason 'blister foil reprinted over the original' --as cityrx-pharmacy/pharmacist
  medledger supply report '(01)00312345678906(21)999999' --reason 'serial not on the chain' --as northside-hospital/pharmacist
  medledger -o json supply report '(00)003123450000000011' --reason 'case arrived rewrapped' --as medsupply-dist/warehouse`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := supply.ParseCode(args[0]); err != nil {
				return badCode(args[0], err)
			}
			t, res, err := c.Send(as, supply.TypeReport, supply.ReportBody{Code: args[0], Reason: reason})
			if err != nil {
				return err
			}
			attr := func(k string) string { return cmdline.EventAttr(res, supply.EventReported, k) }
			v := struct {
				cmdline.Sent
				ID           string `json:"id"`
				Code         string `json:"code"`
				Result       string `json:"result"`
				Quarantined  string `json:"quarantined,omitempty"`
				Manufacturer string `json:"manufacturer,omitempty"`
			}{t, attr("report"), args[0], attr("result"), attr("quarantined"), attr("manufacturer")}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "reported %s (%s) as %s\n", args[0], v.Result, v.ID)
				if v.Quarantined != "" {
					fmt.Fprintf(w, "  %s is quarantined: keep it apart until the investigation ends\n", v.Quarantined)
				}
				if v.Manufacturer != "" {
					fmt.Fprintf(w, "  %s investigates it: medledger supply investigate %s --cleared|--illegitimate --reason TEXT\n", v.Manufacturer, v.ID)
				}
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "how you found it suspect (required for a pack that verifies; nothing about any patient)")
	cmdline.AsFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *cmds) supplyInvestigateCmd() *cobra.Command {
	var as, reason, class string
	var cleared, illegitimate bool
	cmd := &cobra.Command{
		Use:   "investigate ID --cleared|--illegitimate --reason TEXT --as ORG/MEMBER",
		Short: "Record the outcome of a suspect-product investigation: cleared, or illegitimate (the manufacturer, or the partner holding it)",
		Long: `Record the outcome of the investigation of a suspect-product report (rpt-N).
The product's manufacturer records it, or the trading partner holding the pack
(for a code the chain never commissioned, the partner that found it).

--cleared lifts the quarantine: the pack is saleable again.

--illegitimate determines it counterfeit, diverted, stolen, intentionally
adulterated, unfit for distribution or the object of a fraudulent transaction
(--classification). The pack stays out of trade for good (it may only be
destroyed: medledger supply decommission --reason destroyed), and the chain
records the illegitimate-product notification a regulator asks for (FDA Form
3911's fields): the product, NDC, lot, expiry, serials and quantity, how it was
found, who determined it and when. Every trading partner that held the
product, its manufacturer and the regulators see it among their open
notifications until the manufacturer terminates it (medledger supply
terminate). --reason says why, for them; nothing about any patient.`,
		Example: `  medledger supply investigate rpt-1 --illegitimate --classification counterfeit --reason 'serial printed over a foreign lot' --as acme-pharma/admin
  medledger supply investigate rpt-2 --cleared --reason 'genuine: carton dented in transit' --as acme-pharma/admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkReport(args[0]); err != nil {
				return err
			}
			outcome := supply.OutcomeCleared
			switch {
			case cleared == illegitimate:
				return usage("say what the investigation found: --cleared (genuine, back to stock) or --illegitimate (out of trade for good)", "give one of --cleared and --illegitimate")
			case illegitimate:
				outcome = supply.OutcomeIllegitimate
			}
			if class != "" && (!illegitimate || !slices.Contains(supply.Classifications, class)) {
				return usage("with --illegitimate, --classification is one of "+strings.Join(supply.Classifications, ", "), "--classification %q", cmdline.Short(class))
			}
			if strings.TrimSpace(reason) == "" {
				return usage("say what the investigation found, e.g. --reason 'genuine: carton dented in transit'", "--reason is required")
			}
			t, res, err := c.Send(as, supply.TypeInvestigate, supply.InvestigateBody{Report: args[0], Outcome: outcome, Reason: reason, Classification: class})
			if err != nil {
				return err
			}
			v := struct {
				cmdline.Sent
				ID       string   `json:"id"`
				Outcome  string   `json:"outcome"`
				Notified []string `json:"notified,omitempty"`
			}{Sent: t, ID: args[0], Outcome: outcome}
			if rp, err := c.Client().SuspectReport(c.Ctx, args[0]); err == nil {
				v.Notified = rp.Notified
			}
			_ = res
			return c.Print(v, func(w io.Writer) {
				if outcome == supply.OutcomeCleared {
					fmt.Fprintf(w, "%s cleared: the quarantine is lifted\n", v.ID)
				} else {
					fmt.Fprintf(w, "%s determined illegitimate: destroy the product, or keep it for the regulator\n", v.ID)
					if len(v.Notified) > 0 {
						fmt.Fprintf(w, "  notified: %s\n", strings.Join(v.Notified, ", "))
					}
				}
				t.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&cleared, "cleared", false, "the product is genuine: lift the quarantine")
	f.BoolVar(&illegitimate, "illegitimate", false, "the product is illegitimate: notify every partner that held it and the regulators")
	f.StringVar(&reason, "reason", "", "what the investigation found (nothing about any patient)")
	f.StringVar(&class, "classification", "", "with --illegitimate: "+strings.Join(supply.Classifications, ", "))
	cmdline.AsFlag(cmd, &as, "acme-pharma/admin")
	return cmd
}

func (c *cmds) supplyTerminateCmd() *cobra.Command {
	var as, reason string
	cmd := &cobra.Command{
		Use:   "terminate ID --reason TEXT --as ORG/MEMBER",
		Short: "Terminate an illegitimate-product notification (the product's manufacturer)",
		Long: `Terminate an illegitimate-product notification (rpt-N), as its manufacturer
does once the regulator agrees the matter is closed. It leaves everyone's open
notifications; the product stays illegitimate.`,
		Example: `  medledger supply terminate rpt-1 --reason 'counterfeit lot destroyed; closed with the regulator' --as acme-pharma/admin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkReport(args[0]); err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return usage("say why it is closed, e.g. --reason 'closed with the regulator'", "--reason is required")
			}
			t, _, err := c.Send(as, supply.TypeTerminate, supply.TerminateBody{Report: args[0], Reason: reason})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				ID string `json:"id"`
			}{t, args[0]}, func(w io.Writer) {
				fmt.Fprintf(w, "terminated the notification of %s\n", args[0])
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the notification is closed")
	cmdline.AsFlag(cmd, &as, "acme-pharma/admin")
	return cmd
}

func (c *cmds) supplyNotificationsCmd() *cobra.Command {
	var org, as string
	cmd := &cobra.Command{
		Use:   "notifications [--org ORG]",
		Short: "List the open suspect-product and illegitimate-product notifications, overdue ones marked",
		Long: `List the open notifications: suspect-product reports under investigation (the
pack quarantined) and illegitimate-product notifications not yet terminated.
Without --org, every one (as the regulators see them); with --org, those the
organization was told of: as the reporter, the manufacturer, the holder, or
once a product is determined illegitimate, as a partner that held it. A report
still open more than 24 hours after it was made (by the chain's block times)
is marked OVERDUE. --as names the organization by one of your local keys.`,
		Example: `  medledger supply notifications
  medledger supply notifications --org cityrx-pharmacy
  medledger -o json supply notifications --as acme-pharma/admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if org == "" && as != "" {
				var err error
				if org, err = c.SignerOrg(as); err != nil {
					return err
				}
			}
			if err := checkOrg("--org", org); err != nil {
				return err
			}
			list, err := c.Client().Notifications(c.Ctx, org)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no open notifications")
					return
				}
				cmdline.Table(w, "ID\tKIND\tCODE\tFOUND AS\tREPORTED BY\tREPORTED\tSTATE", func(tw io.Writer) {
					for _, n := range list {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Kind, n.Code, n.Result, n.Reporter, n.Time.Format(time.RFC3339), noticeState(n))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "only those this organization was told of")
	cmd.Flags().StringVar(&as, "as", "", "a local key of the organization's, as an alternative to --org")
	return cmd
}

// noticeState says where a notification stands.
func noticeState(n supply.Notice) string {
	if n.Kind == supply.NoticeIllegitimate {
		d := n.Determination
		return fmt.Sprintf("illegitimate (%s, by %s); awaits the manufacturer's termination", d.Time.Format("2006-01-02"), d.Org)
	}
	s := "quarantined, determination due " + n.Due.Format(time.RFC3339)
	if n.Overdue {
		s = "OVERDUE: " + s
	}
	return s
}

// --- returns ---

func (c *cmds) supplyVerifyReturnCmd() *cobra.Command {
	var as string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "verify-return CODE... --as ORG/MEMBER",
		Short: "Verify returned packs against the chain before selling them again",
		Long: `Verify returned packs (or cases) before they are sold again. A return comes
back to you marked as returned: you cannot ship, pack or dispense it until you
have scanned its label and the chain has checked it. For a pack, scan the
whole label: GTIN, serial, lot (10) and expiry (17) must all match what the
manufacturer commissioned; a case or pallet is verified by its SSCC. A label
that does not match is refused (label-mismatch): set the pack apart and report
it (medledger supply report). Codes are given as arguments or with
--items-file, one a line.`,
		Example: `  medledger supply verify-return '(01)00312345678906(10)A100(17)281130(21)100013' --as medsupply-dist/warehouse
  medledger supply verify-return --items-file returns.txt --as medsupply-dist/warehouse`,
		RunE: func(cmd *cobra.Command, args []string) error {
			codes := slices.Clone(args)
			if items.file != "" {
				more, err := items.lines()
				if err != nil {
					return err
				}
				codes = append(codes, more...)
			}
			if len(codes) == 0 {
				return usage("give the scanned labels, e.g. '(01)00312345678906(10)A100(17)281130(21)100013', or --items-file FILE", "no codes to verify")
			}
			if len(codes) > supply.MaxItems {
				return usage("split the list", "%d codes, over the %d one transaction may name", len(codes), supply.MaxItems)
			}
			for _, code := range codes {
				cd, err := supply.ParseCode(code)
				if err != nil {
					return badCode(code, err)
				}
				if cd.SSCC == "" && (cd.Lot == "" || !cd.HasExpiry) {
					return usage("scan the whole label: (01)GTIN(10)LOT(17)YYMMDD(21)SERIAL", "code %q has no lot (10) or no expiry (17)", cmdline.Short(code))
				}
			}
			t, _, err := c.Send(as, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: codes})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Codes []string `json:"codes"`
			}{t, codes}, func(w io.Writer) {
				fmt.Fprintf(w, "verified %s for resale\n", plural(len(codes), "returned item"))
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&items.file, "items-file", "", "read the codes from FILE, one a line (blank lines and # comments skipped)")
	cmdline.AsFlag(cmd, &as, "medsupply-dist/warehouse")
	return cmd
}
