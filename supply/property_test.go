package supply_test

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/supply"
)

// The property test applies random sequences of supply transactions
// (commission, aggregate, disaggregate, ship, receive, return, dispense,
// decommission, recall, report, investigate, terminate, verify-return), by
// the organizations that hold the items
// mostly and by anyone sometimes, through the app in blocks whose time
// jumps past expiry dates now and then. A simple in-memory model of packs,
// cases, shipments and lots says what each transaction should do; after
// every block, every item the model knows (and codes never commissioned)
// must verify, resolve and be stored as the model says, and the open
// suspect-product and illegitimate-product notifications must be the
// model's. Quarantine is part of the model: a report holds its item (and
// what a held case holds), and nothing moves a held item until its
// investigation clears it.

// The organizations of the property test.
const (
	pAcme     = "acme-pharma"
	pGlobex   = secondMaker
	pDist     = "medsupply-dist"
	pPharmacy = "cityrx-pharmacy"
	pHospital = "northside-hospital"
)

// propPartners are the organizations that hold packs.
var propPartners = []string{pAcme, pGlobex, pDist, pPharmacy, pHospital}

// propHandler is the member of each partner that moves its packs.
var propHandler = map[string]string{
	pAcme: pAcme + "/packager", pGlobex: pGlobex + "/packager", pDist: pDist + "/warehouse",
	pPharmacy: pPharmacy + "/pharmacist", pHospital: pHospital + "/pharmacist",
}

// propOthers are signers drawn now and then: allowed for some types only.
var propOthers = []string{pAcme + "/admin", pGlobex + "/admin", "drug-regulator/inspector", "unity-health-plan/adjudicator",
	pHospital + "/clinician", pPharmacy + "/admin", pDist + "/admin"}

// Products (registered before the random part) and the pools the
// generator draws serials, lots and SSCCs from.
var (
	propGTINs   = []string{gtin, gtinN(1), gtinN(2)} // acme, acme, globex
	propMaker   = map[string]string{gtin: pAcme, gtinN(1): pAcme, gtinN(2): pGlobex}
	propSerials = []string{"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11", "S12"}
	propLots    = []string{"A", "B", "C", "D"}
	propExpiry  = map[string]string{"A": "301231", "B": "250110", "C": "250200", "D": "250125"}
	propExpires = []string{"301231", "250110", "250200", "250125", "260300"}
	propSSCCs   = []string{ssccN(1), ssccN(2), ssccN(3), ssccN(4), ssccN(5), ssccN(6)}
	propShipTo  = append(slices.Clone(propPartners), "unity-health-plan", "drug-regulator", "no-such-org")
	propReasons = append(slices.Clone(supply.DecommissionReasons), "stolen", "stolen", "eaten")
)

// propNever are codes the random part never commissions or packs.
var propNever = []string{packCode(gtin, "NEVER"), packCode(gtinN(3), "S1"), caseCode(ssccN(99))}

// mItem is a pack or case as the model holds it.
type mItem struct {
	it                                            supply.Item
	lot, expiry                                   string // packs
	status, reason, owner, from, parent, shipment string
	level                                         int                    // cases
	contents                                      map[string]supply.Item // cases: item key -> item
	hold                                          string                 // the report holding it
	held                                          int                    // cases: held items inside, at any depth
	returned                                      string                 // the return it came back in, unverified
}

// mReport is a suspect-product report as the model holds it.
type mReport struct {
	id, status, item, manufacturer, org, determiner string // item: the key of the item it holds, if any
}

type mLot struct {
	expiry   string
	recalled bool
	packs    int
}

type mShipment struct {
	id, from, to string
	items        []supply.Item // still in it
	left         []supply.Item // left it in transit
	ret          bool
	received     bool
	undelivered  bool // every item left it
}

type propSigner struct{ id, org, kindRole string }

// supplyModel is the supply chain as the test expects it.
type supplyModel struct {
	signers         map[string]propSigner
	kinds           map[string]string // organization -> kind
	productRecalled map[string]bool
	lots            map[string]*mLot  // gtin/lot
	items           map[string]*mItem // item key
	shipments       []*mShipment      // shp-(i+1)
	reports         []*mReport        // rpt-(i+1)
	now             time.Time
	stats           map[string]int // verification results seen, for -v
}

func ikey(it supply.Item) string {
	if it.IsCase() {
		return "c" + it.SSCC
	}
	return "p" + it.GTIN + it.Serial
}

func newSupplyModel(c *chaintest.Consortium) *supplyModel {
	m := &supplyModel{signers: map[string]propSigner{}, kinds: map[string]string{}, productRecalled: map[string]bool{},
		lots: map[string]*mLot{}, items: map[string]*mItem{}}
	for _, o := range c.Orgs {
		m.kinds[o.ID] = o.Kind
	}
	for _, mem := range c.Members {
		org, _, _ := strings.Cut(mem.ID, "/")
		m.signers[mem.ID] = propSigner{id: mem.ID, org: org, kindRole: m.kinds[org] + "/" + mem.Role}
	}
	return m
}

// mExpired reports whether a YYMMDD expiry (DD 00: the month's end) is
// past at t: the expiry day itself is still good.
func mExpired(exp string, t time.Time) bool {
	yy, _ := strconv.Atoi(exp[0:2])
	mm, _ := strconv.Atoi(exp[2:4])
	dd, _ := strconv.Atoi(exp[4:6])
	end := time.Date(2000+yy, time.Month(mm), dd+1, 0, 0, 0, 0, time.UTC)
	if dd == 0 {
		end = time.Date(2000+yy, time.Month(mm)+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return !t.Before(end)
}

func (m *supplyModel) recalled(x *mItem) bool {
	return m.productRecalled[x.it.GTIN] || m.lots[x.it.GTIN+"/"+x.lot].recalled
}

func (m *supplyModel) shipment(id string) *mShipment {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "shp-"))
	if err != nil || !strings.HasPrefix(id, "shp-") || n < 1 || n > len(m.shipments) {
		return nil
	}
	return m.shipments[n-1]
}

// mResolved is an item seen through its containers.
type mResolved struct {
	status, owner, from, shipment string
	path                          []string
	hold, returned                string
}

func (m *supplyModel) resolve(x *mItem) mResolved {
	r := mResolved{status: x.status, owner: x.owner, from: x.from, shipment: x.shipment, hold: x.hold, returned: x.returned}
	for p := x.parent; p != ""; {
		c := m.items["c"+p]
		r.path = append(r.path, p)
		r.owner, r.shipment = c.owner, c.shipment
		if c.from != "" {
			r.from = c.from
		}
		if r.status == supply.StatusActive && (c.status == supply.StatusStolen || c.status == supply.StatusDecommissioned) {
			r.status = c.status
		}
		if r.hold == "" {
			r.hold = c.hold
		}
		if r.returned == "" {
			r.returned = c.returned
		}
		p = c.parent
	}
	return r
}

