package keystore_test

import (
	"errors"
	"testing"

	"github.com/medledger/medledger/keystore"
)

// TestRotate: a next key waits beside the current one, Promote makes it
// the key of the name and keeps the old key, retired, loadable (to open
// what was wrapped for it); a crash-like second Promote finds no next key;
// DiscardNext drops a next key the chain refused.
func TestRotate(t *testing.T) {
	for _, pass := range []string{"", "correct horse"} {
		s := keystore.Store{Dir: t.TempDir()}
		old := keystore.FromSeed("patient/alice", []byte("old"))
		old.ID = "pat-alice"
		if err := s.Save(old, []byte(pass)); err != nil {
			t.Fatal(err)
		}
		next := keystore.FromSeed("patient/alice", []byte("new"))
		next.ID = old.ID
		if err := s.SaveNext(next, []byte(pass)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveNext(next, []byte(pass)); !errors.Is(err, keystore.ErrExists) {
			t.Fatalf("a second SaveNext: %v, want ErrExists", err)
		}
		pw := func() ([]byte, error) { return []byte(pass), nil }
		if k, err := s.Load("patient/alice", pw); err != nil || k.KeyID() != old.KeyID() {
			t.Fatalf("before Promote the key is %v (%v), want the old one", k, err)
		}
		retired, err := s.Promote("patient/alice")
		if err != nil {
			t.Fatal(err)
		}
		if retired != keystore.RetiredName("patient/alice", old.KeyID()) || !keystore.IsSpecial(retired) {
			t.Fatalf("retired as %q", retired)
		}
		k, err := s.Load("patient/alice", pw)
		if err != nil || k.KeyID() != next.KeyID() || k.ID != old.ID || k.Name != "patient/alice" {
			t.Fatalf("after Promote: %+v (%v), want the new key with id %s", k, err, old.ID)
		}
		r, err := s.Load(retired, pw)
		if err != nil || r.KeyID() != old.KeyID() || r.ID != old.ID {
			t.Fatalf("the retired key: %+v (%v)", r, err)
		}
		info, err := s.Info(retired)
		if err != nil || !info.Retired || info.ReplacedBy != next.KeyID() || info.Name != retired {
			t.Fatalf("the retired key's file: %+v (%v)", info, err)
		}
		files, err := s.List()
		if err != nil || len(files) != 2 {
			t.Fatalf("List after a rotation: %+v (%v), want the key and the retired one", files, err)
		}
		if _, err := s.Promote("patient/alice"); !errors.Is(err, keystore.ErrNoNext) {
			t.Fatalf("Promote without a next key: %v", err)
		}
		if err := s.SaveNext(keystore.FromSeed("patient/alice", []byte("third")), nil); err != nil {
			t.Fatal(err)
		}
		if err := s.DiscardNext("patient/alice"); err != nil {
			t.Fatal(err)
		}
		if err := s.DiscardNext("patient/alice"); !errors.Is(err, keystore.ErrNoNext) {
			t.Fatalf("a second DiscardNext: %v", err)
		}
	}
}
