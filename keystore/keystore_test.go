package keystore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/medledger/medledger/keystore"
)

// maxEcho is how long an error about a key name may be, however long the
// name (issue 8: a 10 KB --as came back whole).
const maxEcho = 300

// TestHugeKeyNameNotEchoed: Load, Info and Save refuse a huge key name
// with an error that says what was wrong and repeats only a short prefix
// of the name, whichever way the name fails (not org/member, a file name
// the file system refuses, no such key).
func TestHugeKeyNameNotEchoed(t *testing.T) {
	t.Parallel()
	s := keystore.Store{Dir: t.TempDir()}
	long := strings.Repeat("x", 10_000)
	for _, c := range []struct {
		name, key string
		want      string // what the error says
		is        error  // the error it is, if any
	}{
		{"no slash", long, "must be of the form org/member", nil},
		{"two slashes", "a/b/" + long, "must be of the form org/member", nil},
		{"member too long for a file name", "acme/" + long, "file name too long", nil},
		{"org too long for a file name", long + "/dr-chen", "file name too long", nil},
		{"no such key", "acme/" + strings.Repeat("x", 200), "no such key", keystore.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			for op, call := range map[string]func() error{
				"Load": func() error { _, err := s.Load(c.key, nil); return err },
				"Info": func() error { _, err := s.Info(c.key); return err },
			} {
				err := call()
				check(t, op, err, c.want, c.is)
			}
		})
	}
	t.Run("Save", func(t *testing.T) {
		for _, key := range []string{long, "acme/" + long} {
			k := keystore.FromSeed(key, []byte("seed"))
			err := s.Save(k, nil)
			want := "file name too long"
			if !strings.Contains(key, "/") {
				want = "must be of the form org/member"
			}
			check(t, "Save", err, want, nil)
		}
	})
}

func check(t *testing.T, op string, err error, want string, is error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: no error", op)
	case len(err.Error()) > maxEcho:
		t.Errorf("%s: the error is %d bytes, over %d: %.200s...", op, len(err.Error()), maxEcho, err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: %v\ndoes not say %q", op, err, want)
	case !strings.Contains(err.Error(), " bytes)"):
		t.Errorf("%s: %v\ndoes not say how long the name was", op, err)
	case is != nil && !errors.Is(err, is):
		t.Errorf("%s: %v is not %v", op, err, is)
	}
}

// TestShortKeyNameKept: a key name of ordinary length is named whole.
func TestShortKeyNameKept(t *testing.T) {
	t.Parallel()
	s := keystore.Store{Dir: t.TempDir()}
	_, err := s.Load("acme/nobody", nil)
	if !errors.Is(err, keystore.ErrNotFound) || !strings.Contains(err.Error(), `"acme/nobody"`) {
		t.Fatalf("Load(acme/nobody) = %v, want no such key naming it", err)
	}
}
