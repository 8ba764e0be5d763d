// Package epcisapi is the supply module's off-chain service on a node: the
// EPCIS 2.0 REST interface a trading partner's system already speaks
// (POST /epcis/capture, GET /epcis/capture/{captureID}, GET /epcis/events)
// and verification answers in the fields of the industry's Verification
// Router Service (GET /vrs/verification), signed by the node.
//
// Every write stays signed by its author. A capture is a signed HTTP
// request (RFC 9421) of a member, whose EPCIS document carries, in its
// member "medledger:transactions", that member's own signed supply
// transactions, one per transaction the document maps to
// (supply.ImportEPCISDocument), in order, each with the nonce CaptureNonce
// names: the digest of the event it came from, so that the chain anchors
// the event as the partner wrote it. The node checks that they are exactly
// what the document says, and only then submits them; it signs nothing for
// anyone. SignCapture builds such a document.
//
// The node keeps each captured event as sent (sensor data, locations,
// extensions) beside the transaction hash that committed it, and returns it
// merged with the chain's members from GET /epcis/events. What it keeps is
// supply data, never a patient's.
//
// It MUST NOT decide anything the chain decides: a capture's transactions
// are judged by the chain, in their blocks.
package epcisapi

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/tx"
)

// Limits.
const (
	// MaxCaptureBytes bounds a capture request's body.
	MaxCaptureBytes = 64 << 20
	// MaxCaptureEvents is the most events one capture holds
	// (GS1-CAPTURE-limit).
	MaxCaptureEvents = 10_000
	// DefaultPerPage and MaxPerPage bound a page of GET /epcis/events.
	DefaultPerPage = 30
	MaxPerPage     = 1000
)

// TransactionsMember is the document member that carries the signed
// transactions of a capture, each standard base64.
const TransactionsMember = "medledger:transactions"

// Service is the EPCIS and VRS service of one node.
type Service struct {
	// Dir keeps the captures and the events kept from them (a JSON line
	// per capture in captures.jsonl).
	Dir string
	// NodeKey signs verification answers; NodeID is the CometBFT node id of
	// its public key (hex of the first 20 bytes of its SHA-256).
	NodeKey ed25519.PrivateKey
	NodeID  string
	IDs     app.Identities
	Now     func() time.Time // request signature freshness and job times only

	api   *api.Server
	store *state.Store
	guard *httpsig.NonceCache

	mu      sync.Mutex
	jobs    map[string]*Job
	kept    map[string]keptEvent // transaction hash (hex, upper) -> the event it came from
	next    int
	waiters map[string]chan app.Committed
	file    *os.File
	wg      sync.WaitGroup
}

// Job is a capture job, as GET /epcis/capture/{captureID} answers it.
type Job struct {
	CaptureID             string        `json:"captureID"`
	CreatedAt             string        `json:"createdAt"`
	FinishedAt            string        `json:"finishedAt,omitempty"`
	Running               bool          `json:"running"`
	Success               bool          `json:"success"`
	CaptureErrorBehaviour string        `json:"captureErrorBehaviour"`
	Errors                []api.Problem `json:"errors"`
	// Signer is the member whose request and transactions these are.
	Signer string `json:"medledger:signer"`
	// Events is the number of events the document held; Committed, the
	// number whose transactions all committed, in order.
	Events    int `json:"medledger:events"`
	Committed int `json:"medledger:eventsCommitted"`
	// Transactions are the hashes of the capture's transactions, in order.
	Transactions []string `json:"medledger:transactions"`
}

// keptEvent is an event as its partner sent it, and where it came from.
type keptEvent struct {
	Capture string          `json:"capture"`
	Event   int             `json:"event"`
	Op      int             `json:"op"` // the transaction's place among the event's
	JSON    json.RawMessage `json:"json"`
	Context json.RawMessage `json:"context,omitempty"`
}

// record is one line of captures.jsonl: a finished job and what it kept.
type record struct {
	Job  Job                  `json:"job"`
	Kept map[string]keptEvent `json:"kept,omitempty"`
}

