package vault_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
)

// objectPath is where the disk driver keeps a document's object.
func objectPath(v *testVault, id vault.DocID, ext string) string {
	h := id.String()
	return filepath.Join(v.dir, "doc", h[:2], h+ext)
}

// TestTamperStored flips each bit... of each byte of the stored blob and
// keyring in turn: Open never returns plaintext and reports ErrCorrupt (or
// ErrNoAccess when the flipped byte is in the recipient's own public key).
func TestTamperStored(t *testing.T) {
	v := newTestVault(t)
	alice, bob := newKey(t), newKey(t)
	doc := []byte("a short lab result: potassium 4.1 mmol/L")
	r, err := v.Put(ctx, doc, pub(alice), pub(bob))
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".blob", ".keys"} {
		path := objectPath(v, r.ID, ext)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range orig {
			for _, flip := range []byte{0x01, 0x80} {
				bad := bytes.Clone(orig)
				bad[i] ^= flip
				if err := os.WriteFile(path, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				got, err := v.Open(ctx, r.ID, bob)
				if err == nil {
					t.Fatalf("%s byte %d ^%#x: Open succeeded (%q)", ext, i, flip, got)
				}
				if !medledger.HasCode(err, vault.ErrCorrupt) && !medledger.HasCode(err, vault.ErrNoAccess) {
					t.Fatalf("%s byte %d ^%#x: %v, want ErrCorrupt or ErrNoAccess", ext, i, flip, err)
				}
				if ext == ".blob" {
					_, err := v.Get(ctx, r.ID)
					wantCode(t, err, vault.ErrCorrupt)
				}
			}
		}
		// Truncation at every length, and an appended byte.
		for n := range len(orig) {
			os.WriteFile(path, orig[:n], 0o600)
			if _, err := v.Open(ctx, r.ID, bob); !medledger.HasCode(err, vault.ErrCorrupt) {
				t.Fatalf("%s truncated to %d: %v, want ErrCorrupt", ext, n, err)
			}
		}
		os.WriteFile(path, append(bytes.Clone(orig), 0), 0o600)
		if _, err := v.Open(ctx, r.ID, bob); !medledger.HasCode(err, vault.ErrCorrupt) {
			t.Fatalf("%s with a byte appended: %v, want ErrCorrupt", ext, err)
		}
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := v.Open(ctx, r.ID, bob); err != nil || !bytes.Equal(got, doc) {
			t.Fatalf("restored %s: %v", ext, err)
		}
	}
}

// TestTamperInTransit flips each byte of a wrapped key and of a blob handed
// to a reader: OpenBlob never returns plaintext.
func TestTamperInTransit(t *testing.T) {
	v := newTestVault(t)
	bob := newKey(t)
	doc := []byte("discharge letter")
	r, err := v.Put(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := v.Wrap(ctx, r.ID, pub(bob))
	if err != nil {
		t.Fatal(err)
	}
	blob, err := v.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, i int, blob, wk []byte) {
		t.Helper()
		d, err := vault.OpenBlob(blob, wk, bob)
		if err == nil {
			t.Fatalf("%s byte %d altered: OpenBlob succeeded (%q)", what, i, d.Plaintext)
		}
		if !medledger.HasCode(err, vault.ErrMalformed) && !medledger.HasCode(err, vault.ErrNoAccess) {
			t.Fatalf("%s byte %d altered: %v, want ErrMalformed or ErrNoAccess", what, i, err)
		}
	}
	for i := range wk {
		bad := bytes.Clone(wk)
		bad[i] ^= 0x01
		check("wrapped key", i, blob, bad)
	}
	for i := range blob {
		bad := bytes.Clone(blob)
		bad[i] ^= 0x01
		check("blob", i, bad, wk)
	}
	if _, err := vault.OpenBlob(blob, wk, bob); err != nil {
		t.Fatalf("untouched inputs: %v", err)
	}
}

// TestSwappedObjects: objects moved between documents are caught: a blob
// under another id fails its digest, a keyring under another id names the
// wrong document.
func TestSwappedObjects(t *testing.T) {
	v := newTestVault(t)
	alice := newKey(t)
	r1, _ := v.Put(ctx, []byte("one"), pub(alice))
	r2, _ := v.Put(ctx, []byte("two"), pub(alice))
	for _, ext := range []string{".blob", ".keys"} {
		b2, _ := os.ReadFile(objectPath(v, r2.ID, ext))
		orig, _ := os.ReadFile(objectPath(v, r1.ID, ext))
		os.WriteFile(objectPath(v, r1.ID, ext), b2, 0o600)
		_, err := v.Open(ctx, r1.ID, alice)
		wantCode(t, err, vault.ErrCorrupt)
		os.WriteFile(objectPath(v, r1.ID, ext), orig, 0o600)
	}
}
