package site

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/dataset"
	"github.com/medledger/medledger/tx"
	"github.com/medledger/medledger/vault"
)

// Limits of what the service takes in one request.
const (
	// MaxDocumentBytes is the largest protocol document or consent form.
	MaxDocumentBytes = 32 << 20
	// MaxUploadBytes is the largest body of records one data upload
	// carries; a client splits larger files (and files of more than
	// trials.MaxBatchRecords records) into several batches. The batch
	// document it makes must also fit MaxBatchDocBytes.
	MaxUploadBytes = 24 << 20
)

// DocumentUpload answers POST /v1/trials/documents: the vault's ref and
// salted digest of the stored document, for a trials/register or
// trials/amend body.
type DocumentUpload struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	Size   int    `json:"size"`
}

// DataUpload answers POST /v1/trials/{id}/data: what a trials/data
// transaction anchors for the stored batch.
type DataUpload struct {
	Trial    string   `json:"trial"`
	Ref      string   `json:"ref"`
	Root     string   `json:"root"`
	Count    int      `json:"count"`
	Subjects []string `json:"subjects"` // sorted, distinct
}

// BatchData answers GET /v1/trials/{id}/batches/{seq}/data: the batch's
// current document, encrypted, with its data key wrapped for the reader.
// The document reads with DecodeBatch once opened (vault.OpenBlob).
//
// The answer (application/octet-stream) is this as one line of JSON, a
// newline, then the blob's bytes: a batch document is up to
// MaxBatchDocBytes, which base64 in JSON would swell by a third.
type BatchData struct {
	Trial string `json:"trial"`
	Batch uint64 `json:"batch"`
	Ref   string `json:"ref"` // the ref the chain anchored
	Doc   string `json:"doc"` // the document served: Ref, or its rewrite after a removal
	Root  string `json:"root"`
	Count int    `json:"count"`
	// Removed are the subjects whose leaves the document no longer holds.
	Removed    []string `json:"removed"`
	WrappedKey []byte   `json:"wrapped_key"`
	Blob       []byte   `json:"-"`
}

// Service is the trials service of one node.
type Service struct {
	// Org is the organization that runs the node.
	Org   string
	Vault *vault.Vault
	IDs   app.Identities
	// Dir is the folder of the batch index (the node's data/trials).
	Dir string
	// Now is the clock of request signatures' freshness; time.Now if nil.
	Now func() time.Time
	// CloseVault, if set, is called by Close.
	CloseVault func() error

	store *state.Store
	idx   *index
	guard *httpsig.NonceCache
	// rw serializes the rewrites of batch documents.
	rw       sync.Mutex
	work     chan removal
	done     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	attached bool
}

// removal asks the worker to remove a subject's data from the batches of
// a trial this node holds; an empty subject: every subject of the trial
// who asked for removal; an empty trial: of every trial.
type removal struct{ trial, subject string }

var _ interface {
	Attach(*app.App, *state.Store) error
	Routes(*api.Server) []api.Route
	Close() error
} = (*Service)(nil)

// Attach opens the batch index, subscribes to committed blocks (for
// withdrawals) and starts the worker, which first finishes what a crash
// may have interrupted.
func (s *Service) Attach(a *app.App, st *state.Store) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Vault == nil || s.IDs == nil || s.Dir == "" {
		return fmt.Errorf("trials service: Vault, IDs and Dir are required")
	}
	idx, err := openIndex(s.Dir)
	if err != nil {
		return fmt.Errorf("trials service: batch index %s: %w", s.Dir, err)
	}
	s.idx, s.store = idx, st
	s.guard = httpsig.NewNonceCache(1 << 16)
	s.work = make(chan removal, 1024)
	s.done, s.stopped = make(chan struct{}), make(chan struct{})
	s.attached = true
	a.OnCommit(s.committed)
	go s.worker()
	return nil
}

// Close stops the worker and closes the vault if asked to.
func (s *Service) Close() error {
	s.once.Do(func() {
		if s.attached {
			close(s.done)
			<-s.stopped
		}
	})
	if s.CloseVault != nil {
		return s.CloseVault()
	}
	return nil
}

