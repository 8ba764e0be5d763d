// Block retention: the height below which CometBFT may delete its blocks.

package app

// Retention says how many of the latest blocks this node keeps. The zero
// value keeps every block.
type Retention struct {
	// Blocks is how many of the latest blocks CometBFT keeps; 0 keeps
	// every block. The app never asks for fewer than the state versions it
	// serves need (a proof of version V is checked against the header of
	// block V+1), nor any block at or above Floor's answer.
	Blocks int64
	// Floor, when set, is the lowest height something else on this node
	// still needs (a state-sync snapshot it offers; 0: none).
	Floor func() int64
}

// SetRetention sets which blocks this node keeps, from the next Commit on.
// It MUST be called before the app serves anything. It is this node's
// choice, not the chain's: validators may keep different numbers.
func (a *App) SetRetention(r Retention) { a.retention = r }

// retainHeight is the ResponseCommit.RetainHeight after committing
// version: the lowest block height to keep, or 0 to keep every block.
func (a *App) retainHeight(version int64) int64 {
	r := a.retention
	if r.Blocks <= 0 || version <= r.Blocks {
		return 0
	}
	h := version - r.Blocks + 1
	// The header of block V+1 proves state version V: keep the block of
	// the oldest version the store serves.
	h = min(h, a.store.Oldest())
	if r.Floor != nil {
		if f := r.Floor(); f > 0 {
			h = min(h, f)
		}
	}
	return max(h, 0)
}
