package app

import (
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/state"
)

// EndBlocker is a module that acts at the end of every block, after the
// block's transactions, on what falls due by block time alone (a patient's
// recovery whose waiting period has passed, in identity). The app calls
// EndBlock on every module that implements it, in module order, in
// FinalizeBlock; nothing else calls it.
//
// EndBlock MUST be deterministic and read and write only ctx.KV, as a
// handler does; ctx.Signer is the zero Signer and ctx.TxHash is nil. It
// MUST keep its work bounded by what is due (an index by due time, never a
// scan of every object). Its writes go through an overlay: a returned error
// discards them (the block cannot be refused, and every node discards the
// same), and the events it emitted are dropped with them.
type EndBlocker interface {
	EndBlock(ctx *Context) error
}

// endBlock runs every EndBlocker on kv at the block's height and time and
// returns the events they emitted.
func (a *App) endBlock(kv state.KV, height int64) []abci.Event {
	var events []abci.Event
	for _, m := range a.modules {
		eb, ok := m.(EndBlocker)
		if !ok {
			continue
		}
		overlay := state.NewCache(kv)
		ctx := &Context{KV: overlay, ChainID: a.chainID, Height: height, Time: a.blockTime, IDs: a.ids, Licences: a.lic, Log: a.plog}
		if err := eb.EndBlock(ctx); err != nil {
			continue
		}
		if overlay.Len() > 0 {
			a.endWrote = true // the mempool's view cannot be rebased (recheck.go)
		}
		overlay.Write()
		events = append(events, ctx.events...)
	}
	return events
}

// OnEndBlock registers fn to be called after each block is committed, with
// the events the modules' EndBlock emitted in it (none: fn is not called).
// fn MUST NOT block. Off-chain services use it as they use OnCommit, for
// what happens without a transaction (a recovery taking effect).
func (a *App) OnEndBlock(fn func(height int64, events []abci.Event)) {
	a.listenMu.Lock()
	a.endListeners = append(a.endListeners, fn)
	a.listenMu.Unlock()
}
