package client

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/medledger/medledger/api"
)

// BulkTx is one transaction of SendAll: Body of type Type, signed by Signer.
type BulkTx struct {
	Signer Signer
	Type   string
	Body   any
}

// BulkOptions tune SendAll.
type BulkOptions struct {
	// Batch is the most transactions one POST /v1/txs carries; default
	// api.MaxBatch (fewer when they are large).
	Batch int
	// Pipeline sends the next batch without waiting for the previous one
	// to commit. Without it, each batch commits before the next is sent.
	Pipeline bool
	// Progress, if set, is told how many transactions have committed, as
	// they commit.
	Progress func(committed int)
	// CommitWait is how long accepted transactions may stay uncommitted
	// while no block includes any of them, before the node is asked
	// whether they were dropped; default DefaultCommitWait. A transaction
	// the node's mempool drops (a recheck refused it) is known at once,
	// from the commit stream, without waiting.
	CommitWait time.Duration
}

// DefaultCommitWait is BulkOptions.CommitWait's default.
const DefaultCommitWait = 30 * time.Second

// BulkResult is how a bulk submission ended. Transactions are numbered by
// their index in the list sent.
type BulkResult struct {
	// Committed is how many transactions committed, in order, before the
	// first that did not (all of them when Failed is -1).
	Committed int
	// Failed is the first transaction refused or not committed, or -1.
	Failed  int
	Problem api.Problem // why Failed failed
	// After lists the transactions after Failed that committed all the
	// same: the node checks each transaction of a batch on its own.
	After   []int
	Hashes  []string // of every transaction sent
	Heights []int64  // of every transaction committed, else 0
}

// Err is the failure as an error (an *Error), or nil when every
// transaction committed.
func (r BulkResult) Err() error {
	if r.Failed < 0 {
		return nil
	}
	return &Error{r.Problem}
}

// bulkBatchBytes bounds the base64 transactions of one POST /v1/txs.
const bulkBatchBytes = api.MaxBatchBodyBytes / 2

// SendAll signs and sends txs in order through POST /v1/txs, in batches,
// and waits until every transaction sent has committed, learning of
// commits from the commit stream. It sends no more batches after a
// transaction is refused (at once, or in its block): later transactions
// may depend on earlier ones. The error is for a node that cannot be
// reached or answers nonsense; what committed until then is in the result.
func (c *Client) SendAll(ctx context.Context, txs []BulkTx, opt BulkOptions) (BulkResult, error) {
	res := BulkResult{Failed: -1, Hashes: make([]string, len(txs)), Heights: make([]int64, len(txs))}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Commits(ctx)
	if err != nil {
		return res, err
	}
	if opt.CommitWait <= 0 {
		opt.CommitWait = DefaultCommitWait
	}
	problems := make([]*api.Problem, len(txs))
	codes := make([]api.CommitTx, len(txs))
	w := &commitWaiter{cl: c, commits: stream.C, pending: map[string]int{}, patience: opt.CommitWait, lastProgress: time.Now()}
	ok, stop := 0, false
	w.dropped = func(i int, d api.DroppedTx) {
		p := d.Problem
		problems[i], stop = &p, true
	}
	w.done = func(i int, height int64, ct api.CommitTx) {
		res.Heights[i], codes[i] = height, ct
		switch {
		case height == 0 || ct.Code != 0:
			stop = true
		default:
			ok++
			if opt.Progress != nil {
				opt.Progress(ok)
			}
		}
	}
	batch := opt.Batch
	if batch <= 0 || batch > api.MaxBatch {
		batch = api.MaxBatch
	}
	var sendErr error
	for start := 0; start < len(txs) && !stop; {
		st, err := c.Status(ctx)
		if err != nil {
			sendErr = err
			break
		}
		var raws [][]byte
		size := 0
		for end := start; end < len(txs) && len(raws) < batch; end++ {
			s := txs[end].Signer
			if s.ChainID == "" {
				s.ChainID = st.ChainID
			}
			raw, err := s.Build(txs[end].Type, txs[end].Body, st.LatestHeight)
			if err != nil {
				return res, err
			}
			n := (len(raw)+2)/3*4 + 4
			if len(raws) > 0 && size+n > bulkBatchBytes {
				break
			}
			size += n
			raws = append(raws, raw)
		}
		// The node sends none after the first it refuses.
		br, err := c.SubmitBatch(ctx, api.BatchRequest{Txs: raws, Mode: "sync", StopOnError: true})
		if err != nil {
			sendErr = err
			break
		}
		if len(br.Results) != len(raws) {
			sendErr = fmt.Errorf("the node answered %d results for %d transactions", len(br.Results), len(raws))
			break
		}
		for i, r := range br.Results {
			res.Hashes[start+i] = r.Hash
			if r.Problem != nil {
				problems[start+i] = r.Problem
				stop = true
				continue
			}
			w.pending[r.Hash] = start + i
		}
		start += len(raws)
		if opt.Pipeline && !stop && start < len(txs) {
			w.drain()
			continue
		}
		if err := w.wait(ctx); err != nil {
			return res, err
		}
	}
	if err := w.wait(ctx); err != nil {
		return res, err
	}
	for i := range txs {
		if res.Hashes[i] == "" {
			break
		}
		p := problems[i]
		switch {
		case p == nil && res.Heights[i] == 0:
			p = &api.Problem{Title: "not-committed", Hash: res.Hashes[i],
				Detail: fmt.Sprintf("the node accepted the transaction, but no block included it within %s (an earlier transaction's failure may have made it invalid; if not, it may still commit: medledger query tx %s)", opt.CommitWait, res.Hashes[i])}
		case p == nil && codes[i].Code != 0:
			p = c.committedProblem(ctx, res.Hashes[i], res.Heights[i], codes[i])
			res.Heights[i] = 0
		}
		switch {
		case p != nil && res.Failed < 0:
			res.Failed, res.Problem = i, *p
		case p == nil && res.Failed < 0:
			res.Committed++
		case p == nil:
			res.After = append(res.After, i)
		}
	}
	return res, sendErr
}

