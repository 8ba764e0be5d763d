// Custody: loading a pack or case, seeing it through its containers, and
// checking that the signer's organization holds it. The transactions that
// move goods (aggregation.go, shipping.go, leaving.go) build on these.

package supply

import (
	"fmt"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// object is a loaded pack or case.
type object struct {
	it Item
	p  *PackState
	c  *CaseState
}

func loadObject(r state.Reader, it Item) (*object, error) {
	if err := it.validate(); err != nil {
		return nil, err
	}
	o := &object{it: it}
	if it.IsCase() {
		var c CaseState
		if !get(r, caseKey(it.SSCC), &c) {
			return nil, ErrCaseNotFound.New("no case or pallet %s", it)
		}
		o.c = &c
		return o, nil
	}
	var p PackState
	if !get(r, packKey(it.GTIN, it.Serial), &p) {
		return nil, ErrPackNotFound.New("pack %s was never commissioned", it)
	}
	o.p = &p
	return o, nil
}

func (o *object) owner() string {
	if o.c != nil {
		return o.c.Owner
	}
	return o.p.Owner
}

func (o *object) parent() string {
	if o.c != nil {
		return o.c.Parent
	}
	return o.p.Parent
}

func (o *object) shipment() string {
	if o.c != nil {
		return o.c.Shipment
	}
	return o.p.Shipment
}

func (o *object) status() string {
	if o.c != nil {
		return o.c.Status
	}
	return o.p.Status
}

func (o *object) level() int {
	if o.c != nil {
		return o.c.Level
	}
	return 0
}

func (o *object) setOwner(owner, from string) {
	if o.c != nil {
		o.c.Owner, o.c.From = owner, from
	} else {
		o.p.Owner, o.p.From = owner, from
	}
}

func (o *object) setParent(sscc string) {
	if o.c != nil {
		o.c.Parent = sscc
	} else {
		o.p.Parent = sscc
	}
}

func (o *object) setShipment(id string) {
	if o.c != nil {
		o.c.Shipment = id
	} else {
		o.p.Shipment = id
	}
}

func (o *object) setStatus(status, reason string) {
	if o.c != nil {
		o.c.Status, o.c.Reason = status, reason
	} else {
		o.p.Status, o.p.Reason = status, reason
	}
}

func (o *object) hold() string {
	if o.c != nil {
		return o.c.Hold
	}
	return o.p.Hold
}

func (o *object) setHold(id string) {
	if o.c != nil {
		o.c.Hold = id
	} else {
		o.p.Hold = id
	}
}

// held is how many items inside o, at any depth, a report holds.
func (o *object) heldInside() int {
	if o.c != nil {
		return o.c.Held
	}
	return 0
}

// weight is what o counts in the Held of the cases holding it: itself if
// a report holds it, and what it holds.
func (o *object) weight() int {
	w := o.heldInside()
	if o.hold() != "" {
		w++
	}
	return w
}

func (o *object) returned() string {
	if o.c != nil {
		return o.c.Returned
	}
	return o.p.Returned
}

func (o *object) setReturned(id string) {
	if o.c != nil {
		o.c.Returned = id
	} else {
		o.p.Returned = id
	}
}

func (o *object) from() string {
	if o.c != nil {
		return o.c.From
	}
	return o.p.From
}

func (o *object) save(kv state.KV) {
	if o.c != nil {
		put(kv, caseKey(o.c.SSCC), o.c)
	} else {
		put(kv, packKey(o.p.GTIN, o.p.Serial), o.p)
	}
}

// Resolved is an object seen through its containers.
type Resolved struct {
	Top       Item     // the outermost container, or the object itself
	Path      []string // SSCCs from the innermost container outwards
	Owner     string   // the custodian: the outermost container's owner
	From      string   // who shipped it to Owner: the outermost From set, object's or container's
	Shipment  string   // the outermost container's open shipment
	Status    string   // the object's status, or "stolen"/"decommissioned" inherited from a container
	Inherited string   // the SSCC the status was inherited from, if any
	Hold      string   // the report holding it, its own or the innermost held container's
	HoldVia   string   // the SSCC the hold was inherited from, if any
	Returned  string   // the return shipment it came back in unverified, its own or a container's
}

func resolve(r state.Reader, o *object) Resolved {
	res := Resolved{Top: o.it, Owner: o.owner(), From: o.from(), Shipment: o.shipment(), Status: o.status(), Hold: o.hold(), Returned: o.returned()}
	cur := o
	for depth := 0; cur.parent() != "" && depth <= MaxLevel; depth++ {
		var c CaseState
		if !get(r, caseKey(cur.parent()), &c) {
			panic(fmt.Errorf("supply: corrupt state: %s is inside %s, which does not exist", cur.it, cur.parent()))
		}
		res.Path = append(res.Path, c.SSCC)
		res.Top, res.Owner, res.Shipment = Case(c.SSCC), c.Owner, c.Shipment
		if c.From != "" { // a container packed by its holder keeps its contents' sender
			res.From = c.From
		}
		if res.Status == StatusActive && (c.Status == StatusStolen || c.Status == StatusDecommissioned) {
			res.Status, res.Inherited = c.Status, c.SSCC
		}
		if res.Hold == "" && c.Hold != "" {
			res.Hold, res.HoldVia = c.Hold, c.SSCC
		}
		if res.Returned == "" {
			res.Returned = c.Returned
		}
		cur = &object{it: Case(c.SSCC), c: &c}
	}
	return res
}

// loadItems loads items for a custody operation by the signer's
// organization: each distinct, active and outside any container, held by
// the signer's organization and not in transit, and neither held by a
// suspect-product report nor holding an item that is. An operation that
// sells on (ship, pack) also refuses a returned item not verified since
// (resale true).
func loadItems(ctx *app.Context, items []Item, what string, resale bool) ([]*object, error) {
	if len(items) == 0 || len(items) > MaxItems {
		return nil, ErrInvalid.New("items must list 1 to %d packs or cases (got %d)", MaxItems, len(items))
	}
	seen := make(map[string]struct{}, len(items))
	out := make([]*object, 0, len(items))
	for _, it := range items {
		o, err := loadObject(ctx.KV, it)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[it.key()]; dup {
			return nil, ErrInvalid.New("%s is listed twice", it)
		}
		seen[it.key()] = struct{}{}
		if err := held(ctx, o, what); err != nil {
			return nil, err
		}
		if err := unheld(ctx.KV, o, what); err != nil {
			return nil, err
		}
		if resale && o.returned() != "" {
			return nil, ErrUnverifiedReturn.New("%s came back in return %s and was not verified since: verify its label against the chain before you %s it (supply/verify-return)", o.it, o.returned(), what)
		}
		out = append(out, o)
	}
	return out, nil
}

// held checks that o is a top-level, active object in the signer's
// organization's custody, not in transit.
func held(ctx *app.Context, o *object, what string) error {
	switch {
	case o.parent() != "":
		return ErrContained.New("%s is inside case %s: %s the case, or take it out first (supply/disaggregate)", o.it, o.parent(), what)
	case o.status() != StatusActive:
		return ErrState.New("%s is %s", o.it, o.status())
	case o.shipment() != "":
		return ErrInTransit.New("%s is in transit (shipment %s)", o.it, o.shipment())
	case o.owner() != ctx.Signer.Org:
		return ErrNotCustodian.New("%s is held by %s, not %s", o.it, o.owner(), ctx.Signer.Org)
	}
	return nil
}

// unheld refuses an object a suspect-product report holds, or a case
// holding one (what the caller was about to do names the refusal).
func unheld(r state.Reader, o *object, what string) error {
	if id := o.hold(); id != "" {
		return holdError(r, o.it, id, "", what)
	}
	if n := o.heldInside(); n > 0 {
		return ErrQuarantined.New("%s holds %d quarantined or illegitimate item(s): take them out (supply/disaggregate) before you %s it", o.it, n, what)
	}
	return nil
}

// holdError is the refusal of an operation on it, held by report id
// (through case via, if set): quarantined while the report is open,
// illegitimate once so determined.
func holdError(r state.Reader, it Item, id, via, what string) error {
	in := ""
	if via != "" {
		in = " in case " + via
	}
	rp, _ := GetReport(r, id)
	if rp.Status == ReportIllegitimate || rp.Status == ReportTerminated {
		return ErrIllegitimate.New("%s%s was determined illegitimate (%s): it must not be sold or moved; destroy it (supply/decommission) or keep it for the regulator", it, in, id)
	}
	return ErrQuarantined.New("%s%s is quarantined under suspect-product report %s: you cannot %s it until the investigation clears it", it, in, id, what)
}

// adjustHeld adds delta to the Held count of case sscc and of every case
// holding it.
func adjustHeld(kv state.KV, sscc string, delta int) {
	for depth := 0; sscc != "" && depth <= MaxLevel; depth++ {
		var c CaseState
		if !get(kv, caseKey(sscc), &c) {
			panic(fmt.Errorf("supply: corrupt state: no case %s above a held item", sscc))
		}
		c.Held += delta
		put(kv, caseKey(sscc), c)
		sscc = c.Parent
	}
}
