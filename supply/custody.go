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
}

func resolve(r state.Reader, o *object) Resolved {
	res := Resolved{Top: o.it, Owner: o.owner(), From: o.from(), Shipment: o.shipment(), Status: o.status()}
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
		cur = &object{it: Case(c.SSCC), c: &c}
	}
	return res
}

// loadItems loads items for a custody operation by the signer's
// organization: each distinct, active and outside any container, held by
// the signer's organization and not in transit.
func loadItems(ctx *app.Context, items []Item, what string) ([]*object, error) {
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
