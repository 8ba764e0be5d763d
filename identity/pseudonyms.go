package identity

import (
	"crypto/ed25519"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
)

// Pseudonyms: a patient signs, in one context (a trial, a payer), under a
// key derived from their master key (package pseudonym) that no one else
// can tie to them. Identity keeps the registry, since it authenticates
// every signer; the module that owns the context registers them
// (app.Identities.RegisterPseudonym) after its own checks of who vouches.

// RolePseudonym is the role of a signer under a pseudonym.
const RolePseudonym = "pseudonym"

// pseudonymRecord is a pseudonym's state value.
type pseudonymRecord struct {
	ID      string `json:"id"`
	Context string `json:"context"`
	SignKey []byte `json:"sign_key"`
	EncKey  []byte `json:"enc_key"`
	KeyID   string `json:"key_id"`
	By      string `json:"by"`
	Height  int64  `json:"height"`
}

// PseudonymKey is the state key of a pseudonym.
func PseudonymKey(id string) []byte { return []byte(prefixPseudonym + id) }

// RegisterPseudonym implements app.Identities.
func (Module) RegisterPseudonym(w state.KV, p app.Pseudonym) error {
	if err := pseudonym.CheckContext(p.Context); err != nil {
		return ErrInvalid.New("pseudonym context: %v", err)
	}
	if len(p.SignKey) != ed25519.PublicKeySize {
		return ErrInvalid.New("a pseudonym's signing key is 32 bytes (Ed25519), not %d", len(p.SignKey))
	}
	if len(p.EncKey) != 32 {
		return ErrInvalid.New("a pseudonym's encryption key is 32 bytes (X25519), not %d", len(p.EncKey))
	}
	id := pseudonym.ID(p.SignKey)
	if p.ID != "" && p.ID != id {
		return ErrInvalid.New("pseudonym id %s does not match its signing key (%s)", medledger.Quote(p.ID), id)
	}
	if w.Get(PseudonymKey(id)) != nil {
		return ErrPseudonymExists.New("pseudonym %s is registered already", id)
	}
	put(w, PseudonymKey(id), pseudonymRecord{ID: id, Context: p.Context, SignKey: p.SignKey, EncKey: p.EncKey,
		KeyID: keyID(p.SignKey), By: p.By, Height: p.Height})
	return nil
}

// Pseudonym implements app.Identities.
func (Module) Pseudonym(r state.Reader, id string) (app.Pseudonym, bool) {
	if !strings.HasPrefix(id, pseudonym.Prefix) {
		return app.Pseudonym{}, false
	}
	var p pseudonymRecord
	if !get(r, PseudonymKey(id), &p) {
		return app.Pseudonym{}, false
	}
	return app.Pseudonym{ID: p.ID, Context: p.Context, SignKey: p.SignKey, EncKey: p.EncKey, By: p.By, Height: p.Height}, true
}
