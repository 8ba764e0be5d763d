package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// TestKeys covers keys list, show and add on a keystore of demo keys.
// NOTE: not parallel: it sets MEDLEDGER_PASSPHRASE.
func TestKeys(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	ks := keystore.Store{Dir: node.Home(home).KeysDir()}
	keys, err := demo.NewKeys([]byte("keys-test"))
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Save(ks); err != nil {
		t.Fatal(err)
	}
	h := func(args ...string) result { return run(t, append([]string{"--home", home}, args...)...) }
	t.Setenv("MEDLEDGER_PASSPHRASE", "")

	t.Run("list", func(t *testing.T) {
		h("keys", "list").ok(t).says(t, "northside-hospital/dr-chen", keys["patient/alice"].ID, "unencrypted", "for development only")
		var list []keyView
		h("-o", "json", "keys", "list").ok(t).json(t, &list)
		if len(list) != len(keys) {
			t.Fatalf("keys list -o json: %d keys, want %d", len(list), len(keys))
		}
		for _, k := range list {
			want := keys[k.Name]
			if want == nil || k.ID != want.ID || k.KeyID != want.KeyID() || k.Encrypted {
				t.Errorf("keys list: %+v, want id %s key id %s unencrypted", k, want.ID, want.KeyID())
			}
		}
		run(t, "--home", t.TempDir(), "keys", "list").ok(t).says(t, "no keys in")
		run(t, "--home", t.TempDir(), "-o", "json", "keys", "list").ok(t).says(t, "[]")
	})

	t.Run("show", func(t *testing.T) {
		k := keys["northside-hospital/dr-chen"]
		h("keys", "show", k.Name).ok(t).says(t, k.Name, k.KeyID(), b64(k.SignPub()), b64(k.EncPub()), "unencrypted")
		var v keyView
		h("-o", "json", "keys", "show", k.Name).ok(t).json(t, &v)
		if v.ID != k.ID || !bytes.Equal(v.SignPub, k.SignPub()) || !bytes.Equal(v.EncPub, k.EncPub()) {
			t.Fatalf("keys show -o json = %+v", v)
		}
		p := keys["patient/alice"]
		h("keys", "show", "patient/alice").ok(t).says(t, p.ID)
		h("keys", "show", "northside-hospital/nobody").refused(t, "no such key")
		h("keys", "show", "nonsense").refused(t, "org/member")
	})

	t.Run("add", func(t *testing.T) {
		h("keys", "add", "newco/admin").refused(t, "needs a passphrase")
		var v keyView
		h("-o", "json", "keys", "add", "newco/admin", "--insecure").ok(t).json(t, &v)
		if v.Name != "newco/admin" || v.ID != "newco/admin" || v.Encrypted || len(v.SignPub) != 32 || len(v.KeyID) != 32 {
			t.Fatalf("keys add -o json = %+v", v)
		}
		h("keys", "list").ok(t).says(t, "newco/admin")
		h("keys", "add", "newco/admin", "--insecure").refused(t, "exists")
		h("keys", "add", "NewCo/Admin", "--insecure").refused(t, "is not org/member")
		h("keys", "add", "../x", "--insecure").refused(t, "is not org/member")

		r := h("keys", "add", "patient/carol", "--insecure").ok(t).says(t, "enroll-patient")
		f, err := ks.Info("patient/carol")
		if err != nil {
			t.Fatal(err)
		}
		if f.ID != identity.PatientID(f.SignPub) {
			t.Fatalf("patient key id = %s, want %s", f.ID, identity.PatientID(f.SignPub))
		}
		r.says(t, f.ID)
		h("keys", "add", "patient/dave", "--id", "newco/admin", "--insecure").refused(t, "--id")

		h("keys", "add", "newco/admin-2", "--id", "newco/admin", "--insecure").ok(t).says(t, "rotate-key")
		if f, _ := ks.Info("newco/admin-2"); f.ID != "newco/admin" {
			t.Fatalf("keys add --id: id = %q, want newco/admin", f.ID)
		}

		t.Setenv("MEDLEDGER_PASSPHRASE", "correct horse battery staple")
		h("keys", "add", "newco/dr-lee").ok(t).says(t, "encrypted")
		h("keys", "add", "newco/dr-kim", "--insecure").refused(t, "MEDLEDGER_PASSPHRASE and --insecure")
		var list []keyView
		h("-o", "json", "keys", "list").ok(t).json(t, &list)
		found := false
		for _, k := range list {
			if k.Name == "newco/dr-lee" {
				found = k.Encrypted
			}
		}
		if !found {
			t.Fatalf("keys list does not show newco/dr-lee as encrypted: %+v", list)
		}
		if _, err := ks.Load("newco/dr-lee", func() ([]byte, error) { return []byte("correct horse battery staple"), nil }); err != nil {
			t.Fatalf("load the encrypted key: %v", err)
		}
		if _, err := ks.Load("newco/dr-lee", func() ([]byte, error) { return []byte("wrong"), nil }); err == nil {
			t.Fatal("the encrypted key loads with a wrong passphrase")
		}
		if r := h("keys", "list"); !strings.Contains(r.stdout, "encrypted") {
			t.Fatalf("keys list:\n%s", r.stdout)
		}
	})
}
