// The chain reads: status, blocks, validators and genesis, answered from
// the CometBFT node.

package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/medledger/medledger"
)

// StatusResponse answers GET /v1/status.
type StatusResponse struct {
	ChainID      string    `json:"chain_id"`
	LatestHeight int64     `json:"latest_height"`
	LatestTime   time.Time `json:"latest_time"`
	AppHash      string    `json:"app_hash"`
	BlockHash    string    `json:"block_hash"`
	Moniker      string    `json:"moniker"`
	NodeID       string    `json:"node_id"`
	CatchingUp   bool      `json:"catching_up"`
	// Healthy is false when the node cannot vouch for its state (see
	// GET /v1/health): then it serves no state.
	Healthy    bool        `json:"healthy"`
	Problems   []string    `json:"problems,omitempty"`
	Validators []Validator `json:"validators"`
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
	h := s.Health()
	res.Healthy, res.Problems = h.Healthy, h.Problems
	vals, err := s.rpc.Validators(r.Context(), nil, nil, nil)
	if err == nil {
		for _, v := range vals.Validators {
			res.Validators = append(res.Validators, Validator{Address: v.Address.String(), PubKey: v.PubKey.Bytes(), Power: v.VotingPower})
		}
	}
	WriteJSON(w, res)
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
		return nil, ErrBadRequest.New("height %s is not a positive block height or 'latest'", medledger.Quote(v))
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
