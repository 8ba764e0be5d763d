package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
	"github.com/spf13/cobra"
)

// --- history ---

func (c *cmds) supplyHistoryCmd() *cobra.Command {
	var epcis bool
	cmd := &cobra.Command{
		Use:   "history CODE [--epcis]",
		Short: "A pack's or case's chain of custody, the cases it travelled in included",
		Long: `A pack's or case's chain of custody, oldest first: its own events, and
those of the cases and pallets it travelled in while it was inside them
(the VIA column names them), and the recalls of its lot. --epcis prints it as
an EPCIS 2.0 JSON-LD document instead (EPCIS: GS1's standard format for
supply-chain events, which trading partners exchange).`,
		Example: `  medledger supply history '(01)00312345678906(21)100003'
  medledger supply history '(00)003123450000000011'
  medledger supply history '(01)00312345678906(21)100003' --epcis > history.jsonld`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			it, err := itemOf(args[0])
			if err != nil {
				return err
			}
			notFound := "medledger verify-pack " + it.String() + " says what the chain knows of it"
			if epcis {
				raw, err := c.Client().HistoryEPCIS(c.Ctx, it)
				if err != nil {
					return c.ReadFail(err, notFound)
				}
				var b bytes.Buffer
				if err := json.Indent(&b, raw, "", "  "); err != nil {
					return err
				}
				b.WriteByte('\n')
				_, err = c.Stdout.Write(b.Bytes())
				return err
			}
			h, err := c.Client().History(c.Ctx, it)
			if err != nil {
				return c.ReadFail(err, notFound)
			}
			return c.Print(h, func(w io.Writer) {
				fmt.Fprintf(w, "chain of custody of %s (height %d)\n", h.Code, h.Height)
				cmdline.Table(w, "SEQ\tTIME\tEVENT\tBY\tDETAIL\tVIA", func(tw io.Writer) {
					for _, e := range h.Events {
						via := "-"
						if e.Via != "" {
							via = e.Via
						}
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Type, e.Actor, historyDetail(it, e), via)
					}
				})
			})
		},
	}
	cmd.Flags().BoolVar(&epcis, "epcis", false, "print the history as an EPCIS 2.0 JSON-LD document")
	return cmd
}

// historyDetail says what an event of it's history did.
func historyDetail(it supply.Item, e supply.HistoryEntry) string {
	switch e.Type {
	case supply.EvCommission:
		return fmt.Sprintf("lot %s, expiry %s, %s", e.Lot, e.Expiry, plural(e.ItemCount, "pack"))
	case supply.EvAggregate:
		if it.IsCase() && e.Parent == it.SSCC {
			return fmt.Sprintf("%s packed into it", plural(e.ItemCount, "item"))
		}
		return "packed into " + supply.Case(e.Parent).String()
	case supply.EvDisaggregate:
		if it.IsCase() && e.Parent == it.SSCC {
			return fmt.Sprintf("%s taken out", plural(e.ItemCount, "item"))
		}
		return "taken out of " + supply.Case(e.Parent).String()
	case supply.EvShip:
		return fmt.Sprintf("shipment %s, %s -> %s", e.Shipment, e.From, e.To)
	case supply.EvReturn:
		return fmt.Sprintf("return %s, %s -> %s", e.Shipment, e.From, e.To)
	case supply.EvReceive:
		return fmt.Sprintf("shipment %s from %s, received by %s", e.Shipment, e.From, e.To)
	case supply.EvDispense:
		if e.Parent != "" && it.IsCase() {
			return fmt.Sprintf("%s dispensed from it", e.Items[0])
		}
		return "dispensed"
	case supply.EvDecommission:
		where := ""
		if e.Shipment != "" {
			where = fmt.Sprintf(" in transit, shipment %s, %s -> %s", e.Shipment, e.From, e.To)
		}
		if e.Parent != "" && it.IsCase() && len(e.Items) > 0 {
			return fmt.Sprintf("%s decommissioned (%s)%s", e.Items[0], e.Reason, where)
		}
		return "decommissioned: " + e.Reason + where
	case supply.EvRecall:
		return fmt.Sprintf("recall %s: %s", e.Recall, e.Reason)
	case supply.EvReport:
		return fmt.Sprintf("reported suspect, quarantined (%s): %s", e.Report, e.Reason)
	case supply.EvCleared:
		return fmt.Sprintf("cleared (%s): %s", e.Report, e.Reason)
	case supply.EvIllegitimate:
		return fmt.Sprintf("determined illegitimate (%s): %s", e.Report, e.Reason)
	case supply.EvVerifyReturn:
		return "return verified against the chain: saleable again"
	}
	return ""
}

