package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// Reader reads state. Get returns nil for a missing key. Iterate calls fn for
// each key in [start, end) in ascending key order until fn returns false; a
// nil end means no upper bound.
type Reader interface {
	Get(key []byte) []byte
	Iterate(start, end []byte, fn func(key, value []byte) bool)
}

// KV reads and writes state. Values MUST NOT be modified after Set.
type KV interface {
	Reader
	Set(key, value []byte)
	Delete(key []byte)
}

// DefaultCacheSize is the number of IAVL nodes each of the store's two trees
// (working, reads) keeps in memory: about a million transactions' worth of
// leaves and the inner nodes above them, a few hundred MB at most. A node
// missing from it is read from the database, which at thousands of
// transactions a block was a tenth of the node's CPU with 200,000 (the
// Cosmos SDK's default is 781,250).
const DefaultCacheSize = 1_000_000

// Store is the authenticated store: a mutable working tree for the block
// being executed and immutable snapshots of committed versions for queries.
// Working, Commit and Rollback MUST be called from one goroutine (the
// consensus connection); Snapshot and Latest are safe from any goroutine.
type Store struct {
	db   *iavldb.GoLevelDB
	tree *iavl.MutableTree
	// reads opens the snapshots. NOTE: a tree from s.tree.GetImmutable shares
	// node objects with the working tree, whose Set and Remove write to them
	// (iavl's Node.clone): a data race with readers on other goroutines. A
	// second tree over the same database has its own node cache.
	reads *iavl.MutableTree

	// block records the working tree's writes since the last commit, for
	// Latest. Consensus connection only.
	block *Cache
	// keys knows every key the store may hold, for Latest.
	keys *keyFilter

	scanning sync.WaitGroup
	closing  atomic.Bool

	mu     sync.RWMutex
	latest *iavl.ImmutableTree
	// view is the last committed state for Latest: the writes of the last
	// layers blocks over an older snapshot.
	view   Reader
	layers int
}

// MaxLayers is how many blocks' writes Latest keeps in memory over an older
// snapshot before it moves to the newest one.
//
// NOTE: a snapshot reads its tree through a node cache of its own (see
// reads), so every version's new nodes, which the working tree just wrote,
// are loaded back from the database by the first reads that cross them.
// At thousands of transactions a block those loads were the largest cost
// of CheckTx; stacking the blocks' writes over an older snapshot whose
// nodes are in memory pays them once in MaxLayers blocks.
const MaxLayers = 8

// dbOptions are the storage engine's settings. They change how fast the
// store is, never what it holds (nor so any hash).
func dbOptions() *opt.Options {
	return &opt.Options{
		// NOTE: goleveldb has no bloom filter by default; with one, a lookup
		// skips the tables that cannot hold the key.
		Filter: filter.NewBloomFilter(10),
		// Every version writes the new nodes of the paths it changed; reads
		// of the latest version (CheckTx, queries) load them back. A
		// memtable of several blocks' writes serves those from memory
		// instead of from freshly flushed tables.
		WriteBuffer:        64 << 20,
		BlockCacheCapacity: 64 << 20,
	}
}

// Open opens (or creates) the store in dir.
//
//medledger:nondeterministic-ok opens the database at node start, before any transition; its goroutine fills the key filter, a read cache that never changes an answer
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	db, err := iavldb.NewGoLevelDBWithOpts("application", dir, dbOptions())
	if err != nil {
		return nil, fmt.Errorf("open state database in %s: %w", filepath.Join(dir, "application.db"), err)
	}
	tree := iavl.NewMutableTree(db, DefaultCacheSize, true, iavl.NewNopLogger(), iavl.SyncOption(true))
	if _, err := tree.Load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("load state tree: %w", err)
	}
	reads := iavl.NewMutableTree(db, DefaultCacheSize, true, iavl.NewNopLogger())
	s := &Store{db: db, tree: tree, reads: reads, block: NewCache(&Snapshot{}), keys: newKeyFilter()}
	if err := s.refreshLatest(); err != nil {
		db.Close()
		return nil, err
	}
	s.mu.RLock()
	opened := s.latest
	s.mu.RUnlock()
	s.scanning.Add(1)
	go s.scanKeys(opened)
	return s, nil
}

