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
manufacturer, distributor, pharmacy or hospital). They are in transit until
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
--items, the items must be exactly those shipped (a receipt that does not
match is refused, and says what is missing or extra); without --shipment the
shipment is the one the first item travels in. One of the addressee's members
receives it; from then on the addressee holds the items (is their custodian).`,
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
like any other, which the sender receives with medledger supply receive.`,
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
	var outgoing bool
	cmd := &cobra.Command{
		Use:   "shipments --org ORG [--outgoing]",
		Short: "List an organization's open shipments: coming to it, or with --outgoing sent by it",
		Long: `List an organization's open shipments (in transit, not yet received): those
coming to it, or with --outgoing those it sent. --as names the organization by
one of your local keys instead of --org.`,
		Example: `  medledger supply shipments --org medsupply-dist
  medledger supply shipments --org acme-pharma --outgoing
  medledger supply shipments --as cityrx-pharmacy/pharmacist`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	return cmd
}
