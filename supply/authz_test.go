package supply_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/tx"
)

// supplyHandlers are the kind/role pairs that hold and move packs.
var supplyHandlers = []string{
	"manufacturer/admin", "manufacturer/packager",
	"distributor/admin", "distributor/warehouse",
	"pharmacy/admin", "pharmacy/pharmacist",
	"hospital/admin", "hospital/pharmacist",
	"clinic/admin", "clinic/pharmacist",
}

// supplyDispensers are the kind/role pairs that dispense to patients: the
// pharmacists of pharmacies and of hospitals' and clinics' pharmacies (a
// clinic runs one when it has a member with role pharmacist). Manufacturers and
// distributors sell only to trading partners, never to a patient; payers,
// trial sponsors, licensing boards and regulators hold no stock; a
// clinician prescribes, a pharmacist dispenses.
var supplyDispensers = []string{"pharmacy/pharmacist", "hospital/pharmacist", "clinic/pharmacist"}

// supplyAllowed is the supply module's authorization table written out as
// data: for each transaction type, the "kind/role" signers that may send
// it. Every other signer (and every patient, "patient") MUST be refused
// with tx/unauthorized. It is deliberately not derived from
// supply.Policies, so that loosening a policy fails this test.
var supplyAllowed = map[string][]string{
	supply.TypeProduct:      {"manufacturer/admin"},
	supply.TypeLot:          {"manufacturer/admin", "manufacturer/packager"},
	supply.TypeCommission:   {"manufacturer/admin", "manufacturer/packager"},
	supply.TypeAggregate:    supplyHandlers,
	supply.TypeDisaggregate: supplyHandlers,
	supply.TypeShip:         supplyHandlers,
	supply.TypeReceive:      supplyHandlers,
	supply.TypeReturn:       supplyHandlers,
	supply.TypeDispense:     supplyDispensers,
	supply.TypeDecommission: supplyHandlers,
	supply.TypeRecall:       {"manufacturer/admin", "regulator/admin", "regulator/inspector"},
	supply.TypeReport:       append(slices.Clone(supplyHandlers), "regulator/admin", "regulator/inspector"),
	// The manufacturer or the partner holding the product determines a
	// report (the handler decides which); a regulator is told, it does
	// not determine.
	supply.TypeInvestigate:  supplyHandlers,
	supply.TypeTerminate:    supplyHandlers,
	supply.TypeVerifyReturn: supplyHandlers,
}

// supplySigner is one row of the matrix: a signer standing for a kind/role
// pair, or for every patient.
type supplySigner struct {
	ID, KindRole, Org, Kind string
	I                       int // row number, naming the signer's own objects
	holderRank              int // among the signers that hold packs
}

// supplySigners lists one signer per role of every kind
// (identity.RolesByKind), from the first organization of the kind, plus a
// patient.
func supplySigners(t *testing.T, c *chaintest.Consortium) []supplySigner {
	t.Helper()
	var out []supplySigner
	holders := 0
	for _, kind := range identity.Kinds {
		org := c.OrgOfKind(kind)
		for _, role := range identity.RolesByKind[kind] {
			id := c.MemberWithRole(org, role)
			if id == "" {
				t.Fatalf("no %s member at %s", role, org)
			}
			s := supplySigner{ID: id, KindRole: kind + "/" + role, Org: org, Kind: kind, I: len(out), holderRank: holders}
			if s.holds() {
				holders++
			}
			out = append(out, s)
		}
	}
	return append(out, supplySigner{ID: c.Patients[0].ID(), KindRole: "patient", I: len(out)})
}

const (
	matrixMaker = "acme-pharma"
	matrixLot   = "L1"
	farExpiry   = "301231"
)

// holds reports whether s's organization can hold packs (a trading
// partner). Only those signers get objects of their own in the fixture; the
// others' bodies name objects left at the manufacturer, and are refused by
// the policy before any object is read.
func (s supplySigner) holds() bool {
	return slices.Contains(supply.TradingPartnerKinds, s.Kind)
}

