package keystore_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/keystore"
)

func pass(p string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(p), nil } }

// TestSaveLoad: keys round-trip, encrypted or not, and sign the same;
// the public part is readable without the passphrase and holds no secret.
func TestSaveLoad(t *testing.T) {
	t.Parallel()
	s := keystore.Store{Dir: t.TempDir()}
	for name, pw := range map[string]string{"acme/plain": "", "acme/sealed": "correct horse"} {
		k, err := keystore.Generate(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(k, []byte(pw)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load(name, pass(pw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.KeyID() != k.KeyID() || !bytes.Equal(got.EncPub(), k.EncPub()) || got.ID != name {
			t.Errorf("%s: loaded another key", name)
		}
		info, err := s.Info(name)
		if err != nil || info.Secret != nil || info.Sealed != nil || info.KeyID != k.KeyID() || info.Encrypted != (pw != "") {
			t.Errorf("%s: Info %+v %v", name, info, err)
		}
		if err := s.Save(k, nil); !errors.Is(err, keystore.ErrExists) {
			t.Errorf("%s: a second Save: %v, want ErrExists", name, err)
		}
		fi, err := os.Stat(filepath.Join(s.Dir, name+".json"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: file mode %v %v, want 0600", name, fi.Mode(), err)
		}
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Name != "acme/plain" || list[1].Name != "acme/sealed" {
		t.Errorf("List: %+v %v", list, err)
	}
	if _, err := s.Load("acme/sealed", pass("wrong")); !errors.Is(err, keystore.ErrBadPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := s.Load("acme/sealed", nil); err == nil {
		t.Error("an encrypted key loaded without a passphrase")
	}
	for _, bad := range []string{"", "noslash", "a/b/c", "../x", "/abs/x"} {
		if _, err := s.Load(bad, nil); err == nil || errors.Is(err, keystore.ErrNotFound) {
			t.Errorf("key name %q: %v, want refused as a name", bad, err)
		}
	}
}

// TestFromSeedDeterministic: the same seed makes the same keys.
func TestFromSeedDeterministic(t *testing.T) {
	t.Parallel()
	a, b := keystore.FromSeed("acme/x", []byte("seed")), keystore.FromSeed("acme/x", []byte("seed"))
	if a.KeyID() != b.KeyID() || !bytes.Equal(a.EncPub(), b.EncPub()) {
		t.Error("FromSeed is not deterministic")
	}
	if c := keystore.FromSeed("acme/x", []byte("other")); c.KeyID() == a.KeyID() {
		t.Error("two seeds made one key")
	}
}

// TestCraftedFile: a key file whose fields were edited is refused with an
// error that says what is wrong, before any costly or unsafe work: a huge
// scrypt cost does not allocate, a wrong nonce does not panic, a key id
// that does not match the key is found.
//
// Not parallel: the memory it checks is the process's, which tests running
// beside it would add to (CI saw 64 MiB).
func TestCraftedFile(t *testing.T) {
	s := keystore.Store{Dir: t.TempDir()}
	k, err := keystore.Generate("acme/sealed")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(k, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir, "acme", "sealed.json")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"scrypt cost 2^40", func(m map[string]any) { m["scrypt_n"] = 1 << 40 }, "scrypt cost"},
		{"scrypt cost 2^22", func(m map[string]any) { m["scrypt_n"] = 1 << 22 }, "scrypt cost"},
		{"scrypt cost not a power of two", func(m map[string]any) { m["scrypt_n"] = 40000 }, "scrypt cost"},
		{"scrypt cost 2", func(m map[string]any) { m["scrypt_n"] = 2 }, "scrypt cost"},
		{"scrypt cost missing", func(m map[string]any) { delete(m, "scrypt_n") }, "scrypt cost"},
		{"short nonce", func(m map[string]any) { m["nonce"] = "AAAA" }, "nonce"},
		{"no salt", func(m map[string]any) { delete(m, "salt") }, "salt"},
		{"sealed cut short", func(m map[string]any) { m["sealed"] = "AAAAAAAA" }, "sealed"},
		{"another key id", func(m map[string]any) { m["key_id"] = strings.Repeat("0", 32) }, "key id does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(orig, &m); err != nil {
				t.Fatal(err)
			}
			c.edit(m)
			b, _ := json.Marshal(m)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := s.Load("acme/sealed", pass("pw"))
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v, want an error about %s", err, c.want)
			}
			if took, grew := time.Since(start), after.TotalAlloc-before.TotalAlloc; took > 2*time.Second || grew > 64<<20 {
				t.Errorf("refusing took %s and %d MiB", took, grew>>20)
			}
		})
	}
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("acme/sealed", pass("pw")); err != nil {
		t.Fatalf("the original file: %v", err)
	}
}
