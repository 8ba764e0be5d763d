package vault

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/subtle"
	"sync"

	"github.com/medledger/medledger"
)

// Defaults of Config.
const (
	// DefaultMaxDocumentSize is the largest document Put accepts: a whole
	// document is held in memory (twice, briefly) while it is encrypted.
	DefaultMaxDocumentSize = 64 << 20
	// DefaultMaxRecipients is the most wrapped keys one document may have,
	// the custodian's included.
	DefaultMaxRecipients = 1024
)

// parallelMin is the document size from which Put hashes on two cores.
const parallelMin = 64 << 10

// Config tunes a Vault. The zero value is the defaults.
type Config struct {
	// MaxDocumentSize is the largest plaintext Put accepts, in bytes;
	// 0 means DefaultMaxDocumentSize.
	MaxDocumentSize int
	// MaxRecipients caps the wrapped keys per document, the custodian's
	// included; 0 means DefaultMaxRecipients, at most 65535.
	MaxRecipients int
}

// Validate checks the configuration. Returns ErrInvalidConfig naming the field.
func (c Config) Validate() error {
	if c.MaxDocumentSize < 0 {
		return ErrInvalidConfig.New("Config.MaxDocumentSize must not be negative, got %d", c.MaxDocumentSize)
	}
	if c.MaxRecipients < 0 || c.MaxRecipients == 1 || c.MaxRecipients > maxRingCount {
		return ErrInvalidConfig.New("Config.MaxRecipients must be 0 (default) or 2 to %d, got %d", maxRingCount, c.MaxRecipients)
	}
	return nil
}

// Vault stores encrypted documents in a Store, content-addressed by DocID,
// and wraps their data keys for recipients. It is safe for concurrent use.
// One Vault (one process) owns a Store at a time.
type Vault struct {
	store    Store
	kek      *KEK
	maxSize  int
	maxRecip int
	// locks serialize the writers of one document (Wrap and Delete
	// read-modify-write its keyring; a Wrap racing a Delete could otherwise
	// write a key back after it was shredded) and keep readers from
	// seeing a half-deleted document. Striped by the id's first byte.
	locks [256]sync.RWMutex
}

// Receipt is what Put returns: the document's id and its salted digest,
// the two values that may go on chain.
type Receipt struct {
	ID     DocID
	Digest Digest
	Size   int // plaintext length in bytes
}

// Info describes a stored document without decrypting it.
type Info struct {
	ID     DocID
	Digest Digest // the salted digest
	Size   int64  // plaintext length in bytes
	// Recipients are the X25519 public keys holding a wrapped copy of the
	// data key, the custodian's included, in the order they were added.
	Recipients [][]byte
}

// New returns a Vault over store, with kek as the custodian's key. The first
// New on a store records the KEK's public key in it; later ones check it.
//
// Returns ErrInvalidConfig, ErrWrongCustodian if store was created with
// another KEK, ErrCorrupt if the record of the custodian is damaged.
func New(ctx context.Context, store Store, kek *KEK, cfg Config) (*Vault, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || kek == nil {
		return nil, ErrInvalidConfig.New("New needs a store and a key-encryption key")
	}
	v := &Vault{store: store, kek: kek, maxSize: cfg.MaxDocumentSize, maxRecip: cfg.MaxRecipients}
	if v.maxSize == 0 {
		v.maxSize = DefaultMaxDocumentSize
	}
	if v.maxRecip == 0 {
		v.maxRecip = DefaultMaxRecipients
	}
	want := append([]byte(custMagic+"\x01"), kek.pub...)
	got, err := store.Get(ctx, custodianName)
	switch {
	case medledger.HasCode(err, ErrNotFound):
		if err := store.Put(ctx, Object{custodianName, want}); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case len(got) != len(want) || !bytes.Equal(got[:5], want[:5]):
		return nil, ErrCorrupt.New("the store's custodian record is damaged")
	case !bytes.Equal(got, want):
		return nil, ErrWrongCustodian.New("the store belongs to custodian key %x, not %x: load the key it was created with", got[5:], kek.pub)
	}
	return v, nil
}

// CustodianKey returns the KEK's public key, which holds a wrapped copy of
// every document's data key.
func (v *Vault) CustodianKey() []byte { return v.kek.PublicKey() }

func (v *Vault) lock(id DocID) *sync.RWMutex { return &v.locks[id[0]] }