// partner is where s ships to: another trading partner.
func (s supplySigner) partner() string {
	if s.Org == "medsupply-dist" {
		return "cityrx-pharmacy"
	}
	return "medsupply-dist"
}

// The fixture's objects of signer s: H (held loose by s's organization,
// received from another one), K (a pack inside case ssccN(s.I), the case
// held by s's organization), T (in transit to s's organization), Q (held by
// s's organization, quarantined under report qReport(s)), V (shipped by s's
// organization and returned to it, awaiting verification), lot R (for s to
// recall), and an illegitimate-product notification of a product no one on
// the chain makes, determined by s's organization (iReport(s)).
func hPack(s supplySigner) supply.Item { return supply.Pack(gtin, fmt.Sprintf("H%d", s.I)) }
func kPack(s supplySigner) supply.Item { return supply.Pack(gtin, fmt.Sprintf("K%d", s.I)) }
func tPack(s supplySigner) supply.Item { return supply.Pack(gtin, fmt.Sprintf("T%d", s.I)) }
func qPack(s supplySigner) supply.Item { return supply.Pack(gtin, fmt.Sprintf("Q%d", s.I)) }
func vPack(s supplySigner) supply.Item { return supply.Pack(gtin, fmt.Sprintf("V%d", s.I)) }

// The fixture's reports: for each signer that holds packs, in signer order,
// first its Q pack's (rpt-2k+1), then a counterfeit's (rpt-2k+2), k its
// rank among the holders.
func qReport(s supplySigner) string { return fmt.Sprintf("rpt-%d", 2*s.holderRank+1) }
func iReport(s supplySigner) string { return fmt.Sprintf("rpt-%d", 2*s.holderRank+2) }

// unmade is a GTIN no one registers: its packs are counterfeits.
var unmade = gtinN(777)

func kCase(s supplySigner) supply.Item { return supply.Case(ssccN(s.I)) }
func rLot(s supplySigner) string       { return fmt.Sprintf("R%d", s.I) }

