package app

// Verified reports whether the signature of the transaction whose hash is
// h was checked and remembered (PreVerify, PreVerifyBatch, CheckTx).
func (a *App) Verified(h []byte) bool { return a.verified.has(h) }
