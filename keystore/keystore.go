// Package keystore owns the key files of the identities a user acts as: an
// Ed25519 signing key and an X25519 encryption key per identity, in one JSON
// file each under the home's keys/ folder, named after the identity
// ("northside-hospital/dr-chen" is keys/northside-hospital/dr-chen.json).
//
// A key file is protected by a passphrase (scrypt, then AES-256-GCM) unless
// it was saved without one, as the dev consortium's demo keys are; such a
// file says "encrypted": false and MUST NOT be used outside development.
package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/medledger/medledger"
	"golang.org/x/crypto/scrypt"
)

// Key is an identity's key pair set.
type Key struct {
	Name string // local name, "org/member" or "patient/alice"
	ID   string // the signer id on chain: the name for a member, a pseudonymous id for a patient
	Sign ed25519.PrivateKey
	Enc  *ecdh.PrivateKey
}

// Generate makes fresh keys for name, with the on-chain id set to name.
func Generate(name string) (*Key, error) {
	var secret [64]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, err
	}
	return fromSecret(name, name, secret[:])
}

// FromSeed derives keys deterministically from a seed (for tests and
// reproducible fixtures only).
func FromSeed(name string, seed []byte) *Key {
	a := sha256.Sum256(append([]byte("medledger/sign\n"), seed...))
	b := sha256.Sum256(append([]byte("medledger/enc\n"), seed...))
	k, err := fromSecret(name, name, append(a[:], b[:]...))
	if err != nil {
		panic(err)
	}
	return k
}

func fromSecret(name, id string, secret []byte) (*Key, error) {
	enc, err := ecdh.X25519().NewPrivateKey(secret[32:64])
	if err != nil {
		return nil, err
	}
	return &Key{Name: name, ID: id, Sign: ed25519.NewKeyFromSeed(secret[:32]), Enc: enc}, nil
}

// SignPub is the Ed25519 public key.
func (k *Key) SignPub() ed25519.PublicKey { return k.Sign.Public().(ed25519.PublicKey) }

// EncPub is the X25519 public key.
func (k *Key) EncPub() []byte { return k.Enc.PublicKey().Bytes() }

// KeyID is the key id of the signing key (hex of the first 16 bytes of its SHA-256).
func (k *Key) KeyID() string { h := sha256.Sum256(k.SignPub()); return hex.EncodeToString(h[:16]) }

func (k *Key) secret() []byte { return append(append([]byte{}, k.Sign.Seed()...), k.Enc.Bytes()...) }

// File is the on-disk form of a key.
type File struct {
	Name      string `json:"name"`
	ID        string `json:"id"`
	KeyID     string `json:"key_id"`
	SignPub   []byte `json:"sign_pub"`
	EncPub    []byte `json:"enc_pub"`
	Encrypted bool   `json:"encrypted"`
	Secret    []byte `json:"secret,omitempty"` // 64 bytes: Ed25519 seed || X25519 private key, when not encrypted
	Salt      []byte `json:"salt,omitempty"`
	Nonce     []byte `json:"nonce,omitempty"`
	Sealed    []byte `json:"sealed,omitempty"` // AES-256-GCM of the secret
	ScryptN   int    `json:"scrypt_n,omitempty"`
	// Retired marks a key that another replaced (rotate.go): kept to open
	// what was wrapped for it before, never to sign. ReplacedBy is the key
	// id of the key that replaced it.
	Retired    bool   `json:"retired,omitempty"`
	ReplacedBy string `json:"replaced_by,omitempty"`
}

// Errors of the keystore.
var (
	ErrNotFound      = errors.New("no such key")
	ErrExists        = errors.New("key exists already")
	ErrBadPassphrase = errors.New("wrong passphrase or damaged key file")
)

// Store is a folder of key files.
type Store struct{ Dir string }

func (s Store) path(name string) (string, error) {
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(name, "/") || strings.Count(name, "/") != 1 {
		return "", fmt.Errorf("key name %s must be of the form org/member or patient/name", medledger.Quote(name))
	}
	return filepath.Join(s.Dir, filepath.FromSlash(name)+".json"), nil
}

