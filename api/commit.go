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
			p := resultProblem(c.Result.Codespace, c.Result.Code, c.Result.Log)
			p.Hash, p.Height = hexHash, c.Height
			return c, &ProblemError{p}
		}
		return c, nil
	case <-ctx.Done():
		p := ProblemOf(ErrTimeout.New("transaction %s was accepted but not committed within %s; look it up with GET /v1/tx/%s", hexHash, s.CommitTimeout, hexHash))
		p.Hash = hexHash
		return app.Committed{}, &ProblemError{p}
	}
}
