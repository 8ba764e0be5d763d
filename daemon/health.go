package daemon

import (
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/state"
)

// watchConsensus marks the node unhealthy when CometBFT's consensus fails
// while it runs: the node stays up and answers, but no longer follows the
// chain, so it MUST NOT serve its state as current.
func (d *Daemon) watchConsensus() {
	select {
	case <-d.Node.ConsensusFailed():
		d.API.Fail("consensus", d.Node.Failure())
	case <-d.stopping:
	}
}

// trustHistory lets the store check a version it did not commit in this
// run against the app hash the chain committed to: the header of the next
// block in CometBFT's block store.
func trustHistory(st *state.Store, n *node.Node) {
	bs := n.CMT.BlockStore()
	st.TrustHistory(func(v int64) (hash []byte) {
		defer func() {
			if recover() != nil {
				hash = nil // an unreadable block: the stored root is all there is
			}
		}()
		if m := bs.LoadBlockMeta(v + 1); m != nil {
			return m.Header.AppHash
		}
		return nil
	})
}
