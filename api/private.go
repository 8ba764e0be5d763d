// Private reads: what a node serves of patient-scoped data only on a
// signed request (DESIGN.md: metadata about a patient is PHI too).

package api

import (
	"net/http"
	"strings"
	"sync"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// Private is a module's share of the chain's raw data that the core routes
// MUST NOT serve to anyone who asks: GET /v1/state/{key} of a key under
// StatePrefix answers only a signed request by a signer Audit allows (401
// unsigned, 403 otherwise), and GET /v1/tx/{hash} of a transaction whose
// type is under TxPrefix shows its body and events only to its own signer
// or a signer Audit allows (others read that it committed, when and with
// which code: what a block's header and results already say).
type Private struct {
	StatePrefix string
	TxPrefix    string
	// Audit reports whether who has a duty to read all of it (a
	// regulator's inspector); nil: nobody has.
	Audit func(who app.Signer) bool
}

type privacy struct {
	once  sync.Once
	reads *SignedReads
	mu    sync.Mutex
	rules []Private
}

// Reads is the node's one authenticator of signed reads, with its replay
// guard, for the routes of every module that serve patient-scoped data.
func (s *Server) Reads() *SignedReads {
	s.private.once.Do(func() {
		st := s.app.Store()
		s.private.reads = NewSignedReads(s.app.Identities(), func() state.Reader { return st.Latest() })
	})
	return s.private.reads
}

// RequireLatest authenticates the signed read r (Reads().Require) and
// returns its signer with the latest committed state, from which the
// route decides what the signer may read: the first step of every signed
// route, before it looks anything up, so that an unsigned request learns
// nothing of what exists.
func (s *Server) RequireLatest(r *http.Request) (Requester, *state.Snapshot, error) {
	who, err := s.Reads().Require(r)
	if err != nil {
		return who, nil, err
	}
	latest, err := s.SnapshotAt(0)
	return who, latest, err
}

// Restrict adds a module's private share of the raw data (Private).
func (s *Server) Restrict(p Private) {
	s.private.mu.Lock()
	defer s.private.mu.Unlock()
	s.private.rules = append(s.private.rules, p)
}

func (s *Server) privateRule(match func(Private) bool) (Private, bool) {
	s.private.mu.Lock()
	defer s.private.mu.Unlock()
	for _, p := range s.private.rules {
		if match(p) {
			return p, true
		}
	}
	return Private{}, false
}

// stateAllowed decides whether r may read the raw state value at key; a
// refusal is written to w.
func (s *Server) stateAllowed(w http.ResponseWriter, r *http.Request, key string) bool {
	p, ok := s.privateRule(func(p Private) bool { return p.StatePrefix != "" && strings.HasPrefix(key, p.StatePrefix) })
	if !ok {
		return true
	}
	who, err := s.Reads().Require(r)
	if err != nil {
		WriteProblem(w, r, err)
		return false
	}
	if p.Audit == nil || !p.Audit(who.Signer) {
		WriteProblem(w, r, tx.ErrUnauthorized.New("state under %s is about patients: only an auditor reads it raw; %s reads it through the module's routes", p.StatePrefix, who.ID))
		return false
	}
	return true
}

// redactTx removes the body and events of a private transaction from out
// unless r is signed by its signer or an auditor. A signed request that
// does not verify is refused.
func (s *Server) redactTx(r *http.Request, out *TxResponse) error {
	t, err := tx.Decode(out.Tx)
	if err != nil {
		return nil
	}
	p, ok := s.privateRule(func(p Private) bool { return p.TxPrefix != "" && strings.HasPrefix(t.Type, p.TxPrefix) })
	if !ok {
		return nil
	}
	who, signed, err := s.Reads().Optional(r)
	if err != nil {
		return err
	}
	if signed && (who.ID == t.Signer || p.Audit != nil && p.Audit(who.Signer)) {
		return nil
	}
	out.Tx, out.Events, out.Log, out.Proof = nil, nil, "", nil
	out.Redacted = true
	return nil
}