// held: top-level, active, not in transit, org's.
func (m *supplyModel) held(org string, x *mItem) bool {
	return x.parent == "" && x.status == supply.StatusActive && x.shipment == "" && x.owner == org
}

// free: neither held by a report nor holding an item that is.
func (x *mItem) free() bool { return x.hold == "" && x.held == 0 }

// weight is what x counts in its cases' held.
func (x *mItem) weight() int {
	if x.hold != "" {
		return x.held + 1
	}
	return x.held
}

// adjustHeld adds delta to the held count of case sscc and every case
// above it.
func (m *supplyModel) adjustHeld(sscc string, delta int) {
	for sscc != "" {
		c := m.items["c"+sscc]
		c.held += delta
		sscc = c.parent
	}
}

// holding: org holds the item seen as r, or is an end of its shipment.
func (m *supplyModel) holding(org string, r mResolved) bool {
	if r.shipment == "" {
		return r.owner == org
	}
	sh := m.shipment(r.shipment)
	return sh.from == org || sh.to == org
}

func (m *supplyModel) report(id string) *mReport {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "rpt-"))
	if err != nil || !strings.HasPrefix(id, "rpt-") || n < 1 || n > len(m.reports) {
		return nil
	}
	return m.reports[n-1]
}

func (r *mReport) open() bool { return r.status == supply.ReportOpen }

// loadItems is the model of loading the items of a custody operation by
// org: 1 or more, known, distinct, held by org, free of reports; for a
// resale, not a return awaiting verification.
func (m *supplyModel) loadItems(org string, items []supply.Item, resale bool) ([]*mItem, string) {
	if len(items) == 0 {
		return nil, "no items"
	}
	seen := map[string]bool{}
	var out []*mItem
	for _, it := range items {
		x, ok := m.items[ikey(it)]
		switch {
		case !ok:
			return nil, "unknown item"
		case seen[ikey(it)]:
			return nil, "listed twice"
		case !m.held(org, x):
			return nil, "not held"
		case !x.free():
			return nil, "quarantined"
		case resale && x.returned != "":
			return nil, "unverified return"
		}
		seen[ikey(it)] = true
		out = append(out, x)
	}
	return out, ""
}

func (m *supplyModel) partner(org string) bool {
	return slices.Contains(supply.TradingPartnerKinds, m.kinds[org])
}

// detach takes x out of its container. A container never shipped was
// packed by its holder: x keeps its sender.
func (m *supplyModel) detach(x *mItem) {
	c := m.items["c"+x.parent]
	delete(c.contents, ikey(x.it))
	x.parent, x.owner = "", c.owner
	if c.from != "" {
		x.from = c.from
	}
	if c.returned != "" && x.returned == "" {
		x.returned = c.returned
	}
	c.held -= x.weight()
}

// leave ends x's life with status: taken out of its case, it is its
// custodian's, from whoever shipped the outermost container to them.
func (m *supplyModel) leave(x *mItem, status, reason string) {
	if x.parent != "" {
		r := m.resolve(x)
		c := m.items["c"+x.parent]
		w := x.weight()
		m.detach(x)
		if len(c.contents) == 0 {
			c.status = supply.StatusUnpacked
		}
		x.owner, x.from = r.owner, r.from
		m.adjustHeld(c.parent, -w)
	}
	x.status, x.reason = status, reason
}

func (m *supplyModel) send(from, to string, objs []*mItem, items []supply.Item, ret bool) {
	sh := &mShipment{id: fmt.Sprintf("shp-%d", len(m.shipments)+1), from: from, to: to, items: slices.Clone(items), ret: ret}
	m.shipments = append(m.shipments, sh)
	for _, x := range objs {
		x.shipment = sh.id
	}
}

