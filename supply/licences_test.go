package supply_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/credentialstest"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/supply"
)

// TestLicences: with licence checks switched on for supply by a vote, on a
// real node, trading partners ship to and receive from licensed partners
// only. A shipment to a distributor whose licence was revoked is refused
// with supply/unlicensed-partner (a refusal the sender reads, as every
// supply refusal), a receipt from it too; verification names the
// unlicensed custodian; switched off, shipping to it works again.
func TestLicences(t *testing.T) {
	n := daemontest.Start(t, credentialstest.Options(daemontest.Options{Plugins: plugins()}))
	s := story{t, n}
	ctx := context.Background()
	const inspector = "drug-regulator/inspector"

	s.must("acme-pharma/admin", supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Licensed 10 mg"})
	lot := serials("L", 1, 6)
	s.must("acme-pharma/packager", supply.TypeCommission, supply.CommissionBody{GTIN: gtin, Lot: "L1", Expiry: "301231", Serials: lot})

	credentialstest.Vote(t, n,
		credentialstest.Authorize("drug-regulator", credentials.ManufacturerLicense),
		credentialstest.Authorize("drug-regulator", credentials.WholesaleDistributorLicense),
		credentialstest.Authorize("drug-regulator", credentials.DispenserLicense),
		credentialstest.Enforce("supply"))
	// Nobody holds a licence yet: nothing moves.
	s.refused("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(lot[:1])}, supply.ErrUnlicensed.Slug)

	credentialstest.Issue(t, n, inspector, credentials.ManufacturerLicense, "acme-pharma")
	dist := credentialstest.Issue(t, n, inspector, credentials.WholesaleDistributorLicense, "medsupply-dist")
	credentialstest.Issue(t, n, inspector, credentials.DispenserLicense, "cityrx-pharmacy")

	s.must("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(lot[:2])})
	s.must("medsupply-dist/warehouse", supply.TypeReceive, supply.ReceiveBody{Items: packs(lot[:2])})
	if v := s.verify(code(lot[0])); v.Result != supply.ResultVerified || v.UnlicensedCustodian != "" {
		t.Fatalf("a licensed custodian: %+v", v)
	}
	// A shipment in transit to the distributor when its licence goes.
	s.must("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(lot[2:3])})

	credentialstest.SetStatus(t, n, inspector, credentials.TypeRevoke, dist.Body.ID, "disciplinary-action")
	err := s.send("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(lot[3:4])})
	if !client.IsCode(err, supply.Codespace, supply.ErrUnlicensed.Slug) || !strings.Contains(err.Error(), "medsupply-dist") || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a shipment to a distributor whose licence was revoked: %v", err)
	}
	// What was shipped to it before is still received: its sender is
	// licensed (each end checks the other).
	s.must("medsupply-dist/warehouse", supply.TypeReceive, supply.ReceiveBody{Items: packs(lot[2:3])})
	// The unlicensed distributor may still ship to a licensed pharmacy
	// (its stock is not stranded), but the pharmacy may not receive it.
	s.must("medsupply-dist/warehouse", supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: packs(lot[:1])})
	s.refused("cityrx-pharmacy/pharmacist", supply.TypeReceive, supply.ReceiveBody{Items: packs(lot[:1])}, supply.ErrUnlicensed.Slug)

	v := s.verify(code(lot[1]))
	if v.Custodian != "medsupply-dist" || !strings.Contains(v.UnlicensedCustodian, "wholesale-distributor-license") || !strings.Contains(v.Reason, "not licensed") {
		t.Fatalf("verification of a pack an unlicensed distributor holds: %+v", v)
	}
	vv, raw, err := n.Client.VerifyPack(ctx, code(lot[1]))
	if err != nil || vv.UnlicensedCustodian == "" || !strings.Contains(string(raw), `"unlicensed_custodian"`) {
		t.Fatalf("client.VerifyPack: %+v %v", vv, err)
	}

	credentialstest.Vote(t, n, credentialstest.Relax("supply"))
	s.must("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: packs(lot[3:4])})
	if v := s.verify(code(lot[1])); v.UnlicensedCustodian != "" {
		t.Fatalf("with the checks off: %+v", v)
	}
}
