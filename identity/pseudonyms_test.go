package identity_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// TestPseudonyms: a registered pseudonym authenticates with its own key,
// as a pseudonym of its context, and with no other; registration refuses a
// malformed pseudonym and a taken id; a patient's master key does not sign
// for their pseudonym, nor the pseudonym's for the patient.
func TestPseudonyms(t *testing.T) {
	c := chaintest.Demo()
	ch := chaintest.New(t, c)
	ch.Block()
	var ids identity.Module
	w := state.NewCache(ch.Latest())

	seed := sha256.Sum256([]byte("alice"))
	master := ed25519.NewKeyFromSeed(seed[:])
	k, err := pseudonym.Derive(master, "trials/T1")
	if err != nil {
		t.Fatal(err)
	}
	p := app.Pseudonym{Context: "trials/T1", SignKey: k.SignPub(), EncKey: k.EncPub(), By: "northside-hospital/dr-chen", Height: 7}
	if err := ids.RegisterPseudonym(w, p); err != nil {
		t.Fatal(err)
	}
	got, ok := ids.Pseudonym(w, k.ID())
	if !ok || got.ID != k.ID() || got.Context != "trials/T1" || got.By != p.By || got.Height != 7 {
		t.Fatalf("Pseudonym(%s) = %+v, %v", k.ID(), got, ok)
	}
	if key, ok := ids.EncKey(w, k.ID()); !ok || string(key) != string(k.EncPub()) {
		t.Errorf("EncKey(pseudonym) = %x, %v, want its X25519 key", key, ok)
	}

	s, pub, err := ids.Authenticate(w, k.ID(), tx.KeyID(k.SignPub()))
	if err != nil || s.Kind != app.KindPseudonym || s.Context != "trials/T1" || s.ID != k.ID() || !pub.Equal(k.SignPub()) {
		t.Fatalf("Authenticate(pseudonym) = %+v, %v", s, err)
	}
	if _, _, err := ids.Authenticate(w, k.ID(), tx.KeyID(master.Public().(ed25519.PublicKey))); !errors.Is(err, tx.ErrKeyMismatch.Sentinel()) {
		t.Errorf("the master key signs for the pseudonym: %v", err)
	}
	other, _ := pseudonym.Derive(master, "trials/T2")
	if _, _, err := ids.Authenticate(w, other.ID(), tx.KeyID(other.SignPub())); !errors.Is(err, tx.ErrUnknownSigner.Sentinel()) {
		t.Errorf("an unregistered pseudonym authenticates: %v", err)
	}
	if s.Kind == app.KindPatient || (app.Policy{Patients: true}).Allows(s) {
		t.Error("a pseudonym passes as a patient under their chain-wide id")
	}
	if !(app.Policy{Pseudonyms: true}).Allows(s) {
		t.Error("a policy for pseudonyms refuses one")
	}

	for _, bad := range []struct {
		name string
		p    app.Pseudonym
		code medledger.Code
	}{
		{"taken", p, identity.ErrPseudonymExists},
		{"bad context", app.Pseudonym{Context: "T1", SignKey: other.SignPub(), EncKey: other.EncPub()}, identity.ErrInvalid},
		{"short key", app.Pseudonym{Context: "trials/T2", SignKey: other.SignPub()[:5], EncKey: other.EncPub()}, identity.ErrInvalid},
		{"no enc key", app.Pseudonym{Context: "trials/T2", SignKey: other.SignPub()}, identity.ErrInvalid},
		{"id of another key", app.Pseudonym{ID: k.ID(), Context: "trials/T2", SignKey: other.SignPub(), EncKey: other.EncPub()}, identity.ErrInvalid},
	} {
		if err := ids.RegisterPseudonym(w, bad.p); !medledger.HasCode(err, bad.code) {
			t.Errorf("%s: %v, want %s", bad.name, err, bad.code.Slug)
		}
	}
	if _, ok := ids.Pseudonym(w, "pat-"+k.ID()[4:]); ok {
		t.Error("Pseudonym answers for a non-pseudonym id")
	}
}