// apply is the model of one transaction: whether it is accepted (and why
// not); it changes the model only if it is.
func (m *supplyModel) apply(signer, typ string, body any) (bool, string) {
	s := m.signers[signer]
	if !slices.Contains(supplyAllowed[typ], s.kindRole) { // the table of authz_test.go
		return false, "unauthorized"
	}
	org := s.org
	switch b := body.(type) {
	case supply.CommissionBody:
		maker, ok := propMaker[b.GTIN]
		if !ok || maker != org {
			return false, "not the manufacturer"
		}
		if len(b.Serials) == 0 {
			return false, "no serials"
		}
		l, exists := m.lots[b.GTIN+"/"+b.Lot]
		switch {
		case !exists && b.Expiry == "":
			return false, "new lot without expiry"
		case !exists && m.productRecalled[b.GTIN]:
			return false, "new lot of a recalled product"
		case !exists:
			l = &mLot{expiry: b.Expiry}
		case b.Expiry != "" && b.Expiry != l.expiry:
			return false, "wrong expiry"
		}
		if l.recalled || m.productRecalled[b.GTIN] {
			return false, "recalled"
		}
		if mExpired(l.expiry, m.now) {
			return false, "expired lot"
		}
		seen := map[string]bool{}
		for _, sn := range b.Serials {
			if seen[sn] {
				return false, "serial twice"
			}
			seen[sn] = true
			if _, dup := m.items["p"+b.GTIN+sn]; dup {
				return false, "commissioned already"
			}
		}
		m.lots[b.GTIN+"/"+b.Lot] = l
		l.packs += len(b.Serials)
		for _, sn := range b.Serials {
			it := supply.Pack(b.GTIN, sn)
			m.items[ikey(it)] = &mItem{it: it, lot: b.Lot, expiry: l.expiry, status: supply.StatusActive, owner: org}
		}
		return true, ""

	case supply.AggregateBody:
		objs, why := m.loadItems(org, b.Items, true)
		if why != "" {
			return false, why
		}
		parent := supply.Case(b.SSCC)
		c, exists := m.items[ikey(parent)]
		if exists && (c.status != supply.StatusActive || !m.held(org, c) || c.hold != "") {
			return false, "case not active, not held or quarantined"
		}
		if !exists {
			c = &mItem{it: parent, status: supply.StatusActive, owner: org, level: 1, contents: map[string]supply.Item{}}
		}
		level := c.level
		for _, x := range objs {
			if x.it == parent {
				return false, "case holds itself"
			}
			if x.level+1 > supply.MaxLevel {
				return false, "too deep"
			}
			level = max(level, x.level+1)
		}
		c.level = level
		m.items[ikey(parent)] = c
		for _, x := range objs {
			x.parent = b.SSCC
			c.contents[ikey(x.it)] = x.it
		}
		return true, ""

	case supply.DisaggregateBody:
		c, ok := m.items["c"+b.SSCC]
		if !ok || !m.held(org, c) || c.hold != "" {
			return false, "case unknown, not held or quarantined"
		}
		items := b.Items
		if len(items) == 0 {
			items = slices.Collect(maps.Values(c.contents))
		}
		seen := map[string]bool{}
		var objs []*mItem
		for _, it := range items {
			x, ok := m.items[ikey(it)]
			switch {
			case !ok:
				return false, "unknown item"
			case seen[ikey(it)]:
				return false, "listed twice"
			case x.parent != b.SSCC:
				return false, "not inside"
			}
			seen[ikey(it)] = true
			objs = append(objs, x)
		}
		for _, x := range objs {
			m.detach(x)
		}
		if len(c.contents) == 0 {
			c.status = supply.StatusUnpacked
		}
		return true, ""

	case supply.ShipBody:
		if b.To == org || !m.partner(b.To) {
			return false, "not a partner"
		}
		objs, why := m.loadItems(org, b.Items, true)
		if why != "" {
			return false, why
		}
		m.send(org, b.To, objs, b.Items, false)
		return true, ""

	case supply.ReceiveBody:
		id := b.Shipment
		if id == "" {
			if len(b.Items) == 0 {
				return false, "nothing named"
			}
			x, ok := m.items[ikey(b.Items[0])]
			if !ok || x.shipment == "" {
				return false, "first item unknown or not in transit"
			}
			id = x.shipment
		}
		sh := m.shipment(id)
		switch {
		case sh == nil:
			return false, "no shipment"
		case sh.to != org:
			return false, "wrong partner"
		case sh.received || sh.undelivered:
			return false, "received already"
		}
		got := map[string]bool{}
		for _, it := range b.Items {
			if got[ikey(it)] {
				return false, "listed twice"
			}
			got[ikey(it)] = true
		}
		if len(got) != len(sh.items) {
			return false, "receipt mismatch"
		}
		for _, it := range sh.items {
			if !got[ikey(it)] {
				return false, "receipt mismatch"
			}
		}
		note := ""
		for _, it := range sh.items {
			if !m.items[ikey(it)].free() {
				return false, "holds a quarantined item"
			}
		}
		if len(sh.left) > 0 {
			note = "without what left it"
		}
		for _, it := range sh.items {
			x := m.items[ikey(it)]
			x.shipment, x.owner, x.from = "", sh.to, sh.from
			if sh.ret {
				x.returned = sh.id
			}
		}
		sh.received = true
		return true, note

	case supply.ReturnBody:
		objs, why := m.loadItems(org, b.Items, false)
		if why != "" {
			return false, why
		}
		to := objs[0].from
		for _, x := range objs {
			if x.from == "" || x.from != to {
				return false, "no single sender"
			}
			if x.it.IsCase() && m.verify(itemCode(x.it)).result == supply.ResultRecalled || !x.it.IsCase() && m.recalled(x) {
				return false, "recalled"
			}
		}
		if !m.partner(to) {
			return false, "sender not a partner"
		}
		m.send(org, to, objs, b.Items, true)
		return true, ""

	case supply.DispenseBody:
		x, ok := m.items["p"+b.GTIN+b.Serial]
		if !ok {
			return false, "unknown pack"
		}
		r := m.resolve(x)
		switch {
		case r.status != supply.StatusActive:
			return false, "not active"
		case r.shipment != "":
			return false, "in transit"
		case r.owner != org:
			return false, "not custodian"
		case r.hold != "":
			return false, "quarantined"
		case r.returned != "":
			return false, "unverified return"
		case m.recalled(x):
			return false, "recalled"
		case mExpired(x.expiry, m.now):
			return false, "expired"
		}
		note := ""
		if x.parent != "" {
			note = "from a case"
		}
		m.leave(x, supply.StatusDispensed, "")
		return true, note

	case supply.DecommissionBody:
		if !slices.Contains(supply.DecommissionReasons, b.Reason) || len(b.Items) == 0 {
			return false, "bad reason or no items"
		}
		seen := map[string]bool{}
		var objs []*mItem
		transit := map[string]*mShipment{}
		note := ""
		for _, it := range b.Items {
			x, ok := m.items[ikey(it)]
			if !ok || seen[ikey(it)] {
				return false, "unknown or listed twice"
			}
			seen[ikey(it)] = true
			r := m.resolve(x)
			if r.hold != "" && m.report(r.hold).open() {
				return false, "quarantined"
			}
			if x.held > 0 {
				return false, "holds a quarantined item"
			}
			if r.shipment != "" && (b.Reason == "stolen" || b.Reason == "lost" || r.hold != "") {
				if sh := m.shipment(r.shipment); sh.from == org || sh.to == org {
					r.shipment, r.owner, note = "", org, "left its shipment"
					transit[ikey(it)] = sh
				}
			}
			if r.status != supply.StatusActive || r.shipment != "" || r.owner != org {
				return false, "not in hand"
			}
			objs = append(objs, x)
		}
		status := supply.StatusDecommissioned
		if b.Reason == "stolen" {
			status = supply.StatusStolen
		}
		for _, x := range objs {
			if x.parent != "" && note == "" {
				note = "from a case"
			}
			if sh := transit[ikey(x.it)]; sh != nil && x.shipment == sh.id {
				sh.items = slices.DeleteFunc(sh.items, func(it supply.Item) bool { return it == x.it })
				sh.left = append(sh.left, x.it)
				sh.undelivered = len(sh.items) == 0
				x.shipment = ""
			}
			m.leave(x, status, b.Reason)
		}
		return true, note

	case supply.RecallBody:
		maker, ok := propMaker[b.GTIN]
		switch {
		case !ok:
			return false, "no product"
		case m.kinds[org] != "regulator" && maker != org:
			return false, "not the manufacturer"
		case m.productRecalled[b.GTIN]:
			return false, "product recalled already"
		}
		if b.Lot == "" {
			m.productRecalled[b.GTIN] = true
			return true, ""
		}
		l, ok := m.lots[b.GTIN+"/"+b.Lot]
		if !ok || l.recalled {
			return false, "no lot or recalled already"
		}
		l.recalled = true
		return true, ""

	case supply.ReportBody:
		v := m.verify(b.Code)
		genuine := v.result == supply.ResultVerified || v.result == supply.ResultRecalled || v.result == supply.ResultExpired
		if b.Reason == "" && genuine {
			return false, "no reason"
		}
		rp := &mReport{id: fmt.Sprintf("rpt-%d", len(m.reports)+1), status: supply.ReportOpen, org: org}
		x, known := m.items[m.codeKey(b.Code)]
		if !strings.HasPrefix(b.Code, "(00)") {
			g, _, _ := strings.Cut(strings.TrimPrefix(b.Code, "(01)"), "(21)")
			rp.manufacturer = propMaker[g]
		} else if known {
			rp.manufacturer = m.soleMaker(x)
		}
		if v.result == supply.ResultUnknown {
			m.reports = append(m.reports, rp)
			return true, "unknown code"
		}
		if !known {
			panic("verified an unknown item")
		}
		r := m.resolve(x)
		switch {
		case r.hold != "":
			return false, "held already"
		case genuine && m.kinds[org] != "regulator" && !m.holding(org, r):
			return false, "genuine and not the holder's"
		}
		rp.item = ikey(x.it)
		x.hold = rp.id
		m.adjustHeld(x.parent, 1)
		m.reports = append(m.reports, rp)
		if genuine {
			return true, "quarantines a genuine item"
		}
		return true, "quarantines a suspect item"

	case supply.InvestigateBody:
		rp := m.report(b.Report)
		switch {
		case b.Outcome != supply.OutcomeCleared && b.Outcome != supply.OutcomeIllegitimate || b.Reason == "":
			return false, "bad outcome or no reason"
		case rp == nil:
			return false, "no report"
		case !rp.open():
			return false, "determined already"
		}
		var x *mItem
		ok := org == rp.manufacturer
		if rp.item != "" {
			x = m.items[rp.item]
			ok = ok || m.holding(org, m.resolve(x))
		} else {
			ok = ok || org == rp.org
		}
		if !ok {
			return false, "not the manufacturer or the holder"
		}
		rp.determiner = org
		if b.Outcome == supply.OutcomeIllegitimate {
			rp.status = supply.ReportIllegitimate
			return true, "illegitimate"
		}
		rp.status = supply.ReportCleared
		if x != nil && x.hold == rp.id {
			x.hold = ""
			m.adjustHeld(x.parent, -1)
		}
		return true, "cleared"

	case supply.TerminateBody:
		rp := m.report(b.Report)
		switch {
		case b.Reason == "" || rp == nil:
			return false, "no reason or no report"
		case rp.status != supply.ReportIllegitimate:
			return false, "not illegitimate"
		case rp.manufacturer != "" && org != rp.manufacturer, rp.manufacturer == "" && org != rp.determiner:
			return false, "not the manufacturer"
		}
		rp.status = supply.ReportTerminated
		return true, ""

	case supply.VerifyReturnBody:
		if len(b.Codes) == 0 {
			return false, "no codes"
		}
		seen := map[string]bool{}
		var objs []*mItem
		for _, code := range b.Codes {
			k := m.codeKey(code)
			x, ok := m.items[k]
			isCase := strings.HasPrefix(code, "(00)")
			switch {
			case !isCase && (!strings.Contains(code, "(10)") || !strings.Contains(code, "(17)")):
				return false, "no lot or expiry"
			case seen[k]:
				return false, "listed twice"
			case !ok:
				return false, "unknown"
			case !m.held(org, x):
				return false, "not held"
			case x.returned == "":
				return false, "not a return"
			case !x.free():
				return false, "quarantined"
			}
			seen[k] = true
			if !isCase && (!strings.Contains(code, "(10)"+x.lot+"(") || !strings.Contains(code, "(17)"+x.expiry)) {
				return false, "label mismatch"
			}
			if res := m.verify(itemCode(x.it)).result; res != supply.ResultVerified {
				return false, "answers " + res
			}
			objs = append(objs, x)
		}
		for _, x := range objs {
			x.returned = ""
		}
		return true, ""
	}
	panic(fmt.Sprintf("no model of %T", body))
}