var errClosed = errors.New("epcisapi: closed")

// Attach opens the service's folder and subscribes to committed blocks.
func (s *Service) Attach(a *app.App, st *state.Store) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	s.store = st
	s.guard = httpsig.NewNonceCache(100_000)
	s.jobs, s.kept, s.waiters = map[string]*Job{}, map[string]keptEvent{}, map[string]chan app.Committed{}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("epcis: %w", err)
	}
	path := filepath.Join(s.Dir, "captures.jsonl")
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<30)
		for sc.Scan() {
			var rec record
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue // a line cut by a crash
			}
			j := rec.Job
			s.jobs[j.CaptureID] = &j
			for h, k := range rec.Kept {
				s.kept[h] = k
			}
			if n, err := strconv.Atoi(strings.TrimPrefix(j.CaptureID, "cap-")); err == nil && n > s.next {
				s.next = n
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("epcis: %w", err)
	}
	s.file = f
	a.OnCommit(s.committed)
	return nil
}

// Close waits for running captures and closes the service's file.
func (s *Service) Close() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Routes returns the service's routes.
func (s *Service) Routes(srv *api.Server) []api.Route {
	s.api = srv
	return []api.Route{
		{Method: "POST", Path: "/epcis/capture", Signed: true, Summary: "EPCIS 2.0 capture: an EPCISDocument whose member medledger:transactions holds the signer's own signed supply transactions, one per transaction its events map to (signed request, RFC 9421, by that member); answers 202 with Location /epcis/capture/{captureID}",
			Handler: s.capture},
		{Method: "GET", Path: "/epcis/capture/{captureID}", Summary: "EPCIS 2.0 capture job: running, success, errors, and the transactions it committed",
			Params: []api.Param{{Name: "captureID", In: "path", Description: "the id in the Location of the capture"}}, Handler: s.captureJob},
		{Method: "GET", Path: "/epcis/events", Summary: "EPCIS 2.0 events query: an EPCISQueryDocument of the chain's supply events, a partner's captured events as it sent them",
			Params: []api.Param{
				{Name: "MATCH_epc", In: "query", Description: "an EPC (Digital Link or EPC URI): its history, the cases it travelled in included"},
				{Name: "MATCH_anyEPC", In: "query", Description: "as MATCH_epc"},
				{Name: "EQ_bizStep", In: "query", Description: "business steps, comma-separated (bare CBV words or URIs)"},
				{Name: "eventType", In: "query", Description: "ObjectEvent or AggregationEvent, comma-separated"},
				{Name: "GE_eventTime", In: "query", Description: "events recorded at or after this time (RFC 3339)"},
				{Name: "LT_eventTime", In: "query", Description: "events recorded before this time (RFC 3339)"},
				{Name: "perPage", In: "query", Description: "events per page, 1 to 1000 (default 30)"},
				{Name: "nextPageToken", In: "query", Description: "from the Link header of the previous page"},
			}, Handler: s.events},
		{Method: "GET", Path: "/vrs/verification", Summary: "Verification in the fields of a Verification Router Service (VRS) response: verified, verificationFailureReason, additionalInfo, the product identifier echoed; signed by this node (RFC 9421 response signature, its CometBFT node key)",
			Params: []api.Param{{Name: "gtin", In: "query", Description: "GTIN-14"}, {Name: "serialNumber", In: "query", Description: "serial (AI 21)"},
				{Name: "lotNumber", In: "query", Description: "lot (AI 10)"}, {Name: "expirationDate", In: "query", Description: "expiry YYMMDD (AI 17)"},
				{Name: "corrUUID", In: "query", Description: "the requestor's correlation id, echoed (or the corrUUID header)"}}, Handler: s.vrs},
	}
}

// --- capture ---

