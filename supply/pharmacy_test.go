package supply_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/tx"
)

// The supply chain as pharmacies live it (issue 17), in process: a theft
// in transit that does not block the delivery, returns verified before
// resale, hospital pharmacies, quarantine through cases, overdue reports
// and the transaction information a seller passes on.

const (
	pkPackager   = pAcme + "/packager"
	pkDist       = pDist + "/warehouse"
	pkPharmacist = pPharmacy + "/pharmacist"
	pkHospital   = pHospital + "/pharmacist"
)

// pharmacyChain is a chain with one product and serials S1..Sn of lot L1
// commissioned at acme.
func pharmacyChain(t *testing.T, n int) *chaintest.Chain {
	t.Helper()
	ch := newSupplyChain(t, supplyConsortium())
	mustBlock(t, ch, "product", ch.Sign(pAcme+"/admin", supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Amoxicillin 500 mg capsules", NationalCode: "0312-3456-78", Strength: "500 mg", Form: "capsule"}))
	mustBlock(t, ch, "commission", ch.Sign(pkPackager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L1", Expiry: farExpiry, Serials: serials("S", 1, n)}))
	return ch
}

func sp(n int) supply.Item { return supply.Pack(gtin, fmt.Sprintf("S%d", n)) }

func label(n int) string { return fmt.Sprintf("(01)%s(10)L1(17)%s(21)S%d", gtin, farExpiry, n) }

// TestSupplyTheftInTransitLeavesShipment: a pack stolen in transit leaves
// its shipment; the receiver receives the rest without listing it, and the
// stolen pack's history says in which shipment, between whom, it was lost.
// A case lost whole in transit empties its shipment, which closes.
func TestSupplyTheftInTransitLeavesShipment(t *testing.T) {
	ch := pharmacyChain(t, 6)
	mustBlock(t, ch, "ship", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: []supply.Item{sp(1), sp(2), sp(3)}}))
	sh := supply.Shipments(ch.Latest(), pDist, true)[0]
	mustBlock(t, ch, "the carrier reports a theft", ch.Sign(pkPackager, supply.TypeDecommission, supply.DecommissionBody{Items: []supply.Item{sp(2)}, Reason: "stolen"}))

	// Listing the stolen pack is refused, and says why.
	res := ch.Deliver(ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Shipment: sh.ID, Items: []supply.Item{sp(1), sp(2), sp(3)}}))
	chaintest.RequireCode(t, res, supply.ErrReceiptMismatch, "a receipt listing the stolen pack")
	if !strings.Contains(res.Log, "left the shipment in transit (stolen") {
		t.Errorf("the refusal does not say the pack left the shipment: %s", res.Log)
	}
	mustBlock(t, ch, "receive the rest", ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Shipment: sh.ID, Items: []supply.Item{sp(1), sp(3)}}))
	got, _ := supply.GetShipment(ch.Latest(), sh.ID)
	if got.Status != supply.ShipmentReceived || len(got.Items) != 2 || len(got.Left) != 1 || got.Left[0].Item != sp(2) || got.Left[0].Reason != "stolen" || got.Left[0].Org != pAcme {
		t.Fatalf("shipment after the theft: %+v", got)
	}
	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S2"), ch.Time); v.Result != supply.ResultStolen || v.Shipment != "" {
		t.Fatalf("the stolen pack verifies as %+v", v)
	}
	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S3"), ch.Time); v.Result != supply.ResultVerified || v.Custodian != pDist {
		t.Fatalf("a received pack verifies as %+v", v)
	}
	h, err := supply.History(ch.Latest(), sp(2))
	if err != nil {
		t.Fatal(err)
	}
	last := h[len(h)-1]
	if last.Type != supply.EvDecommission || last.Reason != "stolen" || last.Shipment != sh.ID || last.From != pAcme || last.To != pDist {
		t.Fatalf("the stolen pack's history ends with %+v, want the theft in %s from %s to %s", last.Event, sh.ID, pAcme, pDist)
	}

	// A case lost whole: its shipment closes undelivered; the receiver
	// reports it (either end may).
	mustBlock(t, ch, "pack", ch.Sign(pkPackager, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(1), Items: []supply.Item{sp(4), sp(5)}}))
	mustBlock(t, ch, "ship the case", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: []supply.Item{supply.Case(ssccN(1))}}))
	lost := supply.Shipments(ch.Latest(), pDist, true)[0]
	mustBlock(t, ch, "lost", ch.Sign(pkDist, supply.TypeDecommission, supply.DecommissionBody{Items: []supply.Item{supply.Case(ssccN(1))}, Reason: "lost"}))
	if got, _ := supply.GetShipment(ch.Latest(), lost.ID); got.Status != supply.ShipmentUndelivered || len(got.Items) != 0 {
		t.Fatalf("a shipment whose only case was lost: %+v", got)
	}
	if open := supply.Shipments(ch.Latest(), pDist, true); len(open) != 0 {
		t.Fatalf("open shipments after the loss: %+v", open)
	}
	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S4"), ch.Time); v.Result != supply.ResultDecommissioned {
		t.Fatalf("a pack of the lost case verifies as %s", v.Result)
	}
}

