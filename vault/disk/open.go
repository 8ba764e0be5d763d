package disk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/medledger/medledger/vault"
)

// OpenVault opens a node's vault on local disk: documents under dir, the
// key-encryption key in kekPath (created on first use), and recovers what
// a crash left half-written. With an empty
// passphrase the KEK is kept unprotected in a 0600 file, which suits a dev
// or test node only; the caller decides and says so.
func OpenVault(ctx context.Context, dir, kekPath string, passphrase []byte) (*vault.Vault, func() error, error) {
	kc := vault.KEKConfig{Path: kekPath, Passphrase: passphrase}
	if len(passphrase) == 0 {
		kc.Protection = vault.KEKUnprotected
	}
	kek, err := vault.LoadKEK(kc)
	if errors.Is(err, fs.ErrNotExist) || (err != nil && !kekExists(kekPath)) {
		kek, err = vault.CreateKEK(kc)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("vault key %s: %w", kekPath, err)
	}
	st, err := Open(dir, Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("vault folder %s: %w", dir, err)
	}
	v, err := vault.New(ctx, st, kek, vault.Config{})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if _, err := v.Recover(ctx); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("vault recovery: %w", err)
	}
	return v, st.Close, nil
}

func kekExists(p string) bool { _, err := os.Stat(p); return err == nil }
