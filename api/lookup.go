// Looking up a committed transaction: GET /v1/tx/{hash}.

package api

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
)

// TxLookup finds where a committed transaction is. ok is false for a
// transaction not committed; an error is a damaged index, never an absent
// transaction.
type TxLookup interface {
	Lookup(hash []byte) (height int64, index int, ok bool, err error)
}

// New returns a server for a node's app and CometBFT client with the core

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
		var d *indexDamage
		if errors.As(err, &d) {
			s.Fail("txindex", d.err)
			writeDamaged(w, r, d.err)
			return
		}
		if strings.Contains(err.Error(), "not found") {
			if b, ok := s.Index.(interface{ Base() int64 }); ok && b.Base() > 1 {
				WriteProblem(w, r, ErrNotFound.New("no committed transaction %X in the blocks from height %d on, which this node keeps (older ones were deleted: storage.retain_blocks); it may also still be in the mempool, or was never sent", hash, b.Base()))
				return
			}
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
	if err := s.redactTx(r, &out); err != nil {
		WriteProblem(w, r, err)
		return
	}
	if prove && !out.Redacted {
		b, err := cmtjson.Marshal(res.Proof)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		out.Proof = b
	}
	WriteJSON(w, out)
}

// indexDamage is a lookup the index could not answer.
type indexDamage struct{ err error }

func (e *indexDamage) Error() string { return e.err.Error() }

// txFromIndex builds CometBFT's ResultTx from the node's own index, the
// block store and the stored block results.
func (s *Server) txFromIndex(ctx context.Context, hash []byte, prove bool) (*ctypes.ResultTx, error) {
	height, index, ok, err := s.Index.Lookup(hash)
	if err != nil {
		return nil, &indexDamage{err}
	}
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