// --- verification at the counter ---

func (c *cmds) verifyPackCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify-pack CODE",
		Short: "Verify a drug pack (or case) by its barcode: genuine and saleable, or why not",
		Long: `Verify a drug pack, or a case, by the GS1 element string of its barcode:
bracketed as printed ((01)00312345678906(21)SN1(10)A100(17)271231: GTIN,
serial, lot and expiry) or raw as a scanner sends it, the variable-length
fields ended by the GS separator (ASCII 29). A case or pallet is named by its
SSCC, the 18-digit serial shipping container code: (00)003123450000000011.

The answer is one of ` + strings.Join(supply.Results, ", ") + `,
with the reason, the product, lot and expiry, who holds the pack and the cases
it is in. A lot or expiry in the code that differ from those the serial was
commissioned with answer mismatch. A pack under a suspect-product report
answers quarantined until its investigation ends, and illegitimate if so
determined. Every answer exits 0; a code that does not parse exits 1 with the
parser's reason. A suspect answer is worth a report: medledger supply report
CODE --as ORG/MEMBER.

This is the node's answer, read from its latest state.`,
		Example: `  medledger verify-pack '(01)00312345678906(21)100012'
  medledger verify-pack '(00)003123450000000011'
  medledger verify-pack -o json '(01)00312345678906(21)100012(10)A100'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code := args[0]
			if _, err := supply.ParseCode(code); err != nil {
				return badCode(code, err)
			}
			v, raw, err := c.Client().VerifyPack(c.Ctx, code)
			if client.HasCode(err, supply.ErrBadCode) {
				return cmdline.Hint(err, "%s", codeHint)
			}
			if client.IsProblem(err) || client.IsUnreachable(err) {
				return c.ReadFail(err, "")
			}
			if err != nil {
				return fmt.Errorf("the node's answer is not a verification: %w", err)
			}
			if c.JSON() {
				return c.Print(raw, nil)
			}
			return c.Print(v, func(w io.Writer) { verificationText(w, v, code) })
		},
	}
}

// verificationText prints a verification for the person at the counter.
func verificationText(w io.Writer, v supply.Verification, code string) {
	fmt.Fprintf(w, "%s: %s\n", strings.ToUpper(v.Result), v.Reason)
	line := func(k, format string, args ...any) {
		fmt.Fprintf(w, "  %-11s "+format+"\n", append([]any{k}, args...)...)
	}
	line("code", "%s", v.Code)
	switch {
	case v.Product != "":
		line("product", "%s (GTIN %s, by %s)", v.Product, v.GTIN, v.Manufacturer)
	case v.GTIN != "":
		line("product", "GTIN %s: not registered", v.GTIN)
	}
	if v.Lot != "" || v.Expiry != "" {
		exp := v.Expiry
		if d, err := supply.ParseExpiry(v.Expiry); err == nil {
			exp = fmt.Sprintf("%s (%s)", v.Expiry, d)
		}
		if exp == "" {
			exp = "-"
		}
		line("lot", "%s, expiry %s", v.Lot, exp)
	}
	if v.Packs > 0 {
		line("packs", "%d inside", v.Packs)
	}
	if v.Status != "" {
		line("status", "%s", v.Status)
	}
	if v.Custodian != "" {
		line("custodian", "%s", v.Custodian)
	}
	if v.InTransitTo != "" {
		line("in transit", "to %s (shipment %s)", v.InTransitTo, v.Shipment)
	}
	if len(v.Containers) > 0 {
		var cs []string
		for _, s := range v.Containers {
			cs = append(cs, supply.Case(s).String())
		}
		line("in case", "%s", strings.Join(cs, " in "))
	}
	if v.Recall != "" {
		line("recall", "%s: %s", v.Recall, v.RecallReason)
	}
	if v.Report != "" {
		line("report", "%s (medledger supply notifications lists it)", v.Report)
	}
	if v.Returned != "" {
		line("returned", "in %s, not verified since (medledger supply verify-return)", v.Returned)
	}
	if v.Height > 0 {
		at := fmt.Sprintf("height %d", v.Height)
		if v.BlockTime != "" {
			at += ", " + v.BlockTime
		}
		line("as of", "%s", at)
	}
	switch {
	case v.Report != "":
		fmt.Fprintf(w, "  suspect: do not sell it; keep it apart\n")
	case v.Suspect:
		if v.Code != "" {
			code = v.Code
		}
		fmt.Fprintf(w, "  suspect: do not sell it; report it with medledger supply report '%s' --reason TEXT --as ORG/MEMBER\n", code)
	}
}
