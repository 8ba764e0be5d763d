package supply_test

import (
	"context"
	"slices"
	"testing"

	"github.com/medledger/medledger/supply"
)

// TestSupplySuspectStory is DSCSA's suspect-product path against a real
// node, as pharmacies live it: a pharmacist finds a pack that verifies but
// looks wrong and reports it; it is quarantined (it cannot be shipped,
// returned, dispensed or received); the distributor may not determine it,
// the manufacturer determines it illegitimate, which tells every partner
// that held it and the regulator; the manufacturer terminates the
// notification and the pharmacy destroys the pack. A second report is
// cleared, and the pack ships again. A pack reported in transit is not
// received until cleared; the hospital's pharmacist then receives and
// dispenses it.
func TestSupplySuspectStory(t *testing.T) {
	s := story{t, startNode(t)}
	ctx := context.Background()
	const (
		acme, packager = "acme-pharma/admin", "acme-pharma/packager"
		dist           = "medsupply-dist/warehouse"
		pharmacist     = "cityrx-pharmacy/pharmacist"
		hospital       = "northside-hospital/pharmacist"
	)
	s.must(acme, supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Amoxicillin 500 mg capsules", NationalCode: "0312-3456-78", Strength: "500 mg", Form: "capsule"})
	p := serials("P", 1, 6)
	s.must(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L7", Expiry: "291231", Serials: p})
	s.must(packager, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(p[:4])})
	s.must(dist, supply.TypeReceive, supply.ReceiveBody{Items: packs(p[:4])})
	s.must(dist, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: packs(p[:3])})
	s.must(pharmacist, supply.TypeReceive, supply.ReceiveBody{Items: packs(p[:3])})

	// A pack that verifies, reported by a pharmacy that does not hold it:
	// refused. Its holder reports it; it is quarantined at once.
	s.expect(code("P1"), supply.ResultVerified)
	s.refused(dist, supply.TypeReport, supply.ReportBody{Code: code("P1"), Reason: "heard it was fake"}, "not-custodian")
	s.refused(pharmacist, supply.TypeReport, supply.ReportBody{Code: code("P1")}, "invalid") // a pack that verifies needs the reason
	s.must(pharmacist, supply.TypeReport, supply.ReportBody{Code: code("P1"), Reason: "blister foil reprinted over the original"})
	v := s.expect(code("P1"), supply.ResultQuarantined)
	if !v.Suspect || v.Report == "" {
		t.Fatalf("a quarantined pack: %+v", v)
	}
	rpt := v.Report
	s.refused(pharmacist, supply.TypeShip, supply.ShipBody{To: "northside-hospital", Items: packs(p[:1])}, "quarantined")
	s.refused(pharmacist, supply.TypeReturn, supply.ReturnBody{Items: packs(p[:1])}, "quarantined")
	s.refused(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "P1"}, "quarantined")
	s.refused(pharmacist, supply.TypeDecommission, supply.DecommissionBody{Items: packs(p[:1]), Reason: "destroyed"}, "quarantined")
	s.refused(pharmacist, supply.TypeReport, supply.ReportBody{Code: code("P1"), Reason: "again"}, "quarantined")

	// Who is told of the open report: the reporter, the manufacturer, and
	// the regulators; not yet the distributor that held it before.
	notified := func(org string) bool {
		t.Helper()
		list, err := s.n.Client.Notifications(ctx, org)
		if err != nil {
			t.Fatalf("notifications of %q: %v", org, err)
		}
		return slices.ContainsFunc(list, func(n supply.Notice) bool { return n.ID == rpt })
	}
	for org, want := range map[string]bool{"cityrx-pharmacy": true, "acme-pharma": true, "drug-regulator": true, "": true, "medsupply-dist": false} {
		if got := notified(org); got != want {
			t.Errorf("open report listed for %q: %v, want %v", org, got, want)
		}
	}

	// The distributor does not determine it (it does not hold it, and it
	// is not the manufacturer); acme does: illegitimate.
	s.refused(dist, supply.TypeInvestigate, supply.InvestigateBody{Report: rpt, Outcome: supply.OutcomeCleared, Reason: "looks fine to us"}, "not-investigator")
	s.must(acme, supply.TypeInvestigate, supply.InvestigateBody{Report: rpt, Outcome: supply.OutcomeIllegitimate,
		Reason: "serial printed over a foreign lot's; not made by acme", Classification: "counterfeit"})
	s.expect(code("P1"), supply.ResultIllegitimate)
	rp, err := s.n.Client.SuspectReport(ctx, rpt)
	if err != nil {
		t.Fatal(err)
	}
	d := rp.Determination
	if rp.Status != supply.ReportIllegitimate || d == nil || d.Org != "acme-pharma" || d.Classification != "counterfeit" || d.Quantity != 1 ||
		len(d.Lines) != 1 || d.Lines[0].Product != "Amoxicillin 500 mg capsules" || d.Lines[0].NationalCode != "0312-3456-78" ||
		d.Lines[0].Lot != "L7" || !slices.Equal(d.Lines[0].Serials, []string{"P1"}) || rp.Reason == "" || rp.Time.IsZero() || d.Time.IsZero() {
		t.Fatalf("the illegitimate-product notification: %+v, %+v", rp, d)
	}
	// Every partner that held it, and the regulator, is told.
	for _, org := range []string{"acme-pharma", "medsupply-dist", "cityrx-pharmacy", "drug-regulator"} {
		if !slices.Contains(rp.Notified, org) || !notified(org) {
			t.Errorf("%s was not notified of the illegitimate product (notified: %v)", org, rp.Notified)
		}
	}
	if notified("northside-hospital") {
		t.Error("northside-hospital, which never held P1, lists its notification")
	}
	s.refused(pharmacist, supply.TypeInvestigate, supply.InvestigateBody{Report: rpt, Outcome: supply.OutcomeCleared, Reason: "x"}, "wrong-state")

	// Only the manufacturer terminates the notification; the pack stays
	// illegitimate, and is destroyed.
	s.refused(pharmacist, supply.TypeTerminate, supply.TerminateBody{Report: rpt, Reason: "done"}, "not-investigator")
	s.must(acme, supply.TypeTerminate, supply.TerminateBody{Report: rpt, Reason: "closed with the regulator"})
	if notified("medsupply-dist") || notified("") {
		t.Error("a terminated notification is still listed as open")
	}
	s.expect(code("P1"), supply.ResultIllegitimate)
	s.refused(pharmacist, supply.TypeShip, supply.ShipBody{To: "northside-hospital", Items: packs(p[:1])}, "illegitimate")
	s.must(pharmacist, supply.TypeDecommission, supply.DecommissionBody{Items: packs(p[:1]), Reason: "destroyed"})

	// A second report is cleared by the manufacturer: the pack ships again.
	s.must(pharmacist, supply.TypeReport, supply.ReportBody{Code: code("P2"), Reason: "carton dented, seal looks resealed"})
	rpt2 := s.expect(code("P2"), supply.ResultQuarantined).Report
	s.must(acme, supply.TypeInvestigate, supply.InvestigateBody{Report: rpt2, Outcome: supply.OutcomeCleared, Reason: "genuine: the carton was dented in transit"})
	s.expect(code("P2"), supply.ResultVerified)
	s.must(pharmacist, supply.TypeShip, supply.ShipBody{To: "northside-hospital", Items: packs(p[1:2])})

	// A pack reported in transit is not received until its report is
	// cleared (by the partner at either end, here the sender).
	s.must(pharmacist, supply.TypeShip, supply.ShipBody{To: "northside-hospital", Items: packs(p[2:3])})
	s.must(hospital, supply.TypeReport, supply.ReportBody{Code: code("P3"), Reason: "arrived with a torn tamper seal"})
	rpt3 := s.expect(code("P3"), supply.ResultQuarantined).Report
	s.refused(hospital, supply.TypeReceive, supply.ReceiveBody{Items: packs(p[2:3])}, "quarantined")
	s.must(pharmacist, supply.TypeInvestigate, supply.InvestigateBody{Report: rpt3, Outcome: supply.OutcomeCleared, Reason: "seal torn by the courier; contents checked"})

	// The hospital's pharmacy receives and dispenses.
	s.must(hospital, supply.TypeReceive, supply.ReceiveBody{Items: packs(p[1:2])})
	s.must(hospital, supply.TypeReceive, supply.ReceiveBody{Items: packs(p[2:3])})
	s.must(hospital, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "P3"})
	s.expect(code("P3"), supply.ResultDispensed)

	// Its history says what happened to it.
	h, err := s.n.Client.History(ctx, supply.Pack(gtin, "P1"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range h.Events {
		types = append(types, e.Type)
	}
	if want := []string{"commission", "ship", "receive", "ship", "receive", "report", "illegitimate", "decommission"}; !slices.Equal(types, want) {
		t.Fatalf("history of P1: %v, want %v", types, want)
	}
}
