package daemon

import (
	"context"
	"log/slog"

	"github.com/medledger/medledger/txindex"
)

// pruneEvery is how many blocks pass between two prunings of the
// transaction index.
const pruneEvery = 100

// txPruner deletes, in the background, the transaction index's entries of
// the blocks CometBFT no longer keeps (block retention,
// storage.retain_blocks): without it the index grows with every
// transaction while the blocks it points to are deleted.
type txPruner struct {
	idx    *txindex.Index
	base   func() int64 // the block store's lowest height
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

func startTxPruner(idx *txindex.Index, base func() int64) *txPruner {
	ctx, cancel := context.WithCancel(context.Background())
	p := &txPruner{idx: idx, base: base, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-p.kick:
			}
			if n, err := idx.Prune(ctx, p.base()); err != nil {
				slog.Error("daemon: pruning the transaction index", "err", err) // the next start's check finds and rebuilds a damaged index
			} else if n > 0 {
				slog.Debug("daemon: pruned the transaction index", "blocks", n)
			}
		}
	}()
	return p
}

// committed is called after each block: every pruneEvery blocks it asks
// for a pruning, which runs unless one is running already.
func (p *txPruner) committed(height int64) {
	if p == nil || height%pruneEvery != 0 {
		return
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// close stops the pruner and waits for it: before the index closes.
func (p *txPruner) close() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}