// Routes are the service's REST and FHIR routes.
func (s *Service) Routes(srv *api.Server) []api.Route {
	id := api.Param{Name: "id", In: "path", Description: "trial id"}
	routes := []api.Route{
		{Method: "POST", Path: "/v1/trials/documents", Signed: true, Summary: "Store a trial's protocol document or consent form encrypted in this node's vault (a member's signed request, RFC 9421); returns its ref and salted digest for trials/register and trials/amend",
			Handler: s.uploadDocument},
		{Method: "POST", Path: "/v1/trials/{id}/data", Signed: true, Summary: "Store a batch of case-report records (a JSON array or JSON lines) encrypted in this node's vault (a signed request by a member of one of the trial's sites); returns the ref, RFC 6962 root, count and subjects for a trials/data transaction",
			Params: []api.Param{id, {Name: "subject", In: "query", Description: "the subject of records that name none (a pseudonym, psn-...)"}}, Handler: s.uploadData},
		{Method: "GET", Path: "/v1/trials/{id}/batches/{seq}/data", Signed: true, Summary: "A batch's records for the trial's sponsor or a member of one of its sites (signed request): the batch document encrypted, its key wrapped for the reader; removed subjects' records keep only their hashes",
			Params: []api.Param{id, {Name: "seq", In: "path", Description: "batch number"}}, Handler: s.readBatch},
	}
	return append(routes, s.fhirRoutes(srv)...)
}

func (s *Service) lookup(snap state.Reader) httpsig.KeyLookup {
	return func(keyID string) (ed25519.PublicKey, error) {
		signer, kid, err := httpsig.SplitKeyID(keyID)
		if err != nil {
			return nil, err
		}
		_, pub, err := s.IDs.Authenticate(snap, signer, kid)
		return pub, err
	}
}

// authenticate verifies r's signature (RFC 9421) and returns its signer,
// who MUST be a member.
func (s *Service) authenticate(r *http.Request, snap state.Reader, maxBody int64) (app.Signer, error) {
	v, err := httpsig.Verify(r, s.lookup(snap), s.Now(), httpsig.WithMaxBody(maxBody), httpsig.WithReplayGuard(s.guard))
	if err != nil {
		return app.Signer{}, err
	}
	id, kid, _ := httpsig.SplitKeyID(v.KeyID)
	who, _, err := s.IDs.Authenticate(snap, id, kid)
	if err != nil {
		return who, err
	}
	if who.Kind != app.KindMember {
		return who, tx.ErrUnauthorized.New("only members of the consortium's organizations do this, not %s", who.ID)
	}
	return who, nil
}

// fail answers err, unless the client went away (nobody to answer, and
// nothing the node did wrong).
func fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	api.WriteProblem(w, r, err)
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, api.ErrTooLarge.New("the body is over %d bytes", limit)
	}
	return b, nil
}

func (s *Service) uploadDocument(w http.ResponseWriter, r *http.Request) {
	snap := s.store.Latest()
	if _, err := s.authenticate(r, snap, MaxDocumentBytes); err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	doc, err := readBody(w, r, MaxDocumentBytes)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	if len(doc) == 0 {
		api.WriteProblem(w, r, trials.ErrInvalid.New("the document is empty"))
		return
	}
	rec, err := s.Vault.Put(r.Context(), doc)
	if err != nil {
		fail(w, r, err)
		return
	}
	api.WriteJSON(w, DocumentUpload{Ref: rec.ID.String(), Digest: rec.Digest.String(), Size: rec.Size})
}

// trialOf reads the trial a request names.
func trialOf(r *http.Request, snap state.Reader) (trials.Trial, error) {
	id := r.PathValue("id")
	t, ok := trials.GetTrial(snap, id)
	if !ok {
		return t, trials.ErrTrialNotFound.New("no trial %s", medledger.Quote(id))
	}
	return t, nil
}

