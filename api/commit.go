package api

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/tx"
)

// ProblemError carries a ready problem document as an error, so that a
// service built on SubmitCommit can answer exactly what the node said.
type ProblemError struct{ Problem Problem }

func (e *ProblemError) Error() string {
	return fmt.Sprintf("%s/%s: %s", e.Problem.Codespace, e.Problem.Title, e.Problem.Detail)
}

// SubmitCommit submits a signed transaction and waits until its block
// commits. It returns the committed result, or a *ProblemError for a
// refusal (at CheckTx or in the block) or a time-out. Services use it to act
// only on what the chain has committed (the vault hands out a document only
// after the disclosure that allows it commits).
func (s *Server) SubmitCommit(ctx context.Context, raw []byte) (app.Committed, error) {
	if err := s.app.PreVerify(raw); err != nil {
		return app.Committed{}, &ProblemError{ProblemOf(err)}
	}
	hexHash := upperHex(tx.Hash(raw))
	wait := s.await(hexHash)
	defer s.forget(hexHash)
	res, err := s.rpc.BroadcastTxSync(ctx, raw)
	if err != nil {
		return app.Committed{}, &ProblemError{ProblemOf(mempoolError(err, hexHash))}
	}
	if res.Code != abci.CodeTypeOK {
		p := resultProblem(res.Codespace, res.Code, res.Log)
		p.Hash = hexHash
		return app.Committed{}, &ProblemError{p}
	}
	ctx, cancel := context.WithTimeout(ctx, s.CommitTimeout)
	defer cancel()
	select {
	case c := <-wait:
		if c.Result.Code != abci.CodeTypeOK {
			return c, &ProblemError{refusal(c, hexHash)}
		}
		return c, nil
	case <-ctx.Done():
		if ctx.Err() == context.Canceled {
			p := ProblemOf(ErrUnavailable.New("transaction %s was accepted, but the request ended before it committed; look it up with GET /v1/tx/%s", hexHash, hexHash))
			p.Hash = hexHash
			return app.Committed{}, &ProblemError{p}
		}
		p := ProblemOf(ErrTimeout.New("transaction %s was accepted but not committed within %s; look it up with GET /v1/tx/%s", hexHash, s.CommitTimeout, hexHash))
		p.Hash = hexHash
		return app.Committed{}, &ProblemError{p}
	}
}

// refusal is the problem of a transaction refused in its block, or
// dropped from the mempool by a recheck (no block holds it).
func refusal(c app.Committed, hexHash string) Problem {
	p := resultProblem(c.Result.Codespace, c.Result.Code, c.Result.Log)
	p.Hash = hexHash
	if c.Evicted {
		p.Detail = fmt.Sprintf("dropped from the mempool, in no block: a recheck after block %d refused it: %s", c.Height, c.Result.Log)
		return p
	}
	p.Height = c.Height
	return p
}

// evicted tells whoever waits for a transaction that a recheck refused it
// (it will be in no block), and the commit stream's subscribers.
func (s *Server) evicted(e app.Evicted) {
	c := app.Committed{Hash: e.Hash, Height: e.Height, Index: -1, Evicted: true,
		Result: &abci.ExecTxResult{Code: e.Result.Code, Codespace: e.Result.Codespace, Log: e.Result.Log, Info: e.Result.Info}}
	h := upperHex(e.Hash)
	if s.feed.Subscribed() {
		s.feed.Publish(CommitEvent{Height: e.Height, Dropped: []DroppedTx{{Hash: h, Problem: refusal(c, h)}}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.waiters[h]; ok {
		select {
		case ch <- c:
		default:
		}
		delete(s.waiters, h)
	}
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
