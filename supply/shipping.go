// Shipping: supply/ship, supply/receive and supply/return.

package supply

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/supply/gs1"
)

// ShipBody ships items to a trading partner.
type ShipBody struct {
	To    string `json:"to"`
	Items []Item `json:"items"`
}

func ship(ctx *app.Context, raw json.RawMessage) error {
	var b ShipBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if b.To == ctx.Signer.Org {
		return ErrInvalid.New("a shipment goes to another organization")
	}
	if err := partner(ctx, b.To); err != nil {
		return err
	}
	if err := licensed(ctx, b.To, "the addressee"); err != nil {
		return err
	}
	objs, err := loadItems(ctx, b.Items, "ship", true)
	if err != nil {
		return err
	}
	return send(ctx, objs, b.Items, b.To, false)
}

func send(ctx *app.Context, objs []*object, items []Item, to string, isReturn bool) error {
	sh := Shipment{ID: shipmentID(state.NextSeq(ctx.KV, []byte(keySeqShipment))), From: ctx.Signer.Org, To: to, Items: items,
		Return: isReturn, Status: ShipmentInTransit, Height: ctx.Height, Time: ctx.Time.UTC()}
	for _, o := range objs {
		o.setShipment(sh.ID)
		o.save(ctx.KV)
	}
	put(ctx.KV, shipmentKey(sh.ID), sh)
	ctx.KV.Set(boxKey(prefixInbox, sh.To, sh.ID), []byte{})
	ctx.KV.Set(boxKey(prefixOutbox, sh.From, sh.ID), []byte{})
	ev := newEvent(ctx, EvShip)
	if isReturn {
		ev.Type = EvReturn
	}
	ev.Items, ev.Shipment, ev.From, ev.To = items, sh.ID, sh.From, sh.To
	putEvent(ctx, ev, items...)
	emitMoved(ctx, ev)
	return nil
}

// ReceiveBody receives a shipment; Items must be exactly what was shipped.
// Without Shipment, it is the open shipment of the first item.
type ReceiveBody struct {
	Shipment string `json:"shipment,omitempty"`
	Items    []Item `json:"items"`
}

func receive(ctx *app.Context, raw json.RawMessage) error {
	var b ReceiveBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if b.Shipment == "" {
		if len(b.Items) == 0 {
			return ErrInvalid.New("name the shipment, or list the items received")
		}
		o, err := loadObject(ctx.KV, b.Items[0])
		if err != nil {
			return err
		}
		if b.Shipment = o.shipment(); b.Shipment == "" {
			return ErrState.New("%s is not in transit: there is no shipment to receive", o.it)
		}
	}
	var sh Shipment
	if !get(ctx.KV, shipmentKey(b.Shipment), &sh) {
		return ErrShipmentNotFound.New("no shipment %s", medledger.Quote(b.Shipment))
	}
	if sh.To != ctx.Signer.Org {
		return ErrWrongPartner.New("shipment %s goes to %s: %s cannot receive it", sh.ID, sh.To, ctx.Signer.Org)
	}
	if sh.Status != ShipmentInTransit {
		return ErrState.New("shipment %s was received already at height %d", sh.ID, sh.Received)
	}
	if err := matchReceipt(sh, b.Items); err != nil {
		return err
	}
	if err := licensed(ctx, sh.From, "the sender"); err != nil {
		return err
	}
	objs := make([]*object, len(sh.Items))
	for i, it := range sh.Items {
		o, err := loadObject(ctx.KV, it)
		if err != nil {
			return err
		}
		if err := unheld(ctx.KV, o, "receive"); err != nil {
			return err
		}
		objs[i] = o
	}
	for _, o := range objs {
		o.setShipment("")
		o.setOwner(sh.To, sh.From)
		if sh.Return {
			// A return comes back to be verified before it is sold again.
			o.setReturned(sh.ID)
		}
		o.save(ctx.KV)
	}
	sh.Status, sh.Received, sh.ReceivedTime = ShipmentReceived, ctx.Height, ctx.Time.UTC()
	put(ctx.KV, shipmentKey(sh.ID), sh)
	ctx.KV.Delete(boxKey(prefixInbox, sh.To, sh.ID))
	ctx.KV.Delete(boxKey(prefixOutbox, sh.From, sh.ID))
	ev := newEvent(ctx, EvReceive)
	ev.Items, ev.Shipment, ev.From, ev.To = sh.Items, sh.ID, sh.From, sh.To
	putEvent(ctx, ev, sh.Items...)
	emitMoved(ctx, ev)
	return nil
}