func (s *Store) refreshLatest() error {
	v := s.tree.Version()
	var snap *iavl.ImmutableTree
	if v > 0 {
		var err error
		if snap, err = s.reads.GetImmutable(v); err != nil {
			return fmt.Errorf("open version %d: %w", v, err)
		}
	}
	s.mu.Lock()
	s.latest = snap
	if s.view == nil || s.layers >= MaxLayers {
		s.view, s.layers = filtered{&Snapshot{t: snap}, s.keys}, 0
	} else {
		s.block.parent = s.view
		s.block.Freeze()
		s.view, s.layers = s.block, s.layers+1
	}
	s.mu.Unlock()
	s.block = NewCache(&Snapshot{})
	return nil
}

// Latest returns the last committed state for reads that need no proof
// (CheckTx): what Snapshot(0) holds, kept as the writes of the last blocks
// over an older snapshot (see MaxLayers). Safe from any goroutine; the
// Reader returned never changes.
func (s *Store) Latest() Reader {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.view
}

// scanKeys adds the keys of the tree the store opened to the key filter,
// then lets the filter answer. NOTE: it runs beside the node: a large state
// takes a while, during which Latest reads walk the tree.
func (s *Store) scanKeys(t *iavl.ImmutableTree) {
	defer s.scanning.Done()
	if t != nil {
		it, err := t.Iterator(nil, nil, true)
		if err != nil {
			return // the filter stays off
		}
		for ; it.Valid() && !s.closing.Load(); it.Next() {
			s.keys.add(it.Key())
		}
		err = it.Error()
		it.Close()
		if err != nil || s.closing.Load() {
			return
		}
	}
	s.keys.ready.Store(true)
}

// Close closes the database.
func (s *Store) Close() error {
	s.closing.Store(true)
	s.scanning.Wait()
	return s.db.Close()
}

// Version is the last committed version (0 before the first commit). It is
// safe from any goroutine: it reads the latest snapshot, not the working
// tree that Commit writes.
func (s *Store) Version() int64 {
	s.mu.RLock()
	t := s.latest
	s.mu.RUnlock()
	if t == nil {
		return 0
	}
	return t.Version()
}

// Hash is the root hash of the last committed version.
func (s *Store) Hash() []byte { return s.tree.Hash() }

// WorkingHash is the root hash the working tree would commit now.
func (s *Store) WorkingHash() []byte { return s.tree.WorkingHash() }

// Working returns the mutable working tree as a KV.
func (s *Store) Working() KV { return recordKV{treeKV{s.tree}, s.block, s.keys} }

// Commit saves the working tree as the next version.
func (s *Store) Commit() (hash []byte, version int64, err error) {
	hash, version, err = s.tree.SaveVersion()
	if err != nil {
		return nil, 0, fmt.Errorf("save version: %w", err)
	}
	if err := s.refreshLatest(); err != nil {
		return nil, 0, err
	}
	return hash, version, nil
}

// Rollback discards all uncommitted changes of the working tree.
func (s *Store) Rollback() {
	s.tree.Rollback()
	s.block = NewCache(&Snapshot{})
}

// ErrNoVersion is returned by Snapshot for a version that is not stored.
var ErrNoVersion = errors.New("state version not available")

// Snapshot returns a read-only view of a committed version; version 0 means
// the latest. Returns ErrNoVersion if that version is not stored.
func (s *Store) Snapshot(version int64) (*Snapshot, error) {
	if version == 0 {
		s.mu.RLock()
		t := s.latest
		s.mu.RUnlock()
		if t == nil {
			return &Snapshot{}, nil
		}
		return &Snapshot{t: t}, nil
	}
	if !s.tree.VersionExists(version) {
		return nil, fmt.Errorf("%w: %d", ErrNoVersion, version)
	}
	t, err := s.reads.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("open version %d: %w", version, err)
	}
	return &Snapshot{t: t}, nil
}

