// State reads: GET /v1/state/{key...} and the snapshot of ?height= that
// module routes read from.

package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/state"
)

// Snapshot returns the committed state a request asks for with ?height=
// (default: the latest).
func (s *Server) Snapshot(r *http.Request) (*state.Snapshot, error) {
	var h int64
	if v := r.URL.Query().Get("height"); v != "" {
		var err error
		if h, err = strconv.ParseInt(v, 10, 64); err != nil || h < 0 {
			return nil, ErrBadRequest.New("height %s is not a block height", medledger.Quote(v))
		}
	}
	snap, err := s.app.Store().Snapshot(h)
	if errors.Is(err, state.ErrNoVersion) {
		return nil, ErrNotFound.New("no state at height %d", h)
	}
	return snap, err
}

// SnapshotAt returns the committed state at height (0: the latest), for a
// route that reads a past state beside the one it was asked for (a
// shipment's contents as shipped). Returns ErrNotFound for a height the
// node does not hold.
func (s *Server) SnapshotAt(height int64) (*state.Snapshot, error) {
	snap, err := s.app.Store().Snapshot(height)
	if errors.Is(err, state.ErrNoVersion) {
		return nil, ErrNotFound.New("no state at height %d", height)
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
	if !s.stateAllowed(w, r, key) {
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
