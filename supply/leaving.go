// Leaving the chain: supply/dispense and supply/decommission end a pack's
// (or case's) life in the supply chain.

package supply

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// DispenseBody dispenses one pack to a patient (who is not named).
type DispenseBody struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial"`
}

func dispense(ctx *app.Context, raw json.RawMessage) error {
	var b DispenseBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	o, err := loadObject(ctx.KV, Pack(b.GTIN, b.Serial))
	if err != nil {
		return err
	}
	res := resolve(ctx.KV, o)
	if err := inHand(ctx, o, res); err != nil {
		return err
	}
	if res.Hold != "" {
		return holdError(ctx.KV, o.it, res.Hold, res.HoldVia, "dispense")
	}
	if res.Returned != "" {
		return ErrUnverifiedReturn.New("%s came back in return %s and was not verified since: verify its label against the chain before you dispense it (supply/verify-return)", o.it, res.Returned)
	}
	p, l := productLot(ctx.KV, o.p)
	if id := recallOf(p, l); id != "" {
		return ErrRecalled.New("pack %s is recalled (%s): it must not be dispensed", o.it, id)
	}
	if expired(o.p.Expiry, ctx.Time) {
		return ErrExpired.New("pack %s expired (%s): it must not be dispensed", o.it, o.p.Expiry)
	}
	ev := newEvent(ctx, EvDispense)
	ev.Items = []Item{o.it}
	leave(ctx, o, &ev, StatusDispensed, "")
	emitMoved(ctx, ev)
	return nil
}

// inHand checks that the signer's organization holds o, directly or in a
// container, that it is active and not in transit.
func inHand(ctx *app.Context, o *object, res Resolved) error {
	switch {
	case res.Status != StatusActive && res.Inherited != "":
		return ErrState.New("%s is in case %s, which is %s", o.it, res.Inherited, res.Status)
	case res.Status != StatusActive:
		return ErrState.New("%s is %s", o.it, res.Status)
	case res.Shipment != "":
		return ErrInTransit.New("%s is in transit (shipment %s)", o.it, res.Shipment)
	case res.Owner != ctx.Signer.Org:
		return ErrNotCustodian.New("%s is held by %s, not %s", o.it, res.Owner, ctx.Signer.Org)
	}
	return nil
}

// leave ends o's life with status: taken out of its case if it is in one,
// event stored in its history and the case's.
func leave(ctx *app.Context, o *object, ev *Event, status, reason string) {
	hist := []Item{o.it}
	if sscc := o.parent(); sscc != "" {
		var c CaseState
		get(ctx.KV, caseKey(sscc), &c)
		res := resolve(ctx.KV, o)
		w := o.weight()
		detach(ctx, o, &c)
		if c.Count == 0 {
			c.Status = StatusUnpacked // emptied: as by unpacking, never reused
		}
		o.setOwner(res.Owner, res.From)
		put(ctx.KV, caseKey(sscc), c)
		if w > 0 {
			adjustHeld(ctx.KV, c.Parent, -w)
		}
		ev.Parent = sscc
		hist = append(hist, Case(sscc))
	}
	o.setStatus(status, reason)
	o.save(ctx.KV)
	putEvent(ctx, *ev, hist...)
}

func productLot(r state.Reader, p *PackState) (Product, Lot) {
	prod, _ := GetProduct(r, p.GTIN)
	lot, _ := GetLot(r, p.GTIN, p.Lot)
	return prod, lot
}

// DecommissionBody takes items out of the supply chain for a reason.
type DecommissionBody struct {
	Items  []Item `json:"items"`
	Reason string `json:"reason"`
}

func decommission(ctx *app.Context, raw json.RawMessage) error {
	var b DecommissionBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if !slices.Contains(DecommissionReasons, b.Reason) {
		return ErrInvalid.New("reason %s is not one of %s", medledger.Quote(b.Reason), strings.Join(DecommissionReasons, ", "))
	}
	if len(b.Items) == 0 || len(b.Items) > MaxItems {
		return ErrInvalid.New("items must list 1 to %d packs or cases", MaxItems)
	}
	status := StatusDecommissioned
	if b.Reason == "stolen" {
		status = StatusStolen
	}
	seen := map[string]struct{}{}
	transit := map[string]Shipment{} // item key -> the shipment it leaves
	objs := make([]*object, 0, len(b.Items))
	for _, it := range b.Items {
		o, err := loadObject(ctx.KV, it)
		if err != nil {
			return err
		}
		if _, dup := seen[it.key()]; dup {
			return ErrInvalid.New("%s is listed twice", it)
		}
		seen[it.key()] = struct{}{}
		res := resolve(ctx.KV, o)
		// A suspect item is kept as evidence until its investigation
		// ends; one determined illegitimate is destroyed or kept.
		if res.Hold != "" {
			if rp, _ := GetReport(ctx.KV, res.Hold); rp.IsOpen() {
				return holdError(ctx.KV, o.it, res.Hold, res.HoldVia, "decommission")
			}
		}
		if n := o.heldInside(); n > 0 {
			return ErrQuarantined.New("%s holds %d quarantined or illegitimate item(s): take them out (supply/disaggregate) before you decommission it", o.it, n)
		}
		// A theft or loss in transit, or the destruction of an illegitimate
		// item in transit, is reported by either end of the shipment; the
		// item leaves the shipment.
		if res.Shipment != "" && (b.Reason == "stolen" || b.Reason == "lost" || res.Hold != "") {
			var sh Shipment
			get(ctx.KV, shipmentKey(res.Shipment), &sh)
			if sh.From == ctx.Signer.Org || sh.To == ctx.Signer.Org {
				res.Shipment, res.Owner = "", ctx.Signer.Org
				transit[it.key()] = sh
			}
		}
		if err := inHand(ctx, o, res); err != nil {
			return err
		}
		objs = append(objs, o)
	}
	for _, o := range objs {
		// Read it again: taking an earlier item of the list out of this
		// case changed the case's count.
		o, _ = loadObject(ctx.KV, o.it)
		ev := newEvent(ctx, EvDecommission)
		ev.Items, ev.Reason = []Item{o.it}, b.Reason
		if sh, ok := transit[o.it.key()]; ok {
			// Where it was lost: in this shipment, between its two ends.
			ev.Shipment, ev.From, ev.To = sh.ID, sh.From, sh.To
			if o.shipment() == sh.ID {
				leaveShipment(ctx, o, ev, b.Reason)
			}
		}
		leave(ctx, o, &ev, status, b.Reason)
		emitMoved(ctx, ev)
	}
	return nil
}

// leaveShipment takes o, a top-level item of its shipment, out of it: the
// addressee receives the rest without it. A shipment left empty is
// undelivered and closed.
func leaveShipment(ctx *app.Context, o *object, ev Event, reason string) {
	var sh Shipment
	get(ctx.KV, shipmentKey(o.shipment()), &sh)
	sh.Items = slices.DeleteFunc(sh.Items, func(it Item) bool { return it == o.it })
	sh.Left = append(sh.Left, LeftItem{Item: o.it, Reason: reason, Org: ctx.Signer.Org, Event: ev.Seq, Height: ctx.Height, Time: ctx.Time.UTC()})
	if len(sh.Items) == 0 {
		sh.Status = ShipmentUndelivered
		ctx.KV.Delete(boxKey(prefixInbox, sh.To, sh.ID))
		ctx.KV.Delete(boxKey(prefixOutbox, sh.From, sh.ID))
	}
	put(ctx.KV, shipmentKey(sh.ID), sh)
	o.setShipment("")
}
