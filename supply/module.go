package supply

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/supply/gs1"
)

// Transaction types.
const (
	TypeProduct      = "supply/product"
	TypeLot          = "supply/lot"
	TypeCommission   = "supply/commission"
	TypeAggregate    = "supply/aggregate"
	TypeDisaggregate = "supply/disaggregate"
	TypeShip         = "supply/ship"
	TypeReceive      = "supply/receive"
	TypeReturn       = "supply/return"
	TypeDispense     = "supply/dispense"
	TypeDecommission = "supply/decommission"
	TypeRecall       = "supply/recall"
	TypeReport       = "supply/report"
	TypeInvestigate  = "supply/investigate"
	TypeTerminate    = "supply/terminate"
	TypeVerifyReturn = "supply/verify-return"
)

// Limits.
const (
	// MaxSerials is the most serials one commissioning transaction names; a
	// lot of 100,000 is ten transactions (the CLI splits it).
	MaxSerials = 10_000
	// MaxItems is the most items one aggregation, shipment, receipt or
	// decommissioning names.
	MaxItems = 10_000
	// MaxLevel is the deepest nesting: packs in cases in pallets.
	MaxLevel = 3
	maxText  = 200
)

// TradingPartnerKinds are the organization kinds that hold, move and
// dispense packs: a clinic is one when it runs a pharmacy (its members
// with role pharmacist dispense).
var TradingPartnerKinds = []string{"manufacturer", "distributor", "pharmacy", "hospital", "clinic"}

// DecommissionReasons are the reasons a pack or case leaves the supply
// chain other than by dispensing. "stolen" makes a pack answer "stolen".
var DecommissionReasons = []string{"destroyed", "sample", "stolen", "damaged", "lost", "expired"}

var (
	handlers = []app.Grant{
		{OrgKind: "manufacturer", Role: "admin"}, {OrgKind: "manufacturer", Role: "packager"},
		{OrgKind: "distributor", Role: "admin"}, {OrgKind: "distributor", Role: "warehouse"},
		{OrgKind: "pharmacy", Role: "admin"}, {OrgKind: "pharmacy", Role: "pharmacist"},
		{OrgKind: "hospital", Role: "admin"}, {OrgKind: "hospital", Role: "pharmacist"},
		{OrgKind: "clinic", Role: "admin"}, {OrgKind: "clinic", Role: "pharmacist"},
	}
	packagers = []app.Grant{{OrgKind: "manufacturer", Role: "admin"}, {OrgKind: "manufacturer", Role: "packager"}}
	// dispensers are the pharmacists of the organizations that sell drugs
	// to patients: a pharmacy's, and a hospital's or a clinic's pharmacy's.
	// A manufacturer or distributor sells only to trading partners, and a
	// payer, sponsor, board or regulator holds no stock.
	dispensers = []app.Grant{{OrgKind: "pharmacy", Role: "pharmacist"}, {OrgKind: "hospital", Role: "pharmacist"}, {OrgKind: "clinic", Role: "pharmacist"}}
)

// Policies is the role-by-action table of the supply module. Object-level
// rules (only the custodian ships, only the addressee receives, only the
// product's manufacturer commissions) are in the handlers.
var Policies = map[string]app.Policy{
	TypeProduct:      {Grants: []app.Grant{{OrgKind: "manufacturer", Role: "admin"}}},
	TypeLot:          {Grants: packagers},
	TypeCommission:   {Grants: packagers},
	TypeAggregate:    {Grants: handlers},
	TypeDisaggregate: {Grants: handlers},
	TypeShip:         {Grants: handlers},
	TypeReceive:      {Grants: handlers},
	TypeReturn:       {Grants: handlers},
	TypeDispense:     {Grants: dispensers},
	TypeDecommission: {Grants: handlers},
	TypeRecall: {Grants: []app.Grant{{OrgKind: "manufacturer", Role: "admin"},
		{OrgKind: "regulator", Role: "admin"}, {OrgKind: "regulator", Role: "inspector"}}},
	TypeReport: {Grants: append(slices.Clone(handlers), app.Grant{OrgKind: "regulator", Role: "admin"}, app.Grant{OrgKind: "regulator", Role: "inspector"})},
	// The manufacturer and the partner holding the product investigate
	// (the handler checks which); the manufacturer terminates a
	// notification.
	TypeInvestigate:  {Grants: handlers},
	TypeTerminate:    {Grants: handlers},
	TypeVerifyReturn: {Grants: handlers},
}

