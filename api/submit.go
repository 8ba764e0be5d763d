// Submitting transactions: one (POST /v1/tx) or a batch (POST /v1/txs).

package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/tx"
)

// TxRequest is the JSON body of POST /v1/tx.
type TxRequest struct {
	Tx   []byte `json:"tx"`             // base64
	Mode string `json:"mode,omitempty"` // overrides ?mode=
}

// TxResponse answers POST /v1/tx and GET /v1/tx/{hash}.
type TxResponse struct {
	Hash      string          `json:"hash"`
	Mode      string          `json:"mode,omitempty"`
	Code      uint32          `json:"code"`
	Codespace string          `json:"codespace,omitempty"`
	Slug      string          `json:"slug,omitempty"`
	Log       string          `json:"log,omitempty"`
	Height    int64           `json:"height,omitempty"`
	Index     uint32          `json:"index,omitempty"`
	Committed bool            `json:"committed"`
	Events    []abci.Event    `json:"events,omitempty"`
	Tx        []byte          `json:"tx,omitempty"`
	Proof     json.RawMessage `json:"proof,omitempty"` // CometBFT TxProof (JSON)
	// Redacted: the transaction is about a patient and the request was not
	// signed by its signer or an auditor, so Tx, Events, Log and Proof are
	// left out (Private).
	Redacted bool `json:"redacted,omitempty"`
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	raw, mode, err := readTx(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if err := s.app.PreVerify(raw); err != nil {
		WriteProblem(w, r, err)
		return
	}
	hash := tx.Hash(raw)
	hexHash := upperHex(hash)
	switch mode {
	case "async":
		res, err := s.rpc.BroadcastTxAsync(r.Context(), raw)
		if err != nil {
			WriteProblem(w, r, mempoolError(err, hexHash))
			return
		}
		// NOTE: headers set after WriteHeader are dropped, so WriteJSON's
		// Content-Type would be lost.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		WriteJSON(w, TxResponse{Hash: res.Hash.String(), Mode: mode})
		return
	case "sync", "commit":
	default:
		WriteProblem(w, r, ErrBadRequest.New("mode %s is not async, sync or commit", medledger.Quote(mode)))
		return
	}
	var wait chan app.Committed
	if mode == "commit" {
		wait = s.await(hexHash)
		defer s.forget(hexHash)
	}
	res, err := s.rpc.BroadcastTxSync(r.Context(), raw)
	if err != nil {
		WriteProblem(w, r, mempoolError(err, hexHash))
		return
	}
	if res.Code != abci.CodeTypeOK {
		p := resultProblem(res.Codespace, res.Code, res.Log)
		p.Hash = hexHash
		writeProblem(w, p)
		return
	}
	if mode == "sync" {
		WriteJSON(w, TxResponse{Hash: hexHash, Mode: mode})
		return
	}
	timer := time.NewTimer(s.CommitTimeout)
	defer timer.Stop()
	select {
	case c := <-wait:
		if c.Result.Code != abci.CodeTypeOK {
			writeProblem(w, refusal(c, hexHash))
			return
		}
		WriteJSON(w, TxResponse{Hash: hexHash, Mode: mode, Height: c.Height, Index: uint32(c.Index), Committed: true, Events: c.Result.Events})
	case <-r.Context().Done():
		p := ProblemOf(ErrUnavailable.New("transaction %s was accepted, but the node stopped before it committed; look it up with GET /v1/tx/%s on any node", hexHash, hexHash))
		p.Hash = hexHash
		writeProblem(w, p)
	case <-timer.C:
		p := ProblemOf(ErrTimeout.New("transaction %s was accepted but not committed within %s; look it up with GET /v1/tx/%s", hexHash, s.CommitTimeout, hexHash))
		p.Hash = hexHash
		writeProblem(w, p)
	case <-r.Context().Done():
	}
}

// MaxBatch is the most transactions POST /v1/txs takes at once.
const MaxBatch = 1000

// MaxBatchBodyBytes bounds the body of POST /v1/txs.
const MaxBatchBodyBytes = 16 << 20

// BatchRequest is the JSON body of POST /v1/txs.
type BatchRequest struct {
	Txs  [][]byte `json:"txs"`            // each base64
	Mode string   `json:"mode,omitempty"` // overrides ?mode=
	// StopOnError sends nothing after the first refused transaction: the
	// rest answer api/not-sent. For transactions that depend on each other
	// in order, such as an EPCIS document's events.
	StopOnError bool `json:"stop_on_error,omitempty"`
}

// BatchResponse answers POST /v1/txs: one result per transaction, in the
// order sent.
type BatchResponse struct {
	Results []BatchResult `json:"results"`
}

// BatchResult is one transaction's answer: accepted when Problem is nil.
type BatchResult struct {
	Hash    string   `json:"hash"`
	Problem *Problem `json:"problem,omitempty"`
}

// submitBatch checks and broadcasts each transaction of a batch in order,
// as POST /v1/tx would; one refused transaction does not stop the others.
func (s *Server) submitBatch(w http.ResponseWriter, r *http.Request) {
	var req BatchRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBatchBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			WriteProblem(w, r, tx.ErrOversize.New("request body over %d bytes; send fewer transactions per batch", MaxBatchBodyBytes))
			return
		}
		WriteProblem(w, r, ErrBadRequest.New("body must be {\"txs\": [\"<base64>\", ...]}: %v", err))
		return
	}
	mode := req.Mode
	if mode == "" {
		mode = r.URL.Query().Get("mode")
	}
	if mode == "" {
		mode = "sync"
	}
	if mode != "sync" && mode != "async" {
		WriteProblem(w, r, ErrBadRequest.New("mode %s is not async or sync (for commits, follow GET /v1/stream/commits)", medledger.Quote(mode)))
		return
	}
	if len(req.Txs) == 0 || len(req.Txs) > MaxBatch {
		WriteProblem(w, r, ErrBadRequest.New("a batch holds 1 to %d transactions, this one %d", MaxBatch, len(req.Txs)))
		return
	}
	out := BatchResponse{Results: make([]BatchResult, len(req.Txs))}
	// The batch's signatures are checked together, before any is sent:
	// CheckTx then finds each verified (app.PreVerifyBatch).
	pre := s.app.PreVerifyBatch(req.Txs)
	refused := -1
	for i, raw := range req.Txs {
		hexHash := upperHex(tx.Hash(raw))
		out.Results[i].Hash = hexHash
		if i > 0 && out.Results[i-1].Problem != nil && refused < 0 {
			refused = i - 1
		}
		if req.StopOnError && refused >= 0 {
			p := ProblemOf(ErrNotSent.New("not sent: transaction %d of the batch was refused first (stop_on_error)", refused))
			out.Results[i].Problem = &p
			continue
		}
		if err := pre[i]; err != nil {
			p := ProblemOf(err)
			out.Results[i].Problem = &p
			continue
		}
		var res *ctypes.ResultBroadcastTx
		var err error
		if mode == "async" {
			res, err = s.rpc.BroadcastTxAsync(r.Context(), raw)
		} else {
			res, err = s.rpc.BroadcastTxSync(r.Context(), raw)
		}
		if err != nil {
			p := ProblemOf(mempoolError(err, hexHash))
			out.Results[i].Problem = &p
			continue
		}
		if res.Code != abci.CodeTypeOK {
			p := resultProblem(res.Codespace, res.Code, res.Log)
			out.Results[i].Problem = &p
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// resultProblem rebuilds the problem of an ABCI result code; the slug is
// recovered from the code tables the server knows, else "code-N".
func resultProblem(codespace string, code uint32, log string) Problem {
	e := lookupCode(codespace, code)
	return Problem{Type: ProblemType(codespace, e.Slug), Title: e.Slug, Status: StatusOf(e.Kind), Detail: log, Codespace: codespace, Code: code}
}

func mempoolError(err error, hash string) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "already exists in cache"):
		return tx.ErrReplayed.New("transaction %s was submitted already", hash)
	case strings.Contains(msg, "mempool is full"):
		return ErrUnavailable.New("the node's mempool is full; retry later")
	case strings.Contains(msg, "too large"):
		return tx.ErrOversize.New("%s", msg)
	}
	return ErrUnavailable.Wrap(err, "broadcast failed")
}

// MaxBodyBytes bounds a request body; a transaction is at most tx.MaxBytes.
const MaxBodyBytes = tx.MaxBytes*4/3 + 1024

func readTx(r *http.Request) ([]byte, string, error) {
	mode := r.URL.Query().Get("mode")
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", tx.ErrOversize.New("request body over %d bytes", MaxBodyBytes)
		}
		return nil, "", ErrBadRequest.New("read body: %v", err)
	}
	var raw []byte
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/octet-stream") {
		raw = body
	} else {
		var req TxRequest
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, "", ErrBadRequest.New("body must be {\"tx\": \"<base64>\"} or raw bytes with Content-Type application/octet-stream: %v", err)
		}
		if len(req.Tx) == 0 {
			return nil, "", ErrBadRequest.New("tx is empty")
		}
		raw = req.Tx
		if req.Mode != "" {
			mode = req.Mode
		}
	}
	if mode == "" {
		mode = "sync"
	}
	return raw, mode, nil
}