// TestSupplyReturnsVerifiedBeforeResale: a returned pack is not shipped,
// packed or dispensed again until its holder verifies its label against
// the chain; a label that differs is refused as a mismatch.
func TestSupplyReturnsVerifiedBeforeResale(t *testing.T) {
	ch := pharmacyChain(t, 4)
	items := []supply.Item{sp(1), sp(2), supply.Case(ssccN(1))}
	mustBlock(t, ch, "pack", ch.Sign(pkPackager, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(1), Items: []supply.Item{sp(3), sp(4)}}))
	mustBlock(t, ch, "ship", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: items}))
	mustBlock(t, ch, "receive", ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Items: items}))
	mustBlock(t, ch, "ship on", ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pPharmacy, Items: items}))
	mustBlock(t, ch, "receive", ch.Sign(pkPharmacist, supply.TypeReceive, supply.ReceiveBody{Items: items}))
	mustBlock(t, ch, "the pharmacy returns them", ch.Sign(pkPharmacist, supply.TypeReturn, supply.ReturnBody{Items: items}))
	mustBlock(t, ch, "the distributor receives the return", ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Items: items}))

	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S1"), ch.Time); v.Result != supply.ResultVerified || v.Returned == "" {
		t.Fatalf("a returned pack verifies as %+v", v)
	}
	refuse(t, ch, ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pHospital, Items: []supply.Item{sp(1)}}), supply.ErrUnverifiedReturn, "ship a returned pack")
	refuse(t, ch, ch.Sign(pkDist, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(2), Items: []supply.Item{sp(1)}}), supply.ErrUnverifiedReturn, "pack a returned pack")
	refuse(t, ch, ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pHospital, Items: []supply.Item{supply.Case(ssccN(1))}}), supply.ErrUnverifiedReturn, "ship a returned case")

	// The label is checked against the chain: identifier, lot, expiry.
	refuse(t, ch, ch.Sign(pkDist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{packCode(gtin, "S1")}}), supply.ErrInvalid, "verify without lot and expiry")
	refuse(t, ch, ch.Sign(pkDist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{strings.Replace(label(1), "(10)L1", "(10)L9", 1)}}), supply.ErrLabelMismatch, "a wrong lot on the label")
	refuse(t, ch, ch.Sign(pkDist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{strings.Replace(label(1), farExpiry, "301130", 1)}}), supply.ErrLabelMismatch, "a wrong expiry on the label")
	refuse(t, ch, ch.Sign(pkPharmacist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{label(1)}}), supply.ErrNotCustodian, "the returner verifies")
	mustBlock(t, ch, "verify S1", ch.Sign(pkDist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{label(1)}}))
	refuse(t, ch, ch.Sign(pkDist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{label(1)}}), supply.ErrState, "verify twice")
	mustBlock(t, ch, "ship the verified pack", ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pHospital, Items: []supply.Item{sp(1)}}))

	// A returned case opened: each pack in it is a return to verify.
	mustBlock(t, ch, "unpack the returned case", ch.Sign(pkDist, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: ssccN(1)}))
	refuse(t, ch, ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pHospital, Items: []supply.Item{sp(3)}}), supply.ErrUnverifiedReturn, "ship a pack out of a returned case")
	mustBlock(t, ch, "verify S3", ch.Sign(pkDist, supply.TypeVerifyReturn, supply.VerifyReturnBody{Codes: []string{label(3)}}))
	mustBlock(t, ch, "ship S3", ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pHospital, Items: []supply.Item{sp(3)}}))

	// History records the verification.
	h, _ := supply.History(ch.Latest(), sp(1))
	if !slices.ContainsFunc(h, func(e supply.HistoryEntry) bool { return e.Type == supply.EvVerifyReturn && e.Org == pDist }) {
		t.Fatalf("S1's history has no verification: %+v", h)
	}
}