// Snapshot is an immutable committed version. The zero Snapshot is the empty
// state before the first commit.
type Snapshot struct{ t *iavl.ImmutableTree }

var _ Reader = (*Snapshot)(nil)

// Version of this snapshot.
func (s *Snapshot) Version() int64 {
	if s.t == nil {
		return 0
	}
	return s.t.Version()
}

// Hash is this version's root hash.
func (s *Snapshot) Hash() []byte {
	if s.t == nil {
		return nil
	}
	return s.t.Hash()
}

func (s *Snapshot) Get(key []byte) []byte {
	if s.t == nil {
		return nil
	}
	v, err := s.t.Get(key)
	if err != nil {
		panic(fmt.Errorf("state: read %q: %w", key, err))
	}
	return v
}

func (s *Snapshot) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	if s.t == nil {
		return
	}
	iterate(s.t.Iterator, start, end, fn)
}

// Prove returns an ICS-23 proof that key has its value in this version (or
// that it is absent), checkable against Hash with VerifyProof.
func (s *Snapshot) Prove(key []byte) (*ics23.CommitmentProof, error) {
	if s.t == nil {
		return nil, fmt.Errorf("%w: empty state has no proofs", ErrNoVersion)
	}
	return s.t.GetProof(key)
}

// VerifyProof checks an ICS-23 proof of key against a root hash: with a
// non-nil value, that key holds value; with nil, that key is absent.
func VerifyProof(root []byte, proof *ics23.CommitmentProof, key, value []byte) error {
	if proof == nil {
		return errors.New("no proof")
	}
	if value == nil {
		if !ics23.VerifyNonMembership(ics23.IavlSpec, root, proof, key) {
			return errors.New("absence proof does not verify against the root")
		}
		return nil
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, root, proof, key, value) {
		return errors.New("membership proof does not verify against the root")
	}
	return nil
}

// recordKV is the working tree that also records its writes for Latest.
type recordKV struct {
	treeKV
	rec  *Cache
	keys *keyFilter
}

// Get answers a key the filter has never seen without walking the tree:
// the working tree holds only keys the filter has seen (keyFilter).
func (kv recordKV) Get(key []byte) []byte {
	if kv.keys.absent(key) {
		return nil
	}
	return kv.treeKV.Get(key)
}

func (kv recordKV) Set(key, value []byte) {
	kv.keys.add(key)
	kv.treeKV.Set(key, value)
	kv.rec.Set(key, value)
}

func (kv recordKV) Delete(key []byte) {
	kv.treeKV.Delete(key)
	kv.rec.Delete(key)
}

type treeKV struct{ t *iavl.MutableTree }

func (kv treeKV) Get(key []byte) []byte {
	v, err := kv.t.Get(key)
	if err != nil {
		panic(fmt.Errorf("state: read %q: %w", key, err))
	}
	return v
}

func (kv treeKV) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	if _, err := kv.t.Set(key, value); err != nil {
		panic(fmt.Errorf("state: write %q: %w", key, err))
	}
}

func (kv treeKV) Delete(key []byte) {
	if _, _, err := kv.t.Remove(key); err != nil {
		panic(fmt.Errorf("state: delete %q: %w", key, err))
	}
}

func (kv treeKV) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	iterate(kv.t.Iterator, start, end, fn)
}

func iterate[I interface {
	Valid() bool
	Next()
	Key() []byte
	Value() []byte
	Close() error
	Error() error
}](open func(start, end []byte, ascending bool) (I, error), start, end []byte, fn func(k, v []byte) bool) {
	it, err := open(start, end, true)
	if err != nil {
		panic(fmt.Errorf("state: iterate: %w", err))
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	if err := it.Error(); err != nil {
		panic(fmt.Errorf("state: iterate: %w", err))
	}
}

// PrefixEnd returns the smallest key greater than every key with prefix p,
// or nil when there is none.
func PrefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
