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

// batchLine is one record of a batch document: its leaf hash, its subject
// and, unless removed, its leaf verbatim.
type batchLine struct {
	Hash    string          `json:"hash"`
	Subject string          `json:"subject"`
	Leaf    json.RawMessage `json:"leaf,omitempty"`
}

// ErrBatchDoc is a batch document that does not read.
var ErrBatchDoc = errors.New("site: bad batch document")

// EncodeBatch writes a batch document: h, then one line per entry in index
// order.
func EncodeBatch(h BatchHeader, entries []dataset.Entry) []byte {
	h.Format = BatchFormat
	hb, err := json.Marshal(h)
	if err != nil {
		panic(err) // only strings and ints
	}
	size := len(hb) + 1
	for _, e := range entries {
		size += 100 + len(e.Subject) + len(e.Leaf)
	}
	b := make([]byte, 0, size)
	b = append(b, hb...)
	b = append(b, '\n')
	for _, e := range entries {
		// NOTE: written by hand, the hot path of a 100,000-record batch:
		// a hash is hex, a subject a pseudonym id (checked by Leaf), a leaf
		// compact JSON as encoding/json wrote it.
		b = append(b, `{"hash":"`...)
		b = hex.AppendEncode(b, e.Hash)
		b = append(b, `","subject":`...)
		b = strconv.AppendQuote(b, e.Subject)
		if e.Leaf != nil {
			b = append(b, `,"leaf":`...)
			b = append(b, e.Leaf...)
		}
		b = append(b, "}\n"...)
	}
	return b
}

// DecodeBatch reads a batch document, checking that every line is a
// record of a pseudonym with a 32-byte hash, that each leaf hashes to its
// hash, and that there are as many as the header counts. It does not
// check the root (the reader compares it with the chain's).
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
		var l batchLine
		if err := json.Unmarshal(line, &l); err != nil {
			return h, nil, fmt.Errorf("%w: record %d: %v", ErrBatchDoc, len(entries), err)
		}
		hash, err := hex.DecodeString(l.Hash)
		if err != nil || len(hash) != 32 {
			return h, nil, fmt.Errorf("%w: record %d: hash is not 32 bytes of hex", ErrBatchDoc, len(entries))
		}
		if !pseudonym.IsID(l.Subject) {
			return h, nil, fmt.Errorf("%w: record %d: subject is not a pseudonym id", ErrBatchDoc, len(entries))
		}
		e := dataset.Entry{Hash: hash, Subject: l.Subject}
		if l.Leaf != nil {
			if !bytes.Equal(dataset.LeafHash(l.Leaf), hash) {
				return h, nil, fmt.Errorf("%w: record %d: the leaf does not hash to its hash", ErrBatchDoc, len(entries))
			}
			e.Leaf = l.Leaf
		}
		entries = append(entries, e)
	}
	if len(entries) != h.Count {
		return h, nil, fmt.Errorf("%w: %d records, the header counts %d", ErrBatchDoc, len(entries), h.Count)
	}
	return h, entries, nil
}
