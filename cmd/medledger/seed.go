package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/records"
)

// seedMarker records that the dev chain's demo records were stored.
const seedMarker = "demo-seeded"

// seedDemo stores, once per dev home, the demo patients' synthetic FHIR
// records at northside-hospital (signed by dr-chen) and Alice's consent for
// lakeside-clinic to read them for treatment, so that the records commands
// have something to show on the first run.
func (c *CLI) seedDemo(h node.Home, d *daemon.Daemon) error {
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
	// The genesis state is visible to transactions only once block 1 has
	// committed (CheckTx reads the last committed state).
	for d.Store.Version() < 1 {
		select {
		case <-c.ctx.Done():
			return c.ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
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
