package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/dataset"
	"github.com/medledger/medledger/trials/site"
	"github.com/medledger/medledger/vault"
)

// The trials module's reads and its node service's calls: trials, their
// subjects and anchored batches; protocol documents and data batches
// stored in a node's vault; a batch's records read back, an export
// written, an audit run.

func heightQuery(height int64) url.Values {
	if height <= 0 {
		return nil
	}
	return url.Values{"height": {strconv.FormatInt(height, 10)}}
}

func trialPath(id string) string { return "/v1/trials/" + url.PathEscape(id) }

// Trials lists every registered trial, by id.
func (c *Client) Trials(ctx context.Context) ([]trials.Trial, error) {
	return All[trials.Trial](ctx, c, "/v1/trials", nil)
}

// Trial reads a trial as trials show it: its protocol versions, declared
// outcomes, every outcome switch, results and unreported outcomes; at
// height (0: the latest state).
func (c *Client) Trial(ctx context.Context, id string, height int64) (trials.View, error) {
	var v trials.View
	path := trialPath(id)
	if q := heightQuery(height); q != nil {
		path += "?" + q.Encode()
	}
	return v, c.Get(ctx, path, &v)
}

// TrialSubjects lists a trial's subjects (pseudonyms, their site,
// consents and withdrawal), by id, at height (0: the latest state), with
// requests signed by s: a member of the trial's sponsor or of one of its
// sites, or a regulator's inspector, reads them all; a participant signing
// with their pseudonym for the trial reads their own entry only; others
// get tx/unauthorized (trials.ReadSubjects).
func (c *Client) TrialSubjects(ctx context.Context, s Signer, id string, height int64) ([]trials.Subject, error) {
	return AllAs[trials.Subject](ctx, c, s, trialPath(id)+"/subjects", heightQuery(height))
}

// TrialBatches lists a trial's anchored data batches, oldest first, at
// height (0: the latest state), with requests signed by s: a member of the
// trial's sponsor or of one of its sites, or a regulator's inspector, reads
// every batch whole; a participant signing with their pseudonym for the
// trial reads the batches that hold their records, each naming them only;
// others get tx/unauthorized (trials.ReadBatches).
func (c *Client) TrialBatches(ctx context.Context, s Signer, id string, height int64) ([]trials.Batch, error) {
	return AllAs[trials.Batch](ctx, c, s, trialPath(id)+"/batches", heightQuery(height))
}

// trialNow reads trial at the latest height the node reports, and returns
// that height, so that later reads at it see the same state.
//
// NOTE: the node reports a block's height as soon as CometBFT stored it,
// a moment before the application's state at that height can be read:
// state "not found" at a height the node reported is waited out.
func (c *Client) trialNow(ctx context.Context, id string) (trials.View, int64, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return trials.View{}, 0, err
	}
	for wait := 0; ; wait++ {
		v, err := c.Trial(ctx, id, st.LatestHeight)
		if !IsCode(err, "api", "not-found") || wait == 100 {
			return v, st.LatestHeight, err
		}
		select {
		case <-ctx.Done():
			return v, 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// signed makes a request signed by s (RFC 9421).
func (c *Client) signed(ctx context.Context, s Signer, method, path string, body []byte, contentType string) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return nil, err
	}
	return req, nil
}

// UploadTrialDocument stores a protocol document or consent form
// encrypted in the node's vault, with a request signed by s (a member),
// returning the ref and salted digest for trials/register or
// trials/amend.
func (c *Client) UploadTrialDocument(ctx context.Context, s Signer, doc []byte) (site.DocumentUpload, error) {
	var out site.DocumentUpload
	req, err := c.signed(ctx, s, http.MethodPost, "/v1/trials/documents", doc, "application/octet-stream")
	if err != nil {
		return out, err
	}
	return out, c.send(req, &out)
}

// UploadTrialData stores a batch of case-report records (a JSON array, or
// JSON lines, of {"subject","visit","data"}; records without a subject
// take subject) encrypted in the node's vault, with a request signed by s
// (a member of one of the trial's sites). The answer is what s then
// anchors with trials/data (TrialDataBody). At most
// trials.MaxBatchRecords records and site.MaxUploadBytes bytes.
func (c *Client) UploadTrialData(ctx context.Context, s Signer, trial string, records []byte, subject string) (site.DataUpload, error) {
	var out site.DataUpload
	path := trialPath(trial) + "/data"
	if subject != "" {
		path += "?" + url.Values{"subject": {subject}}.Encode()
	}
	req, err := c.signed(ctx, s, http.MethodPost, path, records, "application/json")
	if err != nil {
		return out, err
	}
	return out, c.send(req, &out)
}

// TrialDataBody is the trials/data transaction body that anchors an
// uploaded batch.
func TrialDataBody(up site.DataUpload) trials.DataBody {
	return trials.DataBody{Trial: up.Trial, Root: up.Root, Count: up.Count, Subjects: up.Subjects, Ref: up.Ref}
}

// TrialBatch is a batch's records as read back from the node that holds
// them, decrypted and checked against the root the chain anchored.
type TrialBatch struct {
	site.BatchData
	Header  site.BatchHeader
	Entries []dataset.Entry // in index order; Leaf nil for a removed subject's record
}

