// Package app is the ABCI application: it decodes a transaction, checks its
// envelope (chain, expiry, signer, signature, replay guard, role policy) and
// routes it to the module that owns its type. It holds no business rules:
// those live in the modules, which plug in through Module.
//
// CheckTx and FinalizeBlock share one validation path (run); CheckTx runs it
// against a throwaway overlay of the last committed state, FinalizeBlock
// against the block's working state. A rejected transaction changes nothing.
//
// Two optional capabilities of a module, found by type assertion: an
// EndBlocker acts at the end of each block on what falls due by block time
// alone, and the first PatientLog among the modules keeps the patients'
// log that others note events on (Context.PatientLog).
//
// State transitions here and in every module MUST be deterministic: no wall
// clock (use Context.Time, the block time), no randomness, no goroutines, no
// floating point, no iteration over Go maps whose order reaches state.
package app