// TestSupplyReturnRefusals: a return of a pack that was dispensed,
// recalled, quarantined, or never shipped to the returner is refused, each
// with its reason.
func TestSupplyReturnRefusals(t *testing.T) {
	ch := pharmacyChain(t, 5)
	mustBlock(t, ch, "lot L2", ch.Sign(pkPackager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L2", Expiry: farExpiry, Serials: []string{"R1"}}))
	items := []supply.Item{sp(1), sp(2), sp(3), supply.Pack(gtin, "R1")}
	mustBlock(t, ch, "ship", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pPharmacy, Items: items}))
	mustBlock(t, ch, "receive", ch.Sign(pkPharmacist, supply.TypeReceive, supply.ReceiveBody{Items: items}))
	mustBlock(t, ch, "dispense S1", ch.Sign(pkPharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "S1"}))
	mustBlock(t, ch, "quarantine S2", ch.Sign(pkPharmacist, supply.TypeReport, supply.ReportBody{Code: packCode(gtin, "S2"), Reason: "cap seal broken"}))
	mustBlock(t, ch, "recall L2", ch.Sign(pAcme+"/admin", supply.TypeRecall, supply.RecallBody{GTIN: gtin, Lot: "L2", Reason: "particulates"}))

	for _, c := range []struct {
		name string
		item supply.Item
		as   string
		code medledger.Code
		says string
	}{
		{"dispensed", sp(1), pkPharmacist, supply.ErrState, "dispensed to a patient"},
		{"quarantined", sp(2), pkPharmacist, supply.ErrQuarantined, "quarantined"},
		{"recalled", supply.Pack(gtin, "R1"), pkPharmacist, supply.ErrRecalled, "recalled"},
		{"never shipped to the returner", sp(4), pkPackager, supply.ErrState, "never shipped to acme-pharma"},
		{"another's", sp(3), pkDist, supply.ErrNotCustodian, "held by cityrx-pharmacy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw := ch.Sign(c.as, supply.TypeReturn, supply.ReturnBody{Items: []supply.Item{c.item}})
			res := ch.Deliver(raw)
			chaintest.RequireCode(t, res, c.code, "return of a "+c.name+" pack")
			if !strings.Contains(res.Log, c.says) {
				t.Errorf("the refusal says %q, want it to say %q", res.Log, c.says)
			}
		})
	}
	mustBlock(t, ch, "return S3", ch.Sign(pkPharmacist, supply.TypeReturn, supply.ReturnBody{Items: []supply.Item{sp(3)}}))
}

