package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// RPC is what the server asks of the CometBFT node (its local client).
type RPC interface {
	Status(context.Context) (*ctypes.ResultStatus, error)
	BroadcastTxSync(context.Context, types.Tx) (*ctypes.ResultBroadcastTx, error)
	BroadcastTxAsync(context.Context, types.Tx) (*ctypes.ResultBroadcastTx, error)
	Block(context.Context, *int64) (*ctypes.ResultBlock, error)
	Commit(context.Context, *int64) (*ctypes.ResultCommit, error)
	Validators(ctx context.Context, height *int64, page, perPage *int) (*ctypes.ResultValidators, error)
	Tx(ctx context.Context, hash []byte, prove bool) (*ctypes.ResultTx, error)
	BlockResults(ctx context.Context, height *int64) (*ctypes.ResultBlockResults, error)
	Genesis(context.Context) (*ctypes.ResultGenesis, error)
}

// Param documents a path or query parameter of a route.
type Param struct {
	Name, In, Description string
	Required              bool
}

// Route is one REST endpoint.
type Route struct {
	Method, Path string // Path in net/http pattern syntax: /v1/orgs/{id}
	Summary      string
	Params       []Param
	Handler      http.HandlerFunc
}

// DefaultCommitTimeout bounds how long POST /v1/tx?mode=commit waits.
const DefaultCommitTimeout = 30 * time.Second

// Server serves the REST API of one node.
type Server struct {
	app           *app.App
	rpc           RPC
	mux           *http.ServeMux
	routes        []Route
	CommitTimeout time.Duration

	mu      sync.Mutex
	waiters map[string]chan app.Committed

	feed CommitFeed

	// Index, when set, answers GET /v1/tx/{hash} from the node's own index
	// (package txindex), which is written before a commit is announced;
	// else CometBFT's indexer, which may lag the announcement.
	Index TxLookup
}

// TxLookup finds where a committed transaction is.
type TxLookup interface {
	Lookup(hash []byte) (height int64, index int, ok bool)
}

// New returns a server for a node's app and CometBFT client with the core
// routes; modules add theirs with Handle.
func New(a *app.App, rpc RPC) *Server {
	s := &Server{app: a, rpc: rpc, mux: http.NewServeMux(), waiters: map[string]chan app.Committed{}, CommitTimeout: DefaultCommitTimeout}
	a.OnCommit(s.committed)
	for _, r := range s.coreRoutes() {
		s.Handle(r)
	}
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, s.OpenAPI()) })
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := s.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			p := ProblemOf(ErrMethod.New("%s is not served on %s; it answers %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			p.Status = http.StatusMethodNotAllowed
			writeProblem(w, p)
			return
		}
		WriteProblem(w, r, ErrNotFound.New("no route %s %s; GET /openapi.json lists them", r.Method, r.URL.Path))
	})
	return s
}

// allowed lists the methods that have a route for r's path.
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

// Handle adds a route.
func (s *Server) Handle(r Route) {
	s.routes = append(s.routes, r)
	s.mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
}

// Routes lists the routes served, in registration order.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Snapshot returns the committed state a request asks for with ?height=
// (default: the latest).
func (s *Server) Snapshot(r *http.Request) (*state.Snapshot, error) {
	var h int64
	if v := r.URL.Query().Get("height"); v != "" {
		var err error
		if h, err = strconv.ParseInt(v, 10, 64); err != nil || h < 0 {
			return nil, ErrBadRequest.New("height %q is not a block height", v)
		}
	}
	snap, err := s.app.Store().Snapshot(h)
	if errors.Is(err, state.ErrNoVersion) {
		return nil, ErrNotFound.New("no state at height %d", h)
	}
	return snap, err
}

// WithSnapshot adapts a handler of the committed state a request asks for
// (Snapshot): a request for a height the node does not hold gets its
// problem, and fn is not called.
func (s *Server) WithSnapshot(fn func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		snap, err := s.Snapshot(r)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		fn(w, r, snap)
	}
}

