// Package cli is the supply module's part of the command line: products,
// lots, commissioning, packing, shipping, receiving, dispensing,
// decommissioning, recalls, suspect-product reports, histories and EPCIS
// import (medledger supply ...), and verification at the counter
// (medledger verify-pack). Its demo seed is a small supply chain.
package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
	"github.com/spf13/cobra"
)

// Module is the supply module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: supply.Module{}, Routes: supply.HTTPRoutes, Codes: supply.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command {
		c := &cmds{e}
		return []*cobra.Command{c.supplyCmd(), c.verifyPackCmd()}
	},
	Hints: hints,
	Seed:  &cmdline.Seed{Marker: "demo-supply-seeded", Run: seed},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

func (c *cmds) supplyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "supply",
		Short: "The drug supply chain: products, lots, serialized packs and cases, shipments, dispensing, recalls, EPCIS import",
		Long: `The drug supply chain.

A manufacturer registers a product (GTIN) and commissions serialized packs in
lots; packs go into cases (SSCC), are shipped and received from one trading
partner to the next, and leave the chain when a pharmacy dispenses them or a
holder decommissions them. A recall is written once, on the lot or the
product, and reaches every pack. medledger verify-pack CODE answers at the
counter whether a pack is genuine and saleable.

Packs and cases are named by their GS1 element strings, bracketed as printed
under the barcode ((01)00312345678906(21)SN1 for a pack, (00)003123450000000011
for a case) or raw as a scanner sends them (with the GS separator, ASCII 29).`,
	}
	product := &cobra.Command{Use: "product", Short: "Drug products: register one (its manufacturer's admin)"}
	product.AddCommand(c.supplyProductAddCmd())
	lot := &cobra.Command{Use: "lot", Short: "Production lots: register one with its expiry"}
	lot.AddCommand(c.supplyLotAddCmd())
	cmd.AddCommand(product, lot, c.supplyCommissionCmd(), c.supplyPackCmd(), c.supplyUnpackCmd(),
		c.supplyShipCmd(), c.supplyReceiveCmd(), c.supplyReturnCmd(), c.supplyShipmentsCmd(),
		c.supplyDispenseCmd(), c.supplyDecommissionCmd(), c.supplyRecallCmd(), c.supplyReportCmd(), c.supplyReportsCmd(),
		c.supplyHistoryCmd(), c.supplyImportCmd())
	return cmd
}

// --- codes, GTINs, items ---

const codeHint = "give a GS1 element string: (01)GTIN(21)SERIAL for a pack, (00)SSCC for a case, bracketed as printed or raw as a scanner sends it"

// codeReason is why a code does not parse, in the parser's words.
func codeReason(err error) string {
	var ge *gs1.Error
	if errors.As(err, &ge) {
		return strings.TrimPrefix(ge.Error(), "gs1: ")
	}
	var me *medledger.Error
	if errors.As(err, &me) {
		return me.Detail
	}
	return err.Error()
}

func badCode(code string, err error) error {
	return cmdline.Hint(fmt.Errorf("code %q does not parse: %s", code, codeReason(err)), codeHint)
}

// itemOf parses the code of a pack or case given on the command line.
func itemOf(code string) (supply.Item, error) {
	c, err := supply.ParseCode(code)
	if err != nil {
		return supply.Item{}, badCode(code, err)
	}
	switch {
	case c.SSCC != "" && c.GTIN != "":
		return supply.Item{}, cmdline.Hint(fmt.Errorf("code %q names both a case (00) and a pack (01)", code), codeHint)
	case c.SSCC != "":
		return supply.Case(c.SSCC), nil
	}
	return supply.Pack(c.GTIN, c.Serial), nil
}

// packOf parses the code of a pack.
func packOf(code string) (supply.Item, error) {
	it, err := itemOf(code)
	if err == nil && it.IsCase() {
		return it, cmdline.Hint(fmt.Errorf("code %q names a case, not a pack", code), "give the pack's code, (01)GTIN(21)SERIAL")
	}
	return it, err
}

