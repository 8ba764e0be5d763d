// Aggregation: packing items into cases and pallets (supply/aggregate) and
// taking them out (supply/disaggregate).

package supply

import (
	"encoding/json"
	"slices"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// AggregateBody packs items into a case or pallet, created if new.
type AggregateBody struct {
	SSCC  string `json:"sscc"`
	Items []Item `json:"items"`
}

func aggregate(ctx *app.Context, raw json.RawMessage) error {
	var b AggregateBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	parent := Case(b.SSCC)
	if err := parent.validate(); err != nil {
		return err
	}
	objs, err := loadItems(ctx, b.Items, "pack", true)
	if err != nil {
		return err
	}
	var c CaseState
	if get(ctx.KV, caseKey(b.SSCC), &c) {
		if c.Status != StatusActive {
			return ErrState.New("case %s is %s: an SSCC is not reused", parent, c.Status)
		}
		if err := held(ctx, &object{it: parent, c: &c}, "pack into"); err != nil {
			return err
		}
		if c.Hold != "" {
			return holdError(ctx.KV, parent, c.Hold, "", "pack into")
		}
	} else {
		c = CaseState{SSCC: b.SSCC, Status: StatusActive, Owner: ctx.Signer.Org, Level: 1, Height: ctx.Height}
	}
	for _, o := range objs {
		if o.it == parent {
			return ErrInvalid.New("case %s cannot hold itself", parent)
		}
		if o.level()+1 > MaxLevel {
			return ErrInvalid.New("%s already holds %d levels: nesting stops at %d (packs, cases, pallets)", o.it, o.level(), MaxLevel)
		}
		c.Level = max(c.Level, o.level()+1)
	}
	ev := newEvent(ctx, EvAggregate)
	ev.Items, ev.Parent = b.Items, b.SSCC
	if c.Created == 0 {
		c.Created = ev.Seq
	}
	for _, o := range objs {
		o.setParent(b.SSCC)
		o.save(ctx.KV)
		ctx.KV.Set(contentKey(b.SSCC, o.it), []byte{})
	}
	c.Count += len(objs)
	put(ctx.KV, caseKey(c.SSCC), c)
	putEvent(ctx, ev, append(slices.Clone(b.Items), parent)...)
	emitMoved(ctx, ev)
	return nil
}

// DisaggregateBody takes items out of a case; no items: all of them.
type DisaggregateBody struct {
	SSCC  string `json:"sscc"`
	Items []Item `json:"items,omitempty"`
}

func disaggregate(ctx *app.Context, raw json.RawMessage) error {
	var b DisaggregateBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	co, err := loadObject(ctx.KV, Case(b.SSCC))
	if err != nil {
		return err
	}
	if err := held(ctx, co, "unpack"); err != nil {
		return err
	}
	// A suspect case stays whole until its investigation ends; a case
	// holding a suspect item is unpacked to set that item apart.
	if id := co.hold(); id != "" {
		return holdError(ctx.KV, co.it, id, "", "unpack")
	}
	items := b.Items
	if len(items) == 0 {
		items = Contents(ctx.KV, b.SSCC)
	} else if len(items) > MaxItems {
		return ErrInvalid.New("items must list at most %d", MaxItems)
	}
	seen := map[string]struct{}{}
	var objs []*object
	for _, it := range items {
		o, err := loadObject(ctx.KV, it)
		if err != nil {
			return err
		}
		if _, dup := seen[it.key()]; dup {
			return ErrInvalid.New("%s is listed twice", it)
		}
		seen[it.key()] = struct{}{}
		if o.parent() != b.SSCC {
			return ErrInvalid.New("%s is not inside case %s", it, co.it)
		}
		objs = append(objs, o)
	}
	ev := newEvent(ctx, EvDisaggregate)
	ev.Items, ev.Parent = items, b.SSCC
	for _, o := range objs {
		detach(ctx, o, co.c)
	}
	if co.c.Count == 0 {
		co.c.Status = StatusUnpacked
	}
	co.save(ctx.KV)
	putEvent(ctx, ev, append(slices.Clone(items), co.it)...)
	emitMoved(ctx, ev)
	return nil
}

// detach takes o out of case c, which the caller saves (and whose own
// containers' Held the caller adjusts): o is then held by c's owner. A
// case that was never shipped (From empty) was packed by its holder, and o
// keeps the sender it had. Out of a returned case not verified since, o is
// a returned item to verify itself.
func detach(ctx *app.Context, o *object, c *CaseState) {
	ctx.KV.Delete(contentKey(c.SSCC, o.it))
	o.setParent("")
	from := c.From
	if from == "" {
		from = o.from()
	}
	o.setOwner(c.Owner, from)
	if c.Returned != "" && o.returned() == "" {
		o.setReturned(c.Returned)
	}
	o.save(ctx.KV)
	c.Count--
	c.Held -= o.weight()
}

// Contents lists the items directly inside a case, in key order.
func Contents(r state.Reader, sscc string) []Item {
	p := contentPrefix(sscc)
	var out []Item
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		s := string(k[len(p):])
		if s[0] == 'c' {
			out = append(out, Case(s[1:]))
		} else {
			out = append(out, Pack(s[1:15], s[15:]))
		}
		return true
	})
	return out
}