func (s *Server) coreRoutes() []Route {
	heightParam := Param{Name: "height", In: "path", Required: true, Description: "block height"}
	return []Route{
		{Method: "GET", Path: "/v1/status", Summary: "Chain id, latest height, time and app hash, and the validators", Handler: s.status},
		{Method: "POST", Path: "/v1/tx", Summary: "Submit a signed transaction (body: {\"tx\": base64} or the raw bytes as application/octet-stream)",
			Params: []Param{{Name: "mode", In: "query", Description: "async (after decoding), sync (after CheckTx, default) or commit (after the block commits)"}}, Handler: s.submit},
		{Method: "POST", Path: "/v1/txs", Summary: "Submit up to 1000 signed transactions at once (body: {\"txs\": [base64, ...]}); answers {\"results\": [{\"hash\", \"problem\"}]}, one per transaction in order, problem absent when accepted",
			Params: []Param{{Name: "mode", In: "query", Description: "async (after decoding) or sync (after CheckTx, default); learn commits from GET /v1/stream/commits"}}, Handler: s.submitBatch},
		{Method: "GET", Path: "/v1/stream/commits", Summary: "Server-sent events: one 'commit' event per committed block, data {\"height\", \"txs\": [{\"hash\", \"code\", \"codespace\"}]}; a client that falls behind is disconnected", Handler: s.feed.ServeHTTP},
		{Method: "GET", Path: "/v1/tx/{hash}", Summary: "A committed transaction, its result, and with prove=true its inclusion proof",
			Params: []Param{{Name: "hash", In: "path", Required: true, Description: "transaction hash, hex"}, {Name: "prove", In: "query", Description: "true for a Merkle proof of inclusion in the block's data hash"}}, Handler: s.getTx},
		{Method: "GET", Path: "/v1/blocks/{height}", Summary: "A block's header, commit signatures and transaction hashes; height 'latest' for the newest", Params: []Param{heightParam}, Handler: s.block},
		{Method: "GET", Path: "/v1/validators/{height}", Summary: "The validator set at a height", Params: []Param{heightParam}, Handler: s.validators},
		{Method: "GET", Path: "/v1/genesis", Summary: "The chain's genesis document", Handler: s.genesis},
		{Method: "GET", Path: "/v1/state/{key...}", Summary: "A raw state value, with prove=true its ICS-23 proof against the app hash of the next block",
			Params: []Param{{Name: "key", In: "path", Required: true, Description: "the state key (e.g. identity/org/northside-hospital)"},
				{Name: "prove", In: "query", Description: "true for an ICS-23 proof"}, {Name: "height", In: "query", Description: "state version (block height); default latest"}}, Handler: s.stateValue},
	}
}

// StatusResponse answers GET /v1/status.
type StatusResponse struct {
	ChainID      string      `json:"chain_id"`
	LatestHeight int64       `json:"latest_height"`
	LatestTime   time.Time   `json:"latest_time"`
	AppHash      string      `json:"app_hash"`
	BlockHash    string      `json:"block_hash"`
	Moniker      string      `json:"moniker"`
	NodeID       string      `json:"node_id"`
	CatchingUp   bool        `json:"catching_up"`
	Validators   []Validator `json:"validators"`
}