// mVerification is what the model expects Verify to answer.
type mVerification struct {
	result, custodian, status, shipment string
	containers                          []string
	packs                               int
}

// verify is the model of Verify for the codes the test makes: a pack
// "(01)gtin(21)serial" or a case "(00)sscc".
func (m *supplyModel) verify(code string) mVerification {
	var key string
	if sscc, ok := strings.CutPrefix(code, "(00)"); ok {
		key = "c" + sscc
	} else {
		g, s, _ := strings.Cut(strings.TrimPrefix(code, "(01)"), "(21)")
		key = "p" + g + s
	}
	x, ok := m.items[key]
	if !ok {
		return mVerification{result: supply.ResultUnknown}
	}
	r := m.resolve(x)
	v := mVerification{custodian: r.owner, status: r.status, shipment: r.shipment, containers: r.path}
	switch {
	case r.hold != "" && m.report(r.hold).open():
		v.result = supply.ResultQuarantined
	case r.hold != "":
		v.result = supply.ResultIllegitimate
	case x.it.IsCase() && x.held > 0:
		v.result = supply.ResultQuarantined
	case r.status == supply.StatusStolen:
		v.result = supply.ResultStolen
	case r.status == supply.StatusDecommissioned:
		v.result = supply.ResultDecommissioned
	case r.status == supply.StatusDispensed:
		v.result = supply.ResultDispensed
	case !x.it.IsCase() && m.recalled(x):
		v.result = supply.ResultRecalled
	case !x.it.IsCase() && mExpired(x.expiry, m.now):
		v.result = supply.ResultExpired
	case !x.it.IsCase():
		v.result = supply.ResultVerified
	default:
		var recalled, expired bool
		var walk func(c *mItem)
		walk = func(c *mItem) {
			for _, it := range c.contents {
				y := m.items[ikey(it)]
				if it.IsCase() {
					walk(y)
					continue
				}
				v.packs++
				recalled = recalled || m.recalled(y)
				expired = expired || mExpired(y.expiry, m.now)
			}
		}
		walk(x)
		switch {
		case recalled:
			v.result = supply.ResultRecalled
		case expired:
			v.result = supply.ResultExpired
		default:
			v.result = supply.ResultVerified
		}
	}
	return v
}

// soleMaker is the manufacturer of every pack inside case c, or "".
func (m *supplyModel) soleMaker(c *mItem) string {
	makers := map[string]bool{}
	var walk func(c *mItem)
	walk = func(c *mItem) {
		for _, it := range c.contents {
			if it.IsCase() {
				walk(m.items[ikey(it)])
			} else {
				makers[propMaker[it.GTIN]] = true
			}
		}
	}
	walk(c)
	if len(makers) != 1 {
		return ""
	}
	for mk := range makers {
		return mk
	}
	return ""
}

// codeKey is the item key a code the test makes names: "(01)gtin[(10)lot(17)exp](21)serial" or "(00)sscc".
func (m *supplyModel) codeKey(code string) string {
	if sscc, ok := strings.CutPrefix(code, "(00)"); ok {
		return "c" + sscc
	}
	g, s, _ := strings.Cut(strings.TrimPrefix(code, "(01)"), "(21)")
	if i := strings.Index(g, "("); i >= 0 {
		g = g[:i]
	}
	return "p" + g + s
}