func (s *Service) uploadData(w http.ResponseWriter, r *http.Request) {
	snap := s.store.Latest()
	who, err := s.authenticate(r, snap, MaxUploadBytes)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	t, err := trialOf(r, snap)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	if !t.Site(who.Org) {
		api.WriteProblem(w, r, trials.ErrNotSite.New("%s is not a site of trial %s (its sites: %v): only their members add its data", who.Org, t.ID, t.Sites))
		return
	}
	if !trials.Policies[trials.TypeData].Allows(who) {
		api.WriteProblem(w, r, tx.ErrUnauthorized.New("a %s of a %s may not add trial data", who.Role, who.OrgKind))
		return
	}
	subject := r.URL.Query().Get("subject")
	if subject != "" && !pseudonym.IsID(subject) {
		api.WriteProblem(w, r, trials.ErrInvalid.New("subject %s is not a pseudonym id (psn-...)", medledger.Quote(subject)))
		return
	}
	body, err := readBody(w, r, MaxUploadBytes)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	up, err := s.storeBatch(r.Context(), t, who, body, subject)
	if err != nil {
		fail(w, r, err)
		return
	}
	api.WriteJSON(w, up)
}

// storeBatch makes the leaves of the records in body, stores the batch
// document and indexes it.
func (s *Service) storeBatch(ctx context.Context, t trials.Trial, who app.Signer, body []byte, subject string) (DataUpload, error) {
	recs, err := dataset.ParseRecords(body, subject)
	if err != nil {
		return DataUpload{}, trials.ErrInvalid.New("%v", err)
	}
	if len(recs) > trials.MaxBatchRecords {
		return DataUpload{}, trials.ErrTooLarge.New("%d records: a batch holds at most %d; send them in several", len(recs), trials.MaxBatchRecords)
	}
	salts := make([]byte, len(recs)*dataset.SaltSize)
	rand.Read(salts) // never fails (crypto/rand, Go 1.24+)
	entries := make([]dataset.Entry, len(recs))
	hashes := make([][]byte, len(recs))
	seen := map[string]bool{}
	var subjects []string
	for i, rec := range recs {
		leaf, err := dataset.Leaf(rec, salts[i*dataset.SaltSize:(i+1)*dataset.SaltSize])
		if err != nil {
			return DataUpload{}, trials.ErrInvalid.New("record %d: %v", i+1, err)
		}
		h := dataset.LeafHash(leaf)
		entries[i], hashes[i] = dataset.Entry{Hash: h, Subject: rec.Subject, Leaf: leaf}, h
		if !seen[rec.Subject] {
			seen[rec.Subject] = true
			subjects = append(subjects, rec.Subject)
		}
	}
	if len(subjects) > trials.MaxBatchSubjects {
		return DataUpload{}, trials.ErrTooLarge.New("%d subjects: a batch names at most %d; send them in several", len(subjects), trials.MaxBatchSubjects)
	}
	slices.Sort(subjects)
	root := hex.EncodeToString(dataset.RootOf(hashes))
	doc := EncodeBatch(BatchHeader{Trial: t.ID, Site: who.Org, By: who.ID, Root: root, Count: len(entries)}, entries)
	if len(doc) > MaxBatchDocBytes {
		return DataUpload{}, trials.ErrTooLarge.New("the batch's records with their salts make %d bytes, over %d: send fewer records at once", len(doc), MaxBatchDocBytes)
	}
	rec, err := s.Vault.Put(ctx, doc)
	if err != nil {
		return DataUpload{}, err
	}
	ref := rec.ID.String()
	if err := s.idx.put(indexEntry{Ref: ref, Trial: t.ID, Root: root, Count: len(entries), Doc: ref}); err != nil {
		return DataUpload{}, fmt.Errorf("index batch %s: %w", ref, err)
	}
	return DataUpload{Trial: t.ID, Ref: ref, Root: root, Count: len(entries), Subjects: subjects}, nil
}

