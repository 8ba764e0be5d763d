// Package dataset is the off-chain half of a trial's case-report data: how
// a record becomes a leaf, how a batch's leaves become the RFC 6962 Merkle
// root the chain anchors (trials/data), the inclusion proof that lets one
// record be proven on its own, the export a sponsor or site writes, and the
// audit that re-hashes an export against the chain.
//
// A record is {"subject", "visit", "data"}: the subject's pseudonym for the
// trial, a visit label, and the case-report form's data as a JSON object.
// Its leaf is the compact JSON of {"salt", "subject", "visit", "data"}
// with a random 16-byte salt, so that the root of a small batch reveals
// nothing about guessable data; the leaf hash is RFC 6962's
// SHA-256(0x00 || leaf). The leaf's bytes travel verbatim (in the vault,
// in exports), so a verifier hashes exactly what was anchored.
//
// The package does no I/O of its own beyond the readers and writers it is
// given, and keeps no state.
package dataset

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/pseudonym"
)

// Limits of one record.
const (
	MaxRecordBytes = 64 << 10
	maxVisit       = 64
	SaltSize       = 16
)

// Errors of the package; match with errors.Is.
var (
	ErrRecord = errors.New("dataset: bad record")
	ErrProof  = errors.New("dataset: inclusion proof does not verify")
)

// Record is one case-report record as a site submits it.
type Record struct {
	Subject string          `json:"subject"`
	Visit   string          `json:"visit"`
	Data    json.RawMessage `json:"data"`
}

// Check validates a record: a pseudonym id, a visit label of 1 to 64
// printable characters, and data that is a JSON object.
func (r Record) Check() error {
	if !pseudonym.IsID(r.Subject) {
		return fmt.Errorf("%w: subject %s is not a pseudonym id (psn-...)", ErrRecord, medledger.Quote(r.Subject))
	}
	if r.Visit == "" || len(r.Visit) > maxVisit {
		return fmt.Errorf("%w: visit must be 1 to %d characters", ErrRecord, maxVisit)
	}
	for i := 0; i < len(r.Visit); i++ {
		if r.Visit[i] < ' ' || r.Visit[i] > '~' {
			return fmt.Errorf("%w: visit %s must be printable ASCII", ErrRecord, medledger.Quote(r.Visit))
		}
	}
	d := bytes.TrimSpace(r.Data)
	if len(d) == 0 || d[0] != '{' || !json.Valid(d) {
		return fmt.Errorf("%w: data of subject %s visit %s must be a JSON object", ErrRecord, r.Subject, medledger.Quote(r.Visit))
	}
	return nil
}

// leafDoc is a leaf's JSON form; field order is fixed by the struct.
type leafDoc struct {
	Salt    string          `json:"salt"`
	Subject string          `json:"subject"`
	Visit   string          `json:"visit"`
	Data    json.RawMessage `json:"data"`
}

// Leaf is the leaf of r under salt (SaltSize bytes): compact JSON as
// encoding/json writes it (HTML characters escaped), so that writing it
// again as a json.RawMessage changes nothing.
func Leaf(r Record, salt []byte) ([]byte, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	if len(salt) != SaltSize {
		return nil, fmt.Errorf("%w: salt is %d bytes, not %d", ErrRecord, len(salt), SaltSize)
	}
	b, err := json.Marshal(leafDoc{Salt: hex.EncodeToString(salt), Subject: r.Subject, Visit: r.Visit, Data: r.Data})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if len(b) > MaxRecordBytes {
		return nil, fmt.Errorf("%w: record of subject %s visit %s is %d bytes, over %d", ErrRecord, r.Subject, medledger.Quote(r.Visit), len(b), MaxRecordBytes)
	}
	return b, nil
}

// NewSalt draws a salt.
func NewSalt() []byte {
	s := make([]byte, SaltSize)
	if _, err := rand.Read(s); err != nil {
		panic(err) // NOTE: crypto/rand does not fail on supported systems
	}
	return s
}

// ParseLeaf reads a leaf back into its record.
func ParseLeaf(leaf []byte) (Record, error) {
	var d leafDoc
	dec := json.NewDecoder(bytes.NewReader(leaf))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Record{}, fmt.Errorf("%w: leaf: %v", ErrRecord, err)
	}
	r := Record{Subject: d.Subject, Visit: d.Visit, Data: d.Data}
	if len(d.Salt) != 2*SaltSize {
		return r, fmt.Errorf("%w: leaf salt", ErrRecord)
	}
	return r, r.Check()
}

// LeafHash is RFC 6962's hash of a leaf: SHA-256(0x00 || leaf).
func LeafHash(leaf []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(leaf) }

// ParseRecords reads records from b: a JSON array of records, one JSON
// record, or JSON lines. A record without a subject takes subject (if not
// empty). Every record is checked; the error names the first bad one.
func ParseRecords(b []byte, subject string) ([]Record, error) {
	b = bytes.TrimSpace(b)
	var out []Record
	take := func(i int, raw []byte) error {
		var r Record
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("%w: record %d: %v", ErrRecord, i+1, err)
		}
		if r.Subject == "" {
			r.Subject = subject
		}
		if err := r.Check(); err != nil {
			return fmt.Errorf("record %d: %w", i+1, err)
		}
		out = append(out, r)
		return nil
	}
	switch {
	case len(b) == 0:
		return nil, fmt.Errorf("%w: no records", ErrRecord)
	case b[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("%w: the JSON array does not parse: %v", ErrRecord, err)
		}
		for i, raw := range list {
			if err := take(i, raw); err != nil {
				return nil, err
			}
		}
	default:
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if err := take(len(out)+0*i, []byte(line)); err != nil {
				// A single pretty-printed record spans lines: try it whole.
				if len(out) == 0 && i == 0 {
					if err2 := take(0, b); err2 == nil {
						return out, nil
					}
				}
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no records", ErrRecord)
	}
	return out, nil
}