// CaptureNonce is the nonce of the k-th transaction (from 0) of a captured
// event: "e", the unpadded base64url SHA-256 of the event's JSON with
// insignificant whitespace removed (json.Compact), "-" and k. A
// transaction so made names the event it came from, and the chain anchors
// the digest of what the partner sent.
func CaptureNonce(event json.RawMessage, k int) string {
	var c bytes.Buffer
	if json.Compact(&c, event) != nil {
		c.Reset()
		c.Write(event)
	}
	sum := sha256.Sum256(c.Bytes())
	return "e" + base64.RawURLEncoding.EncodeToString(sum[:]) + "-" + strconv.Itoa(k)
}

// SignCapture returns doc with the member TransactionsMember holding its
// transactions signed by key as signer ("org/member") for chainID,
// expiring at height expires: what POST /epcis/capture takes.
func SignCapture(doc []byte, key ed25519.PrivateKey, chainID, signer string, expires int64) ([]byte, error) {
	d, err := supply.ImportEPCISDocument(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	keyID := tx.KeyID(key.Public().(ed25519.PublicKey))
	txs := make([]string, len(d.Ops))
	k := 0
	for i, op := range d.Ops {
		if i > 0 && d.Ops[i-1].Event == op.Event {
			k++
		} else {
			k = 0
		}
		body, err := json.Marshal(op.Body)
		if err != nil {
			return nil, err
		}
		raw, err := tx.Sign(key, tx.Payload{ChainID: chainID, Type: op.Type, Signer: signer, KeyID: keyID,
			Nonce: CaptureNonce(d.Events[op.Event], k), Expires: expires, Body: body})
		if err != nil {
			return nil, err
		}
		txs[i] = base64.StdEncoding.EncodeToString(raw)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, err
	}
	top[TransactionsMember], _ = json.Marshal(txs)
	return json.Marshal(top)
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

// capture answers POST /epcis/capture: the request is checked whole
// (signature, document, transactions) before anything is sent; a document
// refused is 400 and nothing of it reaches the chain.
func (s *Service) capture(w http.ResponseWriter, r *http.Request) {
	snap := s.store.Latest()
	if r.Header.Get("Signature") == "" {
		w.Header().Set("WWW-Authenticate", `Signature realm="medledger"`)
		p := api.ProblemOf(tx.ErrUnauthorized.New("a capture is a signed request (RFC 9421) of the member whose transactions it carries"))
		p.Status = http.StatusUnauthorized
		writeProblem(w, p)
		return
	}
	v, err := httpsig.Verify(r, s.lookup(snap), s.Now(), httpsig.WithMaxBody(MaxCaptureBytes), httpsig.WithReplayGuard(s.guard))
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	signer, _, _ := httpsig.SplitKeyID(v.KeyID)
	if b := r.Header.Get("GS1-Capture-Error-Behaviour"); b != "" && !strings.EqualFold(b, "rollback") {
		api.WriteProblem(w, r, supply.ErrInvalid.New("GS1-Capture-Error-Behaviour %s is not supported: a capture is checked whole before anything is sent (rollback)", medledger.Quote(b)))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCaptureBytes+1))
	if err != nil || len(body) > MaxCaptureBytes {
		api.WriteProblem(w, r, supply.ErrTooLarge.New("a capture is at most %d bytes: split the document", MaxCaptureBytes))
		return
	}
	raws, ctx, err := s.checkCapture(body, signer)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	d, _ := supply.ImportEPCISDocument(bytes.NewReader(body)) // checked by checkCapture
	s.mu.Lock()
	s.next++
	job := &Job{CaptureID: "cap-" + strconv.Itoa(s.next), CreatedAt: s.Now().UTC().Format(time.RFC3339Nano), Running: true,
		CaptureErrorBehaviour: "rollback", Errors: []api.Problem{}, Signer: signer, Events: len(d.Events)}
	for _, raw := range raws {
		job.Transactions = append(job.Transactions, fmt.Sprintf("%X", tx.Hash(raw)))
	}
	s.jobs[job.CaptureID] = job
	out := *job
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(job, d, raws, ctx)
	}()
	w.Header().Set("Location", "/epcis/capture/"+job.CaptureID)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(out)
}

