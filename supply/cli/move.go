package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
	"github.com/spf13/cobra"
)

// --- aggregation ---

func (c *cmds) supplyPackCmd() *cobra.Command {
	var as, sscc string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "pack --sscc SSCC --items CODE,... --as ORG/MEMBER",
		Short: "Pack items (packs or cases) into a case or pallet, created if new",
		Long: `Pack items into a case or pallet (aggregation): record on the chain which
packs, or cases, are inside it, so that shipping, receiving or verifying the
case covers everything in it. The case is named by its SSCC (serial shipping
container code: 18 digits, on its label as (00)...) and comes to be on its
first packing. Only the organization holding the items packs them.`,
		Example: `  medledger supply pack --sscc 003123450000000028 --items '(01)00312345678906(21)100016,(01)00312345678906(21)100017' --as acme-pharma/packager
  medledger supply pack --sscc 003123450000000028 --items-file codes.txt --as acme-pharma/packager`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := ssccOf(sscc)
			if err != nil {
				return err
			}
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, _, err := c.Send(as, supply.TypeAggregate, supply.AggregateBody{SSCC: id, Items: its})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				SSCC  string   `json:"sscc"`
				Items []string `json:"items"`
			}{t, id, codesOf(its)}, func(w io.Writer) {
				fmt.Fprintf(w, "packed %s into %s\n", plural(len(its), "item"), supply.Case(id))
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&sscc, "sscc", "", "the case or pallet: its SSCC (18 digits) or (00) element string")
	items.register(cmd, "what goes in")
	cmdline.AsFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

func (c *cmds) supplyUnpackCmd() *cobra.Command {
	var as, sscc string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "unpack --sscc SSCC [--items CODE,...] --as ORG/MEMBER",
		Short: "Take items out of a case or pallet (all of them without --items)",
		Long: `Take items out of a case or pallet (disaggregation), all of them without
--items: from then on each moves on its own.`,
		Example: `  medledger supply unpack --sscc 003123450000000011 --as cityrx-pharmacy/pharmacist
  medledger supply unpack --sscc 003123450000000011 --items '(01)00312345678906(21)100001' --as cityrx-pharmacy/pharmacist`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := ssccOf(sscc)
			if err != nil {
				return err
			}
			its, err := items.items(false)
			if err != nil {
				return err
			}
			t, res, err := c.Send(as, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: id, Items: its})
			if err != nil {
				return err
			}
			n, _ := strconv.Atoi(cmdline.EventAttr(res, supply.EventMoved, "items"))
			return c.Print(struct {
				cmdline.Sent
				SSCC  string   `json:"sscc"`
				Count int      `json:"count"`
				Items []string `json:"items,omitempty"`
			}{t, id, n, codesOf(its)}, func(w io.Writer) {
				fmt.Fprintf(w, "took %s out of %s\n", plural(n, "item"), supply.Case(id))
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&sscc, "sscc", "", "the case or pallet: its SSCC (18 digits) or (00) element string")
	items.register(cmd, "what comes out (default: everything)")
	cmdline.AsFlag(cmd, &as, "medsupply-dist/warehouse")
	return cmd
}

// --- shipping ---

// openShipment is the shipment item is in transit in, or "".
func (c *cmds) openShipment(it supply.Item) string {
	v, _, err := c.Client().VerifyPack(c.Ctx, it.String())
	if err != nil {
		return ""
	}
	return v.Shipment
}

