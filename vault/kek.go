package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/crypto/scrypt"
)

// KEK is the custodian node's key-encryption key: an X25519 key pair. Every
// document the vault stores has a copy of its data key wrapped for the KEK,
// so that the custodian can Wrap it for a reader later. Whoever holds the
// KEK's private key can read every document in the vault: it is the
// node's most sensitive secret, and it never leaves the process.
type KEK struct {
	priv   *ecdh.PrivateKey
	hpriv  hpke.PrivateKey
	pub    []byte
	macKey []byte // authenticates keyrings; derived from priv
}

// macKeyInfo is the HKDF info of the keyring MAC key.
const macKeyInfo = "medledger/vault/v1 keyring mac"

// NewKEK makes a KEK of an existing X25519 private key (from an HSM
// adapter, a test or a key file read elsewhere). Returns ErrBadKey.
func NewKEK(priv *ecdh.PrivateKey) (*KEK, error) {
	hpriv, pub, err := privateKey(priv)
	if err != nil {
		return nil, err
	}
	secret := priv.Bytes()
	defer clear(secret)
	macKey, err := hkdf.Key(sha256.New, secret, nil, macKeyInfo, 32)
	if err != nil {
		return nil, err
	}
	return &KEK{priv: priv, hpriv: hpriv, pub: pub, macKey: macKey}, nil
}

// GenerateKEK makes a fresh KEK in memory only.
func GenerateKEK() *KEK {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		panic("vault: " + err.Error()) // crypto/rand does not fail
	}
	k, err := NewKEK(priv)
	if err != nil {
		panic("vault: " + err.Error())
	}
	return k
}

// PublicKey returns the KEK's X25519 public key (32 bytes).
func (k *KEK) PublicKey() []byte { return append([]byte(nil), k.pub...) }

// KEKProtection says how the KEK is kept at rest. The zero value is the
// safe default.
type KEKProtection uint8

const (
	// KEKPassphrase (the default) keeps the KEK's private key encrypted
	// under a key derived from a passphrase with scrypt, then AES-256-GCM.
	// A copy of the file (a backup, a stolen disk) is useless without the
	// passphrase. The price: someone or something (an operator, a secret
	// manager, a systemd credential) must supply the passphrase at every
	// start, so an unattended restart needs it stored somewhere else.
	KEKPassphrase KEKProtection = iota
	// KEKUnprotected keeps the private key in the clear in a 0600 file in a
	// 0700 folder. The node restarts unattended, but anyone who can read the
	// file (root, a backup, a disk without full-disk encryption) can read
	// every document. Use it only for development (medledger dev) or where
	// the disk is encrypted and the host is dedicated; it is never chosen
	// by default, only by name.
	KEKUnprotected
)

// DefaultScryptN is the scrypt cost (N, with r = 8, p = 1) of a new
// passphrase-protected key file: 128 MiB of memory and about half a second
// once per start, which is what makes a guessed passphrase expensive.
const DefaultScryptN = 1 << 17

// maxScryptN caps the cost read from a file, so that a crafted file cannot
// make LoadKEK allocate without bound.
const maxScryptN = 1 << 20

// minScryptN is the least cost KEKConfig accepts; lower than DefaultScryptN
// is for tests only.
const minScryptN = 1 << 10

// KEKConfig says where the KEK file is and how it is protected.
type KEKConfig struct {
	// Path of the key file. Its folder is created 0700 if missing.
	Path string
	// Protection of the file; the zero value is KEKPassphrase.
	Protection KEKProtection
	// Passphrase for KEKPassphrase; MUST be empty for KEKUnprotected.
	Passphrase []byte
	// ScryptN is the scrypt cost for CreateKEK; 0 means DefaultScryptN.
	// LoadKEK reads the cost from the file.
	ScryptN int
}

