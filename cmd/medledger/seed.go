package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
)

// seedMarker records that the dev chain's demo records were stored.
const seedMarker = "demo-seeded"

// seedDemo seeds, once per dev home, the demo records (seedRecords) and
// the demo supply chain (seedSupply), each under its own marker, so that a
// dev home seeded before the supply chain existed gets it on its next run.
func (c *CLI) seedDemo(h node.Home, d *daemon.Daemon) error {
	return errors.Join(c.seedRecords(h, d), c.seedSupply(h, d))
}

// awaitGenesis waits until block 1 has committed: the genesis state is
// visible to transactions only then (CheckTx reads the last committed
// state).
func (c *CLI) awaitGenesis(d *daemon.Daemon) error {
	for d.Store.Version() < 1 {
		select {
		case <-c.ctx.Done():
			return c.ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// seedRecords stores the demo patients' synthetic FHIR records at
// northside-hospital (signed by dr-chen) and Alice's consent for
// lakeside-clinic to read them for treatment, so that the records commands
// have something to show on the first run.
func (c *CLI) seedRecords(h node.Home, d *daemon.Daemon) error {
	marker := filepath.Join(string(h), "data", seedMarker)
	if fileExists(marker) {
		return nil
	}
	ks := keystoreOf(h)
	load := func(name string) (client.Signer, error) {
		k, err := ks.Load(name, nil)
		if err != nil {
			return client.Signer{}, fmt.Errorf("demo records not seeded: %w", err)
		}
		return client.Signer{Key: k}, nil
	}
	chen, err := load("northside-hospital/dr-chen")
	if err != nil {
		return err
	}
	if err := c.awaitGenesis(d); err != nil {
		return err
	}
	cl := client.New(d.URL())
	n := 0
	for _, doc := range demo.Documents() {
		p, err := load(doc.Patient)
		if err != nil {
			return err
		}
		if _, err := cl.AddRecord(c.ctx, chen, p.Key.ID, doc.JSON); err != nil {
			return fmt.Errorf("demo record %s not seeded: %w", doc.Name, err)
		}
		n++
	}
	alice, err := load("patient/alice")
	if err != nil {
		return err
	}
	res, err := cl.Send(c.ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic",
		Purposes: []string{records.PurposeTreatment}, NotAfter: time.Now().Add(365 * 24 * time.Hour)}, "commit")
	if err != nil {
		return fmt.Errorf("demo consent not seeded: %w", err)
	}
	if err := os.WriteFile(marker, []byte(res.Hash+"\n"), 0o600); err != nil {
		return err
	}
	c.logf("medledger: seeded %d synthetic FHIR records for patient/alice and patient/bob at northside-hospital, and alice's consent for lakeside-clinic (TREAT)\n", n)
	return nil
}

// supplySeedMarker records that the dev chain's demo supply chain was
// seeded.
const supplySeedMarker = "demo-supply-seeded"

// The demo supply chain (see seedSupply). The README's tour uses these.
const (
	demoGTIN    = "00312345678906"
	demoProduct = "Amoxicillin 500 mg capsules"
	demoSSCC    = "003123450000000011"
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
		out[i] = supply.Pack(demoGTIN, s)
	}
	return out
}

// seedSupply seeds a drug supply chain: acme-pharma registers
// Amoxicillin 500 mg capsules and commissions lot A100 (20 packs, serials
// 100001 to 100020) and lot A101 (10 packs, 101001 to 101010); it packs
// 100001 to 100010 into case demoSSCC and ships the case and 100011 to
// 100015 to medsupply-dist, which receives them and ships them on to
// cityrx-pharmacy, which receives them; cityrx's pharmacist dispenses
// 100011, and acme-pharma recalls lot A101. 100016 to 100020 stay at
// acme-pharma.
//
// Everything goes in one batch: the node checks each transaction against
// the state the ones before it left, so the chain is seeded in a block or
// two.
func (c *CLI) seedSupply(h node.Home, d *daemon.Daemon) error {
	marker := filepath.Join(string(h), "data", supplySeedMarker)
	if fileExists(marker) {
		return nil
	}
	ks := keystoreOf(h)
	signers := map[string]client.Signer{}
	for _, name := range []string{"acme-pharma/admin", "acme-pharma/packager", "medsupply-dist/warehouse", "cityrx-pharmacy/pharmacist"} {
		k, err := ks.Load(name, nil)
		if err != nil {
			return fmt.Errorf("demo supply chain not seeded: %w", err)
		}
		signers[name] = client.Signer{Key: k}
	}
	if err := c.awaitGenesis(d); err != nil {
		return err
	}
	cl := client.New(d.URL())
	// A product registered already (a seeding cut short, or by hand) is not
	// registered again: the seeding is done, or the chain is the user's.
	var p supply.Product
	if cl.Get(c.ctx, "/v1/products/"+demoGTIN, &p) == nil {
		return os.WriteFile(marker, []byte("product registered before\n"), 0o600)
	}
	a100, a101 := demoSerials("100", 20), demoSerials("101", 10)
	// The lots expire at the end of the month two years on.
	expiry := time.Now().UTC().AddDate(2, 0, 0).Format("0601") + "00"
	shipped := append([]supply.Item{supply.Case(demoSSCC)}, demoPacks(a100[10:15])...)
	tx := func(as, typ string, body any) bulkTx { return bulkTx{signer: signers[as], typ: typ, body: body} }
	txs := []bulkTx{
		tx("acme-pharma/admin", supply.TypeProduct, supply.ProductBody{GTIN: demoGTIN, Name: demoProduct, NationalCode: "12345-678-90", Strength: "500 mg", Form: "capsule"}),
		tx("acme-pharma/packager", supply.TypeCommission, supply.CommissionBody{GTIN: demoGTIN, Lot: demoLot, Expiry: expiry, Serials: a100}),
		tx("acme-pharma/packager", supply.TypeCommission, supply.CommissionBody{GTIN: demoGTIN, Lot: demoLotBad, Expiry: expiry, Serials: a101}),
		tx("acme-pharma/packager", supply.TypeAggregate, supply.AggregateBody{SSCC: demoSSCC, Items: demoPacks(a100[:10])}),
		tx("acme-pharma/packager", supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: shipped}),
		tx("medsupply-dist/warehouse", supply.TypeReceive, supply.ReceiveBody{Items: shipped}),
		tx("medsupply-dist/warehouse", supply.TypeShip, supply.ShipBody{To: "cityrx-pharmacy", Items: shipped}),
		tx("cityrx-pharmacy/pharmacist", supply.TypeReceive, supply.ReceiveBody{Items: shipped}),
		tx("cityrx-pharmacy/pharmacist", supply.TypeDispense, supply.DispenseBody{GTIN: demoGTIN, Serial: a100[10]}),
		tx("acme-pharma/admin", supply.TypeRecall, supply.RecallBody{GTIN: demoGTIN, Lot: demoLotBad, Reason: "potency below specification in stability testing"}),
	}
	res, err := c.sendBulk(cl, txs, bulkOptions{})
	if err != nil {
		return fmt.Errorf("demo supply chain not seeded: %w", err)
	}
	if res.Failed >= 0 {
		return fmt.Errorf("demo supply chain not seeded: %s refused: %s", txs[res.Failed].typ, problemText(res.Problem))
	}
	if err := os.WriteFile(marker, []byte(res.Hashes[len(res.Hashes)-1]+"\n"), 0o600); err != nil {
		return err
	}
	c.logf("medledger: seeded a drug supply chain: %s (GTIN %s), lot %s (%d packs, 10 in case %s) shipped acme-pharma -> medsupply-dist -> cityrx-pharmacy, one pack dispensed; lot %s (%d packs) recalled\n",
		demoProduct, demoGTIN, demoLot, len(a100), supply.Case(demoSSCC), demoLotBad, len(a101))
	c.logf("medledger: try: medledger verify-pack '%s'\n", gs1.Format(gs1.Code{GTIN: demoGTIN, Serial: a100[11]}))
	return nil
}
