// Package state owns the authenticated key-value store of the application:
// a versioned IAVL tree (cosmos/iavl v1) on an embedded goleveldb database of
// its own, whose root hash is the chain's AppHash, and the cache layers that
// let a transaction be applied or thrown away whole.
//
// It is the one package that touches the application database. A storage
// failure panics: a node that cannot read or write its state must stop rather
// than diverge from the others.
//
// Version N of the tree is the state after block N; its hash is the AppHash
// in the header of block N+1.
package state
