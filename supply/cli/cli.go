// Package cli is the supply module's part of the command line: products,
// lots, commissioning, packing, shipping, receiving, dispensing,
// decommissioning, recalls, suspect-product reports, histories and EPCIS
// import (medledger supply ...), and verification at the counter
// (medledger verify-pack). Its demo seed is a small supply chain.
package cli

import (
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/epcisapi"
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
	// Every node speaks EPCIS 2.0 and answers VRS verifications.
	Services: func(n cmdline.NodeEnv) ([]daemon.Service, error) {
		s, err := epcisapi.Open(n.Home, n.Identities)
		if err != nil {
			return nil, err
		}
		return []daemon.Service{s}, nil
	},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

func (c *cmds) supplyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "supply",
		Short: "The drug supply chain: products, lots, serialized packs and cases, shipments, dispensing, recalls, suspect products, EPCIS import",
		Long: `The drug supply chain, from the manufacturer to the pharmacy counter.

A manufacturer registers a product (its GTIN) and commissions serialized packs
in lots; packs go into cases (SSCC), are shipped and received from one trading
partner to the next, and leave the chain when a pharmacy dispenses them or a
holder decommissions them. A recall is written once, on the lot or the
product, and reaches every pack. medledger verify-pack CODE answers at the
counter whether a pack is genuine and saleable. A pack found suspect is
reported and quarantined until its manufacturer or holder clears it or
determines it illegitimate; a return is verified before it is sold again.

` + glossary + `

Packs and cases are named by their GS1 element strings, bracketed as printed
under the barcode ((01)00312345678906(21)100012 for a pack,
(00)003123450000000011 for a case) or raw as a scanner sends them (with the GS
separator, ASCII 29). docs/supply.md has the whole story.`,
		Example: `  medledger verify-pack '(01)00312345678906(21)100012'
  medledger supply history '(01)00312345678906(21)100003'
  medledger supply shipments --org medsupply-dist`,
	}
	product := &cobra.Command{
		Use:   "product",
		Short: "Drug products: register one by its GTIN (its manufacturer's admin)",
		Long: `Drug products. A product is named by its GTIN (Global Trade Item Number, the
number under its barcode: one per product and pack size) and belongs to the
manufacturer that registers it.`,
		Example: `  medledger supply product add --gtin 00312345678906 --name 'Amoxicillin 500 mg capsules' --as acme-pharma/admin`,
	}
	product.AddCommand(c.supplyProductAddCmd())
	lot := &cobra.Command{
		Use:   "lot",
		Short: "Production lots (batches): register one with its expiry",
		Long: `Production lots. A lot (AI 10 on the label) is the batch a pack was made in;
it has one expiry date, and a recall can name it.`,
		Example: `  medledger supply lot add --gtin 00312345678906 --lot A102 --expiry 301231 --as acme-pharma/packager`,
	}
	lot.AddCommand(c.supplyLotAddCmd())
	cmd.AddCommand(product, lot, c.supplyCommissionCmd(), c.supplyPackCmd(), c.supplyUnpackCmd(),
		c.supplyShipCmd(), c.supplyReceiveCmd(), c.supplyReturnCmd(), c.supplyVerifyReturnCmd(), c.supplyShipmentsCmd(),
		c.supplyDispenseCmd(), c.supplyDecommissionCmd(), c.supplyRecallCmd(), c.supplyReportCmd(), c.supplyReportsCmd(),
		c.supplyInvestigateCmd(), c.supplyTerminateCmd(), c.supplyNotificationsCmd(),
		c.supplyHistoryCmd(), c.supplyImportCmd())
	return cmd
}

