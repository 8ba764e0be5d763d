package tx

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/medledger/medledger"
)

const (
	// Version is the first byte of every transaction of this format.
	Version byte = 0x01
	// SignaturePrefix is prepended to the payload before signing, so that a
	// transaction signature can never be confused with any other signature
	// medledger keys make.
	SignaturePrefix = "medledger/tx/v1\n"
	// MaxBytes is the largest transaction the node accepts, envelope included.
	MaxBytes = 1 << 20
	// MaxNonceLen bounds the replay-guard nonce.
	MaxNonceLen = 64
	headerLen   = 1 + ed25519.SignatureSize
)

// Payload is the signed content of a transaction.
type Payload struct {
	ChainID string          `json:"chain_id"`
	Type    string          `json:"type"`    // "module/action", e.g. "notary/anchor"
	Signer  string          `json:"signer"`  // "org/member" or a patient id
	KeyID   string          `json:"key_id"`  // KeyID of the signing key
	Nonce   string          `json:"nonce"`   // unique per signer until Expires
	Expires int64           `json:"expires"` // last block height at which the tx may be included
	Body    json.RawMessage `json:"body"`    // the type's own JSON document
}

// Tx is a decoded transaction. Its signature has not been checked.
type Tx struct {
	Payload
	Raw       []byte // the whole transaction as sent
	Signature []byte // 64 bytes
	Signed    []byte // the payload bytes as sent (a sub-slice of Raw)
}

// Hash is the transaction's identifier: SHA-256 of the bytes sent, as
// CometBFT computes it.
func Hash(raw []byte) []byte { h := sha256.Sum256(raw); return h[:] }

// KeyID names an Ed25519 public key: the hex of the first 16 bytes of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:16])
}

// SignBytes returns the bytes an Ed25519 key signs for payload.
func SignBytes(payload []byte) []byte {
	b := make([]byte, 0, len(SignaturePrefix)+len(payload))
	b = append(b, SignaturePrefix...)
	return append(b, payload...)
}

// Sign encodes p and signs it with key, returning the transaction bytes.
func Sign(key ed25519.PrivateKey, p Payload) ([]byte, error) {
	if len(p.Body) == 0 {
		p.Body = json.RawMessage("{}")
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	sig := ed25519.Sign(key, SignBytes(payload))
	out := make([]byte, 0, headerLen+len(payload))
	out = append(out, Version)
	out = append(out, sig...)
	return append(out, payload...), nil
}

// Decode parses transaction bytes. It checks the form of every field but not
// the signature (see Verify). Errors are *medledger.Error of this package's
// codes.
func Decode(raw []byte) (*Tx, error) {
	if len(raw) > MaxBytes {
		return nil, ErrOversize.New("transaction is %d bytes, the limit is %d", len(raw), MaxBytes)
	}
	if len(raw) < headerLen+2 {
		return nil, ErrMalformed.New("transaction is %d bytes, shorter than the %d-byte header and a payload", len(raw), headerLen)
	}
	if raw[0] != Version {
		return nil, ErrMalformed.New("unknown envelope version 0x%02x, want 0x%02x", raw[0], Version)
	}
	t := &Tx{Raw: raw, Signature: raw[1:headerLen], Signed: raw[headerLen:]}
	if err := StrictJSON(t.Signed, payloadFields); err != nil {
		return nil, ErrMalformed.New("payload: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(t.Signed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t.Payload); err != nil {
		return nil, ErrMalformed.New("payload is not the envelope JSON object: %v", err)
	}
	// NOTE: dec.More() would miss a trailing '}' or ']'; only EOF (after
	// optional whitespace) means the object was the whole payload.
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrMalformed.New("payload has data after the JSON object")
	}
	if err := t.Payload.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

func (p *Payload) validate() error {
	switch {
	case p.ChainID == "":
		return ErrMalformed.New("chain_id is missing")
	case !validType(p.Type):
		return ErrMalformed.New("type %s is not of the form module/action (lowercase letters, digits and '-')", medledger.Quote(p.Type))
	case p.Signer == "" || len(p.Signer) > 128:
		return ErrMalformed.New("signer is missing or longer than 128 characters")
	case len(p.KeyID) != 32 || !isHex(p.KeyID):
		return ErrMalformed.New("key_id must be 32 lowercase hex characters")
	case p.Nonce == "" || len(p.Nonce) > MaxNonceLen || !isToken(p.Nonce):
		return ErrMalformed.New("nonce must be 1 to %d characters of letters, digits, '-' and '_'", MaxNonceLen)
	case p.Expires <= 0:
		return ErrMalformed.New("expires must be a positive block height")
	case len(p.Body) == 0 || p.Body[0] != '{':
		return ErrMalformed.New("body must be a JSON object")
	}
	return nil
}

// Module returns the module part of the type ("notary" of "notary/anchor").
func (p *Payload) Module() string { m, _, _ := strings.Cut(p.Type, "/"); return m }

func validType(s string) bool {
	m, a, ok := strings.Cut(s, "/")
	return ok && len(s) <= 64 && isName(m) && isName(a)
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
