// Package pseudonym derives the identities under which a patient appears to
// one counterparty each (a trial, a payer, an organization), and the
// proofs a patient may choose to give that two of them, or one of them and
// their chain-wide id, are the same person.
//
// A patient holds one master Ed25519 key (the key their chain-wide id
// pat-... comes from). For a context such as "trials/NCT01234567" the
// patient derives, with HKDF-SHA-256 keyed by the master key's seed, an
// Ed25519 signing key and an X25519 encryption key that belong to that
// context only; the pseudonym's id is psn-... computed from the signing
// key as a patient's id is from theirs. Without the master key the
// pseudonyms of one patient in two contexts are unrelated keys: a member
// that sees both cannot tell they are one person's. Only the master key's
// holder can derive them, and only they can prove a link:
//
//   - Ownership ties a pseudonym to the patient's chain-wide id, for one
//     audience (the site that enrols a trial participant), signed by both
//     keys over a nonce the audience chose.
//   - Link ties two pseudonyms together without naming the patient (to
//     merge two records, to present a claim to a trial's sponsor).
//
// Proofs are given off the chain, to whom the patient chooses; nothing on
// the chain links a pseudonym to its patient. The package does no I/O and
// holds no state: ID and the Verify methods run in consensus and are
// deterministic; the derivation runs where the master key is, in the
// patient's client.
package pseudonym

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every pseudonym's id.
const Prefix = "psn-"

// MaxContext bounds a context's length.
const MaxContext = 128

// Errors of the package. Callers match them with errors.Is.
var (
	ErrContext   = errors.New("pseudonym: bad context")
	ErrSignature = errors.New("pseudonym: signature does not verify")
	ErrMismatch  = errors.New("pseudonym: proof names other ids")
)

// salt separates this derivation from every other use of a master key.
const salt = "medledger/pseudonym/v1"

// CheckContext checks a context: "module/name", 3 to MaxContext bytes of
// printable ASCII without spaces, with one '/' after a non-empty module
// name (the module that registers pseudonyms in it).
func CheckContext(c string) error {
	if len(c) < 3 || len(c) > MaxContext {
		return fmt.Errorf("%w: a context is 3 to %d bytes", ErrContext, MaxContext)
	}
	for i := 0; i < len(c); i++ {
		if c[i] <= ' ' || c[i] > '~' {
			return fmt.Errorf("%w: a context is printable ASCII without spaces", ErrContext)
		}
	}
	mod, name, ok := strings.Cut(c, "/")
	if !ok || mod == "" || name == "" {
		return fmt.Errorf("%w: a context is module/name, e.g. trials/NCT01234567", ErrContext)
	}
	return nil
}

// Key is a patient's key pair under one context.
type Key struct {
	Context string
	Sign    ed25519.PrivateKey
	Enc     *ecdh.PrivateKey
}

// Derive derives the patient's keys under context from their master key.
// The same master key and context always give the same keys.
func Derive(master ed25519.PrivateKey, context string) (Key, error) {
	if err := CheckContext(context); err != nil {
		return Key{}, err
	}
	if len(master) != ed25519.PrivateKeySize {
		return Key{}, errors.New("pseudonym: the master key is no Ed25519 private key")
	}
	seed := master.Seed()
	sign, err := hkdf.Key(sha256.New, seed, []byte(salt), "sign\n"+context, ed25519.SeedSize)
	if err != nil {
		return Key{}, err
	}
	encSecret, err := hkdf.Key(sha256.New, seed, []byte(salt), "enc\n"+context, 32)
	if err != nil {
		return Key{}, err
	}
	enc, err := ecdh.X25519().NewPrivateKey(encSecret)
	if err != nil {
		return Key{}, err
	}
	return Key{Context: context, Sign: ed25519.NewKeyFromSeed(sign), Enc: enc}, nil
}

// SignPub is the pseudonym's Ed25519 public key.
func (k Key) SignPub() ed25519.PublicKey { return k.Sign.Public().(ed25519.PublicKey) }

// EncPub is the pseudonym's X25519 public key.
func (k Key) EncPub() []byte { return k.Enc.PublicKey().Bytes() }

// ID is the pseudonym's id.
func (k Key) ID() string { return ID(k.SignPub()) }