func (m *supplyModel) codes() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m.items)) {
		out = append(out, itemCode(m.items[k].it))
	}
	return out
}

func itemCode(it supply.Item) string {
	if it.IsCase() {
		return caseCode(it.SSCC)
	}
	return packCode(it.GTIN, it.Serial)
}

// check compares the committed state with the model.
func (m *supplyModel) check(t *rapid.T, snap state.Reader) {
	t.Helper()
	codes := slices.Clone(propNever)
	for _, g := range propGTINs {
		for _, s := range propSerials {
			if _, ok := m.items["p"+g+s]; !ok {
				codes = append(codes, packCode(g, s))
			}
		}
	}
	for _, s := range propSSCCs {
		if _, ok := m.items["c"+s]; !ok {
			codes = append(codes, caseCode(s))
		}
	}
	for _, code := range append(codes, m.codes()...) {
		want := m.verify(code)
		if m.stats != nil {
			m.stats["verify "+want.result]++
		}
		got, err := supply.Verify(snap, code, m.now)
		if err != nil {
			t.Fatalf("verify %s: %v", code, err)
		}
		if got.Result != want.result || got.Custodian != want.custodian || got.Status != want.status ||
			got.Shipment != want.shipment || !slices.Equal(got.Containers, want.containers) || got.Packs != want.packs {
			t.Fatalf("verify %s:\n got %s custodian=%q status=%q shipment=%q containers=%v packs=%d (%s)\nwant %s custodian=%q status=%q shipment=%q containers=%v packs=%d",
				code, got.Result, got.Custodian, got.Status, got.Shipment, got.Containers, got.Packs, got.Reason,
				want.result, want.custodian, want.status, want.shipment, want.containers, want.packs)
		}
		if g, s, isPack := strings.Cut(strings.TrimPrefix(code, "(01)"), "(21)"); isPack && want.result != supply.ResultUnknown {
			wrong := "(01)" + g + "(10)WRONG(21)" + s
			if v, _ := supply.Verify(snap, wrong, m.now); v.Result != supply.ResultMismatch {
				t.Fatalf("verify %s: %s, want mismatch", wrong, v.Result)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.items)) {
		x := m.items[k]
		if x.it.IsCase() {
			c, ok := supply.GetCase(snap, x.it.SSCC)
			want := supply.CaseState{SSCC: x.it.SSCC, Status: x.status, Reason: x.reason, Owner: x.owner, From: x.from,
				Parent: x.parent, Shipment: x.shipment, Level: x.level, Count: len(x.contents), Created: c.Created, Height: c.Height,
				Hold: x.hold, Held: x.held, Returned: x.returned}
			if !ok || c != want {
				t.Fatalf("case %s:\n got %+v\nwant %+v", x.it.SSCC, c, want)
			}
			wantIn := slices.Sorted(maps.Keys(x.contents))
			var gotIn []string
			for _, it := range supply.Contents(snap, x.it.SSCC) {
				gotIn = append(gotIn, ikey(it))
			}
			if !slices.Equal(gotIn, wantIn) {
				t.Fatalf("contents of %s: %v, want %v", x.it.SSCC, gotIn, wantIn)
			}
			continue
		}
		p, ok := supply.GetPack(snap, x.it.GTIN, x.it.Serial)
		want := supply.PackState{GTIN: x.it.GTIN, Serial: x.it.Serial, Lot: x.lot, Expiry: x.expiry, Status: x.status, Reason: x.reason,
			Owner: x.owner, From: x.from, Parent: x.parent, Shipment: x.shipment, Commissioned: p.Commissioned, Height: p.Height,
			Hold: x.hold, Returned: x.returned}
		if !ok || p != want {
			t.Fatalf("pack %s:\n got %+v\nwant %+v", x.it, p, want)
		}
	}
	open := map[string][]string{}
	for _, sh := range m.shipments {
		got, ok := supply.GetShipment(snap, sh.id)
		wantStatus := supply.ShipmentInTransit
		switch {
		case sh.received:
			wantStatus = supply.ShipmentReceived
		case sh.undelivered:
			wantStatus = supply.ShipmentUndelivered
		default:
			open["in "+sh.to] = append(open["in "+sh.to], sh.id)
			open["out "+sh.from] = append(open["out "+sh.from], sh.id)
		}
		var gotLeft []supply.Item
		for _, l := range got.Left {
			gotLeft = append(gotLeft, l.Item)
		}
		if !ok || got.Status != wantStatus || got.From != sh.from || got.To != sh.to || got.Return != sh.ret || !slices.Equal(got.Items, sh.items) ||
			!slices.Equal(gotLeft, sh.left) {
			t.Fatalf("shipment %s: got %+v, want %+v (%s)", sh.id, got, *sh, wantStatus)
		}
	}
	if _, ok := supply.GetShipment(snap, fmt.Sprintf("shp-%d", len(m.shipments)+1)); ok {
		t.Fatalf("shipment shp-%d exists, the model has %d shipments", len(m.shipments)+1, len(m.shipments))
	}
	for _, org := range propPartners {
		for _, in := range []bool{true, false} {
			k := "out " + org
			if in {
				k = "in " + org
			}
			var got []string
			for _, sh := range supply.Shipments(snap, org, in) {
				got = append(got, sh.ID)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(open[k]))
			if !slices.Equal(got, want) {
				t.Fatalf("open shipments %s: %v, want %v", k, got, want)
			}
		}
	}
	var wantOpen []string
	for _, rp := range m.reports {
		got, ok := supply.GetReport(snap, rp.id)
		if !ok || got.Status != rp.status || got.Manufacturer != rp.manufacturer || got.Org != rp.org || (got.Quarantined != "") != (rp.item != "") {
			t.Fatalf("report %s: got %+v (found %v), want %+v", rp.id, got, ok, *rp)
		}
		if rp.status == supply.ReportOpen || rp.status == supply.ReportIllegitimate {
			wantOpen = append(wantOpen, rp.id)
			for _, org := range []string{rp.org, rp.manufacturer} {
				if org != "" && !slices.Contains(noticeIDs(supply.Notifications(snap, org, m.now)), rp.id) {
					t.Fatalf("report %s (%s) is not among %s's open notifications", rp.id, rp.status, org)
				}
			}
			if rp.status == supply.ReportIllegitimate && !slices.Contains(noticeIDs(supply.Notifications(snap, "drug-regulator", m.now)), rp.id) {
				t.Fatalf("illegitimate %s is not among the regulator's notifications", rp.id)
			}
		}
	}
	if got := noticeIDs(supply.Notifications(snap, "", m.now)); !slices.Equal(got, wantOpen) {
		t.Fatalf("open notifications %v, want %v", got, wantOpen)
	}
	for _, g := range propGTINs {
		p, _ := supply.GetProduct(snap, g)
		if (p.Recall != "") != m.productRecalled[g] {
			t.Fatalf("product %s recall %q, model recalled %v", g, p.Recall, m.productRecalled[g])
		}
		for _, lot := range propLots {
			l, ok := supply.GetLot(snap, g, lot)
			want, known := m.lots[g+"/"+lot]
			if ok != known || known && (l.Expiry != want.expiry || (l.Recall != "") != want.recalled || l.Packs != want.packs) {
				t.Fatalf("lot %s of %s: got %+v (found %v), want %+v (found %v)", lot, g, l, ok, want, known)
			}
		}
	}
}

// anyReturned reports whether some item awaits its return's verification.
func (r *supplyRun) anyReturned() bool {
	return len(r.keys(func(x *mItem) bool { return x.returned != "" })) > 0
}

func noticeIDs(ns []supply.Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

// supplyRun is one generated history.
type supplyRun struct {
	t *rapid.T
	m *supplyModel
}

func (r *supplyRun) coin(n int, label string) bool {
	return rapid.IntRange(0, n-1).Draw(r.t, label) == 0
}

// signerFor is mostly org's handler, sometimes anyone.
func (r *supplyRun) signerFor(org string) string {
	if h, ok := propHandler[org]; ok && !r.coin(6, "anyone signs") {
		return h
	}
	all := append(slices.Sorted(maps.Values(propHandler)), propOthers...)
	return rapid.SampledFrom(all).Draw(r.t, "signer")
}

// keys returns the sorted keys of the model's items that satisfy keep.
func (r *supplyRun) keys(keep func(*mItem) bool) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(r.m.items)) {
		if keep(r.m.items[k]) {
			out = append(out, k)
		}
	}
	return out
}