// Validator is one validator of the current set.
type Validator struct {
	Address string `json:"address"`
	PubKey  []byte `json:"pub_key"`
	Power   int64  `json:"power"`
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.rpc.Status(r.Context())
	if err != nil {
		WriteProblem(w, r, ErrUnavailable.Wrap(err, "node status unavailable"))
		return
	}
	res := StatusResponse{ChainID: st.NodeInfo.Network, LatestHeight: st.SyncInfo.LatestBlockHeight, LatestTime: st.SyncInfo.LatestBlockTime,
		AppHash: st.SyncInfo.LatestAppHash.String(), BlockHash: st.SyncInfo.LatestBlockHash.String(), Moniker: st.NodeInfo.Moniker,
		NodeID: string(st.NodeInfo.DefaultNodeID), CatchingUp: st.SyncInfo.CatchingUp}
	vals, err := s.rpc.Validators(r.Context(), nil, nil, nil)
	if err == nil {
		for _, v := range vals.Validators {
			res.Validators = append(res.Validators, Validator{Address: v.Address.String(), PubKey: v.PubKey.Bytes(), Power: v.VotingPower})
		}
	}
	WriteJSON(w, res)
}

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
		WriteProblem(w, r, ErrBadRequest.New("mode %q is not async, sync or commit", mode))
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
			p := resultProblem(c.Result.Codespace, c.Result.Code, c.Result.Log)
			p.Hash, p.Height = hexHash, c.Height
			writeProblem(w, p)
			return
		}
		WriteJSON(w, TxResponse{Hash: hexHash, Mode: mode, Height: c.Height, Index: uint32(c.Index), Committed: true, Events: c.Result.Events})
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
		WriteProblem(w, r, ErrBadRequest.New("mode %q is not async or sync (for commits, follow GET /v1/stream/commits)", mode))
		return
	}
	if len(req.Txs) == 0 || len(req.Txs) > MaxBatch {
		WriteProblem(w, r, ErrBadRequest.New("a batch holds 1 to %d transactions, this one %d", MaxBatch, len(req.Txs)))
		return
	}
	out := BatchResponse{Results: make([]BatchResult, len(req.Txs))}
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
		if err := s.app.PreVerify(raw); err != nil {
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

func (s *Server) await(hash string) chan app.Committed {
	ch := make(chan app.Committed, 1)
	s.mu.Lock()
	s.waiters[hash] = ch
	s.mu.Unlock()
	return ch
}

func (s *Server) forget(hash string) {
	s.mu.Lock()
	delete(s.waiters, hash)
	s.mu.Unlock()
}

func (s *Server) committed(height int64, txs []app.Committed) {
	if s.feed.Subscribed() {
		ev := CommitEvent{Height: height, Txs: make([]CommitTx, len(txs))}
		for i, c := range txs {
			ev.Txs[i] = CommitTx{Hash: upperHex(c.Hash), Code: c.Result.Code, Codespace: c.Result.Codespace}
		}
		s.feed.Publish(ev)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiters) == 0 {
		return
	}
	for _, c := range txs {
		h := fmt.Sprintf("%X", c.Hash)
		if ch, ok := s.waiters[h]; ok {
			select {
			case ch <- c:
			default:
			}
			delete(s.waiters, h)
		}
	}
}

func (s *Server) getTx(w http.ResponseWriter, r *http.Request) {
	hash, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(hash) != 32 {
		WriteProblem(w, r, ErrBadRequest.New("hash must be 64 hex characters"))
		return
	}
	prove := r.URL.Query().Get("prove") == "true"
	var res *ctypes.ResultTx
	if s.Index != nil {
		res, err = s.txFromIndex(r.Context(), hash, prove)
	} else {
		res, err = s.rpc.Tx(r.Context(), hash, prove)
	}
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			WriteProblem(w, r, ErrNotFound.New("no committed transaction %X (it may still be in the mempool, or was never sent)", hash))
			return
		}
		WriteProblem(w, r, ErrUnavailable.Wrap(err, "transaction index unavailable"))
		return
	}
	out := TxResponse{Hash: res.Hash.String(), Code: res.TxResult.Code, Codespace: res.TxResult.Codespace, Log: res.TxResult.Log,
		Height: res.Height, Index: res.Index, Committed: true, Events: res.TxResult.Events, Tx: res.Tx}
	if res.TxResult.Code != 0 {
		out.Slug = lookupCode(res.TxResult.Codespace, res.TxResult.Code).Slug
	}
	if prove {
		b, err := cmtjson.Marshal(res.Proof)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		out.Proof = b
	}
	WriteJSON(w, out)
}