// committedProblem is the problem of a transaction that its block refused.
func (c *Client) committedProblem(ctx context.Context, hash string, height int64, ct api.CommitTx) *api.Problem {
	p := &api.Problem{Title: fmt.Sprintf("code-%d", ct.Code), Codespace: ct.Codespace, Code: ct.Code, Hash: hash, Height: height,
		Detail: "refused in block " + strconv.FormatInt(height, 10)}
	if r, err := c.Tx(ctx, hash, false); err == nil {
		if r.Slug != "" {
			p.Title = r.Slug
		}
		p.Detail = r.Log
	}
	return p
}

// commitWaiter learns from the commit stream when the transactions of
// pending (hash to index) commit, and tells done each one's height and
// result; height 0 for one no block included.
type commitWaiter struct {
	cl           *Client
	commits      <-chan api.CommitEvent // nil once the stream ended
	pending      map[string]int
	done         func(i int, height int64, ct api.CommitTx)
	dropped      func(i int, d api.DroppedTx) // a transaction the mempool dropped
	patience     time.Duration
	lastProgress time.Time
}

func (w *commitWaiter) take(ev api.CommitEvent) {
	for _, d := range ev.Dropped {
		if i, ok := w.pending[d.Hash]; ok {
			delete(w.pending, d.Hash)
			w.lastProgress = time.Now()
			w.dropped(i, d)
		}
	}
	for _, t := range ev.Txs {
		if i, ok := w.pending[t.Hash]; ok {
			delete(w.pending, t.Hash)
			w.lastProgress = time.Now()
			w.done(i, ev.Height, t)
		}
	}
}

// drain takes the commits that arrived, without waiting.
func (w *commitWaiter) drain() {
	for w.commits != nil {
		select {
		case ev, ok := <-w.commits:
			if !ok {
				w.commits = nil
				return
			}
			w.take(ev)
		default:
			return
		}
	}
}

// wait returns once nothing is pending. A transaction that blocks keep
// leaving out for patience (or every one, once the stream ended) is looked
// up with GET /v1/tx/{hash}; one that is still in no block after patience
// without progress is reported with height 0.
func (w *commitWaiter) wait(ctx context.Context) error {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	if len(w.pending) > 0 {
		w.lastProgress = time.Now()
	}
	for len(w.pending) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.commits:
			if !ok {
				w.commits = nil
				continue
			}
			w.take(ev)
			continue
		case <-tick.C:
		}
		if w.commits != nil && time.Since(w.lastProgress) < w.patience {
			continue
		}
		for h, i := range w.pending {
			r, err := w.cl.Tx(ctx, h, false)
			if err != nil {
				continue
			}
			delete(w.pending, h)
			w.lastProgress = time.Now()
			w.done(i, r.Height, api.CommitTx{Hash: h, Code: r.Code, Codespace: r.Codespace})
		}
		if time.Since(w.lastProgress) > w.patience {
			for h, i := range w.pending {
				delete(w.pending, h)
				w.done(i, 0, api.CommitTx{Hash: h})
			}
		}
	}
	return nil
}
