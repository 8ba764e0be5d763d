package dataset

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/medledger/medledger/trials"
)

// Format names the export format, in its header.
const Format = "medledger-trial-export/v1"

// Header is an export's first line: what was exported, at which height,
// and the outcomes the analysis used (the audit compares them with the
// outcomes the chain says were declared).
type Header struct {
	Format   string           `json:"format"`
	Trial    string           `json:"trial"`
	Height   int64            `json:"height"`
	By       string           `json:"by"`
	Outcomes []trials.Outcome `json:"outcomes"`
	Batches  []BatchRef       `json:"batches"`
}

// BatchRef is a batch as the export knows it.
type BatchRef struct {
	Seq    uint64 `json:"seq"`
	Root   string `json:"root"`
	Count  int    `json:"count"`
	Height int64  `json:"height"`
}

// Line is one record of an export, after the header: the record's leaf,
// verbatim, with its inclusion proof in its batch (base64 of the sibling
// hashes, leaf upward). A record of a subject who withdrew and asked for
// their data to be removed is Excluded: only its leaf hash and subject
// remain, so the batch still proves whole.
type Line struct {
	Batch    uint64          `json:"batch"`
	Index    int             `json:"index"`
	Leaf     json.RawMessage `json:"leaf,omitempty"`
	Hash     string          `json:"hash,omitempty"`
	Subject  string          `json:"subject,omitempty"`
	Excluded bool            `json:"excluded,omitempty"`
	Proof    string          `json:"proof"`
}

// Entry is one record of a stored batch: its leaf hash and subject, and
// its leaf unless the subject's data was removed.
type Entry struct {
	Hash    []byte
	Subject string
	Leaf    []byte // nil once removed
}

// Writer writes an export.
type Writer struct {
	w   *bufio.Writer
	enc *json.Encoder
	hdr Header
	n   int
}

// NewWriter writes h to w and returns a writer for the batches' records,
// which MUST then be written in h's order with WriteBatch.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Format = Format
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	return &Writer{w: bw, enc: enc, hdr: h}, nil
}

// WriteBatch writes the records of batch seq; entries MUST be the whole
// batch in index order.
func (w *Writer) WriteBatch(seq uint64, entries []Entry) error {
	hashes := make([][]byte, len(entries))
	for i, e := range entries {
		hashes[i] = e.Hash
	}
	t := Build(hashes)
	proof := make([]byte, 0, 32*20)
	for i, e := range entries {
		proof = proof[:0]
		for _, p := range t.Proof(i) {
			proof = append(proof, p...)
		}
		l := Line{Batch: seq, Index: i, Proof: base64.StdEncoding.EncodeToString(proof)}
		if e.Leaf != nil {
			l.Leaf = e.Leaf
		} else {
			l.Hash, l.Subject, l.Excluded = hex.EncodeToString(e.Hash), e.Subject, true
		}
		if err := w.enc.Encode(l); err != nil {
			return err
		}
		w.n++
	}
	return nil
}

// Close flushes the export.
func (w *Writer) Close() error { return w.w.Flush() }

// Records is how many records were written.
func (w *Writer) Records() int { return w.n }

// proofOf decodes a line's proof.
func proofOf(s string) ([][]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%32 != 0 || len(b) > 64*32 {
		return nil, errors.New("proof is not base64 of 32-byte hashes")
	}
	out := make([][]byte, 0, len(b)/32)
	for i := 0; i < len(b); i += 32 {
		out = append(out, b[i:i+32])
	}
	return out, nil
}

// ReadHeader reads an export's header line.
func ReadHeader(r *bufio.Reader) (Header, error) {
	var h Header
	line, err := readLine(r)
	if err != nil {
		return h, fmt.Errorf("export header: %w", err)
	}
	if err := json.Unmarshal(line, &h); err != nil {
		return h, fmt.Errorf("export header: %w", err)
	}
	if h.Format != Format {
		return h, fmt.Errorf("export header: format %q is not %s", h.Format, Format)
	}
	return h, nil
}

// readLine reads one line, without its end; io.EOF at the end.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line, nil
}
