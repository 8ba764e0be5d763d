package node

import (
	"fmt"
	"sync"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// consensusFailure is the message CometBFT logs when its consensus routine
// panics (a block that cannot be applied, an app that panics in
// FinalizeBlock or Commit): it recovers, stops the routine and leaves the
// node up, no longer following the chain.
const consensusFailure = "CONSENSUS FAILURE!!!"

// failureWatch is a CometBFT logger that notes a consensus failure, then
// passes every entry on.
type failureWatch struct {
	next cmtlog.Logger
	f    *failed
}

// failed is a consensus failure, once it happened.
type failed struct {
	once sync.Once
	done chan struct{}
	err  error
}

func (w failureWatch) Debug(msg string, kv ...any) { w.next.Debug(msg, kv...) }
func (w failureWatch) Info(msg string, kv ...any)  { w.next.Info(msg, kv...) }
func (w failureWatch) Error(msg string, kv ...any) {
	if msg == consensusFailure {
		cause := "unknown"
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "err" {
				cause = fmt.Sprint(kv[i+1])
			}
		}
		w.f.once.Do(func() {
			w.f.err = fmt.Errorf("consensus failed at a block and stopped (%s)", cause)
			close(w.f.done)
		})
	}
	w.next.Error(msg, kv...)
}
func (w failureWatch) With(kv ...any) cmtlog.Logger { return failureWatch{w.next.With(kv...), w.f} }

// ConsensusFailed is closed when CometBFT's consensus failed while the
// node runs: it stays up, answers, and no longer follows the chain, so
// whatever it serves is stale. Failure says why.
func (n *Node) ConsensusFailed() <-chan struct{} { return n.failed.done }

// Failure is the consensus failure, once ConsensusFailed is closed.
func (n *Node) Failure() error {
	select {
	case <-n.failed.done:
		return n.failed.err
	default:
		return nil
	}
}