// Event types emitted (ABCI events).
const (
	EventProduct      = "supply.product"
	EventLot          = "supply.lot"
	EventCommissioned = "supply.commissioned"
	EventMoved        = "supply.event"
	EventRecalled     = "supply.recalled"
	EventReported     = "supply.suspect_report"
	EventDetermined   = "supply.determination"
	EventTerminated   = "supply.notification_terminated"
)

// Module is the supply module.
type Module struct{}

var _ app.Module = Module{}

func (Module) Name() string { return "supply" }

func (Module) InitGenesis(*app.Context, json.RawMessage) error { return nil }

func (Module) Routes() []app.Route {
	r := func(typ string, h func(*app.Context, json.RawMessage) error) app.Route {
		return app.Route{Type: typ, Policy: Policies[typ], Handle: h}
	}
	return []app.Route{
		r(TypeProduct, addProduct), r(TypeLot, addLot), r(TypeCommission, commission),
		r(TypeAggregate, aggregate), r(TypeDisaggregate, disaggregate),
		r(TypeShip, ship), r(TypeReceive, receive), r(TypeReturn, returnItems),
		r(TypeDispense, dispense), r(TypeDecommission, decommission),
		r(TypeRecall, recall), r(TypeReport, report), r(TypeInvestigate, investigate), r(TypeTerminate, terminate),
		r(TypeVerifyReturn, verifyReturn),
	}
}

// --- products and lots ---

// ProductBody registers a product.
type ProductBody struct {
	GTIN         string `json:"gtin"`
	Name         string `json:"name"`
	NationalCode string `json:"national_code,omitempty"`
	Strength     string `json:"strength,omitempty"`
	Form         string `json:"form,omitempty"`
}

func addProduct(ctx *app.Context, raw json.RawMessage) error {
	var b ProductBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if !validGTIN14(b.GTIN) {
		return ErrInvalid.New("gtin %s is not a GTIN-14 with a valid check digit (pad shorter GTINs with leading zeros)", medledger.Quote(b.GTIN))
	}
	if err := validText("name", b.Name, true); err != nil {
		return err
	}
	for _, f := range [][2]string{{"national_code", b.NationalCode}, {"strength", b.Strength}, {"form", b.Form}} {
		if err := validText(f[0], f[1], false); err != nil {
			return err
		}
	}
	if p, ok := GetProduct(ctx.KV, b.GTIN); ok {
		return ErrExists.New("product %s is registered already, by %s at height %d", b.GTIN, p.Manufacturer, p.Height)
	}
	p := Product{GTIN: b.GTIN, Name: b.Name, NationalCode: b.NationalCode, Strength: b.Strength, Form: b.Form,
		Manufacturer: ctx.Signer.Org, Height: ctx.Height}
	put(ctx.KV, productKey(p.GTIN), p)
	ctx.Emit(EventProduct, "gtin", p.GTIN, "manufacturer", p.Manufacturer)
	return nil
}

// LotBody registers a lot.
type LotBody struct {
	GTIN   string `json:"gtin"`
	Lot    string `json:"lot"`
	Expiry string `json:"expiry"` // YYMMDD
}

func addLot(ctx *app.Context, raw json.RawMessage) error {
	var b LotBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	p, err := ownProduct(ctx, b.GTIN)
	if err != nil {
		return err
	}
	if _, ok := GetLot(ctx.KV, b.GTIN, b.Lot); ok {
		return ErrExists.New("lot %s of %s is registered already", b.Lot, b.GTIN)
	}
	_, err = newLot(ctx, p, b.Lot, b.Expiry)
	return err
}

func ownProduct(ctx *app.Context, gtin string) (Product, error) {
	p, ok := GetProduct(ctx.KV, gtin)
	if !ok {
		if !validGTIN14(gtin) {
			return p, ErrInvalid.New("gtin %s is not a GTIN-14 with a valid check digit", medledger.Quote(gtin))
		}
		return p, ErrProductNotFound.New("no product %s: its manufacturer registers it first (supply/product)", gtin)
	}
	if p.Manufacturer != ctx.Signer.Org {
		return p, ErrNotOwner.New("product %s is %s's, not %s's", gtin, p.Manufacturer, ctx.Signer.Org)
	}
	return p, nil
}