// TrialBatchData reads batch seq of trial as s (the trial's sponsor or a
// member of one of its sites) from the node that holds it: the node wraps
// the batch document's key for s, the client opens it with s's X25519 key
// and checks that its records hash to the anchored root.
func (c *Client) TrialBatchData(ctx context.Context, s Signer, trial string, seq uint64) (TrialBatch, error) {
	var out TrialBatch
	req, err := c.signed(ctx, s, http.MethodGet, fmt.Sprintf("%s/batches/%d/data", trialPath(trial), seq), nil, "")
	if err != nil {
		return out, err
	}
	var raw json.RawMessage
	if err := c.send(req, &raw); err != nil {
		return out, err
	}
	head, blob, ok := bytes.Cut(raw, []byte("\n"))
	if !ok || json.Unmarshal(head, &out.BatchData) != nil {
		return out, fmt.Errorf("batch %d of trial %s: the node's answer is not a batch", seq, trial)
	}
	out.Blob = blob
	doc, err := vault.OpenBlob(out.Blob, out.WrappedKey, s.Key.Enc)
	if err != nil {
		return out, fmt.Errorf("batch %d of trial %s: %w", seq, trial, err)
	}
	out.Blob, out.WrappedKey = nil, nil
	h, entries, err := site.DecodeBatch(doc.Plaintext)
	if err != nil {
		return out, fmt.Errorf("batch %d of trial %s: %w", seq, trial, err)
	}
	hashes := make([][]byte, len(entries))
	for i, e := range entries {
		hashes[i] = e.Hash
	}
	if h.Trial != trial || len(entries) != out.Count || len(entries) == 0 || hex.EncodeToString(dataset.RootOf(hashes)) != out.Root {
		return out, fmt.Errorf("batch %d of trial %s: the records the node served do not hash to the root the chain anchored (%s)", seq, trial, out.Root)
	}
	out.Header, out.Entries = h, entries
	return out, nil
}

// ExportSummary says what ExportTrial wrote.
type ExportSummary struct {
	Trial    string `json:"trial"`
	Height   int64  `json:"height"`
	By       string `json:"by"`
	Batches  int    `json:"batches"`
	Records  int    `json:"records"`
	Excluded int    `json:"excluded"` // records of subjects who asked for removal: hash and subject only
}

// ExportTrial writes trial's full data export (trials/dataset's format)
// to w, as s (the trial's sponsor or a member of one of its sites): the
// header with the declared outcomes and every batch anchored up to the
// latest height, then each batch's records with their inclusion proofs.
// A record of a subject who withdrew asking for removal is written
// without its leaf, whatever the node served. progress, if not nil, is
// told how many records were written after each batch.
func (c *Client) ExportTrial(ctx context.Context, s Signer, trial string, w io.Writer, progress func(records int)) (ExportSummary, error) {
	v, h, err := c.trialNow(ctx, trial)
	if err != nil {
		return ExportSummary{}, err
	}
	batches, err := c.TrialBatches(ctx, s, trial, h)
	if err != nil {
		return ExportSummary{}, err
	}
	subjects, err := c.TrialSubjects(ctx, s, trial, 0)
	if err != nil {
		return ExportSummary{}, err
	}
	remove := map[string]bool{}
	for _, sub := range subjects {
		if sub.RemoveData {
			remove[sub.ID] = true
		}
	}
	hdr := dataset.Header{Trial: v.ID, Height: h, By: s.Key.ID, Outcomes: v.Outcomes, Batches: []dataset.BatchRef{}}
	for _, b := range batches {
		hdr.Batches = append(hdr.Batches, dataset.BatchRef{Seq: b.Seq, Root: b.Root, Count: b.Count, Height: b.Height})
	}
	sum := ExportSummary{Trial: v.ID, Height: h, By: s.Key.ID, Batches: len(batches)}
	ew, err := dataset.NewWriter(w, hdr)
	if err != nil {
		return sum, err
	}
	for _, b := range batches {
		tb, err := c.TrialBatchData(ctx, s, trial, b.Seq)
		if err != nil {
			return sum, err
		}
		if tb.Root != b.Root || tb.Count != b.Count {
			return sum, fmt.Errorf("batch %d of trial %s: the node served root %s of %d records, the chain anchored %s of %d", b.Seq, trial, tb.Root, tb.Count, b.Root, b.Count)
		}
		for i := range tb.Entries {
			if remove[tb.Entries[i].Subject] {
				tb.Entries[i].Leaf = nil
			}
			if tb.Entries[i].Leaf == nil {
				sum.Excluded++
			}
		}
		if err := ew.WriteBatch(b.Seq, tb.Entries); err != nil {
			return sum, err
		}
		sum.Records += len(tb.Entries)
		if progress != nil {
			progress(sum.Records)
		}
	}
	return sum, ew.Close()
}

// TrialAuditChain is what an audit of trial compares an export with: the
// trial, its batches and its subjects, as the chain holds them now; the
// batches and subjects read with requests signed by s (TrialBatches,
// TrialSubjects: the sponsor, a site or a regulator's inspector).
func (c *Client) TrialAuditChain(ctx context.Context, s Signer, trial string) (dataset.Chain, error) {
	var ch dataset.Chain
	v, h, err := c.trialNow(ctx, trial)
	if err != nil {
		return ch, err
	}
	ch.Trial = v
	if ch.Batches, err = c.TrialBatches(ctx, s, trial, h); err != nil {
		return ch, err
	}
	ch.Subjects, err = c.TrialSubjects(ctx, s, trial, h)
	return ch, err
}

// AuditTrial audits an export of trial (as ExportTrial writes it) against
// the chain, as s: dataset.Audit with TrialAuditChain.
func (c *Client) AuditTrial(ctx context.Context, s Signer, trial string, export io.ReadSeeker) (dataset.Report, error) {
	ch, err := c.TrialAuditChain(ctx, s, trial)
	if err != nil {
		return dataset.Report{}, err
	}
	return dataset.Audit(export, ch)
}