// matrixFixture builds, for every signer whose organization holds packs,
// objects in the state the signer's transactions need to succeed.
func matrixFixture(t *testing.T, ch *chaintest.Chain, signers []supplySigner) {
	t.Helper()
	const admin, packager = matrixMaker + "/admin", matrixMaker + "/packager"
	const dist = "medsupply-dist"
	mustBlock(t, ch, "register the product", ch.Sign(admin, supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Matrix 10 mg tablets"}))

	var serials []string
	var txs [][]byte
	for _, s := range signers {
		serials = append(serials, hPack(s).Serial, kPack(s).Serial, tPack(s).Serial, qPack(s).Serial, vPack(s).Serial)
		txs = append(txs, ch.Sign(packager, supply.TypeLot, supply.LotBody{GTIN: gtin, Lot: rLot(s), Expiry: farExpiry}))
	}
	txs = append(txs, ch.Sign(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: matrixLot, Expiry: farExpiry, Serials: serials}))
	mustBlock(t, ch, "commission", txs...)

	txs = nil
	for _, s := range signers {
		txs = append(txs, ch.Sign(packager, supply.TypeAggregate, supply.AggregateBody{SSCC: kCase(s).SSCC, Items: []supply.Item{kPack(s)}}))
	}
	mustBlock(t, ch, "pack the cases", txs...)

	// Each signer's objects travel to its organization. The manufacturer's
	// own H and T make a round trip through the distributor, so that H has
	// someone to be returned to and T is in transit to the manufacturer.
	// V makes a round trip that ends as a return to s's organization:
	// acme's goes to the distributor and comes back; the others' come from
	// acme, go on to a partner and come back.
	var ship, receive, back, receiveBack, ret, receiveRet [][]byte
	for _, s := range signers {
		switch {
		case !s.holds():
		case s.Org == matrixMaker:
			ship = append(ship, ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: dist, Items: []supply.Item{hPack(s), tPack(s), vPack(s)}}))
			receive = append(receive, ch.Sign(dist+"/admin", supply.TypeReceive, supply.ReceiveBody{Items: []supply.Item{hPack(s), tPack(s), vPack(s)}}))
			back = append(back,
				ch.Sign(dist+"/admin", supply.TypeShip, supply.ShipBody{To: matrixMaker, Items: []supply.Item{hPack(s)}}),
				ch.Sign(dist+"/admin", supply.TypeShip, supply.ShipBody{To: matrixMaker, Items: []supply.Item{tPack(s)}}),
				ch.Sign(dist+"/admin", supply.TypeReturn, supply.ReturnBody{Items: []supply.Item{vPack(s)}}))
			receiveBack = append(receiveBack, ch.Sign(admin, supply.TypeReceive, supply.ReceiveBody{Items: []supply.Item{hPack(s)}}),
				ch.Sign(admin, supply.TypeReceive, supply.ReceiveBody{Items: []supply.Item{vPack(s)}}))
		default:
			items := []supply.Item{hPack(s), kCase(s), qPack(s), vPack(s)}
			v := []supply.Item{vPack(s)}
			ship = append(ship, ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: s.Org, Items: items}))
			receive = append(receive, ch.Sign(s.Org+"/admin", supply.TypeReceive, supply.ReceiveBody{Items: items}))
			back = append(back, ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: s.Org, Items: []supply.Item{tPack(s)}}),
				ch.Sign(s.Org+"/admin", supply.TypeShip, supply.ShipBody{To: s.partner(), Items: v}))
			receiveBack = append(receiveBack, ch.Sign(s.partner()+"/admin", supply.TypeReceive, supply.ReceiveBody{Items: v}))
			ret = append(ret, ch.Sign(s.partner()+"/admin", supply.TypeReturn, supply.ReturnBody{Items: v}))
			receiveRet = append(receiveRet, ch.Sign(s.Org+"/admin", supply.TypeReceive, supply.ReceiveBody{Items: v}))
		}
	}
	mustBlock(t, ch, "ship to the signers", ship...)
	mustBlock(t, ch, "receive", receive...)
	mustBlock(t, ch, "ship again", back...)
	mustBlock(t, ch, "receive back", receiveBack...)
	mustBlock(t, ch, "return V", ret...)
	mustBlock(t, ch, "receive V", receiveRet...)

	// Reports: each holder's Q, and a counterfeit it determines
	// illegitimate.
	var reports, determine [][]byte
	for _, s := range signers {
		if !s.holds() {
			continue
		}
		reports = append(reports,
			ch.Sign(s.Org+"/admin", supply.TypeReport, supply.ReportBody{Code: packCode(gtin, qPack(s).Serial), Reason: "seal broken"}),
			ch.Sign(s.Org+"/admin", supply.TypeReport, supply.ReportBody{Code: packCode(unmade, fmt.Sprintf("Z%d", s.I)), Reason: "no such product"}))
		determine = append(determine, ch.Sign(s.Org+"/admin", supply.TypeInvestigate,
			supply.InvestigateBody{Report: iReport(s), Outcome: supply.OutcomeIllegitimate, Reason: "counterfeit", Classification: "counterfeit"}))
	}
	mustBlock(t, ch, "report", reports...)
	mustBlock(t, ch, "determine the counterfeits", determine...)
}

// labelCode is a fixture pack's whole label: GTIN, lot, expiry, serial.
func labelCode(it supply.Item) string {
	return "(01)" + it.GTIN + "(10)" + matrixLot + "(17)" + farExpiry + "(21)" + it.Serial
}