// pickOrg picks a partner, mostly one holding something.
func (r *supplyRun) pickOrg() string {
	var holders []string
	for _, org := range propPartners {
		if len(r.keys(func(x *mItem) bool { return r.m.held(org, x) })) > 0 {
			holders = append(holders, org)
		}
	}
	if len(holders) == 0 || r.coin(8, "any org") {
		holders = propPartners
	}
	return rapid.SampledFrom(holders).Draw(r.t, "org")
}

// drawItems draws 1 to 3 items from pool (item keys), sometimes any item
// or an unknown one, sometimes one twice.
func (r *supplyRun) drawItems(pool []string) []supply.Item {
	t := r.t
	if len(pool) == 0 || r.coin(6, "any items") {
		pool = r.keys(func(*mItem) bool { return true })
	}
	var out []supply.Item
	if len(pool) > 0 {
		n := rapid.IntRange(1, min(3, len(pool))).Draw(t, "n items")
		for _, k := range rapid.Permutation(pool).Draw(t, "items")[:n] {
			out = append(out, r.m.items[k].it)
		}
	}
	switch {
	case len(out) == 0 || r.coin(25, "unknown item"):
		out = append(out, supply.Pack(gtin, "NEVER"))
	case r.coin(25, "item twice"):
		out = append(out, out[0])
	}
	return out
}

