package supply_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/supply"
)

// TestHugeValuesNotEchoed sends a real node transactions and GETs with a
// 10,000-byte GTIN, serial, lot, SSCC, organization, shipment or reason,
// and checks that each refusal, as a problem document and as the app's
// CheckTx log, is short, has the right code, says what was wrong and how
// long the value was. The EPCIS importer's refusals are as short.
func TestHugeValuesNotEchoed(t *testing.T) {
	s := story{t, startNode(t)}
	const (
		acme, packager = "acme-pharma/admin", "acme-pharma/packager"
		dist           = "medsupply-dist/warehouse"
		pharmacist     = "cityrx-pharmacy/pharmacist"
	)
	s.must(acme, supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Amoxicillin 500 mg capsules"})
	s.must(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L1", Expiry: "301231", Serials: []string{"1", "2"}})
	s.must(packager, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: []supply.Item{supply.Pack(gtin, "2")}})
	var shipment string
	for _, sh := range mustShipments(t, s.n) {
		shipment = sh.ID
	}

	huge := strings.Repeat("x", 10_000)
	pack := []supply.Item{supply.Pack(gtin, "1")}
	commission := func(lot, expiry string, serials ...string) supply.CommissionBody {
		return supply.CommissionBody{GTIN: gtin, Lot: lot, Expiry: expiry, Serials: serials}
	}
	for _, c := range []echoCase{
		{name: "product gtin", as: acme, typ: supply.TypeProduct, body: supply.ProductBody{GTIN: huge, Name: "x"}, code: supply.ErrInvalid, says: "gtin"},
		{name: "lot gtin", as: packager, typ: supply.TypeLot, body: supply.LotBody{GTIN: huge, Lot: "L9", Expiry: "301231"}, code: supply.ErrInvalid, says: "gtin"},
		{name: "commission unknown lot", as: packager, typ: supply.TypeCommission, body: commission(huge, "", "9"),
			code: supply.ErrLotNotFound, says: "is not registered"},
		{name: "commission new lot", as: packager, typ: supply.TypeCommission, body: commission(huge, "301231", "9"),
			code: supply.ErrInvalid, says: "must be 1 to 20 characters"},
		{name: "commission expiry", as: packager, typ: supply.TypeCommission, body: commission("L2", huge, "9"),
			code: supply.ErrInvalid, says: "is not a date YYMMDD"},
		{name: "commission other expiry", as: packager, typ: supply.TypeCommission, body: commission("L1", huge, "9"),
			code: supply.ErrInvalid, says: "expires 301231, not"},
		{name: "commission serial", as: packager, typ: supply.TypeCommission, body: commission("L1", "", huge),
			code: supply.ErrInvalid, says: "serial"},
		{name: "pack sscc", as: packager, typ: supply.TypeAggregate, body: supply.AggregateBody{SSCC: huge, Items: pack},
			code: supply.ErrInvalid, says: "sscc"},
		{name: "ship to", as: packager, typ: supply.TypeShip, body: supply.ShipBody{To: huge, Items: pack},
			code: supply.ErrNotPartner, says: "no organization"},
		{name: "receive shipment", as: dist, typ: supply.TypeReceive, body: supply.ReceiveBody{Shipment: huge, Items: pack},
			code: supply.ErrShipmentNotFound, says: "no shipment"},
		{name: "receive other items", as: dist, typ: supply.TypeReceive, body: supply.ReceiveBody{Shipment: shipment, Items: []supply.Item{supply.Pack(gtin, huge)}},
			code: supply.ErrReceiptMismatch, says: "received but not in the shipment"},
		{name: "dispense serial", as: pharmacist, typ: supply.TypeDispense, body: supply.DispenseBody{GTIN: gtin, Serial: huge},
			code: supply.ErrInvalid, says: "serial"},
		{name: "decommission reason", as: packager, typ: supply.TypeDecommission, body: supply.DecommissionBody{Items: pack, Reason: huge},
			code: supply.ErrInvalid, says: "reason"},
		{name: "recall product", as: acme, typ: supply.TypeRecall, body: supply.RecallBody{GTIN: huge, Reason: "contamination"},
			code: supply.ErrProductNotFound, says: "no product"},
		{name: "recall lot", as: acme, typ: supply.TypeRecall, body: supply.RecallBody{GTIN: gtin, Lot: huge, Reason: "contamination"},
			code: supply.ErrLotNotFound, says: "no lot"},
		{name: "GET pack", path: "/v1/packs/" + gtin + "/" + huge, code: supply.ErrPackNotFound, says: "was never commissioned"},
		{name: "GET pack history", path: "/v1/packs/" + huge + "/1/history", code: supply.ErrInvalid, says: "gtin"},
		{name: "GET history format", path: "/v1/packs/" + gtin + "/1/history?format=" + huge, code: supply.ErrInvalid, says: "is not json or epcis"},
		{name: "GET case", path: "/v1/cases/" + huge, code: supply.ErrCaseNotFound, says: "no case or pallet"},
		{name: "GET case history", path: "/v1/cases/" + huge + "/history", code: supply.ErrInvalid, says: "sscc"},
		{name: "GET product", path: "/v1/products/" + huge, code: supply.ErrProductNotFound, says: "no product"},
		{name: "GET lot", path: "/v1/products/" + gtin + "/lots/" + huge, code: supply.ErrLotNotFound, says: "no lot"},
		{name: "GET shipment", path: "/v1/shipments/" + huge, code: supply.ErrShipmentNotFound, says: "no shipment"},
		{name: "GET recall", path: "/v1/recalls/" + huge, code: supply.ErrRecallNotFound, says: "no recall"},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, s.n) })
	}

	t.Run("EPCIS import", func(t *testing.T) {
		for _, doc := range []string{
			`{"type": "` + huge + `"}`,
			`{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2025-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00", "eventID": "` + huge + `", "action": "ADD", "bizStep": "` + huge + `"}]}}`,
			`{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2025-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "commissioning", "epcList": ["urn:epc:id:sgtin:0312345.` + huge + `.1"]}]}}`,
		} {
			_, err := supply.ImportEPCIS(strings.NewReader(doc))
			e := medledger.As(err)
			if err == nil || e.Codespace != supply.Codespace || len(e.Detail) > maxDetail || !strings.Contains(e.Detail, " bytes)") {
				t.Errorf("ImportEPCIS: got %.300v, want a short refusal that says how long the value was", err)
			}
		}
	})
}