// ID is the id of the pseudonym whose signing key is pub:
// "psn-" || lowercase(base32-no-padding(SHA-256("medledger/pseudonym/v1\n" || pub)[0:15])).
func ID(pub ed25519.PublicKey) string {
	h := sha256.New()
	h.Write([]byte(salt + "\n"))
	h.Write(pub)
	sum := h.Sum(nil)
	return Prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// IsID reports whether s has the form of a pseudonym's id.
func IsID(s string) bool {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok || len(rest) != 24 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// statement is what a proof's keys sign: a domain, then each field on its
// own line. Fields MUST NOT contain a newline (checked by the callers).
func statement(kind string, fields ...string) []byte {
	var b bytes.Buffer
	b.WriteString("medledger/pseudonym-" + kind + "/v1\n")
	for _, f := range fields {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func oneLine(fields ...string) error {
	for _, f := range fields {
		if strings.ContainsAny(f, "\n\r") {
			return errors.New("pseudonym: a proof's fields are one line each")
		}
	}
	return nil
}

// Ownership proves to Audience that Pseudonym (in Context) belongs to the
// patient Patient: both keys sign the statement, over the audience's Nonce
// so that it cannot be shown to anyone else or replayed to the same
// audience later.
type Ownership struct {
	Patient      string `json:"patient"`
	Pseudonym    string `json:"pseudonym"`
	Context      string `json:"context"`
	Audience     string `json:"audience"`
	Nonce        string `json:"nonce"`
	PatientSig   []byte `json:"patient_sig"`
	PseudonymSig []byte `json:"pseudonym_sig"`
}

func (o Ownership) message() []byte {
	return statement("ownership", o.Patient, o.Pseudonym, o.Context, o.Audience, o.Nonce)
}

// Own makes an ownership proof of k for the patient whose master key and
// chain-wide id are master and patient.
func Own(master ed25519.PrivateKey, patient string, k Key, audience, nonce string) (Ownership, error) {
	o := Ownership{Patient: patient, Pseudonym: k.ID(), Context: k.Context, Audience: audience, Nonce: nonce}
	if err := oneLine(patient, audience, nonce); err != nil {
		return Ownership{}, err
	}
	m := o.message()
	o.PatientSig = ed25519.Sign(master, m)
	o.PseudonymSig = ed25519.Sign(k.Sign, m)
	return o, nil
}

// Verify checks o against the patient's master public key and the
// pseudonym's public key (both as the chain knows them), and that o is
// for audience and nonce.
func (o Ownership) Verify(patientPub, pseudonymPub ed25519.PublicKey, audience, nonce string) error {
	if o.Audience != audience || o.Nonce != nonce || ID(pseudonymPub) != o.Pseudonym {
		return ErrMismatch
	}
	if oneLine(o.Patient, o.Pseudonym, o.Context, o.Audience, o.Nonce) != nil {
		return ErrMismatch
	}
	m := o.message()
	if len(patientPub) != ed25519.PublicKeySize || !ed25519.Verify(patientPub, m, o.PatientSig) ||
		len(pseudonymPub) != ed25519.PublicKeySize || !ed25519.Verify(pseudonymPub, m, o.PseudonymSig) {
		return ErrSignature
	}
	return nil
}

// CheckRequest checks an enrolment request as far as it can without the
// patient's key: the pseudonym's keys have their sizes, id is the
// pseudonym of signKey, and the ownership proof o is for that pseudonym,
// context and audience and names a patient and a nonce. The signatures
// are o.Verify's, with the patient's key as the chain holds it.
func CheckRequest(id string, signKey, encKey []byte, o Ownership, context, audience string) error {
	switch {
	case len(signKey) != ed25519.PublicKeySize || len(encKey) != 32:
		return errors.New("sign_key and enc_key must be 32-byte public keys")
	case id != ID(signKey):
		return errors.New("the pseudonym is not the one of sign_key")
	case o.Pseudonym != id || o.Context != context || o.Audience != audience:
		return errors.New("the ownership proof is not for this pseudonym, context and audience")
	case o.Patient == "" || o.Nonce == "":
		return errors.New("the ownership proof names no patient or nonce")
	}
	return nil
}

// Link proves to Audience that pseudonyms A and B are one holder's,
// without naming the patient: each key signs the statement over the
// audience's Nonce.
type Link struct {
	A        string `json:"a"`
	B        string `json:"b"`
	Audience string `json:"audience"`
	Nonce    string `json:"nonce"`
	SigA     []byte `json:"sig_a"`
	SigB     []byte `json:"sig_b"`
}

func (l Link) message() []byte { return statement("link", l.A, l.B, l.Audience, l.Nonce) }

// Prove makes a link proof of a and b.
func Prove(a, b Key, audience, nonce string) (Link, error) {
	if err := oneLine(audience, nonce); err != nil {
		return Link{}, err
	}
	l := Link{A: a.ID(), B: b.ID(), Audience: audience, Nonce: nonce}
	m := l.message()
	l.SigA, l.SigB = ed25519.Sign(a.Sign, m), ed25519.Sign(b.Sign, m)
	return l, nil
}

// Verify checks l against the two pseudonyms' public keys, and that it is
// for audience and nonce.
func (l Link) Verify(pubA, pubB ed25519.PublicKey, audience, nonce string) error {
	if len(pubA) != ed25519.PublicKeySize || len(pubB) != ed25519.PublicKeySize {
		return ErrSignature
	}
	if l.Audience != audience || l.Nonce != nonce || ID(pubA) != l.A || ID(pubB) != l.B || l.A == l.B {
		return ErrMismatch
	}
	if oneLine(l.A, l.B, l.Audience, l.Nonce) != nil {
		return ErrMismatch
	}
	m := l.message()
	if !ed25519.Verify(pubA, m, l.SigA) || !ed25519.Verify(pubB, m, l.SigB) {
		return ErrSignature
	}
	return nil
}
