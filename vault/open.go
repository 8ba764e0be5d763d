package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Open opens a node's vault on store st: the key-encryption key in
// kekPath (created on first use), then recovery of what a crash left
// half-written. With an empty passphrase the KEK is kept unprotected in a
// 0600 file, which suits a dev or test node only; the caller decides and
// says so.
func Open(ctx context.Context, st Store, kekPath string, passphrase []byte) (*Vault, error) {
	kc := KEKConfig{Path: kekPath, Passphrase: passphrase}
	if len(passphrase) == 0 {
		kc.Protection = KEKUnprotected
	}
	kek, err := LoadKEK(kc)
	if _, statErr := os.Stat(kekPath); errors.Is(err, fs.ErrNotExist) || (err != nil && statErr != nil) {
		kek, err = CreateKEK(kc)
	}
	if err != nil {
		return nil, fmt.Errorf("vault key %s: %w", kekPath, err)
	}
	v, err := New(ctx, st, kek, Config{})
	if err != nil {
		return nil, err
	}
	if _, err := v.Recover(ctx); err != nil {
		return nil, fmt.Errorf("vault recovery: %w", err)
	}
	return v, nil
}
