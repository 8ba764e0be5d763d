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
}

// Shipment status.
const (
	ShipmentInTransit = "in-transit"
	ShipmentReceived  = "received"
)

// Shipment is a set of top-level items sent from one organization to
// another.
type Shipment struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Items    []Item    `json:"items"`
	Return   bool      `json:"return,omitempty"`
	Status   string    `json:"status"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	Received int64     `json:"received_height,omitempty"`
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

// Report is a suspect-product report: a verifier's escalation of a suspect
// verification answer, seen by the regulators and the product's
// manufacturer.
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
}