// ShipmentView is what ship, receive and return print with -o json.
type ShipmentView struct {
	cmdline.Sent
	Shipment string   `json:"shipment"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Items    []string `json:"items"`
}

func (c *cmds) supplyShipCmd() *cobra.Command {
	var as, to string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "ship --to ORG --items CODE,... --as ORG/MEMBER",
		Short: "Ship packs and cases you hold to a trading partner; they are in transit until it receives them",
		Long: `Ship packs and cases your organization holds to a trading partner (a
manufacturer, distributor, pharmacy, hospital or clinic). They are in transit until
the addressee receives them (medledger supply receive); until then they cannot
be packed, shipped again or dispensed. A pack in a shipped case travels with
the case.`,
		Example: `  medledger supply ship --to medsupply-dist --items '(01)00312345678906(21)100016' --as acme-pharma/packager
  medledger supply ship --to cityrx-pharmacy --items '(00)003123450000000028' --as medsupply-dist/warehouse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usage("name the organization to ship to, e.g. --to medsupply-dist (medledger query orgs lists them)", "--to is required")
			}
			if err := checkOrg("--to", to); err != nil {
				return err
			}
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, res, err := c.Send(as, supply.TypeShip, supply.ShipBody{To: to, Items: its})
			if err != nil {
				return err
			}
			from, _, _ := strings.Cut(t.Signer, "/")
			v := ShipmentView{t, cmdline.EventAttr(res, supply.EventMoved, "shipment"), from, to, codesOf(its)}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "shipped %s to %s", plural(len(its), "item"), to)
				if v.Shipment != "" {
					fmt.Fprintf(w, ": shipment %s\n  %s receives it with medledger supply receive --shipment %s --as %s/MEMBER\n", v.Shipment, to, v.Shipment, to)
				} else {
					fmt.Fprintln(w)
				}
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the organization shipped to")
	items.register(cmd, "what is shipped")
	cmdline.AsFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

