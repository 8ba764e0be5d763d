// Package node runs CometBFT in-process for an ABCI application and owns the
// layout of a node's home folder: CometBFT's config, genesis and keys, the
// application's database, and the user's keystore. It also writes the homes
// of an N-validator network on loopback (Testnet).
//
// It knows nothing of medledger's modules: the caller builds the ABCI
// application and hands it to Start. It writes no consensus, gossip or block
// storage of its own.
package node
