// Health: what the node knows is wrong with it (GET /v1/health, and in
// GET /v1/status), the gate that keeps an unhealthy node from serving
// state as current, and the recovery of a handler's panic into a problem.

package api

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/state"
)

// Codes of a node that cannot vouch for what it holds.
var (
	// ErrDamaged is a read of damaged storage: the state or the
	// transaction index failed an integrity check. Answered with 500.
	ErrDamaged = medledger.Code{Codespace: "api", Code: 8, Slug: "storage-damaged", Kind: medledger.KindInternal}
	// ErrUnhealthy is a request an unhealthy node refuses: it serves only
	// what validators signed (status, blocks, validators, genesis,
	// transactions), never state as current. Answered with 503.
	ErrUnhealthy = medledger.Code{Codespace: "api", Code: 9, Slug: "unhealthy", Kind: medledger.KindUnavailable}
)

// HealthResponse answers GET /v1/health (200 when healthy, else 503 with
// the same document).
type HealthResponse struct {
	Healthy bool `json:"healthy"`
	// Problems says what is wrong and what to do, one entry per part
	// (state, consensus, transaction index).
	Problems []string `json:"problems,omitempty"`
}

// health records what parts of the node reported failing. Failures are
// sticky: a node that could not vouch for itself once stays unhealthy
// until an operator restarts it (after medledger check).
type health struct {
	mu       sync.Mutex
	problems map[string]string
}

// Fail marks the node unhealthy: part ("consensus", "txindex") failed as
// err says. The first failure of a part is kept.
func (s *Server) Fail(part string, err error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.problems == nil {
		s.health.problems = map[string]string{}
	}
	if _, ok := s.health.problems[part]; !ok {
		s.health.problems[part] = err.Error()
		slog.Error("api: the node is unhealthy", "part", part, "err", err)
	}
}

// Health reports what is wrong with the node: the parts that failed and
// the state store's damage, if any.
func (s *Server) Health() HealthResponse {
	s.health.mu.Lock()
	p := maps.Clone(s.health.problems)
	s.health.mu.Unlock()
	if p == nil {
		p = map[string]string{}
	}
	if err := s.app.Store().Damage(); err != nil {
		p["state"] = err.Error()
	}
	out := HealthResponse{Healthy: len(p) == 0}
	for _, part := range slices.Sorted(maps.Keys(p)) {
		out.Problems = append(out.Problems, fmt.Sprintf("%s: %s: %s", part, p[part], healthHints[part]))
	}
	return out
}

// healthHints say what an operator does about each part's failure.
var healthHints = map[string]string{
	"state":     "stop the node and run medledger check --home DIR, which says what is damaged and how to recover",
	"consensus": "the node stopped following the chain; stop it and run medledger check --home DIR before starting it again",
	"txindex":   "restart the node: it checks its transaction index at start and rebuilds it from the blocks",
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := s.Health()
	w.Header().Set("Content-Type", "application/json")
	if !h.Healthy {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	WriteJSON(w, h)
}

// servedUnhealthy are the routes an unhealthy node still serves: what the
// validators signed, which a client checks itself, and the node's own
// account of its health.
var servedUnhealthy = []string{"GET /v1/status", "GET /v1/health", "GET /v1/blocks/", "GET /v1/validators/", "GET /v1/genesis", "GET /v1/tx/", "GET /openapi.json"}

func servedWhenUnhealthy(r *http.Request) bool {
	for _, p := range servedUnhealthy {
		method, path, _ := strings.Cut(p, " ")
		if r.Method == method && (r.URL.Path == path || strings.HasSuffix(path, "/") && strings.HasPrefix(r.URL.Path, path)) {
			return true
		}
	}
	return false
}

// guard serves r through next unless the node is unhealthy and r reads
// state, and turns a panic of next into a problem document: a read of
// damaged storage (state.CorruptError) as ErrDamaged, logged as
// corruption; anything else as an internal error, logged with its stack.
// A client never sees a connection closed without an answer.
func (s *Server) guard(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if !servedWhenUnhealthy(r) {
		if h := s.Health(); !h.Healthy {
			WriteProblem(w, r, ErrUnhealthy.New("this node cannot vouch for its state (%s); it serves status, blocks, validators, genesis and transactions only: ask another node",
				strings.Join(h.Problems, "; ")))
			return
		}
	}
	rw := &watchedWriter{ResponseWriter: w}
	defer func() {
		rec := recover()
		if rec == nil {
			return
		}
		if rec == http.ErrAbortHandler {
			panic(rec)
		}
		if ce := state.AsCorrupt(rec); ce != nil {
			slog.Error("api: CORRUPTION: a read of stored state failed its integrity check", "method", r.Method, "path", r.URL.Path, "err", ce)
			if !rw.wrote {
				writeProblem(w, damagedProblem(ce))
			}
			return
		}
		slog.Error("api: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", rec, "stack", string(debug.Stack()))
		if !rw.wrote {
			writeProblem(w, ProblemOf(fmt.Errorf("panic: %v", rec)))
		}
	}()
	next.ServeHTTP(rw, r)
}

// damagedProblem answers a read of damaged storage: 500, with the code
// and a detail that says what to do (the one internal error whose detail
// is shown: it holds no secret, and the client must know not to retry
// here).
func damagedProblem(err error) Problem {
	p := ProblemOf(ErrDamaged.New("x"))
	p.Detail = "this node's stored data failed its integrity check (" + medledger.Quote(err.Error()) + "); ask another node; its operator runs medledger check"
	return p
}

// writeDamaged answers err, a failed read of damaged storage, and logs it.
func writeDamaged(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("api: CORRUPTION: a read of stored data failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeProblem(w, damagedProblem(err))
}

// isDamaged reports whether err is damaged storage.
func isDamaged(err error) bool { return errors.Is(err, state.ErrCorrupt) }

// watchedWriter notes whether the handler wrote anything, so that a panic
// after the answer began is not answered twice.
type watchedWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *watchedWriter) WriteHeader(code int) { w.wrote = true; w.ResponseWriter.WriteHeader(code) }
func (w *watchedWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush lets a stream flush through the wrapper.
func (w *watchedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		w.wrote = true
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *watchedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
