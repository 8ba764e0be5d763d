package disk

import (
	"context"
	"fmt"

	"github.com/medledger/medledger/vault"
)

// OpenVault opens a node's vault on local disk, documents under dir (see
// vault.Open for the key and recovery); the function it returns closes the
// folder.
func OpenVault(ctx context.Context, dir, kekPath string, passphrase []byte) (*vault.Vault, func() error, error) {
	st, err := Open(dir, Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("vault folder %s: %w", dir, err)
	}
	v, err := vault.Open(ctx, st, kekPath, passphrase)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return v, st.Close, nil
}