// matrixBody is a body of typ for s that succeeds when s may send typ.
func matrixBody(typ string, s supplySigner) any {
	switch typ {
	case supply.TypeProduct:
		return supply.ProductBody{GTIN: gtinN(500 + s.I), Name: fmt.Sprintf("Product %d", s.I)}
	case supply.TypeLot:
		return supply.LotBody{GTIN: gtin, Lot: fmt.Sprintf("N%d", s.I), Expiry: farExpiry}
	case supply.TypeCommission:
		return supply.CommissionBody{GTIN: gtin, Lot: fmt.Sprintf("C%d", s.I), Expiry: farExpiry, Serials: []string{fmt.Sprintf("C%d", s.I)}}
	case supply.TypeAggregate:
		return supply.AggregateBody{SSCC: ssccN(100 + s.I), Items: []supply.Item{hPack(s)}}
	case supply.TypeDisaggregate:
		return supply.DisaggregateBody{SSCC: kCase(s).SSCC}
	case supply.TypeShip:
		return supply.ShipBody{To: s.partner(), Items: []supply.Item{hPack(s)}}
	case supply.TypeReceive:
		return supply.ReceiveBody{Items: []supply.Item{tPack(s)}}
	case supply.TypeReturn:
		return supply.ReturnBody{Items: []supply.Item{hPack(s)}}
	case supply.TypeDispense:
		return supply.DispenseBody{GTIN: gtin, Serial: hPack(s).Serial}
	case supply.TypeDecommission:
		return supply.DecommissionBody{Items: []supply.Item{hPack(s)}, Reason: "destroyed"}
	case supply.TypeRecall:
		return supply.RecallBody{GTIN: gtin, Lot: rLot(s), Reason: "matrix"}
	case supply.TypeReport:
		return supply.ReportBody{Code: packCode(gtin, fmt.Sprintf("FAKE%d", s.I)), Reason: "no such serial"}
	case supply.TypeInvestigate:
		return supply.InvestigateBody{Report: qReport(s), Outcome: supply.OutcomeCleared, Reason: "seal checked with the manufacturer"}
	case supply.TypeTerminate:
		return supply.TerminateBody{Report: iReport(s), Reason: "closed with the regulator"}
	case supply.TypeVerifyReturn:
		return supply.VerifyReturnBody{Codes: []string{labelCode(vPack(s))}}
	}
	return nil
}

// TestSupplyAuthorizationMatrix sends every supply transaction type from a
// signer of every role of every kind of organization, and from a patient,
// through FinalizeBlock: refused signers MUST get tx/unauthorized (in
// CheckTx too); allowed ones succeed, the fixture giving each signer's
// organization the objects its transaction names.
func TestSupplyAuthorizationMatrix(t *testing.T) {
	c := supplyConsortium()
	signers := supplySigners(t, c)

	var types []string
	for _, r := range (supply.Module{}).Routes() {
		types = append(types, r.Type)
	}
	for _, typ := range types {
		if _, ok := supplyAllowed[typ]; !ok {
			t.Errorf("transaction type %s has no row in the expected authorization table", typ)
		}
		if matrixBody(typ, signers[0]) == nil {
			t.Errorf("transaction type %s has no matrix body", typ)
		}
	}
	known := map[string]bool{}
	for _, s := range signers {
		known[s.KindRole] = true
	}
	for typ, krs := range supplyAllowed {
		if !slices.Contains(types, typ) {
			t.Errorf("expected table names %s, which the module does not route", typ)
		}
		for _, kr := range krs {
			if !known[kr] {
				t.Errorf("expected table allows %s to send %s, which is no kind/role of identity.RolesByKind", kr, typ)
			}
		}
	}

	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			if matrixBody(typ, signers[0]) == nil {
				t.Skip("no body")
			}
			ch := newSupplyChain(t, c)
			matrixFixture(t, ch, signers)
			var txs [][]byte
			for _, s := range signers {
				raw := ch.Sign(s.ID, typ, matrixBody(typ, s))
				if !slices.Contains(supplyAllowed[typ], s.KindRole) {
					if r := ch.Check(raw); !chaintest.Is(r, tx.ErrUnauthorized) {
						t.Errorf("CheckTx: %s (%s) sending %s: got %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(r))
					}
				}
				txs = append(txs, raw)
			}
			res := ch.Block(txs...)
			allowed := 0
			for i, s := range signers {
				want := slices.Contains(supplyAllowed[typ], s.KindRole)
				switch {
				case want && res[i].Code != 0:
					t.Errorf("%s (%s) sending %s: got %s, want ok", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case !want && !chaintest.Is(res[i], tx.ErrUnauthorized):
					t.Errorf("%s (%s) sending %s: got %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case want:
					allowed++
				}
			}
			if allowed != len(supplyAllowed[typ]) {
				t.Errorf("%s: %d signers allowed, the table names %d", typ, allowed, len(supplyAllowed[typ]))
			}
		})
	}
}

