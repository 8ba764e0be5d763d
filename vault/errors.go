package vault

import "github.com/medledger/medledger"

// Codespace of vault errors. Codes are append-only: never renumber or reuse
// one. Match them with medledger.HasCode(err, vault.ErrGone), never by text.
const Codespace = "vault"

var (
	// ErrNotFound: no document (or stored object, or key file) of that name.
	ErrNotFound = medledger.Code{Codespace: Codespace, Code: 1, Slug: "not-found", Kind: medledger.KindNotFound}
	// ErrGone: the document existed and was erased by Delete; its keys are destroyed.
	ErrGone = medledger.Code{Codespace: Codespace, Code: 2, Slug: "erased", Kind: medledger.KindGone}
	// ErrNoAccess: the key given holds no wrapped copy of the document's data key.
	ErrNoAccess = medledger.Code{Codespace: Codespace, Code: 3, Slug: "no-access", Kind: medledger.KindUnauthorized}
	// ErrCorrupt: an object the vault stored fails its integrity check (digest,
	// AEAD or format): a storage fault or tampering. Never shows plaintext.
	ErrCorrupt = medledger.Code{Codespace: Codespace, Code: 4, Slug: "corrupt", Kind: medledger.KindInternal}
	// ErrMalformed: bytes handed in from outside (a blob, a wrapped key, an
	// id) are not well formed or fail authentication.
	ErrMalformed = medledger.Code{Codespace: Codespace, Code: 5, Slug: "malformed", Kind: medledger.KindInvalid}
	// ErrBadKey: a public or private key is not a usable X25519 key.
	ErrBadKey = medledger.Code{Codespace: Codespace, Code: 6, Slug: "bad-key", Kind: medledger.KindInvalid}
	// ErrTooLarge: a document or a recipient list is over its configured limit.
	ErrTooLarge = medledger.Code{Codespace: Codespace, Code: 7, Slug: "too-large", Kind: medledger.KindTooLarge}
	// ErrWrongCustodian: the store was created with another key-encryption key.
	ErrWrongCustodian = medledger.Code{Codespace: Codespace, Code: 8, Slug: "wrong-custodian", Kind: medledger.KindConflict}
	// ErrPassphraseRequired: the key-encryption key is (or must be) passphrase
	// protected and no passphrase was given.
	ErrPassphraseRequired = medledger.Code{Codespace: Codespace, Code: 9, Slug: "passphrase-required", Kind: medledger.KindInvalid}
	// ErrWrongPassphrase: the passphrase does not open the key file.
	ErrWrongPassphrase = medledger.Code{Codespace: Codespace, Code: 10, Slug: "wrong-passphrase", Kind: medledger.KindUnauthorized}
	// ErrKEKExists: CreateKEK found a key file already there.
	ErrKEKExists = medledger.Code{Codespace: Codespace, Code: 11, Slug: "kek-exists", Kind: medledger.KindConflict}
	// ErrKEKUnprotected: the key file is stored without a passphrase but the
	// configuration did not opt in to KEKUnprotected.
	ErrKEKUnprotected = medledger.Code{Codespace: Codespace, Code: 12, Slug: "kek-unprotected", Kind: medledger.KindInvalid}
	// ErrInsecurePermissions: a key file or the store folder is open to other users.
	ErrInsecurePermissions = medledger.Code{Codespace: Codespace, Code: 13, Slug: "insecure-permissions", Kind: medledger.KindInvalid}
	// ErrLocked: another process (or another open Store) holds the store.
	ErrLocked = medledger.Code{Codespace: Codespace, Code: 14, Slug: "locked", Kind: medledger.KindUnavailable}
	// ErrInvalidConfig: a configuration field is out of range; the detail names it.
	ErrInvalidConfig = medledger.Code{Codespace: Codespace, Code: 15, Slug: "invalid-config", Kind: medledger.KindInvalid}
)

// Codes lists every vault code, for documentation and tests.
var Codes = []medledger.Code{ErrNotFound, ErrGone, ErrNoAccess, ErrCorrupt, ErrMalformed, ErrBadKey, ErrTooLarge,
	ErrWrongCustodian, ErrPassphraseRequired, ErrWrongPassphrase, ErrKEKExists, ErrKEKUnprotected,
	ErrInsecurePermissions, ErrLocked, ErrInvalidConfig}
