package supply

import (
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/supply/gs1"
)

// Item names one physical object: a pack by GTIN and serial, or a case or
// pallet by SSCC. Exactly one of the two forms is set.
type Item struct {
	GTIN   string `json:"gtin,omitempty"`
	Serial string `json:"serial,omitempty"`
	SSCC   string `json:"sscc,omitempty"`
}

// Pack returns the Item of a pack.
func Pack(gtin, serial string) Item { return Item{GTIN: gtin, Serial: serial} }

// Case returns the Item of a case or pallet.
func Case(sscc string) Item { return Item{SSCC: sscc} }

// IsCase reports whether it names a case or pallet.
func (it Item) IsCase() bool { return it.SSCC != "" }

// String is the GS1 element string of the item, bracketed.
func (it Item) String() string {
	if it.IsCase() {
		return gs1.Format(gs1.Code{SSCC: it.SSCC})
	}
	return gs1.Format(gs1.Code{GTIN: it.GTIN, Serial: it.Serial})
}

// key is the item's name inside state keys: "c" + SSCC or "p" + GTIN +
// serial. GTIN and SSCC have fixed lengths, so the form is unambiguous.
func (it Item) key() string {
	if it.IsCase() {
		return "c" + it.SSCC
	}
	return "p" + it.GTIN + it.Serial
}

func (it Item) validate() error {
	switch {
	case it.IsCase() && (it.GTIN != "" || it.Serial != ""):
		return ErrInvalid.New("an item is either a pack (gtin and serial) or a case (sscc), not both")
	case it.IsCase():
		if !gs1.ValidSSCC(it.SSCC) {
			return ErrInvalid.New("sscc %s is not 18 digits with a valid check digit", medledger.Quote(it.SSCC))
		}
	default:
		if !validGTIN14(it.GTIN) {
			return ErrInvalid.New("gtin %s is not a GTIN-14 with a valid check digit", medledger.Quote(it.GTIN))
		}
		if err := validSerial(it.Serial); err != nil {
			return err
		}
	}
	return nil
}

// validGTIN14 reports whether s is a GTIN in its 14-digit form, the only
// form state keys use (shorter GTINs are padded with zeros: gs1.GTIN14).
func validGTIN14(s string) bool { return len(s) == 14 && gs1.ValidGTIN(s) }

// Product is a drug product registered by its manufacturer.
type Product struct {
	GTIN         string `json:"gtin"`
	Name         string `json:"name"`
	NationalCode string `json:"national_code,omitempty"` // NDC or a national code
	Strength     string `json:"strength,omitempty"`
	Form         string `json:"form,omitempty"`
	Manufacturer string `json:"manufacturer"` // organization id
	Height       int64  `json:"height"`
	Recall       string `json:"recall,omitempty"` // id of a recall of every lot
}

// Lot is a production lot of a product.
type Lot struct {
	GTIN   string `json:"gtin"`
	Lot    string `json:"lot"`
	Expiry string `json:"expiry"` // YYMMDD as encoded in AI 17 (DD 00: the month's end)
	Packs  int    `json:"packs"`  // serials commissioned
	Height int64  `json:"height"`
	Recall string `json:"recall,omitempty"`
}

// Pack and case status.
const (
	StatusActive         = "active"
	StatusDispensed      = "dispensed"
	StatusDecommissioned = "decommissioned"
	StatusStolen         = "stolen"
	StatusUnpacked       = "unpacked" // a case whose contents were all taken out
)

// PackState is a commissioned pack. Owner, Shipment and a stolen status are
// the pack's own only while it is outside any container (Parent empty);
// inside one, they are read through the container (see resolve).
type PackState struct {
	GTIN         string `json:"gtin"`
	Serial       string `json:"serial"`
	Lot          string `json:"lot"`
	Expiry       string `json:"expiry"`
	Status       string `json:"status"`
	Reason       string `json:"reason,omitempty"` // decommissioning reason
	Owner        string `json:"owner"`
	From         string `json:"from,omitempty"`     // the organization that shipped it to Owner
	Parent       string `json:"parent,omitempty"`   // SSCC of the case holding it
	Shipment     string `json:"shipment,omitempty"` // open shipment
	Commissioned uint64 `json:"commissioned"`       // event seq
	Height       int64  `json:"height"`
	// Hold is the suspect-product report that holds the pack: quarantined
	// while the report is open, illegitimate once so determined. A pack
	// inside a held case is held through it (see resolve).
	Hold string `json:"hold,omitempty"`
	// Returned is the return shipment the pack came back in, until its
	// holder verifies its label against the chain (supply/verify-return):
	// until then it is not shipped, packed or dispensed again.
	Returned string `json:"returned,omitempty"`
}

