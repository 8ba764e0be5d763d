package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// The byte formats of the vault. Every format starts with a 4-byte magic and
// a version byte; a decoder accepts only what it knows and checks lengths
// before it reads. All of them are decoders of outside input (readers are
// handed blobs and wrapped keys) and are fuzzed.
//
// Blob, version 1 (what Get returns and DocID hashes):
//
//	"MLVD" | 0x01 | aead 0x01 (AES-256-GCM) | nonce (12)
//	| AES-256-GCM(data key, nonce, salt (32) || document, aad = the 18 header bytes)
//
// Wrapped key, version 1 (one per recipient; what Wrap returns), 182 bytes:
//
//	"MLVK" | 0x01 | suite 0x01 | doc id (32) | salted digest (32) | recipient X25519 public key (32)
//	| HPKE enc (32) || HPKE ciphertext of the data key (32 + 16)
//
// with HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM,
// info = hpkeInfo and aad = doc id || salted digest, so a wrapped key is
// bound to one document and one digest.
//
// Keyring, version 1 (the stored list of a document's wrapped keys):
//
//	"MLVR" | 0x01 | count (uint16, big endian) | count wrapped keys
//	| HMAC-SHA256(custodian MAC key, everything before)
//
// The MAC key is derived from the KEK (KEK.macKey), so only the custodian
// can write a keyring it will accept: a changed, added or removed entry,
// even one for another recipient, reads as corrupt, and Stat's list of
// recipients can be trusted. Each wrapped key is also authenticated on its
// own (HPKE), which is what a reader holding a single wrapped key checks.
const (
	blobMagic = "MLVD"
	keyMagic  = "MLVK"
	ringMagic = "MLVR"
	tombMagic = "MLVT"
	custMagic = "MLVC"

	formatVersion = 1
	aeadAES256GCM = 1 // blob AEAD id
	suiteV1       = 1 // DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM

	nonceSize      = 12
	tagSize        = 16
	dataKeySize    = 32
	blobHeaderSize = 4 + 1 + 1 + nonceSize
	// BlobOverhead is how many bytes a blob adds to its document.
	BlobOverhead = blobHeaderSize + SaltSize + tagSize

	hpkeEncSize     = 32
	hpkeSealedSize  = hpkeEncSize + dataKeySize + tagSize
	keyHeaderSize   = 4 + 1 + 1
	offKeyID        = keyHeaderSize
	offKeyDigest    = offKeyID + 32
	offKeyRecipient = offKeyDigest + 32
	offKeySealed    = offKeyRecipient + PublicKeySize
	// WrappedKeySize is the length of one wrapped key.
	WrappedKeySize = offKeySealed + hpkeSealedSize

	ringHeaderSize = 4 + 1 + 2
	ringMACSize    = 32
	maxRingCount   = 1<<16 - 1

	// PublicKeySize is the length of an X25519 public key.
	PublicKeySize = 32
	// SaltSize is the length of a document's salt.
	SaltSize = 32
)

// hpkeInfo is the HPKE info string of every wrapped key of format version 1.
const hpkeInfo = "medledger/vault/v1 data key"

// DocID names a document: the SHA-256 of its ciphertext blob. See the
// package doc for why it hashes the ciphertext and not the plaintext.
type DocID [32]byte

// BlobID returns the DocID of a blob. A reader handed a blob checks it with
// BlobID(blob) == id.
func BlobID(blob []byte) DocID { return sha256.Sum256(blob) }

