package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
)

// The demo supply chain (see seed). The README's tour and the CLI tests
// use these.
const (
	DemoGTIN    = "00312345678906"
	demoProduct = "Amoxicillin 500 mg capsules"
	DemoSSCC    = "003123450000000011"
	demoLot     = "A100"
	demoLotBad  = "A101"
)

// demoSerials are the serials of a demo lot: prefix followed by 1 to n,
// three digits ("100001").
func demoSerials(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i+1)
	}
	return out
}

func demoPacks(serials []string) []supply.Item {
	out := make([]supply.Item, len(serials))
	for i, s := range serials {
		out[i] = supply.Pack(DemoGTIN, s)
	}
	return out
}

// seed stores a drug supply chain: acme-pharma registers Amoxicillin 500 mg
// capsules and commissions lot A100 (20 packs, serials 100001 to 100020)
// and lot A101 (10 packs, 101001 to 101010); it packs 100001 to 100010
// into case DemoSSCC and ships the case and 100011 to 100015 to
// medsupply-dist, which receives them and ships them on to
// cityrx-pharmacy, which receives them; cityrx's pharmacist dispenses
// 100011 and reports 100013 suspect (quarantined, for acme to
// investigate), and acme-pharma recalls lot A101. acme ships 100019 and
// 100020 to northside-hospital, whose pharmacist receives them. 100016 to
// 100018 stay at acme-pharma.
//
// Everything goes in one batch: the node checks each transaction against
// the state the ones before it left, so the chain is seeded in a block or
// two.
func seed(ctx context.Context, s cmdline.SeedEnv) (string, error) {
	signers := map[string]client.Signer{}
	for _, name := range []string{"acme-pharma/admin", "acme-pharma/packager", "medsupply-dist/warehouse", "cityrx-pharmacy/pharmacist", "northside-hospital/pharmacist"} {
		k, err := s.Signer(name)
		if err != nil {
			return "", fmt.Errorf("demo supply chain not seeded: %w", err)
		}
		signers[name] = k
	}
	// A product registered already (a seeding cut short, or by hand) is not
	// registered again: the seeding is done, or the chain is the user's.
	if _, err := s.Client.Product(ctx, DemoGTIN); err == nil {
		return "product registered before", nil
	}
	a100, a101 := demoSerials("100", 20), demoSerials("101", 10)
	// The lots expire at the end of the month two years on.
	expiry := time.Now().UTC().AddDate(2, 0, 0).Format("0601") + "00"
	shipped := append([]supply.Item{supply.Case(DemoSSCC)}, demoPacks(a100[10:15])...)
	hospital := demoPacks(a100[18:20])
	tx := func(as, typ string, body any) client.BulkTx {
		return client.BulkTx{Signer: signers[as], Type: typ, Body: body}
	}
	txs := []client.BulkTx{
		tx("acme-pharma/admin", supply.TypeProduct, supply.ProductBody{GTIN: DemoGTIN, Name: demoProduct, NationalCode: "12345-678-90", Strength: "500 mg", Form: "capsule"}),
		tx("acme-pharma/packager", supply.TypeCommission, supply.CommissionBody{GTIN: DemoGTIN, Lot: demoLot, Expiry: expiry, Serials: a100}),
		tx("acme-pharma/packager", supply.TypeCommission, supply.CommissionBody{GTIN: DemoGTIN, Lot: demoLotBad, Expiry: expiry, Serials: a101}),
		tx("acme-pharma/packager", supply.TypeAggregate, supply.AggregateBody{SSCC: DemoSSCC, Items: demoPacks(a100[:10])}),
		tx("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: shipped}),
		tx("medsupply-dist/warehouse", supply.TypeReceive, supply.ReceiveBody{Items: shipped}),
		tx("medsupply-dist/warehouse", supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: shipped}),
		tx("cityrx-pharmacy/pharmacist", supply.TypeReceive, supply.ReceiveBody{Items: shipped}),
		tx("cityrx-pharmacy/pharmacist", supply.TypeDispense, supply.DispenseBody{GTIN: DemoGTIN, Serial: a100[10]}),
		tx("cityrx-pharmacy/pharmacist", supply.TypeReport, supply.ReportBody{Code: gs1.Format(gs1.Code{GTIN: DemoGTIN, Serial: a100[12]}),
			Reason: "carton seal looks reglued; blister print blurred"}),
		tx("acme-pharma/admin", supply.TypeRecall, supply.RecallBody{GTIN: DemoGTIN, Lot: demoLotBad, Reason: "potency below specification in stability testing"}),
		tx("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "northside-hospital", Items: hospital}),
		tx("northside-hospital/pharmacist", supply.TypeReceive, supply.ReceiveBody{Items: hospital}),
	}
	res, err := s.Client.SendAll(ctx, txs, client.BulkOptions{})
	if err != nil {
		return "", fmt.Errorf("demo supply chain not seeded: %w", err)
	}
	if res.Failed >= 0 {
		return "", fmt.Errorf("demo supply chain not seeded: %s refused: %w", txs[res.Failed].Type, res.Err())
	}
	s.Logf("medledger: seeded a drug supply chain: %s (GTIN %s), lot %s (%d packs, 10 in case %s) shipped acme-pharma -> medsupply-dist -> cityrx-pharmacy, one pack dispensed, one quarantined as suspect; two packs at northside-hospital's pharmacy; lot %s (%d packs) recalled\n",
		demoProduct, DemoGTIN, demoLot, len(a100), supply.Case(DemoSSCC), demoLotBad, len(a101))
	s.Try("verify-pack '" + gs1.Format(gs1.Code{GTIN: DemoGTIN, Serial: a100[11]}) + "'")
	s.Try("supply notifications --org cityrx-pharmacy")
	return res.Hashes[len(res.Hashes)-1], nil
}