// Validate checks the configuration. Returns ErrInvalidConfig or
// ErrPassphraseRequired, naming the field.
func (c KEKConfig) Validate() error {
	switch {
	case c.Path == "":
		return ErrInvalidConfig.New("KEKConfig.Path is empty: give the key file's path")
	case c.Protection > KEKUnprotected:
		return ErrInvalidConfig.New("KEKConfig.Protection %d is unknown", c.Protection)
	case c.Protection == KEKPassphrase && len(c.Passphrase) == 0:
		return ErrPassphraseRequired.New("KEKConfig.Passphrase is empty: give the passphrase, or set Protection to KEKUnprotected to keep the key in the clear")
	case c.Protection == KEKUnprotected && len(c.Passphrase) != 0:
		return ErrInvalidConfig.New("KEKConfig.Passphrase is set but Protection is KEKUnprotected: drop one")
	case c.ScryptN != 0 && (c.ScryptN < minScryptN || c.ScryptN > maxScryptN || c.ScryptN&(c.ScryptN-1) != 0):
		return ErrInvalidConfig.New("KEKConfig.ScryptN must be a power of two from %d to %d, got %d", minScryptN, maxScryptN, c.ScryptN)
	}
	return nil
}

// kekFile is the JSON form of a key file.
type kekFile struct {
	Format     string `json:"format"` // kekFormat
	Version    int    `json:"version"`
	Public     string `json:"public"`     // hex X25519 public key
	Protection string `json:"protection"` // "scrypt" or "none"
	ScryptN    int    `json:"scrypt_n,omitempty"`
	Salt       string `json:"salt,omitempty"`   // hex, 32 bytes
	Nonce      string `json:"nonce,omitempty"`  // hex, 12 bytes
	Sealed     string `json:"sealed,omitempty"` // hex AES-256-GCM of the private key
	Secret     string `json:"secret,omitempty"` // hex private key, only with protection "none"
}

const (
	kekFormat       = "medledger-vault-kek"
	protectScrypt   = "scrypt"
	protectNone     = "none"
	maxKEKFileBytes = 4096
)

// CreateKEK generates a KEK and writes it to cfg.Path, protected as cfg
// says, durably and without ever replacing an existing file.
//
// Returns ErrPassphraseRequired or ErrInvalidConfig for a bad cfg,
// ErrKEKExists if the file exists.
func CreateKEK(cfg KEKConfig) (*KEK, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	k := GenerateKEK()
	f := kekFile{Format: kekFormat, Version: 1, Public: hex.EncodeToString(k.pub)}
	secret := k.priv.Bytes()
	defer clear(secret)
	if cfg.Protection == KEKUnprotected {
		f.Protection, f.Secret = protectNone, hex.EncodeToString(secret)
	} else {
		n := cfg.ScryptN
		if n == 0 {
			n = DefaultScryptN
		}
		salt, nonce := make([]byte, 32), make([]byte, 12)
		rand.Read(salt)
		rand.Read(nonce)
		aead, err := kekAEAD(cfg.Passphrase, salt, n)
		if err != nil {
			return nil, err
		}
		f.Protection, f.ScryptN = protectScrypt, n
		f.Salt, f.Nonce = hex.EncodeToString(salt), hex.EncodeToString(nonce)
		f.Sealed = hex.EncodeToString(aead.Seal(nil, nonce, secret, kekAAD(k.pub)))
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeNewFile(cfg.Path, append(data, '\n')); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, ErrKEKExists.New("a key file exists at %s: load it with LoadKEK, or move it away first", cfg.Path)
		}
		return nil, err
	}
	return k, nil
}

