// State sync: the ABCI snapshot methods, answered by the node's snapshot
// manager (package snapshot, wired by the daemon).

package app

import (
	"context"

	abci "github.com/cometbft/cometbft/abci/types"
)

// Snapshots takes, serves and restores state-sync snapshots of the app's
// store.
type Snapshots interface {
	// Committed is told of each committed height (it may take a snapshot).
	Committed(height int64)
	// List describes the snapshots offered.
	List() []*abci.Snapshot
	// Chunk returns a chunk of an offered snapshot, nil if none.
	Chunk(height uint64, format, chunk uint32) []byte
	// Offer decides on a peer's snapshot; appHash is the chain's app hash
	// at its height, verified by CometBFT's light client.
	Offer(s *abci.Snapshot, appHash []byte) abci.ResponseOfferSnapshot_Result
	// Apply applies the next chunk; restored when the store holds the
	// snapshot's version.
	Apply(index uint32, chunk []byte, sender string) (res *abci.ResponseApplySnapshotChunk, restored bool)
}

// UseSnapshots makes s answer the ABCI snapshot methods. It MUST be called
// before the app serves anything; without it the app offers no snapshots
// and refuses every one offered.
func (a *App) UseSnapshots(s Snapshots) { a.snapshots = s }

// ListSnapshots lists the snapshots this node offers.
func (a *App) ListSnapshots(context.Context, *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	if a.snapshots == nil {
		return &abci.ResponseListSnapshots{}, nil
	}
	return &abci.ResponseListSnapshots{Snapshots: a.snapshots.List()}, nil
}

// LoadSnapshotChunk serves a chunk of an offered snapshot.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	if a.snapshots == nil {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	return &abci.ResponseLoadSnapshotChunk{Chunk: a.snapshots.Chunk(req.Height, req.Format, req.Chunk)}, nil
}

// OfferSnapshot decides on a snapshot a peer offers.
func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	if a.snapshots == nil {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	}
	return &abci.ResponseOfferSnapshot{Result: a.snapshots.Offer(req.Snapshot, req.AppHash)}, nil
}

// ApplySnapshotChunk applies a chunk of the snapshot being restored; once
// the store holds its version, the mempool's view starts from it.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	if a.snapshots == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	res, restored := a.snapshots.Apply(req.Index, req.Chunk, req.Sender)
	if restored {
		a.resetCheck()
	}
	return res, nil
}