func newLot(ctx *app.Context, p Product, lot, expiry string) (Lot, error) {
	if err := validLotName(lot); err != nil {
		return Lot{}, err
	}
	if _, err := ParseExpiry(expiry); err != nil {
		return Lot{}, err
	}
	if p.Recall != "" {
		return Lot{}, ErrRecalled.New("product %s is recalled (%s): no new lots", p.GTIN, p.Recall)
	}
	if expired(expiry, ctx.Time) {
		return Lot{}, ErrExpired.New("lot %s expired on %s: an expired lot is not registered", lot, expiry)
	}
	l := Lot{GTIN: p.GTIN, Lot: lot, Expiry: expiry, Height: ctx.Height}
	put(ctx.KV, lotKey(l.GTIN, l.Lot), l)
	ctx.Emit(EventLot, "gtin", l.GTIN, "lot", l.Lot, "expiry", l.Expiry)
	return l, nil
}

// ParseExpiry reads an AI 17 date, YYMMDD with DD 00 for the month's end,
// with the century resolved as gs1.Parse does (deterministically).
func ParseExpiry(s string) (gs1.Date, error) {
	c, err := gs1.Parse("(01)00000000000000(17)" + s)
	if err != nil || len(s) != 6 {
		return gs1.Date{}, ErrInvalid.New("expiry %s is not a date YYMMDD (DD 00 for the month's end)", medledger.Quote(s))
	}
	return c.Expiry, nil
}

// expired reports whether a pack with expiry exp is past it at t: the
// expiry day itself is still good.
func expired(exp string, t time.Time) bool {
	d, err := ParseExpiry(exp)
	if err != nil {
		return false
	}
	y, m, day := t.UTC().Date()
	return d.Year < y || d.Year == y && (d.Month < m || d.Month == m && d.Day < day)
}

// --- commissioning ---

// CommissionBody commissions serials of a lot. Expiry registers the lot if
// it is new, and must match it if not.
type CommissionBody struct {
	GTIN    string   `json:"gtin"`
	Lot     string   `json:"lot"`
	Expiry  string   `json:"expiry,omitempty"`
	Serials []string `json:"serials"`
}

func commission(ctx *app.Context, raw json.RawMessage) error {
	var b CommissionBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	p, err := ownProduct(ctx, b.GTIN)
	if err != nil {
		return err
	}
	if len(b.Serials) == 0 || len(b.Serials) > MaxSerials {
		return ErrInvalid.New("serials must list 1 to %d serials (got %d); commission a larger lot in several transactions", MaxSerials, len(b.Serials))
	}
	l, ok := GetLot(ctx.KV, b.GTIN, b.Lot)
	switch {
	case !ok && b.Expiry == "":
		return ErrLotNotFound.New("lot %s of %s is not registered: give its expiry to register it", medledger.Quote(b.Lot), b.GTIN)
	case !ok:
		if l, err = newLot(ctx, p, b.Lot, b.Expiry); err != nil {
			return err
		}
	case b.Expiry != "" && b.Expiry != l.Expiry:
		return ErrInvalid.New("lot %s of %s expires %s, not %s", b.Lot, b.GTIN, l.Expiry, medledger.Quote(b.Expiry))
	}
	if id := recallOf(p, l); id != "" {
		return ErrRecalled.New("lot %s of %s is recalled (%s): it cannot be commissioned", l.Lot, l.GTIN, id)
	}
	if expired(l.Expiry, ctx.Time) {
		return ErrExpired.New("lot %s of %s expired on %s: it cannot be commissioned", l.Lot, l.GTIN, l.Expiry)
	}
	seen := make(map[string]struct{}, len(b.Serials))
	for _, s := range b.Serials {
		if err := validSerial(s); err != nil {
			return err
		}
		if _, dup := seen[s]; dup {
			return ErrInvalid.New("serial %s is listed twice", medledger.Quote(s))
		}
		seen[s] = struct{}{}
		if ctx.KV.Get(packKey(b.GTIN, s)) != nil {
			return ErrExists.New("pack %s was commissioned already", Pack(b.GTIN, s))
		}
	}
	ev := newEvent(ctx, EvCommission)
	ev.GTIN, ev.Lot, ev.Expiry, ev.Serials = l.GTIN, l.Lot, l.Expiry, b.Serials
	putEvent(ctx, ev)
	ctx.KV.Set(seq8(string(lotEventPrefix(l.GTIN, l.Lot)), ev.Seq), []byte{})
	for _, s := range b.Serials {
		put(ctx.KV, packKey(b.GTIN, s), PackState{GTIN: b.GTIN, Serial: s, Lot: l.Lot, Expiry: l.Expiry, Status: StatusActive,
			Owner: ctx.Signer.Org, Commissioned: ev.Seq, Height: ctx.Height})
	}
	l.Packs += len(b.Serials)
	put(ctx.KV, lotKey(l.GTIN, l.Lot), l)
	ctx.Emit(EventCommissioned, "event", strconv.FormatUint(ev.Seq, 10), "gtin", l.GTIN, "lot", l.Lot, "count", strconv.Itoa(len(b.Serials)))
	return nil
}

