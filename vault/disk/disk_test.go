package disk_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
	"github.com/medledger/medledger/vault/storetest"
)

// newDir returns a fresh path for a store; Open creates it 0700 (t.TempDir
// is 0755 here, which Open refuses).
func newDir(t *testing.T) string { return filepath.Join(t.TempDir(), "vault") }

func openStore(t *testing.T, dir string, opts disk.Options) *disk.Store {
	t.Helper()
	s, err := disk.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store { return openStore(t, newDir(t), disk.Options{}) })
}

func TestContractNoSync(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		return openStore(t, newDir(t), disk.Options{NoSync: true, NoOverwrite: true})
	})
}

func TestPermissions(t *testing.T) {
	dir := newDir(t)
	s := openStore(t, dir, disk.Options{})
	ctx := context.Background()
	if err := s.Put(ctx, vault.Object{Name: "doc/ab/x.blob", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		dir:                                 0o700 | os.ModeDir,
		filepath.Join(dir, "doc"):           0o700 | os.ModeDir,
		filepath.Join(dir, "doc/ab"):        0o700 | os.ModeDir,
		filepath.Join(dir, "doc/ab/x.blob"): 0o600,
		filepath.Join(dir, ".lock"):         0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode() & (os.ModeDir | os.ModePerm); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
}

func TestRefusesOpenFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := disk.Open(dir, disk.Options{}); !medledger.HasCode(err, vault.ErrInsecurePermissions) {
		t.Fatalf("Open of a 0755 folder: %v, want ErrInsecurePermissions", err)
	}
}

func TestLock(t *testing.T) {
	dir := newDir(t)
	s := openStore(t, dir, disk.Options{})
	if _, err := disk.Open(dir, disk.Options{}); !medledger.HasCode(err, vault.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir, disk.Options{}) // free again
	if _, err := s.Get(context.Background(), "a"); err == nil {
		t.Fatal("Get on a closed store succeeded")
	}
}

// TestRemovesTemps: temporary files a crash left are removed on Open and
// never listed.
func TestRemovesTemps(t *testing.T) {
	dir := newDir(t)
	s := openStore(t, dir, disk.Options{})
	ctx := context.Background()
	if err := s.Put(ctx, vault.Object{Name: "doc/ab/x", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "doc", "ab", ".tmp-123")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, err := range s.List(ctx, "") {
		if err != nil || name != "doc/ab/x" {
			t.Fatalf("List yielded %q, %v; want only doc/ab/x", name, err)
		}
	}
	s.Close()
	openStore(t, dir, disk.Options{})
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file survived Open: %v", err)
	}
}

// TestDeleteOverwrites: the old bytes are zeroed before the file goes, as
// seen through a second link to the same inode.
func TestDeleteOverwrites(t *testing.T) {
	dir := newDir(t)
	s := openStore(t, dir, disk.Options{})
	ctx := context.Background()
	if err := s.Put(ctx, vault.Object{Name: "k", Data: []byte("secret key bytes")}); err != nil {
		t.Fatal(err)
	}
	peek := filepath.Join(t.TempDir(), "peek")
	if err := os.Link(filepath.Join(dir, "k"), peek); err != nil {
		t.Skip("no hard links here:", err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(peek)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b {
		if c != 0 {
			t.Fatalf("deleted file still holds %q", b)
		}
	}
}