// String is the lowercase hex form used in APIs and object names.
func (id DocID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText encodes the id as lowercase hex.
func (id DocID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText decodes what MarshalText makes.
func (id *DocID) UnmarshalText(b []byte) error {
	got, err := ParseDocID(string(b))
	if err != nil {
		return err
	}
	*id = got
	return nil
}

// ParseDocID parses the 64-hex-digit form of an id. Returns ErrMalformed.
func ParseDocID(s string) (DocID, error) {
	var id DocID
	if len(s) != 2*len(id) {
		return id, ErrMalformed.New("a document id is 64 hex digits, got %d characters", len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return DocID{}, ErrMalformed.New("a document id is 64 hex digits: %v", err)
	}
	if id.String() != s {
		return DocID{}, ErrMalformed.New("a document id is written in lowercase hex")
	}
	return id, nil
}

// Salt is a document's random salt for its on-chain digest. It lives only
// inside the encrypted blob.
type Salt [SaltSize]byte

// Digest is a salted digest of a document, the value the chain keeps.
type Digest [32]byte

// String is the lowercase hex form.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText encodes the digest as lowercase hex.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// WrappedKey is a decoded wrapped key: which document and digest it belongs
// to and for whom. The sealed data key stays inside.
type WrappedKey struct {
	ID        DocID
	Digest    Digest
	Recipient [PublicKeySize]byte
	sealed    [hpkeSealedSize]byte
}

// ParseWrappedKey decodes a wrapped key (what Wrap returns). It checks the
// format only: whether the key opens is known only to its recipient.
// Returns ErrMalformed.
func ParseWrappedKey(b []byte) (WrappedKey, error) {
	var w WrappedKey
	if len(b) != WrappedKeySize {
		return w, ErrMalformed.New("a wrapped key is %d bytes, got %d", WrappedKeySize, len(b))
	}
	if string(b[:4]) != keyMagic {
		return w, ErrMalformed.New("not a wrapped key (bad magic)")
	}
	if b[4] != formatVersion || b[5] != suiteV1 {
		return w, ErrMalformed.New("unsupported wrapped key version %d suite %d", b[4], b[5])
	}
	copy(w.ID[:], b[offKeyID:])
	copy(w.Digest[:], b[offKeyDigest:])
	copy(w.Recipient[:], b[offKeyRecipient:])
	copy(w.sealed[:], b[offKeySealed:])
	return w, nil
}

// Bytes encodes w.
func (w *WrappedKey) Bytes() []byte {
	b := make([]byte, 0, WrappedKeySize)
	b = append(b, keyMagic...)
	b = append(b, formatVersion, suiteV1)
	b = append(b, w.ID[:]...)
	b = append(b, w.Digest[:]...)
	b = append(b, w.Recipient[:]...)
	return append(b, w.sealed[:]...)
}

// aad is the HPKE additional data of w: its document and digest.
func (w *WrappedKey) aad() []byte {
	return append(append(make([]byte, 0, 64), w.ID[:]...), w.Digest[:]...)
}

// encodeKeyring encodes a document's wrapped keys and MACs them with macKey.
func encodeKeyring(keys []WrappedKey, macKey []byte) []byte {
	b := make([]byte, ringHeaderSize, ringHeaderSize+len(keys)*WrappedKeySize+ringMACSize)
	copy(b, ringMagic)
	b[4] = formatVersion
	binary.BigEndian.PutUint16(b[5:], uint16(len(keys)))
	for i := range keys {
		b = append(b, keys[i].Bytes()...)
	}
	m := hmac.New(sha256.New, macKey)
	m.Write(b)
	return m.Sum(b)
}

// decodeKeyring decodes a keyring: at least one key, all for the same
// document and digest, no recipient twice, and a MAC under macKey. Returns
// ErrMalformed.
func decodeKeyring(b []byte, macKey []byte) ([]WrappedKey, error) {
	if len(b) < ringHeaderSize || string(b[:4]) != ringMagic {
		return nil, ErrMalformed.New("not a keyring")
	}
	if b[4] != formatVersion {
		return nil, ErrMalformed.New("unsupported keyring version %d", b[4])
	}
	n := int(binary.BigEndian.Uint16(b[5:]))
	if n == 0 || len(b) != ringHeaderSize+n*WrappedKeySize+ringMACSize {
		return nil, ErrMalformed.New("keyring of %d keys has %d bytes", n, len(b))
	}
	keys := make([]WrappedKey, n)
	for i := range keys {
		off := ringHeaderSize + i*WrappedKeySize
		w, err := ParseWrappedKey(b[off : off+WrappedKeySize])
		if err != nil {
			return nil, err
		}
		if i > 0 && (w.ID != keys[0].ID || w.Digest != keys[0].Digest) {
			return nil, ErrMalformed.New("keyring mixes documents")
		}
		for j := range i {
			if keys[j].Recipient == w.Recipient {
				return nil, ErrMalformed.New("keyring holds a recipient twice")
			}
		}
		keys[i] = w
	}
	body := b[:len(b)-ringMACSize]
	m := hmac.New(sha256.New, macKey)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), b[len(body):]) {
		return nil, ErrMalformed.New("keyring fails its MAC (altered, or written under another custodian key)")
	}
	return keys, nil
}

// blobParts splits a blob into its header (the AEAD's aad), nonce and
// sealed payload. Returns ErrMalformed.
func blobParts(blob []byte) (header, nonce, sealed []byte, err error) {
	if len(blob) < BlobOverhead || string(blob[:4]) != blobMagic {
		return nil, nil, nil, ErrMalformed.New("not a vault blob")
	}
	if blob[4] != formatVersion || blob[5] != aeadAES256GCM {
		return nil, nil, nil, ErrMalformed.New("unsupported blob version %d aead %d", blob[4], blob[5])
	}
	return blob[:blobHeaderSize], blob[6:blobHeaderSize], blob[blobHeaderSize:], nil
}

// Object names in the Store. Documents fan out over 256 folders by the first
// byte of their id so that no folder grows too large.
const (
	docPrefix     = "doc/"
	custodianName = "custodian"
	blobExt       = ".blob"
	keysExt       = ".keys"
	goneExt       = ".gone"
)

func objectName(id DocID, ext string) string {
	h := id.String()
	return docPrefix + h[:2] + "/" + h + ext
}

// parseObjectName is the inverse of objectName.
func parseObjectName(name string) (id DocID, ext string, ok bool) {
	rest, found := strings.CutPrefix(name, docPrefix)
	if !found || len(rest) != 3+64+5 || rest[2] != '/' || rest[:2] != rest[3:5] {
		return id, "", false
	}
	id, err := ParseDocID(rest[3 : 3+64])
	if err != nil {
		return id, "", false
	}
	ext = rest[3+64:]
	switch ext {
	case blobExt, keysExt, goneExt:
		return id, ext, true
	}
	return id, "", false
}