// Put encrypts plaintext under a fresh data key with a fresh salt, wraps the
// key for the custodian and for each recipient (32-byte X25519 public keys;
// duplicates are dropped), and stores the blob and the keyring durably.
// The document exists once Put returns nil; a crash before that leaves it
// absent (see Recover).
//
// Returns ErrTooLarge if plaintext or the recipient list is over the limit,
// ErrBadKey if a recipient key is unusable (nothing is stored then).
func (v *Vault) Put(ctx context.Context, plaintext []byte, recipients ...[]byte) (Receipt, error) {
	if len(plaintext) > v.maxSize {
		return Receipt{}, ErrTooLarge.New("document of %d bytes is over the limit of %d", len(plaintext), v.maxSize)
	}
	all := [][]byte{v.kek.pub}
	for _, r := range recipients {
		if _, err := parsePublicKey(r); err != nil {
			return Receipt{}, err
		}
		if !containsKey(all, r) {
			all = append(all, r)
		}
	}
	if len(all) > v.maxRecip {
		return Receipt{}, ErrTooLarge.New("%d recipients with the custodian is over the limit of %d", len(all), v.maxRecip)
	}
	if err := ctx.Err(); err != nil {
		return Receipt{}, err
	}
	salt := NewSalt()
	var (
		digest    Digest
		blob, key []byte
	)
	if len(plaintext) >= parallelMin {
		// Two SHA-256 passes dominate a large Put (the digest over the
		// document, the id over the blob): run them on two cores.
		done := make(chan struct{})
		go func() { digest = SaltedDigest(salt, plaintext); close(done) }()
		blob, key = sealBlob(salt, plaintext)
		<-done
	} else {
		digest = SaltedDigest(salt, plaintext)
		blob, key = sealBlob(salt, plaintext)
	}
	defer clear(key)
	id := BlobID(blob)
	keys := make([]WrappedKey, len(all))
	for i, r := range all {
		w, err := wrapKey(id, digest, r, key)
		if err != nil {
			return Receipt{}, err
		}
		keys[i] = w
	}
	l := v.lock(id)
	l.Lock()
	defer l.Unlock()
	// NOTE: the blob first, the keyring second, in one ordered Put: the
	// keyring is the commit record. A crash before it is durable leaves at
	// most an orphan blob that no key opens, which reads as absent and which
	// Recover removes.
	if err := v.store.Put(ctx,
		Object{objectName(id, blobExt), blob},
		Object{objectName(id, keysExt), encodeKeyring(keys, v.kek.macKey)}); err != nil {
		return Receipt{}, err
	}
	return Receipt{ID: id, Digest: digest, Size: len(plaintext)}, nil
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// exists reports whether the named object exists.
func (v *Vault) exists(ctx context.Context, name string) (bool, error) {
	_, err := v.store.Size(ctx, name)
	if medledger.HasCode(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// keyring reads a document's keyring, with the caller holding its lock.
// Returns ErrGone, ErrNotFound, ErrCorrupt.
func (v *Vault) keyring(ctx context.Context, id DocID) ([]WrappedKey, error) {
	gone, err := v.exists(ctx, objectName(id, goneExt))
	if err != nil {
		return nil, err
	}
	if gone {
		return nil, ErrGone.New("document %s was erased", id)
	}
	raw, err := v.store.Get(ctx, objectName(id, keysExt))
	if medledger.HasCode(err, ErrNotFound) {
		return nil, ErrNotFound.New("no document %s", id)
	}
	if err != nil {
		return nil, err
	}
	keys, err := decodeKeyring(raw, v.kek.macKey)
	if err != nil {
		return nil, ErrCorrupt.Wrap(err, "keyring of document %s", id)
	}
	if keys[0].ID != id {
		return nil, ErrCorrupt.New("keyring of document %s is for document %s", id, keys[0].ID)
	}
	return keys, nil
}

// blob reads and checks a document's blob, with the caller holding its
// lock and having found its keyring. Returns ErrCorrupt.
func (v *Vault) blob(ctx context.Context, id DocID) ([]byte, error) {
	blob, err := v.store.Get(ctx, objectName(id, blobExt))
	if medledger.HasCode(err, ErrNotFound) {
		return nil, ErrCorrupt.New("document %s has keys but no blob", id)
	}
	if err != nil {
		return nil, err
	}
	if BlobID(blob) != id {
		return nil, ErrCorrupt.New("blob of document %s does not match its id", id)
	}
	return blob, nil
}

// Get returns the document's ciphertext blob, checked against its id. It
// is what a reader gets beside a wrapped key (Wrap) to use OpenBlob.
//
// Returns ErrNotFound, ErrGone, ErrCorrupt.
func (v *Vault) Get(ctx context.Context, id DocID) ([]byte, error) {
	l := v.lock(id)
	l.RLock()
	defer l.RUnlock()
	if _, err := v.keyring(ctx, id); err != nil {
		return nil, err
	}
	return v.blob(ctx, id)
}

// Open decrypts the document with a recipient's X25519 private key: it
// unwraps the data key, checks the blob against its id, decrypts it, and
// checks the plaintext against the salted digest. The caller MUST have
// checked that the requester's consent covers this read.
//
// Returns ErrNotFound, ErrGone, ErrNoAccess if the key is not among the
// document's recipients, ErrBadKey if priv is not an X25519 key,
// ErrCorrupt if any stored byte was altered.
func (v *Vault) Open(ctx context.Context, id DocID, priv ecdh.KeyExchanger) ([]byte, error) {
	hpriv, pub, err := privateKey(priv)
	if err != nil {
		return nil, err
	}
	l := v.lock(id)
	l.RLock()
	defer l.RUnlock()
	keys, err := v.keyring(ctx, id)
	if err != nil {
		return nil, err
	}
	w := findKey(keys, pub)
	if w == nil {
		return nil, ErrNoAccess.New("key %x is not a recipient of document %s", pub, id)
	}
	key, err := unwrapKey(w, hpriv)
	if err != nil {
		return nil, ErrCorrupt.Wrap(err, "document %s", id)
	}
	defer clear(key)
	blob, err := v.blob(ctx, id)
	if err != nil {
		return nil, err
	}
	pt, _, err := openBlob(blob, key, w.Digest, true)
	if err != nil {
		return nil, ErrCorrupt.Wrap(err, "document %s", id)
	}
	return pt, nil
}

func findKey(keys []WrappedKey, pub []byte) *WrappedKey {
	for i := range keys {
		if subtle.ConstantTimeCompare(keys[i].Recipient[:], pub) == 1 {
			return &keys[i]
		}
	}
	return nil
}

// Wrap gives a reader a copy of the document's data key: the custodian
// unwraps its own copy with the KEK and wraps the key for reader (a 32-byte
// X25519 public key), stores that copy in the document's keyring (so Delete
// destroys it too) and returns it. Hand the reader the returned bytes with
// the blob from Get; the reader calls OpenBlob. Wrapping for a key that is
// a recipient already returns its existing copy. The caller MUST have
// checked that the reader's consent covers this document.
//
// Returns ErrNotFound, ErrGone, ErrBadKey for an unusable reader key,
// ErrTooLarge if the document has the most recipients allowed, ErrCorrupt.
func (v *Vault) Wrap(ctx context.Context, id DocID, reader []byte) ([]byte, error) {
	if _, err := parsePublicKey(reader); err != nil {
		return nil, err
	}
	l := v.lock(id)
	l.Lock()
	defer l.Unlock()
	keys, err := v.keyring(ctx, id)
	if err != nil {
		return nil, err
	}
	if w := findKey(keys, reader); w != nil {
		return w.Bytes(), nil
	}
	if len(keys) >= v.maxRecip {
		return nil, ErrTooLarge.New("document %s has %d recipients, the limit", id, len(keys))
	}
	own := findKey(keys, v.kek.pub)
	if own == nil {
		return nil, ErrCorrupt.New("document %s holds no key for the custodian", id)
	}
	key, err := unwrapKey(own, v.kek.hpriv)
	if err != nil {
		return nil, ErrCorrupt.Wrap(err, "custodian key of document %s", id)
	}
	defer clear(key)
	w, err := wrapKey(id, own.Digest, reader, key)
	if err != nil {
		return nil, err
	}
	if err := v.store.Put(ctx, Object{objectName(id, keysExt), encodeKeyring(append(keys, w), v.kek.macKey)}); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// Delete erases the document by crypto-shredding: it destroys every wrapped
// copy of the data key (the keyring) and the blob, leaving a tombstone so
// that later calls answer ErrGone. The data key existed only wrapped, and
// the salt only inside the blob, so once Delete returns nothing the vault
// holds can decrypt the document or link its on-chain digest to its
// content. Copies handed out before (Get and Wrap) are beyond its reach.
// Delete of an erased document finishes any interrupted erasure and
// returns nil.
//
// Returns ErrNotFound if there is no such document.
func (v *Vault) Delete(ctx context.Context, id DocID) error {
	l := v.lock(id)
	l.Lock()
	defer l.Unlock()
	return v.erase(ctx, id, false)
}

// erase is Delete with the lock held. With onlyIfGone it only finishes an
// interrupted erasure.
func (v *Vault) erase(ctx context.Context, id DocID, onlyIfGone bool) error {
	gone, err := v.exists(ctx, objectName(id, goneExt))
	if err != nil {
		return err
	}
	if !gone {
		if onlyIfGone {
			return nil
		}
		hasKeys, err := v.exists(ctx, objectName(id, keysExt))
		if err != nil {
			return err
		}
		hasBlob, err := v.exists(ctx, objectName(id, blobExt))
		if err != nil {
			return err
		}
		if !hasKeys && !hasBlob {
			return ErrNotFound.New("no document %s", id)
		}
		// NOTE: the tombstone first. It marks the document erased before any
		// key goes, so a crash midway reads as erased (never as readable or
		// absent), and Recover or another Delete finishes the job.
		if err := v.store.Put(ctx, Object{objectName(id, goneExt), []byte(tombMagic + "\x01")}); err != nil {
			return err
		}
	}
	if err := v.store.Delete(ctx, objectName(id, keysExt)); err != nil {
		return err
	}
	return v.store.Delete(ctx, objectName(id, blobExt))
}

// Has reports whether the document is stored and not erased.
func (v *Vault) Has(ctx context.Context, id DocID) (bool, error) {
	l := v.lock(id)
	l.RLock()
	defer l.RUnlock()
	gone, err := v.exists(ctx, objectName(id, goneExt))
	if err != nil || gone {
		return false, err
	}
	return v.exists(ctx, objectName(id, keysExt))
}

// Stat describes the document without decrypting it.
//
// Returns ErrNotFound, ErrGone, ErrCorrupt.
func (v *Vault) Stat(ctx context.Context, id DocID) (Info, error) {
	l := v.lock(id)
	l.RLock()
	defer l.RUnlock()
	keys, err := v.keyring(ctx, id)
	if err != nil {
		return Info{}, err
	}
	size, err := v.store.Size(ctx, objectName(id, blobExt))
	if medledger.HasCode(err, ErrNotFound) || err == nil && size < BlobOverhead {
		return Info{}, ErrCorrupt.New("document %s has keys but no valid blob", id)
	}
	if err != nil {
		return Info{}, err
	}
	info := Info{ID: id, Digest: keys[0].Digest, Size: size - BlobOverhead}
	for _, w := range keys {
		info.Recipients = append(info.Recipients, bytes.Clone(w.Recipient[:]))
	}
	return info, nil
}

// RecoverReport says what Recover did.
type RecoverReport struct {
	Documents       int     // documents found readable (keys and blob present)
	FinishedErasure int     // erasures interrupted by a crash, now finished
	OrphansRemoved  int     // blobs of Puts interrupted by a crash, removed
	Damaged         []DocID // documents with keys but no blob: left for an operator
}

// Recover brings the store back to a clean state after a crash: it finishes
// interrupted erasures (so that no key of an erased document remains) and
// removes the blobs of interrupted Puts, which no key opens. It lists the
// whole store, so it costs one pass over the names; run it at start. It is
// safe to run while the vault serves requests.
func (v *Vault) Recover(ctx context.Context) (RecoverReport, error) {
	var rep RecoverReport
	check := func(id DocID) error {
		l := v.lock(id)
		l.Lock()
		defer l.Unlock()
		// Look under the lock: a Put or a Delete may have run since the listing.
		gone, err := v.exists(ctx, objectName(id, goneExt))
		if err != nil {
			return err
		}
		hasKeys, err := v.exists(ctx, objectName(id, keysExt))
		if err != nil {
			return err
		}
		hasBlob, err := v.exists(ctx, objectName(id, blobExt))
		if err != nil {
			return err
		}
		switch {
		case gone:
			if hasKeys || hasBlob {
				rep.FinishedErasure++
				return v.erase(ctx, id, true)
			}
		case hasKeys && hasBlob:
			rep.Documents++
		case hasBlob:
			rep.OrphansRemoved++
			return v.store.Delete(ctx, objectName(id, blobExt))
		case hasKeys:
			rep.Damaged = append(rep.Damaged, id)
		}
		return nil
	}
	var (
		last DocID
		seen bool
	)
	// Names list in lexical order, so the objects of one document are adjacent.
	for name, err := range v.store.List(ctx, docPrefix) {
		if err != nil {
			return rep, err
		}
		id, _, ok := parseObjectName(name)
		if !ok || seen && id == last {
			continue // not ours, or a document already checked
		}
		last, seen = id, true
		if err := check(id); err != nil {
			return rep, err
		}
	}
	return rep, nil
}