func (r *supplyRun) drawTx() (string, string, any) {
	t, m := r.t, r.m
	// Weights follow what the state makes possible, so that histories reach
	// receipts, unpacking and dispensing.
	var open []*mShipment
	for _, sh := range m.shipments {
		if !sh.received && !sh.undelivered {
			open = append(open, sh)
		}
	}
	weight := func(cond bool, yes, no int) int {
		if cond {
			return yes
		}
		return no
	}
	hasCase := len(r.keys(func(x *mItem) bool { return x.it.IsCase() })) > 0
	atPharmacy := len(r.keys(func(x *mItem) bool { return !x.it.IsCase() && m.resolve(x).owner == pPharmacy })) > 0
	returnable := len(r.keys(func(x *mItem) bool {
		return x.from != "" && x.parent == "" && x.shipment == "" && x.status == supply.StatusActive
	})) > 0
	openReports := slices.ContainsFunc(m.reports, (*mReport).open)
	ops := []struct {
		name string
		w    int
	}{
		{"commission", 10}, {"aggregate", 10}, {"disaggregate", weight(hasCase, 8, 1)}, {"ship", 14},
		{"receive", weight(len(open) > 0, 18, 1)}, {"return", weight(returnable, 10, 2)}, {"dispense", weight(atPharmacy, 16, 2)},
		{"decommission", 8}, {"recall", 3}, {"report", 3}, {"investigate", weight(openReports, 8, 1)},
		{"terminate", weight(len(m.reports) > 0, 2, 0)}, {"verify-return", weight(r.anyReturned(), 8, 1)},
	}
	total := 0
	for _, o := range ops {
		total += o.w
	}
	n := rapid.IntRange(0, total-1).Draw(t, "op")
	op := ops[0].name
	for _, o := range ops {
		if n < o.w {
			op = o.name
			break
		}
		n -= o.w
	}
	switch op {
	case "commission":
		g := rapid.SampledFrom(propGTINs).Draw(t, "gtin")
		lot := rapid.SampledFrom(propLots).Draw(t, "lot")
		exp := propExpiry[lot]
		switch rapid.IntRange(0, 19).Draw(t, "expiry") {
		case 0:
			exp = ""
		case 1, 2:
			exp = rapid.SampledFrom(propExpires).Draw(t, "other expiry")
		}
		serials := rapid.SliceOfN(rapid.SampledFrom(propSerials), 1, 4).Draw(t, "serials")
		return r.signerFor(propMaker[g]), supply.TypeCommission, supply.CommissionBody{GTIN: g, Lot: lot, Expiry: exp, Serials: serials}
	case "aggregate":
		org := r.pickOrg()
		sscc := rapid.SampledFrom(propSSCCs).Draw(t, "sscc")
		return r.signerFor(org), supply.TypeAggregate, supply.AggregateBody{SSCC: sscc,
			Items: r.drawItems(r.keys(func(x *mItem) bool { return m.held(org, x) }))}
	case "disaggregate":
		cases := r.keys(func(x *mItem) bool {
			return x.it.IsCase() && x.parent == "" && x.status == supply.StatusActive && x.shipment == ""
		})
		if len(cases) == 0 || r.coin(6, "any case") {
			cases = r.keys(func(x *mItem) bool { return x.it.IsCase() })
		}
		if len(cases) == 0 {
			return r.signerFor(pAcme), supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: ssccN(99)}
		}
		c := m.items[rapid.SampledFrom(cases).Draw(t, "case")]
		b := supply.DisaggregateBody{SSCC: c.it.SSCC}
		switch rapid.IntRange(0, 5).Draw(t, "what out") {
		case 0, 1, 2:
		case 3, 4:
			if in := slices.Sorted(maps.Keys(c.contents)); len(in) > 0 {
				k := rapid.IntRange(1, len(in)).Draw(t, "n out")
				for _, key := range rapid.Permutation(in).Draw(t, "out")[:k] {
					b.Items = append(b.Items, c.contents[key])
				}
			}
		default:
			b.Items = r.drawItems(nil)
		}
		return r.signerFor(c.owner), supply.TypeDisaggregate, b
	case "ship":
		org := r.pickOrg()
		// Mostly downstream: manufacturer to distributor to dispenser.
		down := map[string][]string{pAcme: {pDist}, pGlobex: {pDist}, pDist: {pPharmacy, pHospital}, pPharmacy: {pHospital}, pHospital: {pPharmacy}}[org]
		if r.coin(3, "any partner") {
			down = slices.DeleteFunc(slices.Clone(propPartners), func(o string) bool { return o == org })
		}
		to := rapid.SampledFrom(down).Draw(t, "to")
		if r.coin(8, "odd addressee") {
			to = rapid.SampledFrom(propShipTo).Draw(t, "any addressee")
		}
		return r.signerFor(org), supply.TypeShip, supply.ShipBody{To: to,
			Items: r.drawItems(r.keys(func(x *mItem) bool { return m.held(org, x) }))}
	case "receive":
		if len(open) == 0 || r.coin(10, "any shipment") {
			open = m.shipments
		}
		if len(open) == 0 {
			return r.signerFor(pDist), supply.TypeReceive, supply.ReceiveBody{Shipment: "shp-1", Items: r.drawItems(nil)}
		}
		// Returns often: a return comes back to be verified.
		if rets := slices.DeleteFunc(slices.Clone(open), func(sh *mShipment) bool { return !sh.ret }); len(rets) > 0 && r.coin(2, "a return") {
			open = rets
		}
		sh := open[rapid.IntRange(0, len(open)-1).Draw(t, "shipment")]
		signer := r.signerFor(sh.to)
		if r.coin(8, "wrong partner") {
			signer = r.signerFor(rapid.SampledFrom(propPartners).Draw(t, "receiver"))
		}
		items := slices.Clone(sh.items)
		switch rapid.IntRange(0, 13).Draw(t, "receipt") {
		case 0:
			items = items[min(1, len(items)):]
		case 1:
			items = append(items, r.drawItems(nil)...)
		case 2:
			if len(items) > 0 {
				items = append(items, items[0])
			}
		case 3:
			items = r.drawItems(nil)
		}
		b := supply.ReceiveBody{Items: items}
		if r.coin(2, "name the shipment") {
			b.Shipment = sh.id
		}
		return signer, supply.TypeReceive, b
	case "return":
		var senders []string
		for _, org := range propPartners {
			if len(r.keys(func(x *mItem) bool { return m.held(org, x) && x.from != "" })) > 0 {
				senders = append(senders, org)
			}
		}
		org := r.pickOrg()
		if len(senders) > 0 {
			org = rapid.SampledFrom(senders).Draw(t, "returner")
		}
		return r.signerFor(org), supply.TypeReturn, supply.ReturnBody{
			Items: r.drawItems(r.keys(func(x *mItem) bool { return m.held(org, x) && x.from != "" }))}
	case "dispense":
		org := pPharmacy
		if r.coin(4, "dispense elsewhere") {
			org = r.pickOrg()
		}
		pool := r.keys(func(x *mItem) bool { return !x.it.IsCase() && m.resolve(x).owner == org })
		if len(pool) == 0 || r.coin(8, "any pack") {
			pool = r.keys(func(x *mItem) bool { return !x.it.IsCase() })
		}
		it := supply.Pack(gtin, "NEVER")
		if len(pool) > 0 {
			it = m.items[rapid.SampledFrom(pool).Draw(t, "pack")].it
		}
		return r.signerFor(org), supply.TypeDispense, supply.DispenseBody{GTIN: it.GTIN, Serial: it.Serial}
	case "decommission":
		org := r.pickOrg()
		pool := r.keys(func(x *mItem) bool {
			res := m.resolve(x)
			if sh := m.shipment(res.shipment); sh != nil && (sh.from == org || sh.to == org) {
				return true
			}
			return res.owner == org
		})
		return r.signerFor(org), supply.TypeDecommission, supply.DecommissionBody{Items: r.drawItems(pool),
			Reason: rapid.SampledFrom(propReasons).Draw(t, "reason")}
	case "recall":
		signer := rapid.SampledFrom([]string{pAcme + "/admin", pGlobex + "/admin", "drug-regulator/inspector", pAcme + "/packager", pDist + "/admin"}).Draw(t, "recaller")
		b := supply.RecallBody{GTIN: rapid.SampledFrom(propGTINs).Draw(t, "recall gtin"), Reason: "test recall"}
		if !r.coin(4, "whole product") {
			b.Lot = rapid.SampledFrom(propLots).Draw(t, "recall lot")
		}
		return signer, supply.TypeRecall, b
	case "report":
		codes := append(m.codes(), propNever...)
		org := r.pickOrg()
		// Mostly what org holds: a holder finds a pack suspect.
		if held := r.keys(func(x *mItem) bool { return m.holding(org, m.resolve(x)) }); len(held) > 0 && !r.coin(3, "any code") {
			codes = nil
			for _, k := range held {
				codes = append(codes, itemCode(m.items[k].it))
			}
		}
		signer := r.signerFor(org)
		if r.coin(8, "a regulator reports") {
			signer = "drug-regulator/inspector"
		}
		reason := "seal broken"
		if r.coin(20, "no reason") {
			reason = ""
		}
		return signer, supply.TypeReport, supply.ReportBody{Code: rapid.SampledFrom(codes).Draw(t, "report code"), Reason: reason}
	case "investigate":
		b := supply.InvestigateBody{Report: "rpt-1", Outcome: supply.OutcomeCleared, Reason: "label checked with the manufacturer"}
		org := r.pickOrg()
		if len(m.reports) > 0 {
			rp := m.reports[rapid.IntRange(0, len(m.reports)-1).Draw(t, "report")]
			b.Report = rp.id
			switch rapid.IntRange(0, 5).Draw(t, "investigator") {
			case 0, 1:
				if rp.manufacturer != "" {
					org = rp.manufacturer
				}
			case 2, 3:
				if x, ok := m.items[rp.item]; ok {
					org = m.resolve(x).owner
				} else {
					org = rp.org
				}
			}
		}
		if r.coin(2, "illegitimate") {
			b.Outcome = supply.OutcomeIllegitimate
		}
		if r.coin(25, "bad outcome") {
			b.Outcome = "maybe"
		}
		signer := r.signerFor(org)
		return signer, supply.TypeInvestigate, b
	case "terminate":
		rp := m.reports[rapid.IntRange(0, len(m.reports)-1).Draw(t, "report")]
		org := rp.manufacturer
		if org == "" || r.coin(4, "anyone terminates") {
			org = rp.determiner
			if org == "" {
				org = r.pickOrg()
			}
		}
		return r.signerFor(org), supply.TypeTerminate, supply.TerminateBody{Report: rp.id, Reason: "closed with the regulator"}
	case "verify-return":
		org := r.pickOrg()
		pool := r.keys(func(x *mItem) bool { return x.returned != "" && x.parent == "" })
		if len(pool) > 0 {
			org = m.items[rapid.SampledFrom(pool).Draw(t, "returned")].owner
		}
		if len(pool) == 0 || r.coin(8, "any item") {
			pool = r.keys(func(*mItem) bool { return true })
		}
		var codes []string
		if len(pool) > 0 {
			for _, k := range rapid.Permutation(pool).Draw(t, "verified")[:rapid.IntRange(1, min(2, len(pool))).Draw(t, "n verified")] {
				x := m.items[k]
				if x.it.IsCase() {
					codes = append(codes, caseCode(x.it.SSCC))
					continue
				}
				lot, exp := x.lot, x.expiry
				switch rapid.IntRange(0, 11).Draw(t, "label") {
				case 0:
					lot = "Z"
				case 1:
					exp = "260300"
				case 2:
					codes = append(codes, packCode(x.it.GTIN, x.it.Serial))
					continue
				}
				codes = append(codes, "(01)"+x.it.GTIN+"(10)"+lot+"(17)"+exp+"(21)"+x.it.Serial)
			}
		}
		return r.signerFor(org), supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: codes}
	}
	panic("no op " + op)
}