func recallOf(p Product, l Lot) string {
	if l.Recall != "" {
		return l.Recall
	}
	return p.Recall
}

// --- validation ---

func validSerial(s string) error {
	if len(s) == 0 || len(s) > 20 {
		return ErrInvalid.New("serial %s must be 1 to 20 characters", medledger.Quote(s))
	}
	for i := 0; i < len(s); i++ {
		if !gs1.InCharset82(s[i]) {
			return ErrInvalid.New("serial %s: character %q is outside GS1's character set 82", medledger.Quote(s), s[i])
		}
	}
	return nil
}

func validLotName(s string) error {
	if len(s) == 0 || len(s) > 20 {
		return ErrInvalid.New("lot %s must be 1 to 20 characters", medledger.Quote(s))
	}
	for i := 0; i < len(s); i++ {
		if !gs1.InCharset82(s[i]) || s[i] == '/' {
			return ErrInvalid.New("lot %s: character %q is not allowed (GS1 character set 82 without '/')", medledger.Quote(s), s[i])
		}
	}
	return nil
}

func validText(field, s string, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return ErrInvalid.New("%s is required", field)
	}
	if len(s) > maxText || !utf8.ValidString(s) {
		return ErrInvalid.New("%s must be valid UTF-8 of at most %d bytes", field, maxText)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return ErrInvalid.New("%s must not contain control characters", field)
		}
	}
	return nil
}

// partner checks that org is an active organization of a trading-partner
// kind.
func partner(ctx *app.Context, org string) error {
	o, ok := ctx.IDs.Org(ctx.KV, org)
	switch {
	case !ok:
		return ErrNotPartner.New("no organization %s", medledger.Quote(org))
	case !o.Active:
		return ErrNotPartner.New("organization %s is suspended", org)
	case !slices.Contains(TradingPartnerKinds, o.Kind):
		return ErrNotPartner.New("%s is a %s, not a trading partner (%s)", org, o.Kind, strings.Join(TradingPartnerKinds, ", "))
	}
	return nil
}

// --- events ---

func newEvent(ctx *app.Context, typ string) Event {
	return Event{Seq: state.NextSeq(ctx.KV, []byte(keySeqEvent)), Type: typ, Actor: ctx.Signer.ID, Org: ctx.Signer.Org,
		Height: ctx.Height, Time: ctx.Time.UTC(), TxHash: fmt.Sprintf("%X", ctx.TxHash)}
}

// putEvent stores ev and indexes it in the history of each of items.
func putEvent(ctx *app.Context, ev Event, items ...Item) {
	put(ctx.KV, eventKey(ev.Seq), ev)
	for _, it := range items {
		ctx.KV.Set(historyKey(it, ev.Seq), []byte{})
	}
}

func emitMoved(ctx *app.Context, ev Event) {
	ctx.Emit(EventMoved, "event", strconv.FormatUint(ev.Seq, 10), "type", ev.Type, "org", ev.Org, "items", strconv.Itoa(len(ev.Items)),
		"shipment", ev.Shipment)
}

// --- encoding helpers ---

func put(kv state.KV, key []byte, v any)         { state.PutJSON(kv, key, v) }
func get(r state.Reader, key []byte, v any) bool { return state.GetJSON(r, key, v) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
