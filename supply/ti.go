// Transaction information, history and statement (DSCSA's TI, TH and
// TS): what the seller passes on with each change of ownership, generated
// from the chain for a shipment, so that the buyer has it without a
// separate document. A read of committed state (GET
// /v1/shipments/{id}/ti), never used in a transition.

package supply

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// TransactionInfo is a shipment's TI, TH and TS.
type TransactionInfo struct {
	Shipment string `json:"shipment"`
	Return   bool   `json:"return,omitempty"`
	Status   string `json:"status"`
	Seller   Party  `json:"seller"`
	Buyer    Party  `json:"buyer"`
	// Date is the transaction's and the shipment's date: the block time
	// of the shipping, at Height.
	Date           time.Time `json:"date"`
	Height         int64     `json:"height"`
	Received       time.Time `json:"received,omitzero"`
	ReceivedHeight int64     `json:"received_height,omitempty"`
	// Lines say what was sold, by product and lot: name, NDC, strength,
	// form, lot, expiry, quantity and the serials (product identifiers).
	Lines      []Line     `json:"lines"`
	Quantity   int        `json:"quantity"`             // packs, at every level of the cases shipped
	Containers []string   `json:"containers,omitempty"` // the SSCCs of the cases and pallets shipped
	Left       []LeftItem `json:"left,omitempty"`       // items that left the shipment in transit
	// History is the transaction history: the commissioning of the
	// product and every earlier change of ownership of what was shipped,
	// oldest first. HistoryPartial: it covers the first maxHolderScan
	// packs of the cases only.
	History        []Transfer `json:"history"`
	HistoryPartial bool       `json:"history_partial,omitempty"`
	Statement      Statement  `json:"statement"`
	ReadHeight     int64      `json:"read_height"` // the state the answer was read from
}

// Party is a trading partner as the chain knows it.
type Party struct {
	ID           string `json:"id"`
	Kind         string `json:"kind,omitempty"`
	Jurisdiction string `json:"jurisdiction,omitempty"`
}

