package site

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials/dataset"
)

// BatchFormat names the format of a stored batch document, in its header.
const BatchFormat = "medledger-trial-batch/v1"

// BatchHeader is a batch document's first line.
type BatchHeader struct {
	Format string `json:"format"`
	Trial  string `json:"trial"`
	Site   string `json:"site"` // the organization of the member who sent it
	By     string `json:"by"`
	Root   string `json:"root"` // hex
	Count  int    `json:"count"`
	// Removed lists the subjects whose leaves this document no longer
	// holds (they withdrew and asked for their data to be removed).
	Removed []string `json:"removed,omitempty"`
}

// removedLine is the line of a removed record: its leaf hash and subject.
type removedLine struct {
	Hash    string `json:"hash"`
	Subject string `json:"subject"`
}

// MaxBatchDocBytes bounds a stored batch document, so that a reader's
// client can take it in one answer: a batch whose leaves would make a
// larger document is refused (split it).
const MaxBatchDocBytes = 28 << 20

// ErrBatchDoc is a batch document that does not read.
var ErrBatchDoc = errors.New("site: bad batch document")

// EncodeBatch writes a batch document: h, then one line per entry in index
// order: the entry's leaf verbatim (its hash and subject are the leaf's),
// or, for a removed entry, {"hash","subject"}.
func EncodeBatch(h BatchHeader, entries []dataset.Entry) []byte {
	h.Format = BatchFormat
	hb, err := json.Marshal(h)
	if err != nil {
		panic(err) // only strings and ints
	}
	size := len(hb) + 1
	for _, e := range entries {
		if e.Leaf != nil {
			size += len(e.Leaf) + 1
		} else {
			size += 100 + len(e.Subject)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, hb...)
	b = append(b, '\n')
	for _, e := range entries {
		if e.Leaf != nil {
			// NOTE: a leaf is compact JSON as encoding/json wrote it (no raw
			// newline), so it is one line.
			b = append(b, e.Leaf...)
			b = append(b, '\n')
			continue
		}
		b = append(b, `{"hash":"`...)
		b = hex.AppendEncode(b, e.Hash)
		b = append(b, `","subject":`...)
		b = strconv.AppendQuote(b, e.Subject)
		b = append(b, "}\n"...)
	}
	return b
}

// DecodeBatch reads a batch document, checking that each record is a leaf
// of a pseudonym's record (its hash computed) or a removed record's
// 32-byte hash and pseudonym, and that there are as many as the header
// counts. It does not check the root (the reader compares it with the
// chain's).
func DecodeBatch(b []byte) (BatchHeader, []dataset.Entry, error) {
	var h BatchHeader
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	if err := json.Unmarshal(first, &h); err != nil {
		return h, nil, fmt.Errorf("%w: header: %v", ErrBatchDoc, err)
	}
	if h.Format != BatchFormat {
		return h, nil, fmt.Errorf("%w: format %q is not %s", ErrBatchDoc, h.Format, BatchFormat)
	}
	if h.Count < 0 || h.Count > len(rest) {
		return h, nil, fmt.Errorf("%w: header counts %d records", ErrBatchDoc, h.Count)
	}
	entries := make([]dataset.Entry, 0, h.Count)
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if bytes.HasPrefix(line, []byte(`{"hash":`)) {
			var l removedLine
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&l); err != nil {
				return h, nil, fmt.Errorf("%w: record %d: %v", ErrBatchDoc, len(entries), err)
			}
			hash, err := hex.DecodeString(l.Hash)
			if err != nil || len(hash) != 32 {
				return h, nil, fmt.Errorf("%w: record %d: hash is not 32 bytes of hex", ErrBatchDoc, len(entries))
			}
			if !pseudonym.IsID(l.Subject) {
				return h, nil, fmt.Errorf("%w: record %d: subject is not a pseudonym id", ErrBatchDoc, len(entries))
			}
			entries = append(entries, dataset.Entry{Hash: hash, Subject: l.Subject})
			continue
		}
		rec, err := dataset.ParseLeaf(line)
		if err != nil {
			return h, nil, fmt.Errorf("%w: record %d: %v", ErrBatchDoc, len(entries), err)
		}
		entries = append(entries, dataset.Entry{Hash: dataset.LeafHash(line), Subject: rec.Subject, Leaf: line})
	}
	if len(entries) != h.Count {
		return h, nil, fmt.Errorf("%w: %d records, the header counts %d", ErrBatchDoc, len(entries), h.Count)
	}
	return h, entries, nil
}
