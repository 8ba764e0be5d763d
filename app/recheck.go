package app

import (
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// The mempool's view and the recheck after a block.
//
// After each block CometBFT rechecks, in order, every transaction left in
// the mempool (node.Config sets Recheck), and the app rebuilds its view of
// the mempool from the new state by running each again: signature aside,
// the whole handler, under the mempool's lock. When a transaction waits
// several blocks (a backlog, or a validator whose blocks others propose)
// that is its handler run once per block, which doubled a validator's
// cost per transaction in the 4-validator bench (BENCHMARKS.md).
//
// Most blocks need none of it: the proposer reaps the mempool from its
// front, so a block is usually exactly the first transactions of the view,
// in the view's order, on the state the view started from. The state after
// the block is then the view's state after those transactions, and the
// view of the rest is that state with the rest's changes: no transaction
// needs to run again. So the view keeps, for each transaction it admitted,
// the changes it made (admitted), and after a block that is such a prefix
// it starts from the new state with the changes of the rest replayed
// (rebase), and answers their rechecks at once (carried).
//
// The conditions, each checked, anything else falling back to running
// every recheck as before:
//   - the block's transactions are the view's first n, hash for hash and
//     in order, and each succeeded in the block as it did in the view;
//   - no EndBlocker wrote anything (what falls due by time alone could
//     touch what a waiting transaction read);
//   - every transaction left stays within its expiry at the next height
//     (the one check of the envelope that a new height can fail);
//   - every transaction carried from the last rebase was rechecked, so
//     the view holds nothing the mempool has dropped (a recheck that
//     skips one means it left the mempool; the first new CheckTx after
//     it then rebuilds the view without it: dropLeft).
//
// What the shortcut gives up: a waiting transaction was judged at the
// previous block's time, not the new one, so one that the passing of one
// block's time alone made invalid (a consent that lapsed in between) is
// refused in its block instead of dropped by the recheck. Block execution
// judges every transaction again in any case: the view only decides what
// the mempool holds, never what the chain does.

// admitted is a transaction the view applied, with the changes it made.
type admitted struct {
	hash    string
	t       *tx.Tx
	re      replayEntry
	changes []state.Change
}

// resetCheck starts the view from the latest committed state, empty.
func (a *App) resetCheck() {
	// NOTE: Latest, not Snapshot(0): the same state, read without loading
	// the newest tree nodes back from disk (state.MaxLayers).
	snap := a.store.Latest()
	t := BlockTime(snap)
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	a.checkBase, a.checkTime = snap, t
	a.check = state.NewCache(snap)
	a.checkSeen = newNonces()
	a.view, a.carried = nil, nil
}

// committedCheck moves the view onto the state of the block just
// committed (a.pending): by rebase where the block allows it, else empty,
// for the rechecks to fill.
func (a *App) committedCheck() {
	n, ok := a.rebasable()
	if !ok || a.noRebase {
		a.resetCheck()
		a.checkMu.Lock()
		a.rebases.fallbacks++
		a.checkMu.Unlock()
		return
	}
	snap := a.store.Latest()
	t := BlockTime(snap)
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	a.rebases.rebased++
	check, seen := state.NewCache(snap), newNonces()
	rest := append([]admitted(nil), a.view[n:]...)
	var carried map[string]struct{}
	if len(rest) > 0 {
		carried = make(map[string]struct{}, len(rest))
	}
	for _, v := range rest {
		state.Apply(check, v.changes)
		seen.add(v.t.Expires, v.re)
		carried[v.hash] = struct{}{}
	}
	a.checkBase, a.checkTime = snap, t
	a.check, a.checkSeen, a.view, a.carried = check, seen, rest, carried
}

// rebasable reports whether the block just executed is the view's first n
// transactions under the conditions above.
func (a *App) rebasable() (n int, ok bool) {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	if a.endWrote || len(a.carried) > 0 || len(a.pending) > len(a.view) {
		return 0, false
	}
	for i, c := range a.pending {
		if c.Result.Code != abci.CodeTypeOK || string(c.Hash) != a.view[i].hash {
			return 0, false
		}
	}
	next := a.store.Version() + 1
	for _, v := range a.view[len(a.pending):] {
		if v.t.Expires < next {
			return 0, false
		}
	}
	return len(a.pending), true
}

// recheckCarried answers the recheck of a transaction carried over by the
// last rebase: it stands, as the view holds it already.
func (a *App) recheckCarried(hash []byte) bool {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	if _, ok := a.carried[string(hash)]; ok {
		delete(a.carried, string(hash))
		return true
	}
	return false
}

// dropLeft rebuilds the view without the transactions carried by the last
// rebase that no recheck asked for: the mempool no longer holds them. The
// others run again in order on the committed state; one that fails now
// (it depended on one that left) stays in the mempool for its block to
// refuse, as the view cannot be told to drop it outside a recheck.
// Callers hold checkMu.
func (a *App) dropLeft(height int64) {
	left := a.carried
	a.carried = nil
	a.rebases.dropped += len(left)
	check, seen := state.NewCache(a.checkBase), newNonces()
	kept := make([]admitted, 0, len(a.view))
	for _, v := range a.view {
		if _, gone := left[v.hash]; gone {
			continue
		}
		var changes []state.Change
		if _, err := a.run(check, seen, height, a.checkTime, v.t, &changes); err != nil {
			continue
		}
		kept = append(kept, admitted{hash: v.hash, t: v.t, re: v.re, changes: changes})
	}
	a.check, a.checkSeen, a.view = check, seen, kept
}

// RecheckStats counts how the view followed the blocks: Rebased blocks
// needed no transaction run again, Fallbacks did (every recheck ran), and
// Dropped transactions had left the mempool between two blocks.
type RecheckStats struct {
	Rebased, Fallbacks, Dropped int
}

// RecheckStats returns the counts since the app started.
func (a *App) RecheckStats() RecheckStats {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	return RecheckStats{Rebased: a.rebases.rebased, Fallbacks: a.rebases.fallbacks, Dropped: a.rebases.dropped}
}

// checkTx is CheckTx of a new transaction or of a recheck.
func (a *App) checkTx(raw, hash []byte, recheck bool) *abci.ResponseCheckTx {
	if recheck && a.recheckCarried(hash) {
		return &abci.ResponseCheckTx{Code: abci.CodeTypeOK}
	}
	t, err := a.decode(raw, hash)
	if err != nil {
		return checkResult(err)
	}
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	height := a.store.Version() + 1
	if !recheck && len(a.carried) > 0 {
		// A new transaction comes after the recheck of the whole mempool,
		// which left these out.
		a.dropLeft(height)
	}
	// run writes to a.check only when the transaction succeeds (through an
	// overlay of its own, whose changes it returns), so it needs no other.
	var changes []state.Change
	if _, err := a.run(a.check, a.checkSeen, height, a.checkTime, t, &changes); err != nil {
		return checkResult(err)
	}
	a.view = append(a.view, admitted{hash: string(hash), t: t, re: replayEntryOf(t), changes: changes})
	return &abci.ResponseCheckTx{Code: abci.CodeTypeOK}
}
