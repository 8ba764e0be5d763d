package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/pseudonym"
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
	n, psn := 0, ""
	// Dana's come last, so that the others keep the ids the README's tour
	// reads (rec-1 is bob's, rec-2 alice's).
	docs := demo.Documents()
	slices.SortStableFunc(docs, func(a, b demo.Document) int {
		return cmp.Compare(boolInt(a.Patient == demoPseudonymous), boolInt(b.Patient == demoPseudonymous))
	})
	for _, doc := range docs {
		p, err := s.Signer(doc.Patient)
		if err != nil {
			return "", fmt.Errorf("demo records not seeded: %w", err)
		}
		id := p.Key.ID
		if doc.Patient == demoPseudonymous {
			// Dana is known to northside-hospital under her pseudonym
			// there only (pseudonyms.go): dr-chen enrolls it, as after
			// checking her request (medledger records join).
			if psn == "" {
				if psn, err = enrollDemo(ctx, s, chen, p); err != nil {
					return "", fmt.Errorf("demo pseudonym not seeded: %w", err)
				}
			}
			id = psn
		}
		if _, err := s.Client.AddRecord(ctx, chen, id, doc.JSON); err != nil {
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
	s.Logf("medledger: seeded %d synthetic FHIR records for patient/alice, patient/bob and patient/dana (under her pseudonym %s) at northside-hospital, and alice's consent for lakeside-clinic (TREAT: treatment)\n", n, psn)
	s.Try("records list --at northside-hospital --as " + demoPseudonymous)
	return res.Hash, nil
}

// demoPseudonymous is the demo patient whose records northside-hospital
// holds under her pseudonym there.
const demoPseudonymous = "patient/dana"

// enrollDemo enrolls p's pseudonym at by's organization, signed by by.
func enrollDemo(ctx context.Context, s cmdline.SeedEnv, by, p client.Signer) (string, error) {
	k, err := pseudonym.Derive(p.Key.Sign, records.Context("northside-hospital"))
	if err != nil {
		return "", err
	}
	_, err = s.Client.Send(ctx, by, records.TypeEnroll, records.EnrollBody{Pseudonym: k.ID(), SignKey: k.SignPub(), EncKey: k.EncPub()}, "commit")
	return k.ID(), err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
