package vault_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
	"github.com/medledger/medledger/vault/storetest"
)

var ctx = context.Background()

// testVault is a vault on a real disk store in a temp folder.
type testVault struct {
	*vault.Vault
	dir   string
	store *disk.Store
	kek   *vault.KEK
}

func newTestVault(t testing.TB) *testVault {
	t.Helper()
	return openTestVault(t, filepath.Join(t.TempDir(), "vault"), vault.GenerateKEK(), disk.Options{})
}

func openTestVault(t testing.TB, dir string, kek *vault.KEK, opts disk.Options) *testVault {
	t.Helper()
	s, err := disk.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	v, err := vault.New(ctx, s, kek, vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &testVault{Vault: v, dir: dir, store: s, kek: kek}
}

func newKey(t testing.TB) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pub(k *ecdh.PrivateKey) []byte { return k.PublicKey().Bytes() }

func wantCode(t testing.TB, err error, c medledger.Code) {
	t.Helper()
	if !medledger.HasCode(err, c) {
		t.Fatalf("got error %v, want %s/%s", err, c.Codespace, c.Slug)
	}
}

// files returns every regular file under dir with its contents.
func files(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMemStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) vault.Store { return vault.NewMemStore() })
}

func TestRoundTrip(t *testing.T) {
	v := newTestVault(t)
	alice, bob, carol := newKey(t), newKey(t), newKey(t)
	for _, size := range []int{0, 1, 100, 4 << 10, 1<<20 + 3} {
		doc := make([]byte, size)
		rand.Read(doc)
		r, err := v.Put(ctx, doc, pub(alice), pub(bob), pub(alice)) // a duplicate is dropped
		if err != nil {
			t.Fatal(err)
		}
		if r.Size != size {
			t.Fatalf("receipt size %d, want %d", r.Size, size)
		}
		for _, k := range []*ecdh.PrivateKey{alice, bob} {
			got, err := v.Open(ctx, r.ID, k)
			if err != nil {
				t.Fatalf("size %d: Open: %v", size, err)
			}
			if !bytes.Equal(got, doc) {
				t.Fatalf("size %d: Open returned other bytes", size)
			}
		}
		_, err = v.Open(ctx, r.ID, carol)
		wantCode(t, err, vault.ErrNoAccess)

		blob, err := v.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if vault.BlobID(blob) != r.ID || len(blob) != size+vault.BlobOverhead {
			t.Fatalf("blob of %d bytes does not hash to its id", len(blob))
		}
		info, err := v.Stat(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]byte{v.CustodianKey(), pub(alice), pub(bob)}
		if info.ID != r.ID || info.Digest != r.Digest || info.Size != int64(size) || len(info.Recipients) != 3 {
			t.Fatalf("Stat = %+v, want id %s digest %s size %d, 3 recipients", info, r.ID, r.Digest, size)
		}
		for i := range want {
			if !bytes.Equal(info.Recipients[i], want[i]) {
				t.Fatalf("recipient %d = %x, want %x", i, info.Recipients[i], want[i])
			}
		}
		if ok, err := v.Has(ctx, r.ID); !ok || err != nil {
			t.Fatalf("Has = %v, %v", ok, err)
		}
	}
}

