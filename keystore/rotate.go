package keystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/medledger/medledger"
)

// A key rotation on this machine, for an identity that rotates its own key
// (a patient): the new key is saved beside the old one before the chain is
// told of it (SaveNext), so that a crash after the chain took the new key
// never loses it; once the chain took it, Promote makes it the identity's
// key and keeps the old one as a retired key (never to sign with again, but
// still able to open what was wrapped for it). If the chain refused it,
// DiscardNext removes it.
//
// Names: the next key of "patient/alice" is "patient/alice~next", a retired
// one "patient/alice~retired-" and the first 12 characters of its key id.
// '~' is in no name keys add accepts, so these never meet a key made by
// hand. Inside, both files keep the identity's own name (an encrypted key
// is sealed to it).

// ErrNoNext is returned when a name has no next key.
var ErrNoNext = errors.New("no next key")

// NextName is the name under which the key that is to replace name's waits.
func NextName(name string) string { return name + "~next" }

// RetiredName is the name a retired key of name with key id keyID keeps.
func RetiredName(name, keyID string) string {
	if len(keyID) > 12 {
		keyID = keyID[:12]
	}
	return name + "~retired-" + keyID
}

// IsSpecial reports whether a stored name is a next or retired key (not a
// key to sign with).
func IsSpecial(name string) bool { return strings.Contains(name, "~") }

// SaveNext saves k (whose Name is the identity's own key name) as the next
// key of k.Name, encrypted with passphrase unless it is empty. Returns
// ErrExists if a next key waits already.
func (s Store) SaveNext(k *Key, passphrase []byte) error {
	return s.saveAs(NextName(k.Name), k, passphrase)
}

// DiscardNext removes the next key of name. Returns ErrNoNext if there is
// none.
func (s Store) DiscardNext(name string) error {
	p, err := s.path(NextName(name))
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNoNext, medledger.Quote(name))
	}
	return fileErr(name, err)
}

// Promote makes the next key of name its key and keeps the key it
// replaces, marked retired, under RetiredName; it returns that name. It is
// safe to crash at any point: the retired copy is written before the next
// key takes the place of the current one (one rename), so the current file
// always holds the old key or the new one, and the old key is never lost.
// Returns ErrNoNext if name has no next key, ErrNotFound if it has no key.
func (s Store) Promote(name string) (string, error) {
	cur, err := s.path(name)
	if err != nil {
		return "", err
	}
	next, err := s.path(NextName(name))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(next); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s", ErrNoNext, medledger.Quote(name))
	}
	b, err := os.ReadFile(cur)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s (looked in %s)", ErrNotFound, medledger.Quote(name), s.Dir)
	}
	if err != nil {
		return "", fileErr(name, err)
	}
	var old map[string]any // every field kept as it is, secrets included
	if err := json.Unmarshal(b, &old); err != nil {
		return "", fmt.Errorf("key file %s: %w", cur, err)
	}
	nf, err := s.Info(NextName(name))
	if err != nil {
		return "", err
	}
	keyID, _ := old["key_id"].(string)
	retired := RetiredName(name, keyID)
	rp, err := s.path(retired)
	if err != nil {
		return "", err
	}
	old["retired"], old["replaced_by"] = true, nf.KeyID
	rb, err := json.MarshalIndent(old, "", "  ")
	if err != nil {
		return "", err
	}
	if err := s.writeFile(retired, rp, append(rb, '\n')); err != nil {
		return "", err
	}
	return retired, fileErr(name, os.Rename(next, cur))
}
