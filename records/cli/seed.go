package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/records"
)

// seed stores the demo patients' synthetic FHIR records at
// northside-hospital (signed by dr-chen) and Alice's consent for
// lakeside-clinic to read them for treatment, so that the records commands
// have something to show on the first run.
func seed(ctx context.Context, s cmdline.SeedEnv) (string, error) {
	chen, err := s.Signer("northside-hospital/dr-chen")
	if err != nil {
		return "", fmt.Errorf("demo records not seeded: %w", err)
	}
	n := 0
	for _, doc := range demo.Documents() {
		p, err := s.Signer(doc.Patient)
		if err != nil {
			return "", fmt.Errorf("demo records not seeded: %w", err)
		}
		if _, err := s.Client.AddRecord(ctx, chen, p.Key.ID, doc.JSON); err != nil {
			return "", fmt.Errorf("demo record %s not seeded: %w", doc.Name, err)
		}
		n++
	}
	alice, err := s.Signer("patient/alice")
	if err != nil {
		return "", fmt.Errorf("demo consent not seeded: %w", err)
	}
	res, err := s.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic",
		Purposes: []string{records.PurposeTreatment}, NotAfter: time.Now().Add(365 * 24 * time.Hour)}, "commit")
	if err != nil {
		return "", fmt.Errorf("demo consent not seeded: %w", err)
	}
	s.Logf("medledger: seeded %d synthetic FHIR records for patient/alice and patient/bob at northside-hospital, and alice's consent for lakeside-clinic (TREAT: treatment)\n", n)
	return res.Hash, nil
}