func TestSupplyModel(t *testing.T) {
	c := supplyConsortium()
	outcomes := map[string]int{} // type and outcome -> count, to show what the runs exercised
	defer func() {
		if testing.Verbose() {
			for _, k := range slices.Sorted(maps.Keys(outcomes)) {
				t.Logf("%6d %s", outcomes[k], k)
			}
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		ch := chaintest.Open(rt, t.TempDir(), c)
		defer ch.Close()
		var setup [][]byte
		for _, g := range propGTINs {
			setup = append(setup, ch.Sign(propMaker[g]+"/admin", supply.TypeProduct, supply.ProductBody{GTIN: g, Name: "Product " + g}))
		}
		mustBlock(rt, ch, "register the products", setup...)
		r := &supplyRun{t: rt, m: newSupplyModel(c)}
		r.m.stats = outcomes

		for range rapid.IntRange(3, 12).Draw(rt, "blocks") {
			step := chaintest.BlockInterval
			if r.coin(5, "days pass") {
				step = time.Duration(rapid.IntRange(1, 40).Draw(rt, "days")) * 24 * time.Hour
			}
			r.m.now = ch.Time.Add(step)
			var txs [][]byte
			var wants []bool
			var why, what []string
			for range rapid.IntRange(2, 8).Draw(rt, "txs") {
				signer, typ, body := r.drawTx()
				txs = append(txs, ch.Sign(signer, typ, body))
				ok, reason := r.m.apply(signer, typ, body)
				wants, why = append(wants, ok), append(why, reason)
				what = append(what, fmt.Sprintf("%s by %s: %+v", typ, signer, body))
				if ok {
					reason = strings.TrimSpace("ok " + reason)
				}
				outcomes[typ+" "+reason]++
			}
			res := ch.BlockAt(r.m.now, txs...)
			for i, got := range res {
				if (got.Code == 0) != wants[i] {
					rt.Fatalf("block %d tx %d, %s\n got %s\nwant accepted=%v (%s)", ch.Height, i, what[i], chaintest.Describe(got), wants[i], why[i])
				}
			}
			r.m.check(rt, ch.Latest())
		}
	})
}

// TestSupplySenderSurvivesRepacking checks that packs received loose and
// packed into a case of the receiver's own keep the organization they came
// from: taken out again, they can be returned to it; dispensed or
// decommissioned inside the case, they record it.
func TestSupplySenderSurvivesRepacking(t *testing.T) {
	ch := newSupplyChain(t, supplyConsortium())
	const packager, dist, pharmacist = pAcme + "/packager", pDist + "/warehouse", pPharmacy + "/pharmacist"
	p := func(s string) supply.Item { return supply.Pack(gtin, s) }
	loose := []supply.Item{p("R1"), p("R2"), p("R3")}
	mustBlock(t, ch, "product", ch.Sign(pAcme+"/admin", supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Repack 1 mg"}))
	mustBlock(t, ch, "commission", ch.Sign(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "A", Expiry: farExpiry, Serials: []string{"R1", "R2", "R3"}}))
	mustBlock(t, ch, "ship", ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: pDist, Items: loose}))
	mustBlock(t, ch, "receive", ch.Sign(dist, supply.TypeReceive, supply.ReceiveBody{Items: loose}))
	mustBlock(t, ch, "ship", ch.Sign(dist, supply.TypeShip, supply.ShipBody{To: pPharmacy, Items: loose}))
	mustBlock(t, ch, "receive", ch.Sign(pharmacist, supply.TypeReceive, supply.ReceiveBody{Items: loose}))
	tote, bin := ssccN(7), ssccN(8)
	mustBlock(t, ch, "pack a tote", ch.Sign(pharmacist, supply.TypeAggregate, supply.AggregateBody{SSCC: tote, Items: loose}))
	mustBlock(t, ch, "pack the tote in a bin", ch.Sign(pharmacist, supply.TypeAggregate, supply.AggregateBody{SSCC: bin, Items: []supply.Item{supply.Case(tote)}}))
	mustBlock(t, ch, "dispense from the tote", ch.Sign(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "R1"}))
	mustBlock(t, ch, "unpack the bin", ch.Sign(pharmacist, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: bin}))
	mustBlock(t, ch, "unpack the tote", ch.Sign(pharmacist, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: tote, Items: []supply.Item{p("R2")}}))
	mustBlock(t, ch, "decommission in the tote", ch.Sign(pharmacist, supply.TypeDecommission, supply.DecommissionBody{Items: []supply.Item{p("R3")}, Reason: "damaged"}))
	for _, s := range []string{"R1", "R2", "R3"} {
		if got, _ := supply.GetPack(ch.Latest(), gtin, s); got.Owner != pPharmacy || got.From != pDist || got.Parent != "" {
			t.Errorf("pack %s: owner %q from %q parent %q, want %s from %s, loose", s, got.Owner, got.From, got.Parent, pPharmacy, pDist)
		}
	}
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(pharmacist, supply.TypeReturn, supply.ReturnBody{Items: []supply.Item{p("R2")}})), "return R2 to the distributor")
}
