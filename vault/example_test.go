package vault_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

// The life of a document: the custodian stores it for a patient, a
// clinician granted consent later gets a wrapped key and opens it on their
// side, and the patient's erasure request shreds it.
func Example() {
	ctx := context.Background()
	home, _ := os.MkdirTemp("", "vault-example")
	defer os.RemoveAll(home)

	// cmd does this wiring: a passphrase-protected KEK and a disk store.
	kek, err := vault.CreateKEK(vault.KEKConfig{
		Path:       filepath.Join(home, "keys", "vault-kek.json"),
		Passphrase: []byte("from the operator, not from a flag"),
		ScryptN:    1 << 10, // tests only; leave 0 for DefaultScryptN
	})
	if err != nil {
		panic(err)
	}
	store, err := disk.Open(filepath.Join(home, "vault"), disk.Options{})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	v, err := vault.New(ctx, store, kek, vault.Config{})
	if err != nil {
		panic(err)
	}

	patient, _ := ecdh.X25519().GenerateKey(rand.Reader)
	clinician, _ := ecdh.X25519().GenerateKey(rand.Reader)

	doc := []byte(`{"resourceType":"Observation","code":{"text":"potassium"},"valueQuantity":{"value":4.1}}`)
	receipt, err := v.Put(ctx, doc, patient.PublicKey().Bytes())
	if err != nil {
		panic(err)
	}
	// receipt.ID and receipt.Digest go on chain; neither reveals the document.

	// Later, after the API checked the clinician's consent:
	wrapped, _ := v.Wrap(ctx, receipt.ID, clinician.PublicKey().Bytes())
	blob, _ := v.Get(ctx, receipt.ID)
	// ... both travel to the clinician, who opens them without the vault:
	opened, err := vault.OpenBlob(blob, wrapped, clinician)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(opened.Plaintext) == string(doc), opened.Digest == receipt.Digest)

	// The patient asks for erasure.
	if err := v.Delete(ctx, receipt.ID); err != nil {
		panic(err)
	}
	_, err = v.Open(ctx, receipt.ID, patient)
	fmt.Println(medledger.HasCode(err, vault.ErrGone))
	// Output:
	// true true
	// true
}