// TestWrap: a reader added later gets a wrapped key that, with the blob,
// opens the document away from the vault, and proves the on-chain digest.
func TestWrap(t *testing.T) {
	v := newTestVault(t)
	alice, dave, eve := newKey(t), newKey(t), newKey(t)
	doc := []byte(`{"resourceType":"Observation","valueQuantity":{"value":4.1,"unit":"mmol/L"}}`)
	r, err := v.Put(ctx, doc, pub(alice))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Open(ctx, r.ID, dave)
	wantCode(t, err, vault.ErrNoAccess)

	wk, err := v.Wrap(ctx, r.ID, pub(dave))
	if err != nil {
		t.Fatal(err)
	}
	if len(wk) != vault.WrappedKeySize {
		t.Fatalf("wrapped key of %d bytes, want %d", len(wk), vault.WrappedKeySize)
	}
	again, err := v.Wrap(ctx, r.ID, pub(dave))
	if err != nil || !bytes.Equal(again, wk) {
		t.Fatalf("second Wrap for the same reader: %v, same bytes %v", err, bytes.Equal(again, wk))
	}
	blob, err := v.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := vault.OpenBlob(blob, wk, dave)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Plaintext, doc) || d.ID != r.ID || d.Digest != r.Digest {
		t.Fatalf("OpenBlob = %+v", d)
	}
	if vault.SaltedDigest(d.Salt, doc) != r.Digest {
		t.Fatal("the salt does not reproduce the digest")
	}
	// The reader can now also open through the vault.
	if got, err := v.Open(ctx, r.ID, dave); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("Open by the wrapped reader: %v", err)
	}
	// Someone else holding the wrapped key and the blob cannot use them.
	_, err = vault.OpenBlob(blob, wk, eve)
	wantCode(t, err, vault.ErrNoAccess)
	// A wrapped key for one document does not open another.
	r2, err := v.Put(ctx, doc, pub(alice))
	if err != nil {
		t.Fatal(err)
	}
	blob2, _ := v.Get(ctx, r2.ID)
	_, err = vault.OpenBlob(blob2, wk, dave)
	wantCode(t, err, vault.ErrMalformed)
	if r2.ID == r.ID || r2.Digest == r.Digest {
		t.Fatal("the same document stored twice has the same id or digest: content addressing leaks equality")
	}
	info, _ := v.Stat(ctx, r.ID)
	if len(info.Recipients) != 3 {
		t.Fatalf("after Wrap, %d recipients, want 3", len(info.Recipients))
	}
}

