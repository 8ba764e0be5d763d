// Suspect and illegitimate product (DSCSA): supply/report puts a pack or
// case in quarantine under a suspect-product report; supply/investigate
// clears it, or determines it illegitimate and notifies every trading
// partner that held it and the regulators; supply/terminate records the
// manufacturer's termination of that notification.
//
// A report holds its item (Hold on the pack or case): while the report is
// open the item is quarantined, and it is neither shipped, received,
// returned, packed, unpacked, dispensed nor decommissioned; a pack inside
// a held case is held through it, and a case counts the held items inside
// it (Held), so that it is not moved with them. Once determined
// illegitimate the item stays held, and may only be destroyed
// (supply/decommission, by either end of a shipment it is in).

package supply

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// Outcomes of an investigation (InvestigateBody.Outcome).
const (
	OutcomeCleared      = "cleared"
	OutcomeIllegitimate = "illegitimate"
)

// MaxListedSerials bounds the serials a notification's or a transaction
// information's line lists; Quantity counts them all.
const MaxListedSerials = 1000

// maxHolderScan bounds the items of a case whose histories an
// illegitimate determination reads to find the partners that held them.
const maxHolderScan = 1000

// ReportBody reports a pack or case as suspect and quarantines it. Reason
// says how it was found, required for a code that verifies (it MUST say
// nothing about any patient).
type ReportBody struct {
	Code   string `json:"code"` // the element string as scanned or typed
	Reason string `json:"reason"`
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
	// How it was found: a code that does not verify says it by its answer;
	// for one that does, the holder says what is wrong with it.
	if err := validText("reason", b.Reason, !v.Suspect); err != nil {
		return err
	}
	var o *object
	var res Resolved
	if v.Result != ResultUnknown {
		it := Pack(v.GTIN, v.Serial)
		if v.SSCC != "" {
			it = Case(v.SSCC)
		}
		if o, err = loadObject(ctx.KV, it); err != nil {
			return err
		}
		res = resolve(ctx.KV, o)
		if res.Hold != "" {
			in := ""
			if res.HoldVia != "" {
				in = " with the case " + res.HoldVia + " holding it"
			}
			if rp, _ := GetReport(ctx.KV, res.Hold); !rp.IsOpen() {
				return ErrIllegitimate.New("%s was determined illegitimate already%s (%s)", it, in, res.Hold)
			}
			return ErrQuarantined.New("%s is quarantined already%s, under suspect-product report %s: its investigation covers what you found", it, in, res.Hold)
		}
		// A pack that looks genuine is reported by the partner holding it,
		// who found something wrong with it (or by a regulator); anyone may
		// report a code that does not verify, wherever the pack is.
		if !v.Suspect && ctx.Signer.OrgKind != "regulator" && !holding(ctx, res) {
			return ErrNotCustodian.New("%s verifies as %s and is held by %s: only its holder (or a regulator) reports a pack that verifies", it, v.Result, res.Owner)
		}
	}
	n := state.NextSeq(ctx.KV, []byte(keySeqReport))
	rp := Report{ID: reportID(n), Code: v.Code, Result: v.Result, GTIN: v.GTIN, Serial: v.Serial, Lot: v.Lot, SSCC: v.SSCC,
		Manufacturer: v.Manufacturer, Reporter: ctx.Signer.ID, Org: ctx.Signer.Org, Height: ctx.Height, Time: ctx.Time.UTC(),
		Reason: b.Reason, Status: ReportOpen, Custodian: res.Owner}
	if o != nil && o.c != nil {
		rp.Manufacturer = soleManufacturer(ctx.KV, o.c.SSCC)
	}
	ev := newEvent(ctx, EvReport)
	ev.Report, ev.Reason = rp.ID, b.Reason
	if o != nil {
		o.setHold(rp.ID)
		o.save(ctx.KV)
		if p := o.parent(); p != "" {
			adjustHeld(ctx.KV, p, 1)
		}
		rp.Quarantined = o.it.String()
		ev.Items = []Item{o.it}
		putEvent(ctx, ev, o.it)
	} else {
		putEvent(ctx, ev)
	}
	rp.Event = ev.Seq
	notify(ctx.KV, &rp, n, rp.Org, rp.Manufacturer, rp.Custodian)
	put(ctx.KV, reportKey(n), rp)
	ctx.KV.Set(openKey(n), []byte{})
	if rp.Manufacturer != "" {
		ctx.KV.Set(orgReportKey(rp.Manufacturer, n), []byte{})
	}
	ctx.Emit(EventReported, "report", rp.ID, "result", rp.Result, "manufacturer", rp.Manufacturer, "org", rp.Org,
		"seq", strconv.FormatUint(n, 10), "quarantined", rp.Quarantined)
	return nil
}