// refuse checks that raw is refused with code, in CheckTx and in a block.
func refuse(t *testing.T, ch *chaintest.Chain, raw []byte, code medledger.Code, what string) {
	t.Helper()
	chaintest.RequireCode(t, ch.Check(raw), code, "CheckTx "+what)
	chaintest.RequireCode(t, ch.Deliver(raw), code, what)
}

// TestSupplyObjectRules checks the object-level rules the policies leave to
// the handlers: a manufacturer commissions, registers lots of and recalls
// only its own products; only the custodian ships, dispenses or
// decommissions; only the addressee receives; shipments go to trading
// partners only.
func TestSupplyObjectRules(t *testing.T) {
	c := supplyConsortium()
	ch := newSupplyChain(t, c)
	const (
		acme, packager       = "acme-pharma/admin", "acme-pharma/packager"
		globex, globexPacker = secondMaker + "/admin", secondMaker + "/packager"
		dist                 = "medsupply-dist/warehouse"
		pharmacist           = "cityrx-pharmacy/pharmacist"
		hospital             = "northside-hospital/pharmacist"
		inspector            = "drug-regulator/inspector"
	)
	theirs := gtinN(900)
	mustBlock(t, ch, "products",
		ch.Sign(acme, supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Acme 5 mg"}),
		ch.Sign(globex, supply.TypeProduct, supply.ProductBody{GTIN: theirs, Name: "Globex 5 mg"}))
	o := func(n int) supply.Item { return supply.Pack(gtin, fmt.Sprintf("O%d", n)) }
	mustBlock(t, ch, "commission",
		ch.Sign(packager, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L1", Expiry: farExpiry,
			Serials: []string{"O1", "O2", "O3", "O4", "O5", "O6"}}))

	t.Run("manufacturer", func(t *testing.T) {
		refuse(t, ch, ch.Sign(globexPacker, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L1", Serials: []string{"G1"}}),
			supply.ErrNotOwner, "globex commissions acme's product")
		refuse(t, ch, ch.Sign(globex, supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "GX", Expiry: farExpiry, Serials: []string{"G1"}}),
			supply.ErrNotOwner, "globex commissions acme's product in a new lot")
		refuse(t, ch, ch.Sign(globex, supply.TypeLot, supply.LotBody{GTIN: gtin, Lot: "GX", Expiry: farExpiry}),
			supply.ErrNotOwner, "globex registers a lot of acme's product")
		refuse(t, ch, ch.Sign(globex, supply.TypeRecall, supply.RecallBody{GTIN: gtin, Lot: "L1", Reason: "sabotage"}),
			supply.ErrNotOwner, "globex recalls acme's lot")
		refuse(t, ch, ch.Sign(globex, supply.TypeRecall, supply.RecallBody{GTIN: gtin, Reason: "sabotage"}),
			supply.ErrNotOwner, "globex recalls acme's product")
		refuse(t, ch, ch.Sign(packager, supply.TypeCommission, supply.CommissionBody{GTIN: theirs, Lot: "A1", Expiry: farExpiry, Serials: []string{"A1"}}),
			supply.ErrNotOwner, "acme commissions globex's product")
		refuse(t, ch, ch.Sign(globex, supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Taken"}),
			supply.ErrExists, "globex registers acme's GTIN")
		if _, ok := supply.GetPack(ch.Latest(), gtin, "G1"); ok {
			t.Fatal("a refused commissioning commissioned G1")
		}
		if _, ok := supply.GetLot(ch.Latest(), gtin, "GX"); ok {
			t.Fatal("a refused transaction registered lot GX")
		}
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(globexPacker, supply.TypeCommission,
			supply.CommissionBody{GTIN: theirs, Lot: "G1", Expiry: farExpiry, Serials: []string{"G1"}})), "globex commissions its own product")
		// A regulator recalls any manufacturer's lot.
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(inspector, supply.TypeRecall,
			supply.RecallBody{GTIN: theirs, Lot: "G1", Reason: "contamination"})), "the regulator recalls globex's lot")
	})

	t.Run("custodian", func(t *testing.T) {
		// Held by acme: the distributor can neither ship nor decommission it,
		// the pharmacy cannot dispense it.
		refuse(t, ch, ch.Sign(dist, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: []supply.Item{o(1)}}),
			supply.ErrNotCustodian, "the distributor ships acme's pack")
		refuse(t, ch, ch.Sign(dist, supply.TypeDecommission, supply.DecommissionBody{Items: []supply.Item{o(1)}, Reason: "stolen"}),
			supply.ErrNotCustodian, "the distributor reports acme's pack stolen")
		refuse(t, ch, ch.Sign(pharmacist, supply.TypeDispense, supply.DispenseBody{GTIN: gtin, Serial: "O1"}),
			supply.ErrNotCustodian, "the pharmacy dispenses acme's pack")
		refuse(t, ch, ch.Sign(dist, supply.TypeAggregate, supply.AggregateBody{SSCC: ssccN(1), Items: []supply.Item{o(1)}}),
			supply.ErrNotCustodian, "the distributor packs acme's pack")
		// In transit to the distributor: not yet its to ship.
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: []supply.Item{o(1), o(2)}})), "ship to the distributor")
		refuse(t, ch, ch.Sign(dist, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: []supply.Item{o(1)}}),
			supply.ErrInTransit, "the distributor ships a pack before receiving it")
		refuse(t, ch, ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: []supply.Item{o(1)}}),
			supply.ErrInTransit, "acme ships a pack twice")
	})

	t.Run("addressee", func(t *testing.T) {
		items := []supply.Item{o(1), o(2)}
		for _, who := range []string{pharmacist, hospital, packager, acme} {
			refuse(t, ch, ch.Sign(who, supply.TypeReceive, supply.ReceiveBody{Items: items}), supply.ErrWrongPartner, who+" receives the distributor's shipment")
			refuse(t, ch, ch.Sign(who, supply.TypeReceive, supply.ReceiveBody{Shipment: "shp-1", Items: items}), supply.ErrWrongPartner, who+" receives shp-1")
		}
		if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "O1"), ch.Time); v.Custodian != "acme-pharma" || v.InTransitTo != "medsupply-dist" {
			t.Fatalf("after refused receipts: %+v", v)
		}
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(dist, supply.TypeReceive, supply.ReceiveBody{Items: items})), "the distributor receives")
		refuse(t, ch, ch.Sign(packager, supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: []supply.Item{o(2)}}),
			supply.ErrNotCustodian, "acme ships a pack it sold")
		refuse(t, ch, ch.Sign(dist, supply.TypeReceive, supply.ReceiveBody{Shipment: "shp-1", Items: items}), supply.ErrState, "a second receipt")
	})

	t.Run("partner", func(t *testing.T) {
		for _, to := range []string{"unity-health-plan", "drug-regulator", "heartwell-trials", "state-medical-board", "no-such-org"} {
			refuse(t, ch, ch.Sign(dist, supply.TypeShip, supply.ShipBody{To: to, Items: []supply.Item{o(2)}}), supply.ErrNotPartner, "ship to "+to)
		}
		refuse(t, ch, ch.Sign(dist, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: []supply.Item{o(2)}}), supply.ErrInvalid, "ship to itself")
		if v, _ := supply.Verify(ch.Latest(), packCode(gtin, "O2"), ch.Time); v.Result != supply.ResultVerified || v.Custodian != "medsupply-dist" || v.Shipment != "" {
			t.Fatalf("after refused shipments: %+v", v)
		}
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(dist, supply.TypeShip, supply.ShipBody{To: "northside-hospital", Items: []supply.Item{o(2)}})), "ship to a hospital")
	})
}