// mustShipments lists acme-pharma's open outgoing shipments.
func mustShipments(t *testing.T, n *daemontest.Node) []supply.Shipment {
	t.Helper()
	var page api.Page[supply.Shipment]
	if err := n.Client.Get(context.Background(), "/v1/orgs/acme-pharma/shipments?direction=outgoing", &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 {
		t.Fatal("no shipment")
	}
	return page.Items
}

// maxDetail is how long a refusal's detail, and the ABCI log it comes
// from, may be however huge the value refused (issue 8).
const maxDetail = 300

// echoCase is a request carrying a huge value: a transaction (as signs typ
// with body) or, when as is empty, a GET of path.
type echoCase struct {
	name string
	as   string
	typ  string
	body any
	path string
	code medledger.Code // the refusal's code
	says string         // what the refusal says
}

// check sends c to node n and checks the refusal: as a problem document,
// and for a transaction also as the log of the app's CheckTx.
func (c echoCase) check(t *testing.T, n *daemontest.Node) {
	t.Helper()
	ctx := context.Background()
	if c.as == "" {
		r, b := n.Get(t, c.path)
		var p api.Problem
		if err := json.Unmarshal(b, &p); err != nil || r.StatusCode < 400 {
			t.Fatalf("GET: %d %.300s", r.StatusCode, b)
		}
		checkEcho(t, "problem", p.Codespace, p.Code, p.Detail, c.code, c.says)
		return
	}
	s := n.Signer(c.as)
	_, err := n.Client.Send(ctx, s, c.typ, c.body, "sync")
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s by %s: got %v, want a refusal", c.typ, c.as, err)
	}
	checkEcho(t, "problem", e.Codespace, e.Code, e.Detail, c.code, c.says)
	raw, err := s.Build(c.typ, c.body, n.Store.Version())
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw})
	if err != nil {
		t.Fatal(err)
	}
	checkEcho(t, "ABCI log", res.Codespace, res.Code, res.Log, c.code, c.says)
}

// checkEcho checks a refusal's code and detail: short, saying what was
// wrong, and how long the value was (medledger.Quote's "... (N bytes)").
func checkEcho(t *testing.T, what, codespace string, code uint32, detail string, want medledger.Code, says string) {
	t.Helper()
	if codespace != want.Codespace || code != want.Code {
		t.Errorf("%s: code %s/%d, want %s/%d (%s): %.300s", what, codespace, code, want.Codespace, want.Code, want.Slug, detail)
	}
	if len(detail) > maxDetail {
		t.Errorf("%s: the detail is %d bytes, over %d: %.300s...", what, len(detail), maxDetail, detail)
	}
	if !strings.Contains(detail, says) || !strings.Contains(detail, " bytes)") {
		t.Errorf("%s: %.300q does not say %q and how long the value was", what, detail, says)
	}
}