// glossary says in plain words what the supply commands' terms mean.
const glossary = `Words these commands use:
  GTIN          Global Trade Item Number: the number under a product's barcode
                (8, 12, 13 or 14 digits, the last a check digit), one per
                product and pack size; the chain keeps it as 14 digits
  serial        the number that makes one pack unique among those of its GTIN
                (AI 21)
  lot           the production batch a pack was made in (AI 10); it has one
                expiry date (AI 17, YYMMDD)
  SSCC          Serial Shipping Container Code: the 18-digit number of a case
                or pallet (AI 00)
  commission    give packs their serial numbers on the chain when they are
                made; from then on they verify as genuine
  pack, unpack  aggregation: record which packs or cases are inside a case or
                pallet, so that shipping or verifying it covers them all
  decommission  take packs out of the supply chain for good, other than by
                dispensing (destroyed, sample, stolen, damaged, lost, expired)
  custodian     the organization that holds an item; only it moves it
  partner       a trading partner: a manufacturer, distributor, pharmacy,
                hospital or clinic, which may hold, ship and receive packs (a
                hospital's or clinic's pharmacist, like a pharmacy's,
                dispenses)
  quarantine    a pack reported suspect is held: not sold, shipped, received,
                returned or dispensed until its investigation ends
  illegitimate  determined counterfeit, diverted, stolen, adulterated, unfit
                or fraudulently sold: out of trade for good, and every partner
                that held it and the regulators are notified
  TI, TH, TS    transaction information, history and statement: what a seller
                passes on with each sale (medledger supply shipments ID --ti)
  EPCIS         GS1's standard format for supply-chain events, which trading
                partners exchange (medledger supply import reads it)
  AI            application identifier: the number in brackets in a GS1 code`

// --- codes, GTINs, items ---

const codeHint = "give a GS1 element string: (01)GTIN(21)SERIAL for a pack, (00)SSCC for a case, bracketed as printed or raw as a scanner sends it"

// codeReason is why a code does not parse, in the parser's words, quoting
// at most a short prefix of the value at fault.
func codeReason(err error) string {
	var ge *gs1.Error
	if errors.As(err, &ge) {
		short := *ge
		short.Value = cmdline.Short(ge.Value)
		return strings.TrimPrefix(short.Error(), "gs1: ")
	}
	var me *medledger.Error
	if errors.As(err, &me) {
		return me.Detail
	}
	return cmdline.Short(err.Error())
}

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// reason is why a value does not parse, in the parser's words, without
// the value (which the message names already).
func reason(err error) string {
	var ge *gs1.Error
	if errors.As(err, &ge) {
		return ge.Reason
	}
	return codeReason(err)
}

// maxOrg bounds an organization id given to --to or --org: a longer one is
// refused here, so that no refusal repeats a huge value.
const maxOrg = 128

// checkOrg refuses an organization id (of flag) too long to be one.
func checkOrg(flag, org string) error {
	if len(org) > maxOrg {
		return usage("name an organization by its id, e.g. "+flag+" medsupply-dist (medledger query orgs lists them)", "%s %q is too long to be an organization id", flag, cmdline.Short(org))
	}
	return nil
}

// checkShipment refuses a shipment id that is not shp-N, the form the
// supply module gives its shipments.
func checkShipment(id string) error {
	n, ok := strings.CutPrefix(id, "shp-")
	if !ok || n == "" || len(n) > 20 || strings.Trim(n, "0123456789") != "" {
		return usage("a shipment id is shp-N, as medledger supply shipments --org ORG lists them", "shipment id %q is not shp-N", cmdline.Short(id))
	}
	return nil
}

func badCode(code string, err error) error {
	return usage(codeHint, "code %q does not parse: %s", cmdline.Short(code), codeReason(err))
}

// itemOf parses the code of a pack or case given on the command line.
func itemOf(code string) (supply.Item, error) {
	c, err := supply.ParseCode(code)
	if err != nil {
		return supply.Item{}, badCode(code, err)
	}
	switch {
	case c.SSCC != "" && c.GTIN != "":
		return supply.Item{}, usage(codeHint, "code %q names both a case (00) and a pack (01)", cmdline.Short(code))
	case c.SSCC != "":
		return supply.Case(c.SSCC), nil
	}
	return supply.Pack(c.GTIN, c.Serial), nil
}