// CaseState is a case or pallet (SSCC).
type CaseState struct {
	SSCC     string `json:"sscc"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	Owner    string `json:"owner"`
	From     string `json:"from,omitempty"`
	Parent   string `json:"parent,omitempty"`
	Shipment string `json:"shipment,omitempty"`
	Level    int    `json:"level"` // 1 holds packs, 2 holds cases of packs, ...
	Count    int    `json:"count"` // items directly inside
	Created  uint64 `json:"created"`
	Height   int64  `json:"height"`
	Hold     string `json:"hold,omitempty"`     // as PackState.Hold
	Held     int    `json:"held,omitempty"`     // items inside it, at any depth, held by a report
	Returned string `json:"returned,omitempty"` // as PackState.Returned
}

// Shipment status.
const (
	ShipmentInTransit = "in-transit"
	ShipmentReceived  = "received"
	// ShipmentUndelivered: every item left the shipment in transit
	// (stolen, lost, or destroyed as illegitimate); nothing is received.
	ShipmentUndelivered = "undelivered"
)

// Shipment is a set of top-level items sent from one organization to
// another. Items are those still in it: an item stolen or lost in transit
// leaves it (Left), and the addressee receives the rest.
type Shipment struct {
	ID           string     `json:"id"`
	From         string     `json:"from"`
	To           string     `json:"to"`
	Items        []Item     `json:"items"`
	Return       bool       `json:"return,omitempty"`
	Status       string     `json:"status"`
	Height       int64      `json:"height"`
	Time         time.Time  `json:"time"`
	Received     int64      `json:"received_height,omitempty"`
	ReceivedTime time.Time  `json:"received_time,omitzero"`
	Left         []LeftItem `json:"left,omitempty"`
}

// LeftItem is an item that left its shipment in transit: where it was
// lost is the shipment, between its two ends.
type LeftItem struct {
	Item   Item      `json:"item"`
	Reason string    `json:"reason"` // the decommissioning reason: stolen, lost, destroyed, ...
	Org    string    `json:"org"`    // the end of the shipment that reported it
	Event  uint64    `json:"event"`
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
}

// Event types (the Type of an Event).
const (
	EvCommission   = "commission"
	EvAggregate    = "aggregate"
	EvDisaggregate = "disaggregate"
	EvShip         = "ship"
	EvReceive      = "receive"
	EvReturn       = "return"
	EvDispense     = "dispense"
	EvDecommission = "decommission"
	EvRecall       = "recall"
	// EvReport quarantines an item under a suspect-product report;
	// EvCleared lifts it, EvIllegitimate determines the item illegitimate.
	EvReport       = "report"
	EvCleared      = "cleared"
	EvIllegitimate = "illegitimate"
	// EvVerifyReturn: the holder of a returned item checked its label
	// against the chain before selling it again.
	EvVerifyReturn = "verify-return"
)

// Event is one supply event as the chain recorded it.
type Event struct {
	Seq      uint64    `json:"seq"`
	Type     string    `json:"type"`
	Actor    string    `json:"actor"` // org/member
	Org      string    `json:"org"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	TxHash   string    `json:"tx"`
	GTIN     string    `json:"gtin,omitempty"`
	Lot      string    `json:"lot,omitempty"`
	Expiry   string    `json:"expiry,omitempty"`
	Serials  []string  `json:"serials,omitempty"` // commission
	Items    []Item    `json:"items,omitempty"`
	Parent   string    `json:"parent,omitempty"` // the SSCC packed into or taken out of
	Shipment string    `json:"shipment,omitempty"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Recall   string    `json:"recall,omitempty"`
	Report   string    `json:"report,omitempty"`
}

// Recall is a recall of one lot, or of every lot of a product.
type Recall struct {
	ID     string    `json:"id"`
	GTIN   string    `json:"gtin"`
	Lot    string    `json:"lot,omitempty"` // empty: every lot
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	Org    string    `json:"org"`
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	Event  uint64    `json:"event"` // its event seq, for histories
}

// Report status: a report is open (its item quarantined) until the
// product's manufacturer or the partner holding it determines it cleared
// or illegitimate; an illegitimate-product notification stays open until
// the manufacturer terminates it.
const (
	ReportOpen         = "open"
	ReportCleared      = "cleared"
	ReportIllegitimate = "illegitimate"
	ReportTerminated   = "terminated"
)

// Classifications are the kinds of illegitimate product a notification
// names (those of FDA Form 3911).
var Classifications = []string{"counterfeit", "diverted", "stolen", "intentional-adulteration", "unfit-for-distribution", "fraudulent-transaction"}

// Report is a suspect-product report and, once the product is determined
// illegitimate, the illegitimate-product notification: seen by the
// regulators, the product's manufacturer, the reporter and the holder, and
// once illegitimate by every trading partner that held the product.
type Report struct {
	ID           string    `json:"id"`
	Code         string    `json:"code"`   // the element string presented
	Result       string    `json:"result"` // the verification result when reported
	GTIN         string    `json:"gtin,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Lot          string    `json:"lot,omitempty"`
	SSCC         string    `json:"sscc,omitempty"`
	Manufacturer string    `json:"manufacturer,omitempty"`
	Reporter     string    `json:"reporter"`
	Org          string    `json:"org"`
	Height       int64     `json:"height"`
	Time         time.Time `json:"time"`
	// Reason is how the product was found suspect, in the reporter's
	// words. It MUST say nothing about any patient.
	Reason string `json:"reason,omitempty"`
	// Status is ReportOpen (also when empty: a report made before
	// quarantine existed), ReportCleared, ReportIllegitimate or
	// ReportTerminated.
	Status string `json:"status,omitempty"`
	// Quarantined is the item the report holds on the chain (its code),
	// empty when the code names nothing commissioned.
	Quarantined string `json:"quarantined,omitempty"`
	Custodian   string `json:"custodian,omitempty"` // who held it when reported
	Event       uint64 `json:"event,omitempty"`
	// Notified lists the organizations told of it, sorted.
	Notified      []string       `json:"notified,omitempty"`
	Determination *Determination `json:"determination,omitempty"`
	Termination   *Termination   `json:"termination,omitempty"`
}