// fileErr is err of an operation on the key file of name. The key name is
// outside input (a mistyped or pasted --as), and a file error repeats the
// file's path, which holds the name: when the name is long, the path gives
// way to the name quoted short (medledger.Quote), and the cause is kept for
// errors.Is.
func fileErr(name string, err error) error {
	var pe *fs.PathError
	if len(name) <= medledger.QuoteMax || !errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("key %s: %s: %w", medledger.Quote(name), pe.Op, pe.Err)
}

// scryptN is the scrypt cost; tests may lower it.
var scryptN = 1 << 15

// Save writes k. An empty passphrase saves it unencrypted. Save refuses to
// overwrite an existing key (ErrExists).
func (s Store) Save(k *Key, passphrase []byte) error { return s.saveAs(k.Name, k, passphrase) }

// saveAs writes k under the file of as (k.Name for Save; the name of a next
// key, rotate.go), refusing to overwrite one.
func (s Store) saveAs(as string, k *Key, passphrase []byte) error {
	p, err := s.path(as)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, medledger.Quote(as))
	}
	f := File{Name: k.Name, ID: k.ID, KeyID: k.KeyID(), SignPub: k.SignPub(), EncPub: k.EncPub()}
	if len(passphrase) == 0 {
		f.Secret = k.secret()
	} else {
		f.Encrypted, f.ScryptN = true, scryptN
		f.Salt, f.Nonce = make([]byte, 16), make([]byte, 12)
		rand.Read(f.Salt)
		rand.Read(f.Nonce)
		aead, err := kek(passphrase, f.Salt, f.ScryptN)
		if err != nil {
			return err
		}
		f.Sealed = aead.Seal(nil, f.Nonce, k.secret(), []byte(k.Name))
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return s.writeFile(as, p, append(b, '\n'))
}

// writeFile writes the key file of name at p atomically: a temporary file,
// then a rename.
func (s Store) writeFile(name, p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fileErr(name, err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fileErr(name, err)
	}
	return fileErr(name, os.Rename(tmp, p))
}

func kek(passphrase, salt []byte, n int) (cipher.AEAD, error) {
	key, err := scrypt.Key(passphrase, salt, n, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Info reads a key file's public part without decrypting it.
func (s Store) Info(name string) (File, error) {
	p, err := s.path(name)
	if err != nil {
		return File{}, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, fmt.Errorf("%w: %s (looked in %s)", ErrNotFound, medledger.Quote(name), s.Dir)
	}
	if err != nil {
		return File{}, fileErr(name, err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("key file %s: %w", p, err)
	}
	// NOTE: the name a key is stored under; a retired or next key's file
	// keeps, inside, the name of the identity it is a key of (rotate.go).
	f.Name = name
	f.Secret, f.Sealed = nil, nil
	return f, nil
}

// Load reads and, if needed, decrypts the key name. passphrase is called
// only for an encrypted key.
func (s Store) Load(name string, passphrase func() ([]byte, error)) (*Key, error) {
	p, err := s.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s (looked in %s)", ErrNotFound, medledger.Quote(name), s.Dir)
	}
	if err != nil {
		return nil, fileErr(name, err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("key file %s: %w", p, err)
	}
	secret := f.Secret
	if f.Encrypted {
		if err := checkSealed(&f); err != nil {
			return nil, fmt.Errorf("key file %s: %w", p, err)
		}
		if passphrase == nil {
			return nil, fmt.Errorf("key %s is encrypted and no passphrase was given", name)
		}
		pw, err := passphrase()
		if err != nil {
			return nil, err
		}
		aead, err := kek(pw, f.Salt, f.ScryptN)
		if err != nil {
			return nil, err
		}
		if secret, err = aead.Open(nil, f.Nonce, f.Sealed, []byte(f.Name)); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrBadPassphrase, name)
		}
	}
	if len(secret) != 64 {
		return nil, fmt.Errorf("key file %s: secret is %d bytes, want 64", p, len(secret))
	}
	k, err := fromSecret(f.Name, f.ID, secret)
	if err != nil {
		return nil, err
	}
	if k.KeyID() != f.KeyID {
		return nil, fmt.Errorf("key file %s is damaged: its key id does not match its key", p)
	}
	return k, nil
}

// List returns the public part of every key, sorted by name.
func (s Store) List() ([]File, error) {
	var out []File
	err := filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		rel, _ := filepath.Rel(s.Dir, strings.TrimSuffix(p, ".json"))
		f, err := s.Info(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}
