package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
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
	// Signed: the route answers 401 to a request without an RFC 9421
	// signature (Reads), as every route about patients MUST;
	// /openapi.json says so.
	Signed bool
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

	health health

	private privacy // private.go
}

// routes; modules add theirs with Handle.
func New(a *app.App, rpc RPC) *Server {
	s := &Server{app: a, rpc: &inOrder{RPC: rpc}, mux: http.NewServeMux(), waiters: map[string]chan app.Committed{}, CommitTimeout: DefaultCommitTimeout}
	a.OnCommit(s.committed)
	a.OnEvict(s.evicted)
	for _, r := range s.coreRoutes() {
		s.Handle(r)
	}
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, s.OpenAPI()) })
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// NOTE: a method is any token a client makes up; a long one is
		// quoted short like the path.
		method := r.Method
		if len(method) > medledger.QuoteMax {
			method = medledger.Quote(method)
		}
		if allow := s.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			p := ProblemOf(ErrMethod.New("%s is not served on %s; it answers %s", method, medledger.Quote(r.URL.Path), strings.Join(allow, ", ")))
			p.Status = http.StatusMethodNotAllowed
			writeProblem(w, p)
			return
		}
		WriteProblem(w, r, ErrNotFound.New("no route %s %s; GET /openapi.json lists them", method, medledger.Quote(r.URL.Path)))
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

// Licences answers licence checks on committed snapshots (module routes
// that report them, as pack verification names an unlicensed custodian).
func (s *Server) Licences() app.Licences { return s.app.Licences() }

// Identities answers who organizations and members are, on committed
// snapshots (module routes that word their answers with an organization's
// kind).
func (s *Server) Identities() app.Identities { return s.app.Identities() }

// Routes lists the routes served, in registration order.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// CloseStreams ends every open commit stream (GET /v1/stream/commits) at
// once and refuses new ones. An http.Server serving s MUST call it when it
// shuts down (RegisterOnShutdown): the streams never end by themselves,
// and Shutdown would wait for them until its deadline.
func (s *Server) CloseStreams() { s.feed.Close() }

// ServeHTTP implements http.Handler: an unhealthy node refuses to serve
// state, and a handler's panic is answered as a problem (guard).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.guard(s.mux, w, r) }

func (s *Server) coreRoutes() []Route {
	heightParam := Param{Name: "height", In: "path", Required: true, Description: "block height"}
	return []Route{
		{Method: "GET", Path: "/v1/status", Summary: "Chain id, latest height, time and app hash, whether the node is healthy, and the validators", Handler: s.status},
		{Method: "GET", Path: "/v1/health", Summary: "Whether the node can vouch for its state (200) or not (503), and what is wrong: damaged storage, a consensus failure", Handler: s.healthz},
		{Method: "POST", Path: "/v1/tx", Summary: "Submit a signed transaction (body: {\"tx\": base64} or the raw bytes as application/octet-stream)",
			Params: []Param{{Name: "mode", In: "query", Description: "async (after decoding), sync (after CheckTx, default) or commit (after the block commits)"}}, Handler: s.submit},
		{Method: "POST", Path: "/v1/txs", Summary: "Submit up to 1000 signed transactions at once (body: {\"txs\": [base64, ...]}); answers {\"results\": [{\"hash\", \"problem\"}]}, one per transaction in order, problem absent when accepted",
			Params: []Param{{Name: "mode", In: "query", Description: "async (after decoding) or sync (after CheckTx, default); learn commits from GET /v1/stream/commits"}}, Handler: s.submitBatch},
		{Method: "GET", Path: "/v1/stream/commits", Summary: "Server-sent events: one 'commit' event per committed block, data {\"height\", \"txs\": [{\"hash\", \"code\", \"codespace\"}]}; a client that falls behind is disconnected, and every stream ends when the node stops", Handler: s.feed.ServeHTTP},
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

// inOrder hands the API's transactions to the mempool one at a time.
//
// NOTE: CometBFT's mempool runs the app's CheckTx under the app's lock but
// appends the transaction to its list after releasing it, so two
// submissions at once can land in the mempool in the other order from the
// one the app's view of the mempool applied them in; a block reaped from
// the mempool is then no prefix of the view, and the view falls back to
// running every waiting transaction again (app/recheck.go: in a bench of
// two clients, more than half of the blocks). CheckTx is serial anyway:
// this adds only the mempool's own bookkeeping to what waits.
type inOrder struct {
	RPC
	mu sync.Mutex
}

func (o *inOrder) BroadcastTxSync(ctx context.Context, t types.Tx) (*ctypes.ResultBroadcastTx, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.RPC.BroadcastTxSync(ctx, t)
}

func (o *inOrder) BroadcastTxAsync(ctx context.Context, t types.Tx) (*ctypes.ResultBroadcastTx, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.RPC.BroadcastTxAsync(ctx, t)
}
