package supply

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/supply/gs1"
)

// GetProduct returns a product, or false.
func GetProduct(r state.Reader, gtin string) (Product, bool) {
	var p Product
	return p, get(r, productKey(gtin), &p)
}

// GetLot returns a lot, or false.
func GetLot(r state.Reader, gtin, lot string) (Lot, bool) {
	var l Lot
	return l, get(r, lotKey(gtin, lot), &l)
}

// GetPack returns a pack's own state, or false.
func GetPack(r state.Reader, gtin, serial string) (PackState, bool) {
	var p PackState
	return p, get(r, packKey(gtin, serial), &p)
}

// GetCase returns a case or pallet, or false.
func GetCase(r state.Reader, sscc string) (CaseState, bool) {
	var c CaseState
	return c, get(r, caseKey(sscc), &c)
}

// GetShipment returns a shipment, or false.
func GetShipment(r state.Reader, id string) (Shipment, bool) {
	var s Shipment
	return s, get(r, shipmentKey(id), &s)
}

// GetRecall returns a recall, or false.
func GetRecall(r state.Reader, id string) (Recall, bool) {
	var rc Recall
	return rc, get(r, recallKey(id), &rc)
}

// GetEvent returns an event by its sequence number, or false.
func GetEvent(r state.Reader, seq uint64) (Event, bool) {
	var e Event
	return e, get(r, eventKey(seq), &e)
}

// Shipments lists an organization's open shipments: incoming (inbox) or
// outgoing, oldest first.
func Shipments(r state.Reader, org string, incoming bool) []Shipment {
	prefix := prefixOutbox
	if incoming {
		prefix = prefixInbox
	}
	p := []byte(prefix + org + "/")
	var out []Shipment
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		if s, ok := GetShipment(r, string(k[len(p):])); ok {
			out = append(out, s)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		return out[i].Height < out[j].Height || out[i].Height == out[j].Height && out[i].ID < out[j].ID
	})
	return out
}

// Reports lists suspect-product reports, oldest first: every report when
// manufacturer is empty (the regulators' view), else those about the
// manufacturer's products.
func Reports(r state.Reader, manufacturer string) []Report {
	var out []Report
	if manufacturer == "" {
		p := []byte(prefixReport)
		r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
			var rp Report
			mustUnmarshal(v, &rp)
			out = append(out, rp)
			return true
		})
		return out
	}
	p := []byte(prefixOrgRep + manufacturer + "/")
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		var rp Report
		if get(r, []byte(prefixReport+string(k[len(p):])), &rp) {
			out = append(out, rp)
		}
		return true
	})
	return out
}

// GetReport returns a report by id (rpt-N), or false.
func GetReport(r state.Reader, id string) (Report, bool) {
	rp, _, err := loadReport(r, id)
	return rp, err == nil
}

// DeterminationWindow is how long a suspect-product report may stay open
// before it is listed as overdue, measured from block times: the 24 hours
// DSCSA gives a manufacturer to answer a verification request, and a
// trading partner to notify the regulator and its partners once it has
// determined a product illegitimate.
const DeterminationWindow = 24 * time.Hour

// Notice is an open notification as a trading partner or a regulator
// lists it: a suspect-product report under investigation (its item in
// quarantine), or an illegitimate-product notification not yet terminated.
type Notice struct {
	Report
	Kind string `json:"kind"` // "suspect" or "illegitimate"
	// Due is when a suspect report's determination is due; Overdue, that
	// the last block is past it.
	Due     time.Time `json:"due,omitzero"`
	Overdue bool      `json:"overdue,omitempty"`
}

// Notice kinds.
const (
	NoticeSuspect      = "suspect"
	NoticeIllegitimate = "illegitimate"
)