// TestSupplyHospitalPharmacy: a hospital's pharmacist receives and
// dispenses, and its clinician does neither; so does a clinic's.
func TestSupplyHospitalPharmacy(t *testing.T) {
	ch := pharmacyChain(t, 2)
	items := []supply.Item{sp(1), sp(2)}
	mustBlock(t, ch, "ship to the distributor", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: items}))
	mustBlock(t, ch, "receive", ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Items: items}))
	mustBlock(t, ch, "ship to the hospital", ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pHospital, Items: items}))
	refuse(t, ch, ch.Sign("northside-hospital/dr-chen", supply.TypeReceive, supply.ReceiveBody{Items: items}), tx.ErrUnauthorized, "a clinician receives")
	mustBlock(t, ch, "the hospital's pharmacist receives", ch.Sign(pkHospital, supply.TypeReceive, supply.ReceiveBody{Items: items}))
	refuse(t, ch, ch.Sign("northside-hospital/dr-chen", supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "S1"}), tx.ErrUnauthorized, "a clinician dispenses")
	mustBlock(t, ch, "the hospital's pharmacist dispenses", ch.Sign(pkHospital, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "S1"}))
	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S1"), ch.Time); v.Result != supply.ResultDispensed {
		t.Fatalf("dispensed at the hospital, S1 verifies as %s", v.Result)
	}
	// The pharmacy of another hospital's pharmacist? Only the custodian.
	refuse(t, ch, ch.Sign(pkPharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "S2"}), supply.ErrNotCustodian, "the pharmacy dispenses the hospital's pack")
	if !slices.Contains(identity.RolesByKind[identity.KindHospital], identity.RolePharmacist) {
		t.Fatal("hospitals have no pharmacist role")
	}

	// A clinic with a pharmacy (a member with role pharmacist) does the same.
	c := supplyConsortium()
	clinicRx := c.MemberWithRole("lakeside-clinic", identity.RolePharmacist)
	if clinicRx == "" {
		t.Fatal("clinics have no pharmacist role")
	}
	mustBlock(t, ch, "ship to the clinic", ch.Sign(pkHospital, supply.TypeShip, supply.ShipBody{To: "lakeside-clinic", Items: []supply.Item{sp(2)}}))
	mustBlock(t, ch, "the clinic's pharmacist receives", ch.Sign(clinicRx, supply.TypeReceive, supply.ReceiveBody{Items: []supply.Item{sp(2)}}))
	mustBlock(t, ch, "the clinic's pharmacist dispenses", ch.Sign(clinicRx, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "S2"}))
}

