package vault_test

import (
	"bytes"
	"crypto/ecdh"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
)

// fuzzSeed is a vault holding one document for a fixed reader.
type fuzzSeed struct {
	v       *vault.Vault
	store   *vault.MemStore
	id      vault.DocID
	keyName string // the document's keyring object
	blob    []byte
	wk      []byte // the reader's wrapped key
	reader  *ecdh.PrivateKey
}

func newFuzzSeed(f *testing.F) *fuzzSeed {
	reader, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	s := vault.NewMemStore()
	v, err := vault.New(ctx, s, vault.GenerateKEK(), vault.Config{})
	if err != nil {
		f.Fatal(err)
	}
	r, err := v.Put(ctx, []byte("seed document"), reader.PublicKey().Bytes())
	if err != nil {
		f.Fatal(err)
	}
	h := r.ID.String()
	fs := &fuzzSeed{v: v, store: s, id: r.ID, keyName: "doc/" + h[:2] + "/" + h + ".keys", reader: reader}
	fs.blob, _ = v.Get(ctx, r.ID)
	fs.wk, _ = v.Wrap(ctx, r.ID, reader.PublicKey().Bytes())
	return fs
}

// FuzzOpenBlob: no blob and wrapped key make OpenBlob panic, modify its
// inputs, or fail with anything but ErrMalformed or ErrNoAccess; whatever
// it accepts hashes to the id it claims and matches its digest.
// Run longer with go test ./vault -fuzz FuzzOpenBlob.
func FuzzOpenBlob(f *testing.F) {
	seed := newFuzzSeed(f)
	blob, wk, reader := seed.blob, seed.wk, seed.reader
	f.Add(blob, wk)
	f.Add(blob[:vault.BlobOverhead], wk)
	f.Add([]byte{}, []byte{})
	f.Add([]byte("MLVD\x01\x01"), []byte("MLVK\x01\x01"))
	f.Fuzz(func(t *testing.T, blob, wk []byte) {
		b0, w0 := bytes.Clone(blob), bytes.Clone(wk)
		d, err := vault.OpenBlob(blob, wk, reader)
		if !bytes.Equal(b0, blob) || !bytes.Equal(w0, wk) {
			t.Fatal("OpenBlob modified its input")
		}
		if err != nil {
			if !medledger.HasCode(err, vault.ErrMalformed) && !medledger.HasCode(err, vault.ErrNoAccess) {
				t.Fatalf("error %v is neither malformed nor no-access", err)
			}
			return
		}
		if vault.BlobID(blob) != d.ID || vault.SaltedDigest(d.Salt, d.Plaintext) != d.Digest {
			t.Fatal("accepted a document that does not match its id or digest")
		}
	})
}

// FuzzParseWrappedKey: no input makes the decoder panic; what it accepts
// encodes back to the same bytes.
func FuzzParseWrappedKey(f *testing.F) {
	wk := newFuzzSeed(f).wk
	f.Add(wk)
	f.Add([]byte{})
	f.Add(wk[:len(wk)-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := vault.ParseWrappedKey(b)
		if err != nil {
			if !medledger.HasCode(err, vault.ErrMalformed) {
				t.Fatalf("error %v is not malformed", err)
			}
			return
		}
		if !bytes.Equal(w.Bytes(), b) {
			t.Fatal("accepted wrapped key does not encode back to its bytes")
		}
	})
}

// FuzzKeyring: whatever bytes the stored keyring holds, Open never panics
// and returns the document only if the keyring is the one the vault wrote
// (a keyring carries the custodian's MAC).
func FuzzKeyring(f *testing.F) {
	seed := newFuzzSeed(f)
	ring, err := seed.store.Get(ctx, seed.keyName)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ring)
	f.Add(ring[:len(ring)-1])
	f.Add(append([]byte("MLVR\x01\x00\x01"), seed.wk...))
	f.Add([]byte("MLVR\x01\xff\xff"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, keys []byte) {
		if err := seed.store.Put(ctx, vault.Object{Name: seed.keyName, Data: keys}); err != nil {
			t.Fatal(err)
		}
		got, err := seed.v.Open(ctx, seed.id, seed.reader)
		if err == nil {
			if !bytes.Equal(keys, ring) || string(got) != "seed document" {
				t.Fatalf("opened through a keyring the vault did not write: %x", keys)
			}
			return
		}
		if !medledger.HasCode(err, vault.ErrCorrupt) && !medledger.HasCode(err, vault.ErrNoAccess) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzParseDocID: ParseDocID accepts exactly the lowercase hex form.
func FuzzParseDocID(f *testing.F) {
	f.Add("00" + string(bytes.Repeat([]byte("ab"), 31)))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := vault.ParseDocID(s)
		if err == nil && id.String() != s {
			t.Fatalf("ParseDocID(%q) accepted a non-canonical id", s)
		}
	})
}
