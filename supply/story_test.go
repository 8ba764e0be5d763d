package supply_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
)

const gtin = "00312345678906"

// ssccOf returns a valid SSCC with serial reference n.
func ssccOf(n int) string {
	d := fmt.Sprintf("00312345%09d", n)
	cd, err := gs1.CheckDigit(d)
	if err != nil {
		panic(err)
	}
	return d + string(cd)
}

func serials(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func packs(lot []string) []supply.Item {
	out := make([]supply.Item, len(lot))
	for i, s := range lot {
		out[i] = supply.Pack(gtin, s)
	}
	return out
}

func code(serial string) string { return "(01)" + gtin + "(21)" + serial }

type story struct {
	t *testing.T
	n *daemontest.Node
}

func (s story) send(as, typ string, body any) error {
	s.t.Helper()
	_, err := s.n.Client.Send(context.Background(), s.n.Signer(as), typ, body, "commit")
	return err
}

func (s story) must(as, typ string, body any) {
	s.t.Helper()
	if err := s.send(as, typ, body); err != nil {
		s.t.Fatalf("%s by %s: %v", typ, as, err)
	}
}

func (s story) refused(as, typ string, body any, slug string) {
	s.t.Helper()
	err := s.send(as, typ, body)
	if !client.IsCode(err, "supply", slug) && !client.IsCode(err, "tx", slug) {
		s.t.Fatalf("%s by %s: got %v, want %s", typ, as, err, slug)
	}
}

func (s story) verify(code string) supply.Verification {
	s.t.Helper()
	var v supply.Verification
	if err := s.n.Client.Get(context.Background(), "/v1/verify/pack?code="+url.QueryEscape(code), &v); err != nil {
		s.t.Fatalf("verify %s: %v", code, err)
	}
	return v
}

func (s story) expect(code, result string) supply.Verification {
	s.t.Helper()
	v := s.verify(code)
	if v.Result != result {
		s.t.Fatalf("verify %s: %s (%s), want %s", code, v.Result, v.Reason, result)
	}
	return v
}

func startNode(t testing.TB) *daemontest.Node {
	return daemontest.Start(t, daemontest.Options{Plugins: plugins()})
}

func plugins() []daemon.Plugin {
	return append(daemontest.Core(), daemon.Plugin{Module: supply.Module{}, Routes: supply.HTTPRoutes, Codes: supply.Codes})
}

// TestSupplyStory is the whole path against a real node: a product
// commissioned at acme-pharma, packed into cases on a pallet, shipped
// through medsupply-dist to cityrx-pharmacy and dispensed; with a
// counterfeit, a cloned serial after dispensing, a wrong lot, a recall
// reaching packs inside cases, a receipt by the wrong partner, a theft and
// an expired lot.
func TestSupplyStory(t *testing.T) {
	s := story{t, startNode(t)}
	const (
		acme, packager = "acme-pharma/admin", "acme-pharma/packager"
		dist           = "medsupply-dist/warehouse"
		pharmacist     = "cityrx-pharmacy/pharmacist"
		inspector      = "drug-regulator/inspector"
	)
	s.must(acme, supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Amoxicillin 500 mg capsules", NationalCode: "0312-3456-78", Strength: "500 mg", Form: "capsule"})
	a, b, old := serials("A", 1, 30), serials("B", 1, 10), serials("X", 1, 3)
	s.must(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "A100", Expiry: "281231", Serials: a})
	s.must(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "B200", Expiry: "290600", Serials: b})
	// An expired lot is not commissioned.
	s.refused(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "X1", Expiry: "250131", Serials: old}, "expired")
	// A serial is commissioned once.
	s.refused(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "A100", Serials: []string{"A1"}}, "already-exists")

	case1, case2, pallet := ssccOf(1), ssccOf(2), ssccOf(3)
	s.must(packager, supply.TypeAggregate, supply.AggregateBody{SSCC: case1, Items: packs(a[:10])})
	s.must(packager, supply.TypeAggregate, supply.AggregateBody{SSCC: case2, Items: packs(b[:5])})
	s.must(packager, supply.TypeAggregate, supply.AggregateBody{SSCC: pallet, Items: []supply.Item{supply.Case(case1), supply.Case(case2)}})
	// A pack inside a case is shipped with its case, not alone.
	s.refused(packager, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(a[:1])}, "inside-container")

	loose := packs(a[10:12])
	s.must(packager, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: append([]supply.Item{supply.Case(pallet)}, loose...)})
	v := s.expect(code("A1"), supply.ResultVerified)
	if v.Custodian != "acme-pharma" || v.InTransitTo != "medsupply-dist" || !slices.Equal(v.Containers, []string{case1, pallet}) {
		t.Fatalf("pack in a shipped pallet: %+v", v)
	}
	var inbox struct{ Items []supply.Shipment }
	if err := s.n.Client.Get(context.Background(), "/v1/orgs/medsupply-dist/shipments", &inbox); err != nil || len(inbox.Items) != 1 {
		t.Fatalf("medsupply inbox: %+v %v", inbox, err)
	}
	shp := inbox.Items[0].ID

	// The wrong partner cannot receive; a receipt must match the shipment.
	s.refused(pharmacist, supply.TypeReceive, supply.ReceiveBody{Shipment: shp, Items: inbox.Items[0].Items}, "wrong-partner")
	s.refused(dist, supply.TypeReceive, supply.ReceiveBody{Shipment: shp, Items: loose}, "receipt-mismatch")
	s.must(dist, supply.TypeReceive, supply.ReceiveBody{Shipment: shp, Items: inbox.Items[0].Items})
	if v := s.expect(code("A2"), supply.ResultVerified); v.Custodian != "medsupply-dist" || v.InTransitTo != "" {
		t.Fatalf("after receipt: %+v", v)
	}

	// The distributor breaks the pallet and sends both cases on; cityrx
	// receives them by naming the items only.
	s.must(dist, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: pallet})
	cases := []supply.Item{supply.Case(case1), supply.Case(case2)}
	s.must(dist, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: cases})
	s.must(pharmacist, supply.TypeReceive, supply.ReceiveBody{Items: cases})
	if v := s.expect(code("A3"), supply.ResultVerified); v.Custodian != "cityrx-pharmacy" || !slices.Equal(v.Containers, []string{case1}) {
		t.Fatalf("at the pharmacy: %+v", v)
	}

	// Dispensing is final: the same serial presented again is suspect.
	s.must(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "A1"})
	s.expect(code("A1"), supply.ResultDispensed)
	s.refused(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "A1"}, "wrong-state")
	// Only the custodian dispenses; a distributor cannot dispense at all.
	s.refused(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "A11"}, "not-custodian")
	s.refused(dist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "A11"}, "unauthorized")

	// Counterfeits: a serial never commissioned, a GTIN never registered, a
	// wrong lot or expiry on a genuine serial.
	s.expect(code("FAKE123"), supply.ResultUnknown)
	s.expect("(01)09506000134352(21)A2", supply.ResultUnknown)
	s.expect(code("A2")+"(10)A999", supply.ResultMismatch)
	s.expect("(01)"+gtin+"(17)301231(21)A2", supply.ResultMismatch)
	s.expect("(01)"+gtin+"(17)281231(10)A100(21)A2", supply.ResultVerified)
	// The scanner's raw form, FNC1 sent as GS.
	s.expect("01"+gtin+"17281231"+"10A100\x1d21A2", supply.ResultVerified)

	// A recall of lot B200 reaches its packs inside case2 and case2 itself.
	s.must(acme, supply.TypeRecall, supply.RecallBody{GTIN: gtin, Lot: "B200", Reason: "dissolution failure"})
	if v := s.expect(code("B1"), supply.ResultRecalled); v.RecallReason != "dissolution failure" || !slices.Equal(v.Containers, []string{case2}) {
		t.Fatalf("recalled pack in a case: %+v", v)
	}
	s.expect(code("B9"), supply.ResultRecalled) // never packed, still at acme
	s.expect("(00)"+case2, supply.ResultRecalled)
	s.expect("(00)"+case1, supply.ResultVerified)
	s.refused(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "B1"}, "recalled")
	// Only the manufacturer or a regulator recalls.
	s.refused(dist, supply.TypeRecall, supply.RecallBody{GTIN: gtin, Lot: "A100", Reason: "x"}, "unauthorized")

	// (Expired stock answering "expired", which needs the chain's clock to
	// pass a lot's expiry, is in TestSupplyModel.)
	s.expect(code("X1"), supply.ResultUnknown)

	// A theft of loose packs at the distributor.
	s.must(dist, supply.TypeDecommission, supply.DecommissionBody{Items: loose[1:], Reason: "stolen"})
	s.expect(code("A12"), supply.ResultStolen)
	s.refused(dist, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: loose[1:]}, "wrong-state")

	// The pharmacist escalates the counterfeit: the regulator and acme see it.
	s.must(pharmacist, supply.TypeReport, supply.ReportBody{Code: code("FAKE123"), Reason: "serial not on the chain"})
	s.refused(dist, supply.TypeReport, supply.ReportBody{Code: code("A2"), Reason: "looks fine"}, "not-custodian")
	for _, path := range []string{"/v1/supply/reports", "/v1/orgs/acme-pharma/suspect-reports"} {
		var reps struct{ Items []supply.Report }
		if err := s.n.Client.Get(context.Background(), path, &reps); err != nil || len(reps.Items) != 1 ||
			reps.Items[0].Result != supply.ResultUnknown || reps.Items[0].Org != "cityrx-pharmacy" {
			t.Fatalf("%s: %+v %v", path, reps, err)
		}
	}
	_ = inspector

	// The chain of custody of a pack that travelled in case1 on the pallet.
	var h supply.HistoryResponse
	if err := s.n.Client.Get(context.Background(), "/v1/packs/"+gtin+"/A2/history", &h); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range h.Events {
		step := e.Type + "@" + e.Org
		if e.Via != "" {
			step += " via " + e.Via
		}
		steps = append(steps, step)
	}
	want := []string{
		"commission@acme-pharma",
		"aggregate@acme-pharma",
		"aggregate@acme-pharma via " + case1,
		"ship@acme-pharma via " + case1 + " in " + pallet,
		"receive@medsupply-dist via " + case1 + " in " + pallet,
		"disaggregate@medsupply-dist via " + case1,
		"ship@medsupply-dist via " + case1,
		"receive@cityrx-pharmacy via " + case1,
	}
	if !slices.Equal(steps, want) {
		t.Fatalf("history of A2:\n got %s\nwant %s", strings.Join(steps, "\n     "), strings.Join(want, "\n     "))
	}
	for _, e := range h.Events {
		if e.Height == 0 || e.Time.IsZero() || e.Actor == "" || e.TxHash == "" {
			t.Fatalf("history event lacks who/when: %+v", e)
		}
	}
}