// checkCapture checks a capture's document and its transactions: every
// transaction decodes, is the signer's and of this chain, and is, in
// order, exactly the transaction its event maps to, with its
// CaptureNonce. It returns the transactions and the document's @context.
func (s *Service) checkCapture(body []byte, signer string) ([][]byte, json.RawMessage, error) {
	d, err := supply.ImportEPCISDocument(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if len(d.Events) > MaxCaptureEvents {
		return nil, nil, supply.ErrTooLarge.New("the document holds %d events, over %d (GS1-CAPTURE-limit): split it", len(d.Events), MaxCaptureEvents)
	}
	var top struct {
		Context json.RawMessage `json:"@context"`
		Txs     *[]string       `json:"medledger:transactions"`
	}
	if err := json.Unmarshal(body, &top); err != nil || top.Txs == nil {
		return nil, nil, supply.ErrInvalid.New("the document has no %s: the node sends only transactions their author signed; add one signed transaction per transaction the events map to (epcisapi.SignCapture)", TransactionsMember)
	}
	if len(*top.Txs) != len(d.Ops) {
		return nil, nil, supply.ErrInvalid.New("%s holds %d transactions, but the events map to %d", TransactionsMember, len(*top.Txs), len(d.Ops))
	}
	raws := make([][]byte, len(d.Ops))
	k := 0
	for i, op := range d.Ops {
		if i > 0 && d.Ops[i-1].Event == op.Event {
			k++
		} else {
			k = 0
		}
		at := fmt.Sprintf("%s[%d] (eventList[%d])", TransactionsMember, i, op.Event)
		raw, err := base64.StdEncoding.DecodeString((*top.Txs)[i])
		if err != nil {
			return nil, nil, supply.ErrInvalid.New("%s is not base64", at)
		}
		t, err := tx.Decode(raw)
		if err != nil {
			return nil, nil, supply.ErrInvalid.New("%s: %s", at, medledger.As(err).Detail)
		}
		switch {
		case t.Signer != signer:
			return nil, nil, tx.ErrUnauthorized.New("%s is signed by %s, not by %s who signed the request", at, medledger.Quote(t.Signer), signer)
		case t.Type != op.Type:
			return nil, nil, supply.ErrInvalid.New("%s is a %s, but the event maps to a %s", at, medledger.Quote(t.Type), op.Type)
		case t.Nonce != CaptureNonce(d.Events[op.Event], k):
			return nil, nil, supply.ErrInvalid.New("%s has nonce %s, not the digest of its event %s", at, medledger.Quote(t.Nonce), CaptureNonce(d.Events[op.Event], k))
		}
		want := reflect.New(reflect.TypeOf(op.Body).Elem())
		if err := json.Unmarshal(t.Body, want.Interface()); err != nil || !reflect.DeepEqual(want.Interface(), op.Body) {
			return nil, nil, supply.ErrInvalid.New("%s's body is not what the event says: the document and its transactions contradict each other", at)
		}
		raws[i] = raw
	}
	return raws, top.Context, nil
}

// run submits a capture's transactions in order, in batches that stop at
// the first refusal, waits for their blocks, and finishes the job: the
// events whose transactions all committed are kept.
func (s *Service) run(job *Job, d supply.EPCISImport, raws [][]byte, context json.RawMessage) {
	committed := make([]bool, len(raws))
	var problems []api.Problem
	for start := 0; start < len(raws) && len(problems) == 0; start += api.MaxBatch {
		end := min(start+api.MaxBatch, len(raws))
		results, err := s.submit(raws[start:end])
		if err != nil {
			problems = append(problems, api.ProblemOf(err))
			break
		}
		for i, res := range results {
			at := start + i
			if res.problem != nil {
				p := *res.problem
				p.Detail = fmt.Sprintf("eventList[%d] (%s): %s", d.Ops[at].Event, d.Ops[at].Type, p.Detail)
				problems = append(problems, p)
				break
			}
			committed[at] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := map[string]keptEvent{}
	k := 0
	for i, op := range d.Ops {
		if i > 0 && d.Ops[i-1].Event == op.Event {
			k++
		} else {
			k = 0
		}
		if committed[i] {
			ke := keptEvent{Capture: job.CaptureID, Event: op.Event, Op: k, JSON: d.Events[op.Event], Context: context}
			kept[job.Transactions[i]] = ke
			s.kept[job.Transactions[i]] = ke
		}
	}
	for e := range d.Events {
		all := true
		for i, op := range d.Ops {
			if op.Event == e && !committed[i] {
				all = false
			}
		}
		if !all {
			break
		}
		job.Committed++
	}
	job.Running, job.Success, job.Errors = false, len(problems) == 0, append(job.Errors, problems...)
	job.FinishedAt = s.Now().UTC().Format(time.RFC3339Nano)
	if s.file != nil {
		line, _ := json.Marshal(record{Job: *job, Kept: kept})
		if _, err := s.file.Write(append(line, '\n')); err != nil {
			slog.Error("epcis: keeping a capture", "capture", job.CaptureID, "err", err)
		}
	}
}

type submitted struct{ problem *api.Problem }

// submit sends a batch through the node's own POST /v1/txs with
// stop_on_error and waits for the block of each accepted transaction.
func (s *Service) submit(raws [][]byte) ([]submitted, error) {
	hashes := make([]string, len(raws))
	waits := make([]chan app.Committed, len(raws))
	s.mu.Lock()
	for i, raw := range raws {
		hashes[i] = fmt.Sprintf("%X", tx.Hash(raw))
		waits[i] = make(chan app.Committed, 1)
		s.waiters[hashes[i]] = waits[i]
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		for _, h := range hashes {
			delete(s.waiters, h)
		}
		s.mu.Unlock()
	}()
	body, _ := json.Marshal(api.BatchRequest{Txs: raws, Mode: "sync", StopOnError: true})
	req := httptest.NewRequest(http.MethodPost, "/v1/txs", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, req)
	var br api.BatchResponse
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &br) != nil || len(br.Results) != len(raws) {
		return nil, api.ErrUnavailable.New("the node refused the batch: %d %.300s", rec.Code, rec.Body.String())
	}
	out := make([]submitted, len(raws))
	timeout := time.NewTimer(s.api.CommitTimeout + time.Duration(len(raws))*10*time.Millisecond)
	defer timeout.Stop()
	for i, res := range br.Results {
		if res.Problem != nil {
			out[i].problem = res.Problem
			return out[:i+1], nil
		}
		select {
		case c := <-waits[i]:
			if c.Result.Code != abci.CodeTypeOK {
				p := api.ProblemOf(&medledger.Error{Codespace: c.Result.Codespace, Code: c.Result.Code, Slug: "refused", Kind: medledger.KindConflict, Detail: c.Result.Log})
				p.Hash, p.Height = hashes[i], c.Height
				out[i].problem = &p
				return out[:i+1], nil
			}
		case <-timeout.C:
			p := api.ProblemOf(api.ErrTimeout.New("transaction %s was accepted but not committed in time; look it up with GET /v1/tx/%s", hashes[i], hashes[i]))
			out[i].problem = &p
			return out[:i+1], nil
		}
	}
	return out, nil
}

// committed hands each committed transaction to its capture, if any.
func (s *Service) committed(_ int64, txs []app.Committed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiters) == 0 {
		return
	}
	for _, c := range txs {
		if ch, ok := s.waiters[fmt.Sprintf("%X", c.Hash)]; ok {
			select {
			case ch <- c:
			default:
			}
		}
	}
}

func (s *Service) captureJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	j, ok := s.jobs[r.PathValue("captureID")]
	var out Job
	if ok {
		out = *j
	}
	s.mu.Unlock()
	if !ok {
		api.WriteProblem(w, r, api.ErrNotFound.New("no capture %s", medledger.Quote(r.PathValue("captureID"))))
		return
	}
	api.WriteJSON(w, out)
}

func writeProblem(w http.ResponseWriter, p api.Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