// IsOpen reports whether r awaits a determination.
func (r Report) IsOpen() bool { return r.Status == "" || r.Status == ReportOpen }

// Determination is the outcome of a report's investigation. An
// illegitimate one carries what a regulator's illegitimate-product
// notification asks for: the product, lots, serials and quantity (Lines),
// how it was found (the report's Reason and Result), who determined it
// and when (By, Org, Time; the report's Time is when it was found).
type Determination struct {
	Outcome        string    `json:"outcome"` // cleared or illegitimate
	Reason         string    `json:"reason"`
	Classification string    `json:"classification,omitempty"` // illegitimate: one of Classifications
	By             string    `json:"by"`                       // the member
	Org            string    `json:"org"`                      // the partner that determined it
	Height         int64     `json:"height"`
	Time           time.Time `json:"time"`
	Lines          []Line    `json:"lines,omitempty"`
	Quantity       int       `json:"quantity,omitempty"` // packs, at every level of a case
}

// Termination is the manufacturer's termination of an
// illegitimate-product notification.
type Termination struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	Org    string    `json:"org"`
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
}

// Line is one product and lot of a notification or of a shipment's
// transaction information: what it is and how many packs. Serials lists
// at most MaxListedSerials of them, sorted.
type Line struct {
	GTIN         string   `json:"gtin"`
	Product      string   `json:"product,omitempty"`
	NationalCode string   `json:"national_code,omitempty"`
	Strength     string   `json:"strength,omitempty"`
	Form         string   `json:"form,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Lot          string   `json:"lot,omitempty"`
	Expiry       string   `json:"expiry,omitempty"`
	Quantity     int      `json:"quantity"`
	Serials      []string `json:"serials,omitempty"`
}