// packOf parses the code of a pack.
func packOf(code string) (supply.Item, error) {
	it, err := itemOf(code)
	if err == nil && it.IsCase() {
		return it, usage("give the pack's code, (01)GTIN(21)SERIAL", "code %q names a case, not a pack", cmdline.Short(code))
	}
	return it, err
}

const ssccHint = "an SSCC (serial shipping container code) is the 18 digits of a case or pallet, the last a GS1 check digit, e.g. --sscc 003123450000000011"

// ssccOf reads --sscc: 18 digits, or a case's element string.
func ssccOf(s string) (string, error) {
	if s == "" {
		return "", usage("name the case or pallet by its SSCC, e.g. --sscc 003123450000000011 or --sscc '(00)003123450000000011'", "--sscc is required")
	}
	if gs1.ValidSSCC(s) {
		return s, nil
	}
	if len(s) == 18 && strings.Trim(s, "0123456789") == "" {
		_, err := gs1.Parse("(00)" + s)
		return "", usage(ssccHint, "--sscc %s: %s", s, reason(err))
	}
	it, err := itemOf(s)
	if err != nil {
		return "", usage(ssccHint+", or the case's code (00)SSCC", "--sscc %q is neither an SSCC nor the code of a case", cmdline.Short(s))
	}
	if !it.IsCase() {
		return "", usage(ssccHint, "--sscc %q names a pack, not a case", cmdline.Short(s))
	}
	return it.SSCC, nil
}

// gtinOf reads --gtin, a GTIN-8, -12, -13 or -14, as the GTIN-14 the chain
// keys products by.
func gtinOf(s string) (string, error) {
	if s == "" {
		return "", usage("give the product's GTIN (the number under its barcode: 8, 12, 13 or 14 digits), e.g. --gtin 00312345678906", "--gtin is required")
	}
	g, err := gs1.GTIN14(s)
	if err != nil {
		return "", usage("a GTIN (global trade item number) has 8, 12, 13 or 14 digits, the last a GS1 check digit", "--gtin %s: %s", cmdline.Short(s), reason(err))
	}
	return g, nil
}

// checkLot refuses a lot name the chain would refuse.
func checkLot(gtin, lot string) error {
	if lot == "" {
		return usage("name the production lot (batch), e.g. --lot A100", "--lot is required")
	}
	if err := (gs1.Code{GTIN: gtin, Lot: lot}).Validate(); err != nil || strings.Contains(lot, "/") {
		why := "'/' is not allowed"
		if err != nil {
			why = reason(err)
		}
		return usage("a lot is 1 to 20 characters of GS1 character set 82 (letters, digits and !\"%&'()*+,-.:;<=>?_), without '/'", "--lot %q: %s", cmdline.Short(lot), why)
	}
	return nil
}

// checkExpiry refuses an expiry that is not YYMMDD.
func checkExpiry(expiry string) error {
	if _, err := supply.ParseExpiry(expiry); err != nil {
		return usage("give the expiry as printed in AI (17), e.g. --expiry 271231 (DD 00 for the month's end)", "--expiry %q is not a date YYMMDD", cmdline.Short(expiry))
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
		more, err := f.lines()
		if err != nil {
			return nil, err
		}
		codes = append(codes, more...)
	}
	if len(codes) == 0 {
		if required {
			return nil, usage("list the packs and cases, e.g. --items '(01)00312345678906(21)100016,(00)003123450000000011', or --items-file FILE", "--items is required")
		}
		return nil, nil
	}
	if len(codes) > supply.MaxItems {
		return nil, usage("pack them into cases and name the cases, or split the list", "%d items, over the %d one transaction may name", len(codes), supply.MaxItems)
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

// lines reads the codes of --items-file, one a line, blank lines and #
// comments skipped.
func (f *itemsFlag) lines() ([]string, error) {
	b, err := os.ReadFile(f.file)
	if err != nil {
		return nil, cmdline.FileErr(f.file, err, "--items-file names a file of codes, one a line, as supply commission --out writes them")
	}
	var codes []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			codes = append(codes, line)
		}
	}
	return codes, nil
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