// TestSupplyQuarantineThroughCases: a pack reported inside a case keeps
// the case from moving until it is taken out; a case reported holds
// everything in it.
func TestSupplyQuarantineThroughCases(t *testing.T) {
	ch := pharmacyChain(t, 6)
	mustBlock(t, ch, "pack", ch.Sign(pkPackager, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(1), Items: []supply.Item{sp(1), sp(2), sp(3)}}))
	mustBlock(t, ch, "pallet", ch.Sign(pkPackager, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(2), Items: []supply.Item{supply.Case(ssccN(1))}}))
	mustBlock(t, ch, "report S2 in the case", ch.Sign(pkPackager, supply.TypeReport, supply.ReportBody{Code: packCode(gtin, "S2"), Reason: "label smudged"}))
	for _, sscc := range []string{ssccN(1), ssccN(2)} {
		if c, _ := supply.GetCase(ch.Latest(), sscc); c.Held != 1 {
			t.Fatalf("case %s holds %d held items, want 1", sscc, c.Held)
		}
	}
	if v, _ := supply.Verify(ch.Latest(), caseCode(ssccN(2)), ch.Time); v.Result != supply.ResultQuarantined {
		t.Fatalf("the pallet holding a quarantined pack verifies as %s", v.Result)
	}
	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S1"), ch.Time); v.Result != supply.ResultVerified {
		t.Fatalf("a pack beside the quarantined one verifies as %s", v.Result)
	}
	refuse(t, ch, ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: []supply.Item{supply.Case(ssccN(2))}}), supply.ErrQuarantined, "ship the pallet")
	mustBlock(t, ch, "unpack the pallet", ch.Sign(pkPackager, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: ssccN(2)}))
	mustBlock(t, ch, "take S2 out", ch.Sign(pkPackager, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: ssccN(1), Items: []supply.Item{sp(2)}}))
	if c, _ := supply.GetCase(ch.Latest(), ssccN(1)); c.Held != 0 {
		t.Fatalf("the case still counts %d held items", c.Held)
	}
	mustBlock(t, ch, "ship the case", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: []supply.Item{supply.Case(ssccN(1))}}))

	// A case reported: its packs are quarantined with it.
	mustBlock(t, ch, "receive", ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Items: []supply.Item{supply.Case(ssccN(1))}}))
	mustBlock(t, ch, "report the case", ch.Sign(pkDist, supply.TypeReport, supply.ReportBody{Code: caseCode(ssccN(1)), Reason: "case arrived rewrapped"}))
	if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "S1"), ch.Time); v.Result != supply.ResultQuarantined || !slices.Equal(v.Containers, []string{ssccN(1)}) {
		t.Fatalf("a pack in a quarantined case verifies as %+v", v)
	}
	refuse(t, ch, ch.Sign(pkDist, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: ssccN(1)}), supply.ErrQuarantined, "unpack a quarantined case")
	refuse(t, ch, ch.Sign(pkDist, supply.TypeReport, supply.ReportBody{Code: packCode(gtin, "S1"), Reason: "x"}), supply.ErrQuarantined, "report a pack in a quarantined case")
	// The manufacturer determines it illegitimate: it lists the packs.
	rp := supply.Reports(ch.Latest(), "")
	if rp[len(rp)-1].Manufacturer != pAcme {
		t.Fatalf("a case of acme's packs is reported without its manufacturer: %+v", rp[len(rp)-1])
	}
	mustBlock(t, ch, "illegitimate", ch.Sign(pAcme+"/admin", supply.TypeInvestigate, supply.InvestigateBody{Report: rp[len(rp)-1].ID, Outcome: supply.OutcomeIllegitimate, Reason: "diverted"}))
	got, _ := supply.GetReport(ch.Latest(), rp[len(rp)-1].ID)
	if d := got.Determination; d == nil || d.Quantity != 2 || len(d.Lines) != 1 || !slices.Equal(d.Lines[0].Serials, []string{"S1", "S3"}) {
		t.Fatalf("the notification of a case: %+v", got.Determination)
	}
}

// TestSupplyNotificationsOverdue: a report still open past
// DeterminationWindow of block time is listed as overdue.
func TestSupplyNotificationsOverdue(t *testing.T) {
	ch := pharmacyChain(t, 2)
	mustBlock(t, ch, "report", ch.Sign(pkPackager, supply.TypeReport, supply.ReportBody{Code: packCode(gtin, "S1"), Reason: "print smeared"}))
	reported := ch.Time
	list := supply.Notifications(ch.Latest(), pAcme, reported.Add(time.Hour))
	if len(list) != 1 || list[0].Overdue || list[0].Kind != supply.NoticeSuspect || !list[0].Due.Equal(reported.Add(supply.DeterminationWindow)) {
		t.Fatalf("an hour after the report: %+v", list)
	}
	ch.BlockAt(reported.Add(supply.DeterminationWindow + time.Minute))
	if list := supply.Notifications(ch.Latest(), pAcme, app.BlockTime(ch.Latest())); len(list) != 1 || !list[0].Overdue {
		t.Fatalf("a day after the report, by block time: %+v", list)
	}
	mustBlock(t, ch, "illegitimate", ch.Sign(pAcme+"/admin", supply.TypeInvestigate, supply.InvestigateBody{Report: list[0].ID, Outcome: supply.OutcomeIllegitimate, Reason: "counterfeit"}))
	if list := supply.Notifications(ch.Latest(), pAcme, app.BlockTime(ch.Latest())); len(list) != 1 || list[0].Overdue || list[0].Kind != supply.NoticeIllegitimate {
		t.Fatalf("once determined: %+v", list)
	}
}