// txFromIndex builds CometBFT's ResultTx from the node's own index, the
// block store and the stored block results.
func (s *Server) txFromIndex(ctx context.Context, hash []byte, prove bool) (*ctypes.ResultTx, error) {
	height, index, ok := s.Index.Lookup(hash)
	if !ok {
		return nil, errors.New("tx not found")
	}
	b, err := s.rpc.Block(ctx, &height)
	if err != nil {
		return nil, err
	}
	if b.Block == nil || index >= len(b.Block.Txs) {
		return nil, fmt.Errorf("index points past block %d", height)
	}
	br, err := s.rpc.BlockResults(ctx, &height)
	if err != nil {
		return nil, err
	}
	if index >= len(br.TxsResults) {
		return nil, fmt.Errorf("no result %d in block %d", index, height)
	}
	res := &ctypes.ResultTx{Hash: hash, Height: height, Index: uint32(index), TxResult: *br.TxsResults[index], Tx: b.Block.Txs[index]}
	if prove {
		res.Proof = b.Block.Txs.Proof(index)
	}
	return res, nil
}

// BlockResponse answers GET /v1/blocks/{height}.
type BlockResponse struct {
	Height       int64           `json:"height"`
	Time         time.Time       `json:"time"`
	Hash         string          `json:"hash"`
	AppHash      string          `json:"app_hash"`
	Proposer     string          `json:"proposer"`
	Txs          []string        `json:"txs"`
	SignedHeader json.RawMessage `json:"signed_header"` // CometBFT SignedHeader (JSON), for light-client checks
}

func (s *Server) heightParam(r *http.Request) (*int64, error) {
	v := r.PathValue("height")
	if v == "latest" {
		return nil, nil
	}
	h, err := strconv.ParseInt(v, 10, 64)
	if err != nil || h <= 0 {
		return nil, ErrBadRequest.New("height %q is not a positive block height or 'latest'", v)
	}
	return &h, nil
}

func heightError(err error, h *int64) error {
	msg := err.Error()
	if strings.Contains(msg, "must be less than or equal") || strings.Contains(msg, "not found") || strings.Contains(msg, "is not available") {
		return ErrNotFound.New("no block at height %d yet", *h)
	}
	return ErrUnavailable.Wrap(err, "block store unavailable")
}