func (c *cmds) supplyReceiveCmd() *cobra.Command {
	var as, id string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "receive [--shipment ID] [--items CODE,...] --as ORG/MEMBER",
		Short: "Receive a shipment addressed to your organization: what was shipped, or exactly the items listed",
		Long: `Receive a shipment addressed to your organization.

With --shipment and no --items, receives exactly what the shipment holds. With
--items, the items must be exactly those still in it (a receipt that does not
match is refused, and says what is missing or extra); without --shipment the
shipment is the one the first item travels in. An item stolen or lost in
transit has left the shipment: receive the rest without it. A shipment holding
a quarantined item is received once its investigation clears it. One of the
addressee's members receives it; from then on the addressee holds the items
(is their custodian). A return received is verified before it is sold again
(medledger supply verify-return).`,
		Example: `  medledger supply receive --shipment shp-2 --as medsupply-dist/warehouse
  medledger supply receive --items '(01)00312345678906(21)100016' --as medsupply-dist/warehouse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			its, err := items.items(false)
			if err != nil {
				return err
			}
			if id != "" {
				if err := checkShipment(id); err != nil {
					return err
				}
			}
			switch {
			case id == "" && len(its) == 0:
				return usage("medledger supply shipments --org ORG lists the shipments coming to an organization", "give --shipment or --items")
			case len(its) == 0:
				sh, err := c.Client().Shipment(c.Ctx, id)
				if err != nil {
					return c.ReadFail(err, "medledger supply shipments --org ORG lists the shipments coming to an organization")
				}
				its = sh.Items
			case id == "":
				id = c.openShipment(its[0])
			}
			t, _, err := c.Send(as, supply.TypeReceive, supply.ReceiveBody{Shipment: id, Items: its})
			if err != nil {
				return err
			}
			v := ShipmentView{Sent: t, Shipment: id, Items: codesOf(its)}
			if id != "" {
				if sh, err := c.Client().Shipment(c.Ctx, id); err == nil {
					v.From, v.To = sh.From, sh.To
				}
			}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "received %s", plural(len(its), "item"))
				if id != "" {
					fmt.Fprintf(w, " of shipment %s", id)
				}
				if v.From != "" {
					fmt.Fprintf(w, " from %s", v.From)
				}
				fmt.Fprintln(w)
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&id, "shipment", "", "the shipment id (shp-N)")
	items.register(cmd, "what was received (default: what the shipment holds)")
	cmdline.AsFlag(cmd, &as, "medsupply-dist/warehouse")
	return cmd
}

func (c *cmds) supplyReturnCmd() *cobra.Command {
	var as string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "return --items CODE,... --as ORG/MEMBER",
		Short: "Send items back to the organization that shipped them to you",
		Long: `Send items back to the organization that shipped them to you: a shipment
like any other, which the sender receives with medledger supply receive. A
pack that was dispensed, is recalled or quarantined, or was never shipped to
you, is not returned, and the refusal says which. The partner receiving a
return verifies each item's label against the chain before selling it again
(medledger supply verify-return).`,
		Example: `  medledger supply return --items '(01)00312345678906(21)100013' --as cityrx-pharmacy/pharmacist`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, res, err := c.Send(as, supply.TypeReturn, supply.ReturnBody{Items: its})
			if err != nil {
				return err
			}
			from, _, _ := strings.Cut(t.Signer, "/")
			v := ShipmentView{Sent: t, Shipment: cmdline.EventAttr(res, supply.EventMoved, "shipment"), From: from, Items: codesOf(its)}
			if v.Shipment != "" {
				if sh, err := c.Client().Shipment(c.Ctx, v.Shipment); err == nil {
					v.To = sh.To
				}
			}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "returned %s", plural(len(its), "item"))
				if v.To != "" {
					fmt.Fprintf(w, " to %s", v.To)
				}
				if v.Shipment != "" {
					fmt.Fprintf(w, ": shipment %s", v.Shipment)
				}
				fmt.Fprintln(w)
				t.Text(w)
			})
		},
	}
	items.register(cmd, "what is returned")
	cmdline.AsFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *cmds) supplyShipmentsCmd() *cobra.Command {
	var org, as string
	var outgoing, ti bool
	cmd := &cobra.Command{
		Use:   "shipments [SHIPMENT [--ti]] [--org ORG [--outgoing]]",
		Short: "List an organization's open shipments, or show one with its transaction information, history and statement (--ti)",
		Long: `List an organization's open shipments (in transit, not yet received): those
coming to it, or with --outgoing those it sent. --as names the organization by
one of your local keys instead of --org.

With a shipment id, show that shipment; with --ti, the transaction
information, history and statement (TI, TH and TS) the seller passes on with
the sale under DSCSA, generated from the chain: the products (name, NDC,
strength, form), lots, expiry, quantities and serials, the date and the
parties; every earlier change of ownership back to the manufacturer; and the
seller's statement that it is authorized, received the product from an
authorized partner with its TI and TS, and did not knowingly ship suspect or
illegitimate product, each point with what the chain shows.`,
		Example: `  medledger supply shipments --org medsupply-dist --outgoing
  medledger supply shipments --as cityrx-pharmacy/pharmacist
  medledger supply shipments shp-2 --ti`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if org != "" || as != "" || outgoing {
					return usage("give a shipment id, or --org ORG to list open shipments", "a shipment id takes neither --org, --as nor --outgoing")
				}
				return c.showShipment(args[0], ti)
			}
			if ti {
				return usage("name the shipment, e.g. medledger supply shipments shp-2 --ti (medledger supply shipments --org ORG lists them)", "--ti needs a shipment id")
			}
			if org == "" && as != "" {
				var err error
				if org, err = c.SignerOrg(as); err != nil {
					return err
				}
			}
			if org == "" {
				return usage("name the organization, e.g. --org medsupply-dist (medledger query orgs lists them)", "--org is required")
			}
			if err := checkOrg("--org", org); err != nil {
				return err
			}
			dir := "incoming"
			if outgoing {
				dir = "outgoing"
			}
			list, err := c.Client().Shipments(c.Ctx, org, outgoing)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintf(w, "no open %s shipments of %s\n", dir, org)
					return
				}
				cmdline.Table(w, "ID\tFROM\tTO\tITEMS\tSTATUS\tHEIGHT\tTIME", func(tw io.Writer) {
					for _, s := range list {
						status := s.Status
						if s.Return {
							status += " (return)"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", s.ID, s.From, s.To, len(s.Items), status, s.Height, s.Time.Format(time.RFC3339))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "the organization")
	cmd.Flags().StringVar(&as, "as", "", "a local key of the organization's, as an alternative to --org")
	cmd.Flags().BoolVar(&outgoing, "outgoing", false, "list the shipments it sent, still in transit")
	cmd.Flags().BoolVar(&ti, "ti", false, "with a shipment id: its transaction information, history and statement")
	return cmd
}

// showShipment prints a shipment, or with ti its TI, TH and TS.
func (c *cmds) showShipment(id string, ti bool) error {
	if err := checkShipment(id); err != nil {
		return err
	}
	notFound := "medledger supply shipments --org ORG lists an organization's open shipments"
	if !ti {
		sh, err := c.Client().Shipment(c.Ctx, id)
		if err != nil {
			return c.ReadFail(err, notFound)
		}
		return c.Print(sh, func(w io.Writer) {
			kind := "shipment"
			if sh.Return {
				kind = "return"
			}
			fmt.Fprintf(w, "%s %s: %s -> %s, %s (height %d, %s)\n", kind, sh.ID, sh.From, sh.To, sh.Status, sh.Height, sh.Time.Format(time.RFC3339))
			for _, it := range sh.Items {
				fmt.Fprintf(w, "  %s\n", it)
			}
			for _, l := range sh.Left {
				fmt.Fprintf(w, "  %s left it in transit: %s (reported by %s at height %d)\n", l.Item, l.Reason, l.Org, l.Height)
			}
		})
	}
	t, err := c.Client().ShipmentTI(c.Ctx, id)
	if err != nil {
		return c.ReadFail(err, notFound)
	}
	return c.Print(t, func(w io.Writer) { tiText(w, t) })
}

// tiText prints a shipment's TI, TH and TS for the buyer.
func tiText(w io.Writer, t supply.TransactionInfo) {
	party := func(p supply.Party) string {
		if p.Kind == "" {
			return p.ID
		}
		return fmt.Sprintf("%s (%s, %s)", p.ID, p.Kind, p.Jurisdiction)
	}
	fmt.Fprintf(w, "TRANSACTION INFORMATION of shipment %s\n", t.Shipment)
	fmt.Fprintf(w, "  seller      %s\n  buyer       %s\n", party(t.Seller), party(t.Buyer))
	fmt.Fprintf(w, "  date        %s (the transaction and the shipment; height %d)\n", t.Date.Format(time.RFC3339), t.Height)
	if t.ReceivedHeight > 0 {
		fmt.Fprintf(w, "  received    %s (height %d)\n", t.Received.Format(time.RFC3339), t.ReceivedHeight)
	} else {
		fmt.Fprintf(w, "  status      %s\n", t.Status)
	}
	if t.Return {
		fmt.Fprintln(w, "  a return to the seller's supplier")
	}
	if len(t.Containers) > 0 {
		fmt.Fprintf(w, "  containers  %s\n", strings.Join(t.Containers, ", "))
	}
	fmt.Fprintf(w, "  quantity    %s\n", plural(t.Quantity, "pack"))
	cmdline.Table(w, "  PRODUCT\tNDC\tSTRENGTH\tFORM\tLOT\tEXPIRY\tQTY\tSERIALS", func(tw io.Writer) {
		for _, l := range t.Lines {
			serials := strings.Join(l.Serials, " ")
			if n := len(l.Serials); n < l.Quantity {
				serials += fmt.Sprintf(" (and %d more)", l.Quantity-n)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", orDash(l.Product), orDash(l.NationalCode), orDash(l.Strength), orDash(l.Form), l.Lot, l.Expiry, l.Quantity, serials)
		}
	})
	for _, l := range t.Left {
		fmt.Fprintf(w, "  %s left the shipment in transit: %s (reported by %s, %s)\n", l.Item, l.Reason, l.Org, l.Time.Format(time.RFC3339))
	}
	fmt.Fprintln(w, "TRANSACTION HISTORY (earlier changes of ownership, oldest first)")
	cmdline.Table(w, "  DATE\tEVENT\tFROM\tTO\tSHIPMENT", func(tw io.Writer) {
		for _, h := range t.History {
			ev, sh := "sold", h.Shipment
			switch {
			case h.Type == supply.EvCommission:
				ev, sh = "made (lot "+h.Lot+")", "-"
			case h.Return:
				ev = "returned"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", h.Time.Format(time.RFC3339), ev, orDash(h.From), h.To, sh)
		}
	})
	if t.HistoryPartial {
		fmt.Fprintln(w, "  (the history of the first 1,000 packs of the cases)")
	}
	st := t.Statement
	fmt.Fprintln(w, "TRANSACTION STATEMENT")
	for _, s := range st.Text {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	fmt.Fprintln(w, "  what the chain shows:")
	fmt.Fprintf(w, "    seller an authorized trading partner when it shipped: %s (%s)\n", yes(st.SellerAuthorized), st.SellerLicence)
	fmt.Fprintf(w, "    seller made or was sold every item, on the chain:     %s\n", yes(st.PriorOwnership))
	fmt.Fprintf(w, "    nothing quarantined or illegitimate when shipped:     %s\n", yes(st.NotSuspect))
	for _, s := range st.SuspectSince {
		fmt.Fprintf(w, "    reported suspect since: %s: do not sell it\n", s)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
