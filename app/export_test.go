package app

// Verified reports whether the signature of the transaction whose hash is
// h was checked and remembered (PreVerify, PreVerifyBatch, CheckTx).
func (a *App) Verified(h []byte) bool { return a.verified.has(h) }

// SetRebase turns the rebase of the mempool's view after a block on or
// off (recheck.go); off, every recheck runs its transaction again.
func (a *App) SetRebase(on bool) { a.noRebase = !on }