// matchReceipt refuses a receipt that lists other items than the shipment.
func matchReceipt(sh Shipment, got []Item) error {
	want := make(map[string]struct{}, len(sh.Items))
	for _, it := range sh.Items {
		want[it.key()] = struct{}{}
	}
	var extra, missing []string
	var gone *LeftItem
	seen := make(map[string]struct{}, len(got))
	for _, it := range got {
		if _, dup := seen[it.key()]; dup {
			return ErrInvalid.New("%s is listed twice", medledger.Quote(it.String()))
		}
		seen[it.key()] = struct{}{}
		if _, ok := want[it.key()]; !ok {
			extra = append(extra, it.String())
			for i := range sh.Left {
				if gone == nil && sh.Left[i].Item == it {
					gone = &sh.Left[i]
				}
			}
		}
	}
	for _, it := range sh.Items {
		if _, ok := seen[it.key()]; !ok {
			missing = append(missing, it.String())
		}
	}
	if len(extra)+len(missing) == 0 {
		return nil
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d shipped but not received (first: %s)", len(missing), missing[0]))
	}
	if len(extra) > 0 {
		parts = append(parts, fmt.Sprintf("%d received but not in the shipment (first: %s)", len(extra), medledger.Quote(extra[0])))
	}
	if gone != nil {
		parts = append(parts, fmt.Sprintf("%s left the shipment in transit (%s, reported by %s at height %d): receive the rest without it", gone.Item, gone.Reason, gone.Org, gone.Height))
	}
	return ErrReceiptMismatch.New("receipt does not match shipment %s: %s", sh.ID, strings.Join(parts, "; "))
}

// ReturnBody sends items back to the organization that shipped them.
type ReturnBody struct {
	Items []Item `json:"items"`
}

func returnItems(ctx *app.Context, raw json.RawMessage) error {
	var b ReturnBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	objs, err := returnable(ctx, b.Items)
	if err != nil {
		return err
	}
	to := objs[0].from()
	for _, o := range objs {
		if o.from() != to {
			return ErrInvalid.New("%s came from %s and %s from %s: return them in separate transactions", objs[0].it, to, o.it, o.from())
		}
	}
	if err := partner(ctx, to); err != nil {
		return err
	}
	if err := licensed(ctx, to, "the addressee"); err != nil {
		return err
	}
	return send(ctx, objs, b.Items, to, true)
}

// returnable loads items to return: held by the signer's organization
// (loadItems), shipped to it by a partner, and neither recalled (a
// recalled pack goes the recall's way, not back for resale) nor, for a
// case, holding a recalled pack. A dispensed, decommissioned or
// quarantined item is refused by loadItems, each with its reason.
func returnable(ctx *app.Context, items []Item) ([]*object, error) {
	if len(items) > 0 && len(items) <= MaxItems {
		// Name the state of a pack that has left the supply chain before
		// anything else about it.
		for _, it := range items {
			o, err := loadObject(ctx.KV, it)
			if err != nil {
				return nil, err
			}
			switch s := resolve(ctx.KV, o).Status; s {
			case StatusDispensed:
				return nil, ErrState.New("%s was dispensed to a patient: a dispensed pack is not returned for resale", it)
			case StatusActive:
			default:
				return nil, ErrState.New("%s is %s: it is out of the supply chain and is not returned", it, s)
			}
		}
	}
	objs, err := loadItems(ctx, items, "return", false)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if o.from() == "" {
			return nil, ErrState.New("%s was never shipped to %s: there is no one to return it to", o.it, ctx.Signer.Org)
		}
		if o.p != nil {
			p, l := productLot(ctx.KV, o.p)
			if id := recallOf(p, l); id != "" {
				return nil, ErrRecalled.New("%s is recalled (%s): it is not returned for resale; follow the recall, or destroy it (supply/decommission)", o.it, id)
			}
			continue
		}
		if v := verifyCase(ctx.KV, gs1.Code{SSCC: o.c.SSCC}, ctx.Time); v.Result == ResultRecalled {
			return nil, ErrRecalled.New("%s %s: it is not returned for resale; follow the recall, or take the recalled packs out", o.it, v.Reason)
		}
	}
	return objs, nil
}