func (s *Server) block(w http.ResponseWriter, r *http.Request) {
	h, err := s.heightParam(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	b, err := s.rpc.Block(r.Context(), h)
	if err != nil || b.Block == nil {
		if err == nil {
			err = errors.New("not found")
		}
		WriteProblem(w, r, heightError(err, h))
		return
	}
	c, err := s.rpc.Commit(r.Context(), &b.Block.Height)
	if err != nil {
		WriteProblem(w, r, heightError(err, h))
		return
	}
	sh, err := cmtjson.Marshal(c.SignedHeader)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	out := BlockResponse{Height: b.Block.Height, Time: b.Block.Time, Hash: b.BlockID.Hash.String(), AppHash: b.Block.AppHash.String(),
		Proposer: b.Block.ProposerAddress.String(), Txs: []string{}, SignedHeader: sh}
	for _, t := range b.Block.Txs {
		out.Txs = append(out.Txs, fmt.Sprintf("%X", t.Hash()))
	}
	WriteJSON(w, out)
}

// ValidatorsResponse answers GET /v1/validators/{height}.
type ValidatorsResponse struct {
	Height     int64           `json:"height"`
	Validators json.RawMessage `json:"validators"` // CometBFT []*Validator (JSON)
}

func (s *Server) validators(w http.ResponseWriter, r *http.Request) {
	h, err := s.heightParam(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	page, per := 1, 100
	res, err := s.rpc.Validators(r.Context(), h, &page, &per)
	if err != nil {
		WriteProblem(w, r, heightError(err, h))
		return
	}
	b, err := cmtjson.Marshal(res.Validators)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, ValidatorsResponse{Height: res.BlockHeight, Validators: b})
}

func (s *Server) genesis(w http.ResponseWriter, r *http.Request) {
	g, err := s.rpc.Genesis(r.Context())
	if err != nil {
		WriteProblem(w, r, ErrUnavailable.Wrap(err, "genesis unavailable"))
		return
	}
	b, err := cmtjson.Marshal(g.Genesis)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// StateResponse answers GET /v1/state/{key}.
type StateResponse struct {
	Key    string `json:"key"`
	Value  []byte `json:"value"` // base64; null when absent
	Exists bool   `json:"exists"`
	Height int64  `json:"height"`          // state version; its app hash is in block height+1
	Proof  []byte `json:"proof,omitempty"` // ICS-23 CommitmentProof (protobuf), base64
}

func (s *Server) stateValue(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if key == "" {
		WriteProblem(w, r, ErrBadRequest.New("state key is empty"))
		return
	}
	snap, err := s.Snapshot(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	v := snap.Get([]byte(key))
	out := StateResponse{Key: key, Value: v, Exists: v != nil, Height: snap.Version()}
	if r.URL.Query().Get("prove") == "true" {
		p, err := snap.Prove([]byte(key))
		if err != nil {
			WriteProblem(w, r, ErrNotFound.Wrap(err, "no proof available at height %d", snap.Version()))
			return
		}
		if out.Proof, err = p.Marshal(); err != nil {
			WriteProblem(w, r, err)
			return
		}
	}
	WriteJSON(w, out)
}

// CommitEvent is the data of one "commit" event of GET /v1/stream/commits:
// a committed block's transactions, in block order.
type CommitEvent struct {
	Height int64      `json:"height"`
	Txs    []CommitTx `json:"txs"`
}

// CommitTx is one transaction of a CommitEvent.
type CommitTx struct {
	Hash      string `json:"hash"` // upper-case hex, as GET /v1/tx/{hash} prints it
	Code      uint32 `json:"code"` // 0: applied; else refused, with Codespace
	Codespace string `json:"codespace,omitempty"`
}

// FeedBuffer is how many blocks a commit-stream subscriber may fall behind
// before it is disconnected.
const FeedBuffer = 64

// CommitFeed fans committed blocks out to server-sent-event subscribers.
// Publish never blocks the chain: a subscriber that falls FeedBuffer
// blocks behind is disconnected (its stream ends) and must reconnect and
// look up what it missed with GET /v1/tx/{hash}. The zero value is ready.
type CommitFeed struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

// Subscribed reports whether anyone listens, so a publisher can skip the
// work of building an event.
func (f *CommitFeed) Subscribed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs) > 0
}

// Publish sends ev to every subscriber without waiting.
func (f *CommitFeed) Publish(ev CommitEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.subs) == 0 {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return // NOTE: plain strings and integers always encode
	}
	for ch := range f.subs {
		select {
		case ch <- b:
		default:
			close(ch)
			delete(f.subs, ch)
		}
	}
}

// ServeHTTP streams "commit" events (text/event-stream) until the client
// goes away or falls behind.
func (f *CommitFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		WriteProblem(w, r, ErrUnavailable.New("this connection cannot stream"))
		return
	}
	ch := make(chan []byte, FeedBuffer)
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[chan []byte]struct{}{}
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ": subscribed\n\n")
	fl.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case b, ok := <-ch:
			if !ok {
				io.WriteString(w, "event: overflow\ndata: {}\n\n")
				fl.Flush()
				return
			}
			io.WriteString(w, "event: commit\ndata: ")
			w.Write(b)
			io.WriteString(w, "\n\n")
			fl.Flush()
		case <-keepalive.C:
			io.WriteString(w, ": keepalive\n\n")
			fl.Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func upperHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&0x0f]
	}
	return string(out)
}

// DecodeBase64 is a helper for clients: standard base64.
func DecodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