// TestIDRevealsNothing: neither the id nor the digest can be recomputed
// from a guessed document.
func TestIDRevealsNothing(t *testing.T) {
	v := newTestVault(t)
	doc := []byte("HIV test: positive")
	r, err := v.Put(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if vault.BlobID(doc) == r.ID || vault.SaltedDigest(vault.Salt{}, doc) == r.Digest {
		t.Fatal("id or digest computable from the plaintext")
	}
	blob, _ := v.Get(ctx, r.ID)
	if bytes.Contains(blob, doc) {
		t.Fatal("blob holds the plaintext")
	}
}

func TestSaltedDigest(t *testing.T) {
	s1, s2 := vault.NewSalt(), vault.NewSalt()
	if s1 == s2 {
		t.Fatal("two salts are equal")
	}
	doc := []byte("doc")
	if vault.SaltedDigest(s1, doc) != vault.SaltedDigest(s1, doc) {
		t.Fatal("not deterministic")
	}
	if vault.SaltedDigest(s1, doc) == vault.SaltedDigest(s2, doc) {
		t.Fatal("salt has no effect")
	}
	// Known answer: HMAC-SHA256 with a zero key of 32 bytes over "abc"
	// (python3 -c 'import hmac,hashlib;print(hmac.new(bytes(32),b"abc",hashlib.sha256).hexdigest())').
	const want = "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351"
	if got := vault.SaltedDigest(vault.Salt{}, []byte("abc")).String(); got != want {
		t.Fatalf("SaltedDigest(0, abc) = %s, want %s", got, want)
	}
}

// TestDeleteShreds: after Delete no file in the folder holds the document,
// its salt, its data key, its blob or any wrapped copy of its key; every
// operation answers ErrGone; other documents are untouched.
func TestDeleteShreds(t *testing.T) {
	v := newTestVault(t)
	alice, bob := newKey(t), newKey(t)
	doc := bytes.Repeat([]byte("patient 4711 discharge summary. "), 40)
	keep, err := v.Put(ctx, []byte("another document"), pub(alice))
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Put(ctx, doc, pub(alice))
	if err != nil {
		t.Fatal(err)
	}
	wk, err := v.Wrap(ctx, r.ID, pub(bob))
	if err != nil {
		t.Fatal(err)
	}
	custodianWK, err := v.Wrap(ctx, r.ID, v.CustodianKey())
	if err != nil {
		t.Fatal(err)
	}
	key, err := vault.UnwrapForTest(custodianWK, v.kek)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := v.Get(ctx, r.ID)
	opened, err := vault.OpenBlob(blob, wk, bob)
	if err != nil {
		t.Fatal(err)
	}
	var keyrings [][]byte
	for path, b := range files(t, v.dir) {
		if strings.HasSuffix(path, ".keys") && strings.Contains(path, r.ID.String()) {
			keyrings = append(keyrings, b)
		}
	}
	if len(keyrings) != 1 {
		t.Fatalf("found %d keyring files, want 1", len(keyrings))
	}

	if err := v.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"plaintext": doc, "data key": key, "salt": opened.Salt[:], "wrapped key": wk,
		"custodian wrapped key": custodianWK, "blob": blob[vault.BlobOverhead:], "keyring": keyrings[0][7:],
	}
	for path, b := range files(t, v.dir) {
		for what, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s still holds the %s", path, what)
			}
		}
		if strings.Contains(path, r.ID.String()) && !strings.HasSuffix(path, ".gone") {
			t.Errorf("%s survived Delete", path)
		}
	}
	_, err = v.Open(ctx, r.ID, alice)
	wantCode(t, err, vault.ErrGone)
	_, err = v.Get(ctx, r.ID)
	wantCode(t, err, vault.ErrGone)
	_, err = v.Stat(ctx, r.ID)
	wantCode(t, err, vault.ErrGone)
	_, err = v.Wrap(ctx, r.ID, pub(bob))
	wantCode(t, err, vault.ErrGone)
	if ok, err := v.Has(ctx, r.ID); ok || err != nil {
		t.Fatalf("Has after Delete = %v, %v", ok, err)
	}
	if err := v.Delete(ctx, r.ID); err != nil {
		t.Fatalf("second Delete: %v, want nil", err)
	}
	if got, err := v.Open(ctx, keep.ID, alice); err != nil || string(got) != "another document" {
		t.Fatalf("the other document: %q, %v", got, err)
	}
	// A copy handed out before is beyond Delete's reach: that is the contract.
	if _, err := vault.OpenBlob(blob, wk, bob); err != nil {
		t.Fatalf("OpenBlob of a copy made before Delete: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	v := newTestVault(t)
	var id vault.DocID
	rand.Read(id[:])
	_, err := v.Get(ctx, id)
	wantCode(t, err, vault.ErrNotFound)
	_, err = v.Open(ctx, id, newKey(t))
	wantCode(t, err, vault.ErrNotFound)
	_, err = v.Wrap(ctx, id, pub(newKey(t)))
	wantCode(t, err, vault.ErrNotFound)
	_, err = v.Stat(ctx, id)
	wantCode(t, err, vault.ErrNotFound)
	wantCode(t, v.Delete(ctx, id), vault.ErrNotFound)
	if ok, err := v.Has(ctx, id); ok || err != nil {
		t.Fatalf("Has = %v, %v", ok, err)
	}
}

func TestBadInput(t *testing.T) {
	kek := vault.GenerateKEK()
	v, err := vault.New(ctx, vault.NewMemStore(), kek, vault.Config{MaxDocumentSize: 10, MaxRecipients: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := newKey(t), newKey(t), newKey(t)
	lowOrder := make([]byte, 32) // the all-zero point: X25519 with it yields zero
	p256, _ := ecdh.P256().GenerateKey(rand.Reader)
	tests := []struct {
		name string
		do   func() error
		want medledger.Code
	}{
		{"too large", func() error { _, err := v.Put(ctx, make([]byte, 11)); return err }, vault.ErrTooLarge},
		{"too many recipients", func() error { _, err := v.Put(ctx, nil, pub(a), pub(b), pub(c)); return err }, vault.ErrTooLarge},
		{"short key", func() error { _, err := v.Put(ctx, nil, pub(a)[:31]); return err }, vault.ErrBadKey},
		{"low-order key", func() error { _, err := v.Put(ctx, nil, lowOrder); return err }, vault.ErrBadKey},
		{"P-256 private key", func() error {
			r, _ := v.Put(ctx, nil, pub(a))
			_, err := v.Open(ctx, r.ID, p256)
			return err
		}, vault.ErrBadKey},
		{"wrap for a bad key", func() error {
			r, _ := v.Put(ctx, nil, pub(a))
			_, err := v.Wrap(ctx, r.ID, lowOrder)
			return err
		}, vault.ErrBadKey},
		{"wrap over the limit", func() error {
			r, _ := v.Put(ctx, nil, pub(a), pub(b))
			_, err := v.Wrap(ctx, r.ID, pub(c))
			return err
		}, vault.ErrTooLarge},
		{"nil private key", func() error {
			r, _ := v.Put(ctx, nil)
			_, err := v.Open(ctx, r.ID, nil)
			return err
		}, vault.ErrBadKey},
		{"negative size", func() error {
			_, err := vault.New(ctx, vault.NewMemStore(), kek, vault.Config{MaxDocumentSize: -1})
			return err
		}, vault.ErrInvalidConfig},
		{"one recipient", func() error {
			_, err := vault.New(ctx, vault.NewMemStore(), kek, vault.Config{MaxRecipients: 1})
			return err
		}, vault.ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.do(), tc.want) })
	}
}

// TestRefusedPutStoresNothing: a Put refused for a bad recipient key writes
// nothing, even when the bad key comes after good ones.
func TestRefusedPutStoresNothing(t *testing.T) {
	s := vault.NewMemStore()
	v, err := vault.New(ctx, s, vault.GenerateKEK(), vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Put(ctx, []byte("doc"), pub(newKey(t)), make([]byte, 32))
	wantCode(t, err, vault.ErrBadKey)
	for name := range s.List(ctx, "doc/") {
		t.Fatalf("refused Put stored %s", name)
	}
}

func TestWrongCustodian(t *testing.T) {
	s := vault.NewMemStore()
	if _, err := vault.New(ctx, s, vault.GenerateKEK(), vault.Config{}); err != nil {
		t.Fatal(err)
	}
	_, err := vault.New(ctx, s, vault.GenerateKEK(), vault.Config{})
	wantCode(t, err, vault.ErrWrongCustodian)
}

func TestParseDocID(t *testing.T) {
	var id vault.DocID
	rand.Read(id[:])
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"valid", id.String(), true},
		{"upper case", strings.ToUpper(id.String()), false},
		{"short", id.String()[:63], false},
		{"long", id.String() + "0", false},
		{"not hex", "zz" + id.String()[2:], false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vault.ParseDocID(tc.in)
			if tc.ok {
				if err != nil || got != id {
					t.Fatalf("ParseDocID = %v, %v", got, err)
				}
				return
			}
			wantCode(t, err, vault.ErrMalformed)
		})
	}
	var back vault.DocID
	text, _ := id.MarshalText()
	if err := back.UnmarshalText(text); err != nil || back != id {
		t.Fatalf("text round trip: %v", err)
	}
}

func TestCodes(t *testing.T) {
	seen := map[uint32]bool{}
	for _, c := range vault.Codes {
		if c.Codespace != vault.Codespace || c.Code == 0 || seen[c.Code] || c.Slug == "" {
			t.Errorf("bad or duplicate code %+v", c)
		}
		seen[c.Code] = true
	}
	var e *medledger.Error
	if !errors.As(vault.ErrGone.New("x"), &e) || e.Kind != medledger.KindGone {
		t.Fatal("ErrGone is not of kind gone")
	}
}
