// Package vault keeps documents off the chain, encrypted: FHIR resources,
// consent forms, trial data files, credential files. The chain keeps only
// their salted digests and who may read them.
//
// # What it owns
//
//   - Encryption. Put encrypts each document under its own random 256-bit
//     data key (AES-256-GCM) together with a random 32-byte salt, and wraps
//     the data key with HPKE (RFC 9180, base mode, DHKEM(X25519,
//     HKDF-SHA256), HKDF-SHA256, AES-256-GCM) for every party allowed to hold
//     it: the recipients named at Put, readers added later with Wrap, and
//     always the custodian node's own key-encryption key (KEK), so that the
//     node can re-wrap for readers. A data key is never stored in the clear.
//   - Content addressing. A document is named by its DocID, the SHA-256 of
//     its ciphertext blob (see below).
//   - The salted digest the chain keeps: SaltedDigest(salt, document) =
//     HMAC-SHA256(salt, document), returned by Put in the Receipt.
//   - Erasure by crypto-shredding (Delete).
//   - The KEK at rest (CreateKEK, LoadKEK) and the Store interface that
//     drivers implement: vault/disk, the embedded default on a local folder;
//     an S3-compatible driver can come later behind the same interface.
//
// # What it must not do
//
// The vault MUST NOT read or write the chain and MUST NOT decide consent.
// Its caller (the API server) checks that a signed request is covered by an
// active consent, or a break-glass declaration, before it calls Open, Get
// or Wrap, and records the disclosure on chain; the vault only does what it
// is asked, for whoever holds a key. It reads no flags, environment or
// config files: cmd wires a KEKConfig, a Store and a Config.
//
// # Content addressing: why the ciphertext
//
// DocID = SHA-256(blob), where the blob is the document encrypted under a
// fresh random key and nonce. Someone who guesses a document (a lab result
// is one of a few values; a consent form is a template) cannot confirm the
// guess from the id: without the data key the blob, and so its hash, is
// independent of the content. A plain SHA-256 of the document would let
// anyone holding the id test every candidate. Hashing the ciphertext also
// lets anyone who holds the blob (the store, a backup, an S3 bucket, a
// reader) check it against its id without a key, keeps the id stable when
// readers are added (wrapped keys live beside the blob, not in it), and
// gives no deduplication: storing the same document twice yields two
// unrelated ids, which is the point, since equal ids would leak equality.
//
// The digest for the chain is the HMAC-SHA256 of the document keyed by the
// document's salt, so it too reveals nothing to a guesser. The salt lives
// only inside the encrypted blob: a reader gets it from OpenBlob and can
// prove to a third party that the document matches the on-chain digest.
// When Delete destroys the data key, the salt becomes unrecoverable with
// it, which unlinks the on-chain digest from the content: even a copy of the
// document that leaked elsewhere can no longer be matched to it.
//
// # Integrity
//
// Every read re-checks: Get and Open hash the blob against its id; Open
// unwraps the data key (HPKE authenticates it and binds it to the document
// id and digest), decrypts (GCM authenticates the blob) and re-checks the
// salted digest; a document's keyring carries a MAC under a key derived
// from the KEK, so a changed, added or removed entry reads as corrupt. A
// stored object that fails any check yields ErrCorrupt, never plaintext.
//
// # Crash safety
//
// Put writes the blob, then the keyring; the keyring is the commit record.
// A crash before it leaves an orphan blob that no key opens: the document
// reads as absent, and Recover removes the orphan. Delete writes a
// tombstone first, then removes the keyring and the blob: a crash midway
// reads as erased (ErrGone), and Recover (or another Delete) finishes the
// erasure. Stores write each object atomically and durably (see Store).
//
// # Erasure
//
// Delete removes every wrapped copy of the data key the vault holds, and
// the blob, leaving a tombstone. After it returns, nothing in the vault can
// decrypt the document, even with the KEK or a recipient's private key. It
// cannot reach copies handed out earlier (a blob from Get with a wrapped key
// from Wrap, or plaintext a reader kept): that is what consent and the
// disclosure log on chain are for. The disk driver overwrites files before
// removing them, but on SSDs and journaling or copy-on-write filesystems old
// blocks may survive; they hold only ciphertext and wrapped keys, which
// need a recipient's private key or the KEK to open.
//
// # The key-encryption key at rest
//
// The KEK's private key can read every document, so it is protected by
// default: KEKConfig's zero Protection is KEKPassphrase (scrypt, N = 2^17,
// then AES-256-GCM), and CreateKEK refuses to write a key in the clear
// unless asked by name with KEKUnprotected. The trade-off: a passphrase
// makes a copied key file (a backup, a stolen disk) useless, but someone or
// something must supply the passphrase at every start. An unprotected key
// (a 0600 file in a 0700 folder) restarts unattended but is only as safe as
// the host's access control and disk encryption; it is for development
// (medledger dev) and for dedicated hosts with encrypted disks. LoadKEK
// refuses a file open to other users, and refuses an unprotected file
// unless the configuration says KEKUnprotected, so a downgraded key file
// does not go unnoticed.
//
// # Errors
//
// Each operation documents the codes it returns (errors.go); match them
// with medledger.HasCode. Errors of the Store (I/O) pass through wrapped
// and are internal errors.
package vault