func (s *Service) readBatch(w http.ResponseWriter, r *http.Request) {
	snap := s.store.Latest()
	who, err := s.authenticate(r, snap, 0)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	t, err := trialOf(r, snap)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	if who.Org != t.Sponsor && !t.Site(who.Org) {
		api.WriteProblem(w, r, tx.ErrUnauthorized.New("only trial %s's sponsor (%s) and members of its sites (%v) read its data, not %s", t.ID, t.Sponsor, t.Sites, who.ID))
		return
	}
	seqText := r.PathValue("seq")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	var b trials.Batch
	if err != nil || !state.GetJSON(snap, trials.BatchKey(t.ID, seq), &b) {
		api.WriteProblem(w, r, api.ErrNotFound.New("trial %s has no batch %s", t.ID, medledger.Quote(seqText)))
		return
	}
	encKey, ok := s.IDs.EncKey(snap, who.ID)
	if !ok {
		api.WriteProblem(w, r, tx.ErrUnknownSigner.New("no encryption key for %s", who.ID))
		return
	}
	e, err := s.settle(r.Context(), snap, b, s.removeSet(snap, b))
	if err != nil {
		fail(w, r, err)
		return
	}
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	if cur, ok, _ := s.idx.get(b.Ref); ok {
		e = cur
	}
	id, err := vault.ParseDocID(e.Doc)
	if err != nil {
		api.WriteProblem(w, r, fmt.Errorf("batch %d: index holds a bad document id: %w", b.Seq, err))
		return
	}
	blob, err := s.Vault.Get(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	wk, err := s.Vault.Wrap(r.Context(), id, encKey)
	if err != nil {
		fail(w, r, err)
		return
	}
	removed := e.Removed
	if removed == nil {
		removed = []string{}
	}
	head, err := json.Marshal(BatchData{Trial: t.ID, Batch: b.Seq, Ref: b.Ref, Doc: e.Doc, Root: b.Root, Count: b.Count, Removed: removed, WrappedKey: wk})
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+1+len(blob)))
	w.Write(append(head, '\n'))
	w.Write(blob)
}

// removeSet lists the subjects of batch b who asked for their data to be
// removed.
func (s *Service) removeSet(snap state.Reader, b trials.Batch) []string {
	var out []string
	for _, id := range b.Subjects {
		if sub, ok := trials.GetSubject(snap, b.Trial, id); ok && sub.RemoveData {
			out = append(out, id)
		}
	}
	return out
}

// settle makes sure the document of batch b, if this node holds it,
// holds no leaf of the subjects in remove, rewriting it if need be, and
// finishes the shredding of replaced documents. It returns the batch's
// index entry; the error api.ErrNotFound when this node holds no such
// batch.
func (s *Service) settle(ctx context.Context, snap state.Reader, b trials.Batch, remove []string) (indexEntry, error) {
	s.rw.Lock()
	defer s.rw.Unlock()
	e, ok, err := s.idx.get(b.Ref)
	if err != nil {
		return e, err
	}
	if !ok || e.Trial != b.Trial || e.Root != b.Root || e.Count != b.Count {
		return e, api.ErrNotFound.New("batch %d of trial %s is not held by this node: it was stored by %s's node (send the read there with --node)", b.Seq, b.Trial, b.Site)
	}
	if len(e.Shred) > 0 {
		if e, err = s.shred(ctx, e); err != nil {
			return e, err
		}
	}
	var need []string
	for _, id := range remove {
		if !slices.Contains(e.Removed, id) {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return e, nil
	}
	return s.rewrite(ctx, e, need)
}

// rewrite replaces e's document by one without the leaves of the subjects
// in need, then shreds the old one. Crash-safe: the new document is
// stored before the index names it, and the index names the old one as
// still to shred before it is shredded.
func (s *Service) rewrite(ctx context.Context, e indexEntry, need []string) (indexEntry, error) {
	cur, err := vault.ParseDocID(e.Doc)
	if err != nil {
		return e, fmt.Errorf("batch %s: bad document id in the index: %w", e.Ref, err)
	}
	// The service holds no key of its own: it reads the document through
	// a key made for this read alone, wrapped into the old document's
	// keyring, which the shredding below destroys with it.
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return e, err
	}
	wk, err := s.Vault.Wrap(ctx, cur, eph.PublicKey().Bytes())
	if err != nil {
		return e, fmt.Errorf("batch %s: %w", e.Ref, err)
	}
	blob, err := s.Vault.Get(ctx, cur)
	if err != nil {
		return e, fmt.Errorf("batch %s: %w", e.Ref, err)
	}
	doc, err := vault.OpenBlob(blob, wk, eph)
	if err != nil {
		return e, fmt.Errorf("batch %s: %w", e.Ref, err)
	}
	// NOTE: the entries' leaves are slices of the plaintext, which is
	// cleared once the rewrite is stored.
	defer clear(doc.Plaintext)
	h, entries, err := DecodeBatch(doc.Plaintext)
	if err != nil {
		return e, fmt.Errorf("batch %s: %w", e.Ref, err)
	}
	for i := range entries {
		if slices.Contains(need, entries[i].Subject) {
			entries[i].Leaf = nil
		}
	}
	removed := append(append([]string(nil), e.Removed...), need...)
	slices.Sort(removed)
	h.Removed = removed
	rec, err := s.Vault.Put(ctx, EncodeBatch(h, entries))
	if err != nil {
		return e, fmt.Errorf("batch %s: store the rewrite: %w", e.Ref, err)
	}
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	e.Doc, e.Removed, e.Shred = rec.ID.String(), removed, append(e.Shred, cur.String())
	if err := s.idx.put(e); err != nil {
		return e, fmt.Errorf("batch %s: index the rewrite: %w", e.Ref, err)
	}
	return s.shredLocked(ctx, e)
}