// ssccOf reads --sscc: 18 digits, or a case's element string.
func ssccOf(s string) (string, error) {
	if s == "" {
		return "", cmdline.Hint(errors.New("--sscc is required"), "name the case or pallet by its SSCC, e.g. --sscc 003123450000000011 or --sscc '(00)003123450000000011'")
	}
	if gs1.ValidSSCC(s) {
		return s, nil
	}
	if len(s) == 18 && strings.Trim(s, "0123456789") == "" {
		_, err := gs1.Parse("(00)" + s)
		return "", cmdline.Hint(fmt.Errorf("--sscc %s: %s", s, codeReason(err)), "an SSCC is 18 digits, the last a GS1 check digit")
	}
	it, err := itemOf(s)
	if err != nil {
		return "", err
	}
	if !it.IsCase() {
		return "", cmdline.Hint(fmt.Errorf("--sscc %q names a pack, not a case", s), "an SSCC is 18 digits, the last a GS1 check digit")
	}
	return it.SSCC, nil
}

// gtinOf reads --gtin, a GTIN-8, -12, -13 or -14, as the GTIN-14 the chain
// keys products by.
func gtinOf(s string) (string, error) {
	if s == "" {
		return "", cmdline.Hint(errors.New("--gtin is required"), "give the product's GTIN (8, 12, 13 or 14 digits), e.g. --gtin 00312345678906")
	}
	g, err := gs1.GTIN14(s)
	if err != nil {
		return "", cmdline.Hint(fmt.Errorf("--gtin %s: %s", s, codeReason(err)), "a GTIN has 8, 12, 13 or 14 digits, the last a GS1 check digit")
	}
	return g, nil
}

// checkLot refuses a lot name the chain would refuse.
func checkLot(gtin, lot string) error {
	if lot == "" {
		return cmdline.Hint(errors.New("--lot is required"), "name the production lot, e.g. --lot A100")
	}
	if err := (gs1.Code{GTIN: gtin, Lot: lot}).Validate(); err != nil || strings.Contains(lot, "/") {
		reason := "'/' is not allowed"
		if err != nil {
			reason = codeReason(err)
		}
		return cmdline.Hint(fmt.Errorf("--lot %q: %s", lot, reason), "a lot is 1 to 20 characters of GS1 character set 82 (letters, digits and !\"%%&'()*+,-.:;<=>?_), without '/'")
	}
	return nil
}

// checkExpiry refuses an expiry that is not YYMMDD.
func checkExpiry(expiry string) error {
	if _, err := supply.ParseExpiry(expiry); err != nil {
		return cmdline.Hint(fmt.Errorf("--expiry %q is not a date YYMMDD", expiry), "give the expiry as printed in AI (17), e.g. --expiry 271231 (DD 00 for the month's end)")
	}
	return nil
}

// itemsFlag is the --items and --items-file flags of a command that names
// packs and cases.
type itemsFlag struct {
	codes []string
	file  string
}

func (f *itemsFlag) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringSliceVar(&f.codes, "items", nil, what+": codes of packs ((01)...(21)...) and cases ((00)...), comma-separated or repeated")
	cmd.Flags().StringVar(&f.file, "items-file", "", "read the items' codes from FILE, one a line (blank lines and # comments skipped)")
}

// items parses the codes given; with required, at least one.
func (f *itemsFlag) items(required bool) ([]supply.Item, error) {
	codes := slices.Clone(f.codes)
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return nil, err
		}
		for line := range strings.Lines(string(b)) {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				codes = append(codes, line)
			}
		}
	}
	if len(codes) == 0 {
		if required {
			return nil, cmdline.Hint(errors.New("--items is required"), "list the packs and cases, e.g. --items '(01)00312345678906(21)SN1,(00)003123450000000011', or --items-file FILE")
		}
		return nil, nil
	}
	if len(codes) > supply.MaxItems {
		return nil, cmdline.Hint(fmt.Errorf("%d items, over the %d one transaction may name", len(codes), supply.MaxItems), "pack them into cases and name the cases, or split the list")
	}
	items := make([]supply.Item, 0, len(codes))
	for _, code := range codes {
		it, err := itemOf(code)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func codesOf(items []supply.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.String()
	}
	return out
}

// plural is "1 pack", "2 packs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return cmdline.Thousands(n) + " " + word + "s"
}
