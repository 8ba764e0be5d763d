package supply

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

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

// --- aggregation ---

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
	objs, err := loadItems(ctx, b.Items, "pack")
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

// detach takes o out of case c, which the caller saves: o is then held by
// c's owner. A case that was never shipped (From empty) was packed by its
// holder, and o keeps the sender it had.
func detach(ctx *app.Context, o *object, c *CaseState) {
	ctx.KV.Delete(contentKey(c.SSCC, o.it))
	o.setParent("")
	from := c.From
	if from == "" {
		from = o.from()
	}
	o.setOwner(c.Owner, from)
	o.save(ctx.KV)
	c.Count--
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

// --- shipping ---

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
	objs, err := loadItems(ctx, b.Items, "ship")
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
		return ErrShipmentNotFound.New("no shipment %q", b.Shipment)
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
	for _, it := range sh.Items {
		o, err := loadObject(ctx.KV, it)
		if err != nil {
			return err
		}
		o.setShipment("")
		o.setOwner(sh.To, sh.From)
		o.save(ctx.KV)
	}
	sh.Status, sh.Received = ShipmentReceived, ctx.Height
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
	seen := make(map[string]struct{}, len(got))
	for _, it := range got {
		if _, dup := seen[it.key()]; dup {
			return ErrInvalid.New("%s is listed twice", it)
		}
		seen[it.key()] = struct{}{}
		if _, ok := want[it.key()]; !ok {
			extra = append(extra, it.String())
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
		parts = append(parts, fmt.Sprintf("%d received but not in the shipment (first: %s)", len(extra), extra[0]))
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
	objs, err := loadItems(ctx, b.Items, "return")
	if err != nil {
		return err
	}
	to := objs[0].from()
	for _, o := range objs {
		if o.from() == "" {
			return ErrState.New("%s was never shipped to %s: there is no one to return it to", o.it, ctx.Signer.Org)
		}
		if o.from() != to {
			return ErrInvalid.New("%s came from %s and %s from %s: return them in separate transactions", objs[0].it, to, o.it, o.from())
		}
	}
	if err := partner(ctx, to); err != nil {
		return err
	}
	return send(ctx, objs, b.Items, to, true)
}

// --- leaving the chain ---

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
		detach(ctx, o, &c)
		if c.Count == 0 {
			c.Status = StatusUnpacked // emptied: as by unpacking, never reused
		}
		o.setOwner(res.Owner, res.From)
		put(ctx.KV, caseKey(sscc), c)
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
		return ErrInvalid.New("reason %q is not one of %s", b.Reason, strings.Join(DecommissionReasons, ", "))
	}
	if len(b.Items) == 0 || len(b.Items) > MaxItems {
		return ErrInvalid.New("items must list 1 to %d packs or cases", MaxItems)
	}
	status := StatusDecommissioned
	if b.Reason == "stolen" {
		status = StatusStolen
	}
	seen := map[string]struct{}{}
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
		// A theft or loss in transit is reported by either end of the
		// shipment.
		if res.Shipment != "" && (b.Reason == "stolen" || b.Reason == "lost") {
			var sh Shipment
			get(ctx.KV, shipmentKey(res.Shipment), &sh)
			if sh.From == ctx.Signer.Org || sh.To == ctx.Signer.Org {
				res.Shipment, res.Owner = "", ctx.Signer.Org
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
		leave(ctx, o, &ev, status, b.Reason)
		emitMoved(ctx, ev)
	}
	return nil
}

// RecallBody recalls a lot, or every lot of a product when Lot is empty.
type RecallBody struct {
	GTIN   string `json:"gtin"`
	Lot    string `json:"lot,omitempty"`
	Reason string `json:"reason"`
}

func recall(ctx *app.Context, raw json.RawMessage) error {
	var b RecallBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	p, ok := GetProduct(ctx.KV, b.GTIN)
	if !ok {
		return ErrProductNotFound.New("no product %s", b.GTIN)
	}
	if ctx.Signer.OrgKind != "regulator" && p.Manufacturer != ctx.Signer.Org {
		return ErrNotOwner.New("product %s is %s's: only its manufacturer or a regulator recalls it", p.GTIN, p.Manufacturer)
	}
	if p.Recall != "" {
		return ErrState.New("product %s is recalled already (%s)", p.GTIN, p.Recall)
	}
	rc := Recall{ID: recallID(state.NextSeq(ctx.KV, []byte(keySeqRecall))), GTIN: b.GTIN, Lot: b.Lot, Reason: b.Reason,
		By: ctx.Signer.ID, Org: ctx.Signer.Org, Height: ctx.Height, Time: ctx.Time.UTC()}
	if b.Lot != "" {
		l, ok := GetLot(ctx.KV, b.GTIN, b.Lot)
		if !ok {
			return ErrLotNotFound.New("no lot %s of %s", b.Lot, b.GTIN)
		}
		if l.Recall != "" {
			return ErrState.New("lot %s of %s is recalled already (%s)", l.Lot, l.GTIN, l.Recall)
		}
		l.Recall = rc.ID
		put(ctx.KV, lotKey(l.GTIN, l.Lot), l)
	} else {
		p.Recall = rc.ID
		put(ctx.KV, productKey(p.GTIN), p)
	}
	ev := newEvent(ctx, EvRecall)
	rc.Event = ev.Seq
	put(ctx.KV, recallKey(rc.ID), rc)
	ev.GTIN, ev.Lot, ev.Reason, ev.Recall = rc.GTIN, rc.Lot, rc.Reason, rc.ID
	putEvent(ctx, ev)
	ctx.Emit(EventRecalled, "recall", rc.ID, "gtin", rc.GTIN, "lot", rc.Lot, "org", rc.Org)
	return nil
}

// ReportBody escalates a suspect verification answer.
type ReportBody struct {
	Code string `json:"code"` // the element string as scanned or typed
}

func report(ctx *app.Context, raw json.RawMessage) error {
	var b ReportBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	v, err := Verify(ctx.KV, b.Code, ctx.Time)
	if err != nil {
		return err
	}
	if v.Result == ResultVerified {
		return ErrNotSuspect.New("%s verifies as genuine: there is nothing to report", b.Code)
	}
	n := state.NextSeq(ctx.KV, []byte(keySeqReport))
	rp := Report{ID: reportID(n), Code: v.Code, Result: v.Result, GTIN: v.GTIN, Serial: v.Serial, Lot: v.Lot, SSCC: v.SSCC,
		Manufacturer: v.Manufacturer, Reporter: ctx.Signer.ID, Org: ctx.Signer.Org, Height: ctx.Height, Time: ctx.Time.UTC()}
	put(ctx.KV, reportKey(n), rp)
	if rp.Manufacturer != "" {
		ctx.KV.Set(orgReportKey(rp.Manufacturer, n), []byte{})
	}
	ctx.Emit(EventReported, "report", rp.ID, "result", rp.Result, "manufacturer", rp.Manufacturer, "org", rp.Org, "seq", strconv.FormatUint(n, 10))
	return nil
}