// Transfer is one entry of a transaction history: a commissioning (the
// manufacturer made the product) or a change of ownership (a shipment
// received).
type Transfer struct {
	Type     string    `json:"type"` // "commission" or "receive"
	From     string    `json:"from,omitempty"`
	To       string    `json:"to"`
	Shipment string    `json:"shipment,omitempty"`
	Return   bool      `json:"return,omitempty"`
	Lot      string    `json:"lot,omitempty"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	Event    uint64    `json:"event"`
}

// Statement is the transaction statement: the seller's word, with what
// the chain shows of each point.
type Statement struct {
	Text []string `json:"text"`
	// SellerAuthorized: the seller was an active trading partner when it
	// shipped, and held a valid licence of its kind if the chain checks
	// licences; SellerLicence says which.
	SellerAuthorized bool   `json:"seller_authorized"`
	SellerLicence    string `json:"seller_licence"`
	// PriorOwnership: the seller made every item, or received it by a
	// shipment the chain recorded.
	PriorOwnership bool `json:"prior_ownership"`
	// NotSuspect: no item was quarantined or determined illegitimate when
	// it was shipped (the chain refuses to ship one).
	NotSuspect bool `json:"not_suspect"`
	// SuspectSince lists the items reported suspect since, with their
	// reports: the buyer must not sell them.
	SuspectSince []string `json:"suspect_since,omitempty"`
}

// statementText is DSCSA's transaction statement (section 581(27)), in
// the seller's words.
var statementText = []string{
	"%s is authorized as required under the Drug Supply Chain Security Act.",
	"%s received the product from a person that is authorized as required under the Act.",
	"%s received transaction information and a transaction statement from the prior owner of the product, as required by the Act.",
	"%s did not knowingly ship a suspect or illegitimate product.",
	"%s had systems and processes in place to comply with the verification requirements of the Act.",
	"%s did not knowingly provide false transaction information.",
	"%s did not knowingly alter the transaction history.",
}

// ShipmentTI generates shipment id's TI, TH and TS: what was shipped is
// read at shipped, the state its shipping committed (the contents of its
// cases then), and what became of it since at latest. ids and lic answer
// who the parties were and their licences. Returns ErrShipmentNotFound.
func ShipmentTI(latest, shipped state.Reader, ids app.Identities, lic app.Licences, id string, readHeight int64) (TransactionInfo, error) {
	sh, ok := GetShipment(latest, id)
	if !ok {
		return TransactionInfo{}, ErrShipmentNotFound.New("no shipment %s", id)
	}
	ti := TransactionInfo{Shipment: sh.ID, Return: sh.Return, Status: sh.Status, Seller: party(shipped, ids, sh.From), Buyer: party(shipped, ids, sh.To),
		Date: sh.Time, Height: sh.Height, Received: sh.ReceivedTime, ReceivedHeight: sh.Received, Left: sh.Left, ReadHeight: readHeight}
	items := slices.Clone(sh.Items)
	for _, l := range sh.Left {
		items = append(items, l.Item)
	}
	var b lineBuilder
	for _, it := range items {
		if it.IsCase() {
			ti.Containers = append(ti.Containers, it.SSCC)
			b.addCase(shipped, it.SSCC)
		} else if p, ok := GetPack(shipped, it.GTIN, it.Serial); ok {
			b.add(shipped, p)
		}
	}
	ti.Lines, ti.Quantity = b.lines(), b.total
	ti.History, ti.HistoryPartial = transactionHistory(shipped, items, sh)
	ti.Statement = statement(latest, shipped, ids, lic, sh, items)
	return ti, nil
}

func party(r state.Reader, ids app.Identities, org string) Party {
	p := Party{ID: org}
	if o, ok := ids.Org(r, org); ok {
		p.Kind, p.Jurisdiction = o.Kind, o.Jurisdiction
	}
	return p
}

// transactionHistory lists the commissionings and receipts in the
// histories of items (and of the packs of the cases among them, up to
// maxHolderScan) before shipment sh, each once, oldest first.
func transactionHistory(r state.Reader, items []Item, sh Shipment) ([]Transfer, bool) {
	seen := map[uint64]bool{}
	var out []Transfer
	add := func(it Item) {
		h, err := History(r, it)
		if err != nil {
			return
		}
		for _, e := range h {
			if seen[e.Seq] || e.Height > sh.Height || e.Shipment == sh.ID {
				continue
			}
			switch e.Type {
			case EvCommission:
				out = append(out, Transfer{Type: EvCommission, To: e.Org, Lot: e.Lot, Height: e.Height, Time: e.Time, Event: e.Seq})
			case EvReceive:
				var s Shipment
				get(r, shipmentKey(e.Shipment), &s)
				out = append(out, Transfer{Type: EvReceive, From: e.From, To: e.To, Shipment: e.Shipment, Return: s.Return, Height: e.Height, Time: e.Time, Event: e.Seq})
			default:
				continue
			}
			seen[e.Seq] = true
		}
	}
	n, partial := 0, false
	for _, it := range items {
		add(it)
		if it.IsCase() {
			walkContents(r, it.SSCC, func(x Item) bool {
				if n >= maxHolderScan {
					partial = true
					return false
				}
				add(x)
				n++
				return true
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	if out == nil {
		out = []Transfer{}
	}
	return out, partial
}

// statement is the seller's transaction statement with the chain's facts.
func statement(latest, shipped state.Reader, ids app.Identities, lic app.Licences, sh Shipment, items []Item) Statement {
	st := Statement{PriorOwnership: true, NotSuspect: true}
	for _, t := range statementText {
		st.Text = append(st.Text, fmt.Sprintf(t, sh.From))
	}
	o, ok := ids.Org(shipped, sh.From)
	st.SellerAuthorized = ok && o.Active && slices.Contains(TradingPartnerKinds, o.Kind)
	switch {
	case !lic.Enforced(shipped, app.LicencesSupply):
		st.SellerLicence = "licence checks were off for supply on this chain when it shipped"
	default:
		if why := unlicensed(shipped, ids, lic, sh.From, sh.Time); why != "" {
			st.SellerAuthorized, st.SellerLicence = false, why
		} else {
			st.SellerLicence = "held a valid " + fmt.Sprint(PartnerLicences[o.Kind]) + " when it shipped"
		}
	}
	for _, it := range items {
		x, err := loadObject(shipped, it)
		if err != nil {
			continue
		}
		if x.hold() != "" || x.heldInside() > 0 {
			st.NotSuspect = false
		}
		if !madeOrReceived(shipped, x, sh.From) {
			st.PriorOwnership = false
		}
		if now, err := loadObject(latest, it); err == nil {
			if res := resolve(latest, now); res.Hold != "" {
				st.SuspectSince = append(st.SuspectSince, fmt.Sprintf("%s (%s)", it, res.Hold))
			} else if n := now.heldInside(); n > 0 {
				st.SuspectSince = append(st.SuspectSince, fmt.Sprintf("%s (holds %d held items)", it, n))
			}
		}
	}
	return st
}

// madeOrReceived reports whether seller received x by a shipment the chain
// recorded, or made it (commissioned its packs, or packed the case from
// packs it made or received).
func madeOrReceived(r state.Reader, x *object, seller string) bool {
	if x.from() != "" {
		return true
	}
	if x.p != nil {
		e, ok := GetEvent(r, x.p.Commissioned)
		return ok && e.Org == seller
	}
	ok, n := true, 0
	walkContents(r, x.c.SSCC, func(it Item) bool {
		if it.IsCase() {
			return true
		}
		p, found := GetPack(r, it.GTIN, it.Serial)
		if !found {
			return true
		}
		if p.From == "" {
			e, found := GetEvent(r, p.Commissioned)
			ok = found && e.Org == seller
		}
		n++
		return ok && n < maxHolderScan
	})
	return ok
}
