package cli

import (
	"context"
	"fmt"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/identity"
)

// seed names alice's guardians on the dev chain: the hospital that enrolled
// her and her relative dana, who has a patient key of her own; both must
// agree to recover her identity.
func seed(ctx context.Context, s cmdline.SeedEnv) (string, error) {
	alice, err := s.Signer("patient/alice")
	if err != nil {
		return "", fmt.Errorf("demo guardians not seeded: %w", err)
	}
	dana, err := s.Signer("patient/dana")
	if err != nil {
		return "", fmt.Errorf("demo guardians not seeded: %w", err)
	}
	res, err := s.Client.Send(ctx, alice, identity.TypePatientGuardians,
		identity.GuardiansBody{Guardians: []string{"northside-hospital", dana.Key.ID}, Threshold: 2}, "commit")
	if err != nil {
		return "", fmt.Errorf("demo guardians not seeded: %w", err)
	}
	s.Logf("medledger: seeded alice's guardians: northside-hospital and her relative patient/dana, both needed to recover her identity\n")
	s.Try("query patient patient/alice")
	return res.Hash, nil
}