// shred destroys the replaced documents of e.
func (s *Service) shred(ctx context.Context, e indexEntry) (indexEntry, error) {
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	return s.shredLocked(ctx, e)
}

func (s *Service) shredLocked(ctx context.Context, e indexEntry) (indexEntry, error) {
	for _, d := range e.Shred {
		id, err := vault.ParseDocID(d)
		if err != nil {
			continue
		}
		if err := s.Vault.Delete(ctx, id); err != nil && !medledger.HasCode(err, vault.ErrNotFound) && !medledger.HasCode(err, vault.ErrGone) {
			return e, fmt.Errorf("batch %s: shred document %s: %w", e.Ref, d, err)
		}
	}
	if len(e.Shred) == 0 {
		return e, nil
	}
	e.Shred = nil
	return e, s.idx.put(e)
}

// committed queues the removals that withdrawals in this block ask for.
// It does not block: when the queue is full, the worker reconciles every
// trial once it gets to it.
func (s *Service) committed(_ int64, txs []app.Committed) {
	for _, c := range txs {
		if c.Result == nil || c.Result.Code != 0 {
			continue
		}
		for _, ev := range c.Result.Events {
			if ev.Type != trials.EventWithdrawn {
				continue
			}
			var rm removal
			remove := false
			for _, a := range ev.Attributes {
				switch a.Key {
				case "trial":
					rm.trial = a.Value
				case "subject":
					rm.subject = a.Value
				case "remove_data":
					remove = a.Value == "true"
				}
			}
			if !remove {
				continue
			}
			select {
			case s.work <- rm:
			default:
				select {
				case s.work <- removal{}:
				default:
				}
			}
		}
	}
}

func (s *Service) worker() {
	defer close(s.stopped)
	// First what a crash may have left: replaced documents not yet
	// shredded, removals committed but not yet done.
	s.reconcile(removal{})
	for {
		select {
		case <-s.done:
			return
		case rm := <-s.work:
			s.reconcile(rm)
		}
	}
}

// reconcile removes the data rm names from the batches this node holds.
func (s *Service) reconcile(rm removal) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	snap := s.store.Latest()
	var list []string
	if rm.trial == "" {
		entries, err := s.idx.list()
		if err != nil {
			slog.Error("trials service: read the batch index", "err", err)
			return
		}
		for _, e := range entries {
			if len(e.Shred) > 0 {
				s.rw.Lock()
				if _, err := s.shred(ctx, e); err != nil {
					slog.Error("trials service: shred replaced documents", "batch", e.Ref, "err", err)
				}
				s.rw.Unlock()
			}
			if !slices.Contains(list, e.Trial) {
				list = append(list, e.Trial)
			}
		}
	} else {
		list = []string{rm.trial}
	}
	for _, trial := range list {
		remove := map[string]bool{}
		if rm.subject != "" {
			if sub, ok := trials.GetSubject(snap, trial, rm.subject); ok && sub.RemoveData {
				remove[sub.ID] = true
			}
		} else {
			for _, sub := range trials.Subjects(snap, trial) {
				if sub.RemoveData {
					remove[sub.ID] = true
				}
			}
		}
		if len(remove) == 0 {
			continue
		}
		for _, b := range trials.Batches(snap, trial) {
			var need []string
			for _, id := range b.Subjects {
				if remove[id] {
					need = append(need, id)
				}
			}
			if len(need) == 0 {
				continue
			}
			if _, err := s.settle(ctx, snap, b, need); err != nil && !medledger.HasCode(err, api.ErrNotFound) {
				slog.Error("trials service: remove a withdrawn subject's data", "trial", trial, "batch", b.Seq, "err", err)
			}
		}
	}
}