// LoadKEK reads the KEK from cfg.Path.
//
// Returns ErrNotFound if there is no file, ErrInsecurePermissions if the
// file is open to group or others, ErrKEKUnprotected if the file is in the
// clear but cfg asks for a passphrase, ErrPassphraseRequired if the file is
// encrypted and cfg gives none, ErrWrongPassphrase, ErrCorrupt if the file
// is not a well-formed key file, ErrInvalidConfig for a bad cfg.
func LoadKEK(cfg KEKConfig) (*KEK, error) {
	if cfg.Path == "" {
		return nil, ErrInvalidConfig.New("KEKConfig.Path is empty: give the key file's path")
	}
	fh, err := os.Open(cfg.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound.New("no key-encryption key at %s: create one with CreateKEK (medledger init)", cfg.Path)
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, ErrInsecurePermissions.New("key file %s has mode %v: run chmod 600 %s", cfg.Path, st.Mode().Perm(), cfg.Path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxKEKFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKEKFileBytes {
		return nil, ErrCorrupt.New("key file %s is over %d bytes", cfg.Path, maxKEKFileBytes)
	}
	var f kekFile
	if err := json.Unmarshal(data, &f); err != nil || f.Format != kekFormat || f.Version != 1 {
		return nil, ErrCorrupt.New("%s is not a version 1 vault key file", cfg.Path)
	}
	pub, err := hex.DecodeString(f.Public)
	if err != nil {
		return nil, ErrCorrupt.New("key file %s: bad public key", cfg.Path)
	}
	var secret []byte
	switch f.Protection {
	case protectNone:
		if cfg.Protection != KEKUnprotected {
			return nil, ErrKEKUnprotected.New("key file %s is stored without a passphrase: set Protection to KEKUnprotected to accept that, or re-create it with a passphrase", cfg.Path)
		}
		if secret, err = hex.DecodeString(f.Secret); err != nil {
			return nil, ErrCorrupt.New("key file %s: bad secret", cfg.Path)
		}
	case protectScrypt:
		if len(cfg.Passphrase) == 0 {
			return nil, ErrPassphraseRequired.New("key file %s is passphrase protected: give the passphrase", cfg.Path)
		}
		salt, err1 := hex.DecodeString(f.Salt)
		nonce, err2 := hex.DecodeString(f.Nonce)
		sealed, err3 := hex.DecodeString(f.Sealed)
		if err := errors.Join(err1, err2, err3); err != nil || len(salt) != 32 || len(nonce) != 12 ||
			f.ScryptN < 2 || f.ScryptN > maxScryptN || f.ScryptN&(f.ScryptN-1) != 0 {
			return nil, ErrCorrupt.New("key file %s: bad scrypt parameters", cfg.Path)
		}
		aead, err := kekAEAD(cfg.Passphrase, salt, f.ScryptN)
		if err != nil {
			return nil, err
		}
		if secret, err = aead.Open(nil, nonce, sealed, kekAAD(pub)); err != nil {
			return nil, ErrWrongPassphrase.New("the passphrase does not open key file %s", cfg.Path)
		}
	default:
		return nil, ErrCorrupt.New("key file %s: unknown protection %q", cfg.Path, f.Protection)
	}
	defer clear(secret)
	priv, err := ecdh.X25519().NewPrivateKey(secret)
	if err != nil {
		return nil, ErrCorrupt.New("key file %s: bad private key", cfg.Path)
	}
	if subtle.ConstantTimeCompare(priv.PublicKey().Bytes(), pub) != 1 {
		return nil, ErrCorrupt.New("key file %s: the private key does not match the public key", cfg.Path)
	}
	return NewKEK(priv)
}

func kekAAD(pub []byte) []byte { return append([]byte(kekFormat+" v1\x00"), pub...) }

func kekAEAD(passphrase, salt []byte, n int) (cipher.AEAD, error) {
	key, err := scrypt.Key(passphrase, salt, n, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeNewFile writes data to path durably, 0600, in a folder created 0700
// if missing, and fails with fs.ErrExist rather than replace a file. It
// writes a temporary file, syncs it and hard-links it into place (link
// refuses an existing target atomically), then syncs the folder.
func writeNewFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		return fs.ErrExist
	}
	tmp, err := os.CreateTemp(dir, ".tmp-kek-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a folder, making the creation, renaming or removal of its
// entries durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // folders cannot be synced there; NTFS journals metadata
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
