// Package medledger holds the vocabulary shared by every part of the
// medledger node: the structured error that carries a stable code from a
// state transition to the ABCI result, the REST problem document and the CLI.
//
// It MUST NOT import any other package of this module: modules, the app, the
// API and the CLI all depend on it, never the other way round.
package medledger