// TestSupplyShipmentTI: a shipment's transaction information, history and
// statement, generated from the chain: what was sold, by whom to whom,
// every earlier change of ownership, and the seller's statement backed by
// the chain's facts.
func TestSupplyShipmentTI(t *testing.T) {
	ch := pharmacyChain(t, 4)
	mustBlock(t, ch, "pack", ch.Sign(pkPackager, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(1), Items: []supply.Item{sp(1), sp(2)}}))
	first := []supply.Item{supply.Case(ssccN(1)), sp(3)}
	mustBlock(t, ch, "ship", ch.Sign(pkPackager, supply.TypeShip, supply.ShipBody{To: pDist, Items: first}))
	mustBlock(t, ch, "receive", ch.Sign(pkDist, supply.TypeReceive, supply.ReceiveBody{Items: first}))
	mustBlock(t, ch, "ship on", ch.Sign(pkDist, supply.TypeShip, supply.ShipBody{To: pPharmacy, Items: first}))
	sh := supply.Shipments(ch.Latest(), pPharmacy, true)[0]
	shipped, err := ch.Store.Snapshot(sh.Height)
	if err != nil {
		t.Fatal(err)
	}
	// After the sale, the case is unpacked: the TI still says what was
	// in it when shipped.
	mustBlock(t, ch, "receive", ch.Sign(pkPharmacist, supply.TypeReceive, supply.ReceiveBody{Items: first}))
	mustBlock(t, ch, "unpack", ch.Sign(pkPharmacist, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: ssccN(1), Items: []supply.Item{sp(1)}}))
	mustBlock(t, ch, "report S3", ch.Sign(pkPharmacist, supply.TypeReport, supply.ReportBody{Code: packCode(gtin, "S3"), Reason: "smells wrong"}))

	ti, err := supply.ShipmentTI(ch.Latest(), shipped, identity.Module{}, app.NoLicences{}, sh.ID, ch.Height)
	if err != nil {
		t.Fatal(err)
	}
	if ti.Seller.ID != pDist || ti.Seller.Kind != identity.KindDistributor || ti.Buyer.ID != pPharmacy || ti.Date.IsZero() || ti.ReceivedHeight == 0 {
		t.Fatalf("TI parties and dates: %+v", ti)
	}
	if ti.Quantity != 3 || len(ti.Lines) != 1 || ti.Lines[0].Product != "Amoxicillin 500 mg capsules" || ti.Lines[0].NationalCode != "0312-3456-78" ||
		ti.Lines[0].Lot != "L1" || ti.Lines[0].Expiry != farExpiry || !slices.Equal(ti.Lines[0].Serials, []string{"S1", "S2", "S3"}) ||
		!slices.Equal(ti.Containers, []string{ssccN(1)}) {
		t.Fatalf("TI lines: %+v", ti)
	}
	var th []string
	for _, tr := range ti.History {
		th = append(th, tr.Type+" "+tr.From+">"+tr.To)
	}
	if want := []string{"commission >acme-pharma", "receive acme-pharma>medsupply-dist"}; !slices.Equal(th, want) {
		t.Fatalf("TH: %v, want %v", th, want)
	}
	st := ti.Statement
	if !st.SellerAuthorized || !st.PriorOwnership || !st.NotSuspect || len(st.Text) != 7 || !strings.HasPrefix(st.Text[0], pDist+" is authorized") ||
		len(st.SuspectSince) != 1 || !strings.Contains(st.SuspectSince[0], "S3") {
		t.Fatalf("TS: %+v", st)
	}
}
