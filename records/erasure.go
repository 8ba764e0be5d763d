package records

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/medledger/medledger/state"
)

// ErasedRecords calls fn for each record held by custodian that its patient
// erased, in id order, until fn returns false: what a custodian node must
// have destroyed. It reads every record (there is no index by custodian):
// a node does it once at start.
func ErasedRecords(r state.Reader, custodian string, fn func(Record) bool) {
	p := []byte(prefixRecord)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var rec Record
		mustUnmarshal(v, &rec)
		if rec.Status != StatusErased || rec.Custodian != custodian {
			return true
		}
		return fn(rec)
	})
}

// ReceiptType names the form of an ErasureReceipt.
const ReceiptType = "medledger-erasure-receipt/v1"

// ErasureReceipt is what a custodian node signs once it has destroyed the
// document of an erased record (its encrypted blob and every wrapped copy
// of its key): what was destroyed, when, and by which node. The patient
// keeps it. It is signed with the node's CometBFT node key, whose id the
// network's peers pin, so anyone can check it (Verify) and see which node
// vouches for the destruction.
type ErasureReceipt struct {
	Type      string `json:"type"` // ReceiptType
	ChainID   string `json:"chain_id"`
	Record    string `json:"record"`
	Patient   string `json:"patient"`   // the patient's pseudonymous id
	Custodian string `json:"custodian"` // the organization that held it
	Digest    string `json:"digest"`    // the record's salted digest, as on chain
	Ref       string `json:"ref"`       // the vault document destroyed
	// ErasedHeight is the block that committed the patient's erasure.
	ErasedHeight int64 `json:"erased_height"`
	// Destroyed is when the node found the document destroyed: when it
	// destroyed it, or, after a crash between the two, when it found it
	// gone on its next start.
	Destroyed time.Time `json:"destroyed"`
	Node      string    `json:"node"`     // the node's id: hex of the first 20 bytes of SHA-256 of NodeKey
	NodeKey   []byte    `json:"node_key"` // its Ed25519 public key
	Signature []byte    `json:"signature,omitempty"`
}

// receiptDomain separates a receipt's signature from anything else the
// node key signs.
const receiptDomain = "medledger erasure receipt v1\n"

// NodeID is a node's id from its Ed25519 public key, as CometBFT names
// peers: hex of the first 20 bytes of its SHA-256.
func NodeID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:20])
}

// signBytes is what the signature covers: the domain, then the receipt's
// JSON without its signature (the struct's field order fixes the bytes).
func (r ErasureReceipt) signBytes() []byte {
	r.Signature = nil
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Errorf("records: encode receipt: %w", err)) // plain strings, numbers and a time always encode
	}
	return append([]byte(receiptDomain), b...)
}

// Sign fills in the node's key, id and signature.
func (r *ErasureReceipt) Sign(key ed25519.PrivateKey) {
	pub := key.Public().(ed25519.PublicKey)
	r.Type, r.NodeKey, r.Node = ReceiptType, bytes.Clone(pub), NodeID(pub)
	r.Signature = ed25519.Sign(key, r.signBytes())
}

// Verify checks the receipt's form and signature, and that its node id is
// its key's. Whether that node is the custodian's is for the reader to
// know (its peers pin node ids).
func (r ErasureReceipt) Verify() error {
	switch {
	case r.Type != ReceiptType:
		return fmt.Errorf("not an erasure receipt (type %q)", r.Type)
	case len(r.NodeKey) != ed25519.PublicKeySize:
		return errors.New("the receipt has no node key")
	case r.Node != NodeID(r.NodeKey):
		return fmt.Errorf("the receipt's node id %s is not its key's (%s)", r.Node, NodeID(r.NodeKey))
	case !ed25519.Verify(r.NodeKey, r.signBytes(), r.Signature):
		return errors.New("the receipt's signature does not verify: it was changed, or not signed by its node")
	}
	return nil
}
