package vault_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
)

// testN is the least scrypt cost KEKConfig accepts, to keep tests fast.
const testN = 1 << 10

func TestKEKPassphrase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "vault-kek.json")
	cfg := vault.KEKConfig{Path: path, Passphrase: []byte("correct horse"), ScryptN: testN}
	k, err := vault.CreateKEK(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	var f map[string]any
	if err := json.Unmarshal(raw, &f); err != nil || f["protection"] != "scrypt" || f["secret"] != nil {
		t.Fatalf("key file is not passphrase protected: %s", raw)
	}
	got, err := vault.LoadKEK(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.PublicKey(), k.PublicKey()) {
		t.Fatal("loaded another key")
	}
	// The loaded KEK opens what the created one stored.
	s := vault.NewMemStore()
	v1, _ := vault.New(ctx, s, k, vault.Config{})
	r, _ := v1.Put(ctx, []byte("doc"))
	v2, err := vault.New(ctx, s, got, vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	reader := newKey(t)
	if _, err := v2.Wrap(ctx, r.ID, pub(reader)); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		cfg  vault.KEKConfig
		want medledger.Code
	}{
		{"wrong passphrase", vault.KEKConfig{Path: path, Passphrase: []byte("wrong")}, vault.ErrWrongPassphrase},
		{"no passphrase", vault.KEKConfig{Path: path}, vault.ErrPassphraseRequired},
		{"unprotected config on a protected file", vault.KEKConfig{Path: path, Protection: vault.KEKUnprotected}, vault.ErrPassphraseRequired},
		{"missing", vault.KEKConfig{Path: path + ".none", Passphrase: []byte("x")}, vault.ErrNotFound},
		{"no path", vault.KEKConfig{Passphrase: []byte("x")}, vault.ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := vault.LoadKEK(tc.cfg)
			wantCode(t, err, tc.want)
		})
	}
	_, err = vault.CreateKEK(cfg)
	wantCode(t, err, vault.ErrKEKExists)
	if again, _ := os.ReadFile(path); !bytes.Equal(again, raw) {
		t.Fatal("refused CreateKEK changed the file")
	}
}

func TestKEKUnprotected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek.json")
	// The default refuses to create a key in the clear.
	_, err := vault.CreateKEK(vault.KEKConfig{Path: path})
	wantCode(t, err, vault.ErrPassphraseRequired)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("refused CreateKEK wrote a file")
	}
	cfg := vault.KEKConfig{Path: path, Protection: vault.KEKUnprotected}
	k, err := vault.CreateKEK(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := vault.LoadKEK(cfg)
	if err != nil || !bytes.Equal(got.PublicKey(), k.PublicKey()) {
		t.Fatalf("LoadKEK: %v", err)
	}
	// Loading an unprotected file needs the explicit opt-in.
	_, err = vault.LoadKEK(vault.KEKConfig{Path: path, Passphrase: []byte("x")})
	wantCode(t, err, vault.ErrKEKUnprotected)
	// A file open to others is refused.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = vault.LoadKEK(cfg)
	wantCode(t, err, vault.ErrInsecurePermissions)
}

func TestKEKConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  vault.KEKConfig
		want medledger.Code
	}{
		{"passphrase with unprotected", vault.KEKConfig{Path: "p", Protection: vault.KEKUnprotected, Passphrase: []byte("x")}, vault.ErrInvalidConfig},
		{"unknown protection", vault.KEKConfig{Path: "p", Protection: 7}, vault.ErrInvalidConfig},
		{"scrypt N not a power of two", vault.KEKConfig{Path: "p", Passphrase: []byte("x"), ScryptN: 3000}, vault.ErrInvalidConfig},
		{"scrypt N too low", vault.KEKConfig{Path: "p", Passphrase: []byte("x"), ScryptN: 512}, vault.ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.cfg.Validate(), tc.want) })
	}
}

// TestKEKCorruptFile: damaged key files are refused, never half loaded.
func TestKEKCorruptFile(t *testing.T) {
	dir := t.TempDir()
	cfg := vault.KEKConfig{Path: filepath.Join(dir, "kek.json"), Passphrase: []byte("pw"), ScryptN: testN}
	if _, err := vault.CreateKEK(cfg); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(cfg.Path)
	var f map[string]any
	json.Unmarshal(raw, &f)
	edits := []struct {
		name  string
		field string
		value any
		want  medledger.Code
	}{
		{"huge scrypt N", "scrypt_n", 1 << 30, vault.ErrCorrupt},
		{"other public key", "public", "00" + f["public"].(string)[2:], vault.ErrWrongPassphrase}, // bound as AAD
		{"bad salt", "salt", "zz", vault.ErrCorrupt},
		{"unknown protection", "protection", "rot13", vault.ErrCorrupt},
		{"other format", "format", "something-else", vault.ErrCorrupt},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			g := map[string]any{}
			for k, v := range f {
				g[k] = v
			}
			g[e.field] = e.value
			b, _ := json.Marshal(g)
			p := filepath.Join(dir, e.name+".json")
			os.WriteFile(p, b, 0o600)
			_, err := vault.LoadKEK(vault.KEKConfig{Path: p, Passphrase: cfg.Passphrase})
			wantCode(t, err, e.want)
		})
	}
}