// InvestigateBody records the outcome of a report's investigation:
// OutcomeCleared lifts the quarantine, OutcomeIllegitimate determines the
// product illegitimate (Classification, optional, says how: one of
// Classifications). Reason MUST say nothing about any patient.
type InvestigateBody struct {
	Report         string `json:"report"`
	Outcome        string `json:"outcome"`
	Reason         string `json:"reason"`
	Classification string `json:"classification,omitempty"`
}

func investigate(ctx *app.Context, raw json.RawMessage) error {
	var b InvestigateBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if b.Outcome != OutcomeCleared && b.Outcome != OutcomeIllegitimate {
		return ErrInvalid.New("outcome %s is not %s or %s", medledger.Quote(b.Outcome), OutcomeCleared, OutcomeIllegitimate)
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	if b.Classification != "" && (b.Outcome != OutcomeIllegitimate || !slices.Contains(Classifications, b.Classification)) {
		return ErrInvalid.New("classification %s: an illegitimate product is one of %s", medledger.Quote(b.Classification), strings.Join(Classifications, ", "))
	}
	rp, n, err := loadReport(ctx.KV, b.Report)
	if err != nil {
		return err
	}
	if !rp.IsOpen() {
		d := rp.Determination
		return ErrState.New("report %s was determined %s already, by %s at height %d", rp.ID, d.Outcome, d.Org, d.Height)
	}
	o, res, err := reportedItem(ctx.KV, rp)
	if err != nil {
		return err
	}
	org := ctx.Signer.Org
	// The product's manufacturer investigates, and so does the partner
	// holding it: for a code the chain never commissioned, the one that
	// found it.
	if org != rp.Manufacturer && !(o != nil && holding(ctx, res)) && !(o == nil && org == rp.Org) {
		who := "the partner holding it"
		if o == nil {
			who = rp.Org + ", which found it"
		}
		if rp.Manufacturer != "" {
			who = "its manufacturer " + rp.Manufacturer + " or " + who
		}
		return ErrNotInvestigator.New("report %s is determined by %s, not %s", rp.ID, who, org)
	}
	det := Determination{Outcome: b.Outcome, Reason: b.Reason, Classification: b.Classification, By: ctx.Signer.ID, Org: org,
		Height: ctx.Height, Time: ctx.Time.UTC()}
	ev := newEvent(ctx, EvCleared)
	ev.Report, ev.Reason = rp.ID, b.Reason
	switch b.Outcome {
	case OutcomeCleared:
		if o != nil && o.hold() == rp.ID {
			o.setHold("")
			o.save(ctx.KV)
			if p := o.parent(); p != "" {
				adjustHeld(ctx.KV, p, -1)
			}
		}
		rp.Status = ReportCleared
		closeNotices(ctx.KV, rp, n)
	case OutcomeIllegitimate:
		ev.Type = EvIllegitimate
		det.Lines, det.Quantity = reportLines(ctx.KV, rp, o)
		rp.Status = ReportIllegitimate
		orgs := append(pastHolders(ctx.KV, o), org, rp.Org, rp.Manufacturer)
		for _, id := range ctx.IDs.ActiveOrgs(ctx.KV) {
			if x, ok := ctx.IDs.Org(ctx.KV, id); ok && x.Kind == "regulator" {
				orgs = append(orgs, id)
			}
		}
		notify(ctx.KV, &rp, n, orgs...)
	}
	rp.Determination = &det
	if o != nil {
		ev.Items = []Item{o.it}
		putEvent(ctx, ev, o.it)
	} else {
		putEvent(ctx, ev)
	}
	put(ctx.KV, reportKey(n), rp)
	ctx.Emit(EventDetermined, "report", rp.ID, "outcome", b.Outcome, "org", org, "notified", strconv.Itoa(len(rp.Notified)))
	return nil
}

// TerminateBody records the manufacturer's termination of an
// illegitimate-product notification (in consultation with the regulator).
type TerminateBody struct {
	Report string `json:"report"`
	Reason string `json:"reason"`
}

func terminate(ctx *app.Context, raw json.RawMessage) error {
	var b TerminateBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	rp, n, err := loadReport(ctx.KV, b.Report)
	if err != nil {
		return err
	}
	switch {
	case rp.Status == ReportTerminated:
		return ErrState.New("the notification of %s was terminated already, by %s at height %d", rp.ID, rp.Termination.Org, rp.Termination.Height)
	case rp.Status != ReportIllegitimate:
		return ErrState.New("report %s is %s, not an illegitimate-product notification: there is nothing to terminate", rp.ID, rp.statusWord())
	}
	// The manufacturer terminates; for a product no manufacturer on the
	// chain owns, the partner that determined it illegitimate.
	by := rp.Manufacturer
	if by == "" {
		by = rp.Determination.Org
	}
	if ctx.Signer.Org != by {
		return ErrNotInvestigator.New("the notification of %s is terminated by %s, not %s", rp.ID, by, ctx.Signer.Org)
	}
	rp.Status = ReportTerminated
	rp.Termination = &Termination{Reason: b.Reason, By: ctx.Signer.ID, Org: ctx.Signer.Org, Height: ctx.Height, Time: ctx.Time.UTC()}
	closeNotices(ctx.KV, rp, n)
	put(ctx.KV, reportKey(n), rp)
	ctx.Emit(EventTerminated, "report", rp.ID, "org", ctx.Signer.Org)
	return nil
}

func (r Report) statusWord() string {
	if r.Status == "" {
		return ReportOpen
	}
	return r.Status
}

// holding reports whether the signer's organization holds the item seen
// as res: its custodian, or either end of the shipment it is in transit
// in.
func holding(ctx *app.Context, res Resolved) bool {
	if res.Shipment == "" {
		return res.Owner == ctx.Signer.Org
	}
	sh, _ := GetShipment(ctx.KV, res.Shipment)
	return sh.From == ctx.Signer.Org || sh.To == ctx.Signer.Org
}

// loadReport reads report id and its sequence number.
func loadReport(r state.Reader, id string) (Report, uint64, error) {
	n, ok := parseReportID(id)
	var rp Report
	if !ok || !get(r, reportKey(n), &rp) {
		return rp, 0, ErrReportNotFound.New("no report %s: medledger supply notifications lists the open ones", medledger.Quote(id))
	}
	return rp, n, nil
}

// reportedItem loads the item a report holds, if the chain knows one.
func reportedItem(r state.Reader, rp Report) (*object, Resolved, error) {
	if rp.Quarantined == "" {
		return nil, Resolved{}, nil
	}
	it := Pack(rp.GTIN, rp.Serial)
	if rp.SSCC != "" {
		it = Case(rp.SSCC)
	}
	o, err := loadObject(r, it)
	if err != nil {
		return nil, Resolved{}, err
	}
	return o, resolve(r, o), nil
}

// notify tells orgs of report n (the empty id is skipped): each lists it
// among its open notifications, and rp.Notified names them all.
func notify(kv state.KV, rp *Report, n uint64, orgs ...string) {
	for _, org := range orgs {
		if org == "" || slices.Contains(rp.Notified, org) {
			continue
		}
		rp.Notified = append(rp.Notified, org)
		kv.Set(noticeKey(org, n), []byte{})
	}
	sort.Strings(rp.Notified)
}

// closeNotices takes a report off every open list.
func closeNotices(kv state.KV, rp Report, n uint64) {
	kv.Delete(openKey(n))
	for _, org := range rp.Notified {
		kv.Delete(noticeKey(org, n))
	}
}

// pastHolders lists the organizations that held o or what is inside it
// (at most maxHolderScan of its packs): its manufacturer, and both ends of
// every shipment it travelled in. Unsorted, with repeats.
func pastHolders(r state.Reader, o *object) []string {
	if o == nil {
		return nil
	}
	var out []string
	add := func(it Item) {
		h, err := History(r, it)
		if err != nil {
			return
		}
		for _, e := range h {
			switch e.Type {
			case EvCommission:
				out = append(out, e.Org)
			case EvShip, EvReturn, EvReceive:
				out = append(out, e.From, e.To)
			}
		}
	}
	add(o.it)
	if o.c != nil {
		n := 0
		walkContents(r, o.c.SSCC, func(it Item) bool {
			add(it)
			n++
			return n < maxHolderScan
		})
	}
	return out
}

// soleManufacturer is the manufacturer of every pack inside case sscc (of
// the first maxHolderScan), or "" when they are more than one or none: a
// case's report is then determined by the partner holding it.
func soleManufacturer(r state.Reader, sscc string) string {
	maker, n := "", 0
	walkContents(r, sscc, func(it Item) bool {
		if it.IsCase() {
			return true
		}
		p, _ := GetProduct(r, it.GTIN)
		switch {
		case maker == "":
			maker = p.Manufacturer
		case p.Manufacturer != maker:
			maker = "-"
			return false
		}
		n++
		return n < maxHolderScan
	})
	if maker == "-" {
		return ""
	}
	return maker
}

// walkContents calls fn for each item inside case sscc, at every level,
// depth first in key order, until fn returns false.
func walkContents(r state.Reader, sscc string, fn func(Item) bool) {
	var walk func(sscc string, depth int) bool
	walk = func(sscc string, depth int) bool {
		for _, it := range Contents(r, sscc) {
			if !fn(it) {
				return false
			}
			if it.IsCase() && depth < MaxLevel && !walk(it.SSCC, depth+1) {
				return false
			}
		}
		return true
	}
	walk(sscc, 1)
}

// reportLines says what a report is about, for its notification: the pack
// or the packs inside the case (at most maxCaseScan), or for a code the
// chain never commissioned, what the code says.
func reportLines(r state.Reader, rp Report, o *object) ([]Line, int) {
	var b lineBuilder
	switch {
	case o == nil && rp.GTIN != "":
		b.add(r, PackState{GTIN: rp.GTIN, Serial: rp.Serial, Lot: rp.Lot})
	case o == nil:
	case o.p != nil:
		b.add(r, *o.p)
	default:
		b.addCase(r, o.c.SSCC)
	}
	return b.lines(), b.total
}

// lineBuilder groups packs into lines by product and lot.
type lineBuilder struct {
	byKey map[string]*Line
	keys  []string
	total int
}

func (b *lineBuilder) add(r state.Reader, p PackState) {
	if b.byKey == nil {
		b.byKey = map[string]*Line{}
	}
	k := p.GTIN + "/" + p.Lot
	l, ok := b.byKey[k]
	if !ok {
		l = &Line{GTIN: p.GTIN, Lot: p.Lot, Expiry: p.Expiry}
		if prod, ok := GetProduct(r, p.GTIN); ok {
			l.Product, l.NationalCode, l.Strength, l.Form, l.Manufacturer = prod.Name, prod.NationalCode, prod.Strength, prod.Form, prod.Manufacturer
		}
		b.byKey[k] = l
		b.keys = append(b.keys, k)
	}
	l.Quantity++
	b.total++
	if len(l.Serials) < MaxListedSerials {
		l.Serials = append(l.Serials, p.Serial)
	}
}

// addCase adds the packs inside case sscc, at every level, up to
// maxCaseScan.
func (b *lineBuilder) addCase(r state.Reader, sscc string) {
	walkContents(r, sscc, func(it Item) bool {
		if !it.IsCase() {
			if p, ok := GetPack(r, it.GTIN, it.Serial); ok {
				b.add(r, p)
			}
		}
		return b.total < maxCaseScan
	})
}

// lines returns the lines in product and lot order, serials sorted.
func (b *lineBuilder) lines() []Line {
	sort.Strings(b.keys)
	out := make([]Line, 0, len(b.keys))
	for _, k := range b.keys {
		l := *b.byKey[k]
		sort.Strings(l.Serials)
		out = append(out, l)
	}
	return out
}
