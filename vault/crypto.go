package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
)

// NewSalt returns a fresh random salt for one document.
func NewSalt() Salt {
	var s Salt
	rand.Read(s[:]) // never fails (crypto/rand, Go 1.24+)
	return s
}

// SaltedDigest is the digest of a document the chain keeps:
// HMAC-SHA256 keyed with the document's salt. Without the salt, a digest
// says nothing about a document even to someone who can guess it; with the
// salt (a reader gets it from OpenBlob) anyone can check the digest, for
// example with `openssl dgst -sha256 -mac HMAC -macopt hexkey:<salt>`.
func SaltedDigest(salt Salt, plaintext []byte) Digest {
	m := hmac.New(sha256.New, salt[:])
	m.Write(plaintext)
	var d Digest
	m.Sum(d[:0])
	return d
}

// The HPKE suite of format version 1.
var (
	hpkeKEM  = hpke.DHKEM(ecdh.X25519())
	hpkeKDF  = hpke.HKDFSHA256()
	hpkeAEAD = hpke.AES256GCM()
)

// sealBlob encrypts salt || plaintext under a fresh data key and returns the
// blob and the key. It makes one copy of plaintext and encrypts in place.
func sealBlob(salt Salt, plaintext []byte) (blob, key []byte) {
	key = make([]byte, dataKeySize)
	rand.Read(key)
	blob = make([]byte, blobHeaderSize, BlobOverhead+len(plaintext))
	copy(blob, blobMagic)
	blob[4], blob[5] = formatVersion, aeadAES256GCM
	rand.Read(blob[6:blobHeaderSize])
	blob = append(blob, salt[:]...)
	blob = append(blob, plaintext...)
	aead := newGCM(key)
	payload := blob[blobHeaderSize:]
	aead.Seal(payload[:0], blob[6:blobHeaderSize], payload, blob[:blobHeaderSize])
	return blob[:cap(blob)], key
}

// openBlob decrypts blob with key and checks the salted digest. With
// inPlace, it decrypts into blob's own memory (the caller owns blob and
// will not use it again). The error says what failed, without a code.
func openBlob(blob, key []byte, want Digest, inPlace bool) (plaintext []byte, salt Salt, err error) {
	header, nonce, sealed, err := blobParts(blob)
	if err != nil {
		return nil, salt, err
	}
	var dst []byte
	if inPlace {
		dst = sealed[:0]
	}
	payload, err := newGCM(key).Open(dst, nonce, sealed, header)
	if err != nil {
		return nil, salt, errors.New("blob fails authentication")
	}
	copy(salt[:], payload)
	plaintext = payload[SaltSize:]
	if got := SaltedDigest(salt, plaintext); subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return nil, salt, errors.New("document does not match its salted digest")
	}
	return plaintext, salt, nil
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("vault: " + err.Error()) // the key is always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("vault: " + err.Error())
	}
	return aead
}

// parsePublicKey checks a recipient's X25519 public key. Returns ErrBadKey.
func parsePublicKey(pub []byte) (hpke.PublicKey, error) {
	if len(pub) != PublicKeySize {
		return nil, ErrBadKey.New("an X25519 public key is %d bytes, got %d", PublicKeySize, len(pub))
	}
	pk, err := hpkeKEM.NewPublicKey(pub)
	if err != nil {
		return nil, ErrBadKey.Wrap(err, "not an X25519 public key")
	}
	return pk, nil
}

// wrapKey seals the data key for one recipient. Returns ErrBadKey if the
// recipient's key is unusable (a low-order point).
func wrapKey(id DocID, digest Digest, recipient []byte, key []byte) (WrappedKey, error) {
	w := WrappedKey{ID: id, Digest: digest}
	pk, err := parsePublicKey(recipient)
	if err != nil {
		return w, err
	}
	copy(w.Recipient[:], recipient)
	enc, s, err := hpke.NewSender(pk, hpkeKDF, hpkeAEAD, []byte(hpkeInfo))
	if err != nil {
		return w, ErrBadKey.Wrap(err, "cannot wrap for recipient %x", recipient)
	}
	ct, err := s.Seal(w.aad(), key)
	if err != nil || len(enc)+len(ct) != hpkeSealedSize {
		return w, ErrBadKey.Wrap(err, "cannot wrap for recipient %x", recipient)
	}
	copy(w.sealed[:], enc)
	copy(w.sealed[hpkeEncSize:], ct)
	return w, nil
}

// unwrapKey opens w with the recipient's private key. The caller checks that
// w.Recipient is priv's public key. The error says what failed, without a code.
func unwrapKey(w *WrappedKey, priv hpke.PrivateKey) ([]byte, error) {
	r, err := hpke.NewRecipient(w.sealed[:hpkeEncSize], priv, hpkeKDF, hpkeAEAD, []byte(hpkeInfo))
	if err != nil {
		return nil, errors.New("wrapped key fails authentication")
	}
	key, err := r.Open(w.aad(), w.sealed[hpkeEncSize:])
	if err != nil || len(key) != dataKeySize {
		return nil, errors.New("wrapped key fails authentication")
	}
	return key, nil
}

// privateKey adapts an X25519 private key for HPKE. Returns ErrBadKey.
func privateKey(k ecdh.KeyExchanger) (hpke.PrivateKey, []byte, error) {
	if k == nil || k.Curve() != ecdh.X25519() {
		return nil, nil, ErrBadKey.New("the private key must be an X25519 key")
	}
	priv, err := hpke.NewDHKEMPrivateKey(k)
	if err != nil {
		return nil, nil, ErrBadKey.Wrap(err, "unusable private key")
	}
	return priv, k.PublicKey().Bytes(), nil
}

// Document is a decrypted document with what proves it: its id, its salt
// and its salted digest (already checked against the content).
type Document struct {
	ID        DocID
	Plaintext []byte
	Salt      Salt
	Digest    Digest
}

// OpenBlob is the reader's side: it decrypts a blob (from Get) with a
// wrapped key (from Wrap) and the reader's private key, with no vault at
// hand. It checks that the blob hashes to the wrapped key's document id,
// that the key opens, that the blob authenticates and that the document
// matches the salted digest; the caller compares Document.Digest (or ID)
// with what the chain holds. It does not modify its inputs.
//
// Returns ErrMalformed if either input is not well formed, belongs to
// another document or fails authentication, ErrNoAccess if the wrapped key
// is for another recipient, ErrBadKey if priv is not an X25519 key.
func OpenBlob(blob, wrappedKey []byte, priv ecdh.KeyExchanger) (Document, error) {
	w, err := ParseWrappedKey(wrappedKey)
	if err != nil {
		return Document{}, err
	}
	hpriv, pub, err := privateKey(priv)
	if err != nil {
		return Document{}, err
	}
	if subtle.ConstantTimeCompare(pub, w.Recipient[:]) != 1 {
		return Document{}, ErrNoAccess.New("the wrapped key is for recipient %x, not %x", w.Recipient, pub)
	}
	if BlobID(blob) != w.ID {
		return Document{}, ErrMalformed.New("the blob is not document %s (altered, or the wrong blob)", w.ID)
	}
	key, err := unwrapKey(&w, hpriv)
	if err != nil {
		return Document{}, ErrMalformed.Wrap(err, "document %s", w.ID)
	}
	defer clear(key)
	pt, salt, err := openBlob(blob, key, w.Digest, false)
	if err != nil {
		return Document{}, ErrMalformed.Wrap(err, "document %s", w.ID)
	}
	return Document{ID: w.ID, Plaintext: pt, Salt: salt, Digest: w.Digest}, nil
}