// Notifications lists the open notifications, oldest first: every one
// when org is empty (the regulators' view), else those org was told of
// (as the reporter, the manufacturer, the holder, or once the product is
// illegitimate, a partner that held it). now is the last block's time.
func Notifications(r state.Reader, org string, now time.Time) []Notice {
	p := []byte(prefixOpen)
	if org != "" {
		p = []byte(prefixNotice + org + "/")
	}
	var out []Notice
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		var rp Report
		if !get(r, []byte(prefixReport+string(k[len(p):])), &rp) {
			return true
		}
		n := Notice{Report: rp, Kind: NoticeIllegitimate}
		if rp.IsOpen() {
			n.Kind, n.Due = NoticeSuspect, rp.Time.Add(DeterminationWindow)
			n.Overdue = !now.IsZero() && now.After(n.Due)
		}
		out = append(out, n)
		return true
	})
	return out
}

// Verification results.
const (
	ResultVerified       = "verified"
	ResultUnknown        = "unknown"
	ResultMismatch       = "mismatch"
	ResultRecalled       = "recalled"
	ResultExpired        = "expired"
	ResultDispensed      = "dispensed"
	ResultDecommissioned = "decommissioned"
	ResultStolen         = "stolen"
	// ResultQuarantined: under an open suspect-product report.
	ResultQuarantined = "quarantined"
	// ResultIllegitimate: determined illegitimate.
	ResultIllegitimate = "illegitimate"
)

// Results lists the verification results.
var Results = []string{ResultVerified, ResultUnknown, ResultMismatch, ResultRecalled, ResultExpired, ResultDispensed,
	ResultDecommissioned, ResultStolen, ResultQuarantined, ResultIllegitimate}

// Verification is the answer to "is this pack (or case) genuine and
// saleable?".
type Verification struct {
	Result       string   `json:"result"`
	Suspect      bool     `json:"suspect"` // worth a suspect-product report
	Reason       string   `json:"reason"`
	Code         string   `json:"code"` // the element string read, bracketed
	GTIN         string   `json:"gtin,omitempty"`
	Serial       string   `json:"serial,omitempty"`
	SSCC         string   `json:"sscc,omitempty"`
	Lot          string   `json:"lot,omitempty"`
	Expiry       string   `json:"expiry,omitempty"`
	Product      string   `json:"product,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Status       string   `json:"status,omitempty"`
	Custodian    string   `json:"custodian,omitempty"`
	InTransitTo  string   `json:"in_transit_to,omitempty"`
	Shipment     string   `json:"shipment,omitempty"`
	Containers   []string `json:"containers,omitempty"` // SSCCs, innermost first
	Recall       string   `json:"recall,omitempty"`
	RecallReason string   `json:"recall_reason,omitempty"`
	Packs        int      `json:"packs,omitempty"` // a case: the packs inside it, at every level
	// Report is the suspect-product report holding it (quarantined or
	// illegitimate), its own or its case's.
	Report string `json:"report,omitempty"`
	// Returned is the return it came back in, when its holder has not yet
	// verified it for resale.
	Returned  string `json:"returned,omitempty"`
	Height    int64  `json:"height,omitempty"`
	BlockTime string `json:"block_time,omitempty"`
	// UnlicensedCustodian, when licence checks are on for supply, says why
	// the custodian holds no valid trading-partner licence now.
	UnlicensedCustodian string `json:"unlicensed_custodian,omitempty"`
}

// ParseCode parses an element string for verification: a pack (AI 01 and
// 21, with 10 and 17 checked when present) or a case (AI 00).
func ParseCode(s string) (gs1.Code, error) {
	c, err := gs1.Parse(s)
	if err != nil {
		return c, ErrBadCode.Wrap(err, "not a GS1 element string")
	}
	if c.SSCC == "" && (c.GTIN == "" || c.Serial == "") {
		return c, ErrBadCode.New("%s names no pack: a pack is identified by its GTIN (01) and serial (21), a case by its SSCC (00)", gs1.Format(c))
	}
	return c, nil
}

// Verify answers for the element string code at the state r, judging
// expiry at now (the last block's time).
func Verify(r state.Reader, code string, now time.Time) (Verification, error) {
	c, err := ParseCode(code)
	if err != nil {
		return Verification{}, err
	}
	if c.GTIN == "" {
		return verifyCase(r, c, now), nil
	}
	return verifyPack(r, c, now), nil
}

func verifyPack(r state.Reader, c gs1.Code, now time.Time) Verification {
	v := Verification{Code: gs1.Format(c), GTIN: c.GTIN, Serial: c.Serial}
	prod, hasProduct := GetProduct(r, c.GTIN)
	if hasProduct {
		v.Product, v.Manufacturer = prod.Name, prod.Manufacturer
	}
	o, err := loadObject(r, Pack(c.GTIN, c.Serial))
	if err != nil {
		v.Result, v.Suspect = ResultUnknown, true
		v.Lot = c.Lot
		if hasProduct {
			v.Reason = fmt.Sprintf("serial %s of %s was never commissioned: suspect product", c.Serial, prod.Name)
		} else {
			v.Reason = fmt.Sprintf("GTIN %s is not a registered product: suspect product", c.GTIN)
		}
		return v
	}
	p := o.p
	v.Lot, v.Expiry = p.Lot, p.Expiry
	res := resolve(r, o)
	v.Status, v.Custodian, v.Shipment, v.Containers, v.Returned = res.Status, res.Owner, res.Shipment, res.Path, res.Returned
	if res.Shipment != "" {
		if sh, ok := GetShipment(r, res.Shipment); ok {
			v.InTransitTo = sh.To
		}
	}
	_, l := productLot(r, p)
	if res.Hold != "" && !(c.Lot != "" && c.Lot != p.Lot) && !(c.HasExpiry && !sameDay(c.Expiry, p.Expiry)) {
		answerHeld(r, &v, res)
		return v
	}
	recall := recallOf(prod, l)
	switch {
	case c.Lot != "" && c.Lot != p.Lot:
		v.Result, v.Suspect = ResultMismatch, true
		v.Reason = fmt.Sprintf("the code says lot %s, but serial %s was commissioned in lot %s: suspect product", c.Lot, p.Serial, p.Lot)
	case c.HasExpiry && !sameDay(c.Expiry, p.Expiry):
		v.Result, v.Suspect = ResultMismatch, true
		v.Reason = fmt.Sprintf("the code says expiry %s, but serial %s was commissioned with expiry %s: suspect product", c.Expiry.Raw, p.Serial, p.Expiry)
	case res.Status == StatusStolen:
		v.Result, v.Suspect = ResultStolen, true
		v.Reason = "reported stolen" + inherited(res) + ": do not sell; report it"
	case res.Status == StatusDecommissioned:
		v.Result, v.Suspect = ResultDecommissioned, true
		v.Reason = "decommissioned" + inherited(res) + ": it should not be in the supply chain"
	case res.Status == StatusDispensed:
		v.Result, v.Suspect = ResultDispensed, true
		v.Reason = "dispensed already: a second sale of the same serial is suspect"
	case recall != "":
		v.Result, v.Recall = ResultRecalled, recall
		if rc, ok := GetRecall(r, recall); ok {
			v.RecallReason = rc.Reason
		}
		v.Reason = fmt.Sprintf("lot %s is recalled (%s): do not dispense", p.Lot, recall)
	case expired(p.Expiry, now):
		v.Result = ResultExpired
		v.Reason = fmt.Sprintf("expired (%s): do not dispense", p.Expiry)
	default:
		v.Result = ResultVerified
		v.Reason = fmt.Sprintf("genuine, held by %s", res.Owner)
		if v.InTransitTo != "" {
			v.Reason = fmt.Sprintf("genuine, in transit from %s to %s", res.Owner, v.InTransitTo)
		}
		if v.Returned != "" {
			v.Reason += fmt.Sprintf("; returned (%s) and not verified since: its holder verifies its label before selling it again", v.Returned)
		}
	}
	return v
}

// answerHeld answers for an item a report holds (res.Hold): quarantined while
// the report is open, illegitimate once so determined.
func answerHeld(r state.Reader, v *Verification, res Resolved) {
	v.Report, v.Suspect = res.Hold, true
	in := ""
	if res.HoldVia != "" {
		in = " with the case " + res.HoldVia + " holding it"
	}
	rp, _ := GetReport(r, res.Hold)
	if d := rp.Determination; d != nil && (rp.Status == ReportIllegitimate || rp.Status == ReportTerminated) {
		v.Result = ResultIllegitimate
		v.Reason = fmt.Sprintf("determined illegitimate%s by %s (%s, %s): do not sell, ship or dispense it; keep it apart", in, d.Org, res.Hold, d.Time.Format("2006-01-02"))
		return
	}
	v.Result = ResultQuarantined
	v.Reason = fmt.Sprintf("quarantined%s under suspect-product report %s (%s, %s): do not sell, ship or dispense it until the investigation ends", in, res.Hold, rp.Org, rp.Time.Format("2006-01-02"))
}

func inherited(res Resolved) string {
	if res.Inherited == "" {
		return ""
	}
	return " with the case " + res.Inherited + " holding it"
}

func sameDay(d gs1.Date, raw string) bool {
	e, err := ParseExpiry(raw)
	return err == nil && e.Year == d.Year && e.Month == d.Month && e.Day == d.Day
}

// maxCaseScan bounds the packs a case verification reads.
const maxCaseScan = 100_000

func verifyCase(r state.Reader, c gs1.Code, now time.Time) Verification {
	v := Verification{Code: gs1.Format(c), SSCC: c.SSCC}
	o, err := loadObject(r, Case(c.SSCC))
	if err != nil {
		v.Result, v.Suspect = ResultUnknown, true
		v.Reason = fmt.Sprintf("no case or pallet %s was ever packed: suspect", c.SSCC)
		return v
	}
	res := resolve(r, o)
	v.Status, v.Custodian, v.Shipment, v.Containers, v.Returned = res.Status, res.Owner, res.Shipment, res.Path, res.Returned
	if res.Shipment != "" {
		if sh, ok := GetShipment(r, res.Shipment); ok {
			v.InTransitTo = sh.To
		}
	}
	if res.Hold != "" {
		answerHeld(r, &v, res)
		return v
	}
	if o.c.Held > 0 {
		v.Result, v.Suspect = ResultQuarantined, true
		v.Reason = fmt.Sprintf("holds %d quarantined or illegitimate item(s): take them out before it moves", o.c.Held)
		return v
	}
	switch res.Status {
	case StatusStolen:
		v.Result, v.Suspect, v.Reason = ResultStolen, true, "reported stolen"+inherited(res)
		return v
	case StatusDecommissioned:
		v.Result, v.Suspect, v.Reason = ResultDecommissioned, true, "decommissioned"+inherited(res)
		return v
	}
	// A recall of any pack inside reaches the case.
	type lotKey struct{ gtin, lot string }
	recalls := map[lotKey]string{}
	var firstRecalled, firstExpired *PackState
	var walk func(sscc string, depth int)
	walk = func(sscc string, depth int) {
		for _, it := range Contents(r, sscc) {
			if v.Packs >= maxCaseScan {
				return
			}
			if it.IsCase() {
				if depth < MaxLevel {
					walk(it.SSCC, depth+1)
				}
				continue
			}
			p, ok := GetPack(r, it.GTIN, it.Serial)
			if !ok {
				continue
			}
			v.Packs++
			k := lotKey{p.GTIN, p.Lot}
			rc, seen := recalls[k]
			if !seen {
				prod, l := productLot(r, &p)
				rc = recallOf(prod, l)
				recalls[k] = rc
			}
			if rc != "" && firstRecalled == nil {
				firstRecalled, v.Recall = &p, rc
			}
			if firstExpired == nil && expired(p.Expiry, now) {
				firstExpired = &p
			}
		}
	}
	walk(c.SSCC, 1)
	switch {
	case firstRecalled != nil:
		v.Result = ResultRecalled
		if rc, ok := GetRecall(r, v.Recall); ok {
			v.RecallReason = rc.Reason
		}
		v.Reason = fmt.Sprintf("holds recalled packs (%s, first: %s)", v.Recall, Pack(firstRecalled.GTIN, firstRecalled.Serial))
	case firstExpired != nil:
		v.Result = ResultExpired
		v.Reason = fmt.Sprintf("holds expired packs (first: %s, expiry %s)", Pack(firstExpired.GTIN, firstExpired.Serial), firstExpired.Expiry)
	default:
		v.Result = ResultVerified
		v.Reason = fmt.Sprintf("genuine, %d packs, held by %s", v.Packs, res.Owner)
		if v.Returned != "" {
			v.Reason += fmt.Sprintf("; returned (%s) and not verified since", v.Returned)
		}
	}
	return v
}

// HistoryEntry is one event in an item's chain of custody. Via names the
// case or pallet the event moved, when the item travelled inside it.
type HistoryEntry struct {
	Event
	Via       string `json:"via,omitempty"`
	ItemCount int    `json:"item_count"` // items the event named (lists over maxListed are left out)
}

const maxListed = 50

// History returns the whole chain of custody of a pack or case, oldest
// first: its own events and those of the cases it travelled in while it was
// inside them.
func History(r state.Reader, it Item) ([]HistoryEntry, error) {
	o, err := loadObject(r, it)
	if err != nil {
		return nil, err
	}
	h := historian{r: r, seen: map[uint64]bool{}}
	if o.p != nil {
		if e, ok := GetEvent(r, o.p.Commissioned); ok {
			h.add(e, "")
		}
		// A recall of its lot or product reaches the pack without an
		// event of its own.
		prod, l := productLot(r, o.p)
		for _, id := range []string{l.Recall, prod.Recall} {
			if rc, ok := GetRecall(r, id); ok && id != "" {
				if e, ok := GetEvent(r, rc.Event); ok {
					h.add(e, "")
				}
			}
		}
	}
	h.walk(it, 0, math.MaxUint64, "", 0)
	sort.Slice(h.out, func(i, j int) bool { return h.out[i].Seq < h.out[j].Seq })
	return h.out, nil
}

type historian struct {
	r    state.Reader
	seen map[uint64]bool
	out  []HistoryEntry
}

func (h *historian) add(e Event, via string) {
	if h.seen[e.Seq] {
		return
	}
	h.seen[e.Seq] = true
	n := len(e.Items)
	if e.Type == EvCommission {
		n = len(e.Serials)
	}
	e.Serials = nil
	if len(e.Items) > maxListed {
		e.Items = nil
	}
	h.out = append(h.out, HistoryEntry{Event: e, Via: via, ItemCount: n})
}

// walk adds it's events with seq in [from, to]. For a container seen on
// behalf of an item inside it (via set), only the events that moved the
// container itself count, not those packing or unpacking its contents.
func (h *historian) walk(it Item, from, to uint64, via string, depth int) {
	p := historyPrefix(it)
	end := state.PrefixEnd(p)
	if to < math.MaxUint64 {
		end = historyKey(it, to+1)
	}
	var events []Event
	h.r.Iterate(historyKey(it, from), end, func(k, _ []byte) bool {
		var seq uint64
		for _, b := range k[len(p):] {
			seq = seq<<8 | uint64(b)
		}
		if e, ok := GetEvent(h.r, seq); ok {
			events = append(events, e)
		}
		return true
	})
	for i, e := range events {
		own := !(it.IsCase() && e.Parent == it.SSCC)
		if via != "" && !own {
			continue
		}
		h.add(e, via)
		if e.Type != EvAggregate || !own || depth >= MaxLevel {
			continue
		}
		// it was packed into e.Parent: follow the container until it left.
		stop := to
		for _, later := range events[i+1:] {
			if later.Parent == e.Parent {
				stop = later.Seq - 1
				break
			}
		}
		v := e.Parent
		if via != "" {
			v = via + " in " + e.Parent
		}
		h.walk(Case(e.Parent), e.Seq+1, stop, v, depth+1)
	}
}

func mustUnmarshal(b []byte, v any) {
	if err := jsonUnmarshal(b, v); err != nil {
		panic(fmt.Errorf("supply: corrupt value: %w", err))
	}
}
