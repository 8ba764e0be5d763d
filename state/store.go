package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
	lerrors "github.com/syndtr/goleveldb/leveldb/errors"
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
	// vouched is closed when the rehash of the opened version is done;
	// trusted is set if it matched (see Open).
	vouched chan struct{}
	trusted atomic.Bool
	// opened is the rehash at open, its error in openedErr; set before
	// vouched is closed.
	opened    Rehash
	openedErr error
	damage    atomic.Pointer[CorruptError]
	// history gives the root hash the chain committed for a version this
	// process did not commit (TrustHistory).
	history atomic.Pointer[func(version int64) []byte]

	mu     sync.RWMutex
	latest *iavl.ImmutableTree
	// roots are the root hashes of the versions opened or committed by
	// this process (the last maxRoots).
	roots map[int64][]byte
	// view is the last committed state for Latest: the writes of the last
	// layers blocks over an older snapshot.
	view   Reader
	layers int

	// pruning is set before the first commit (SetPruning); prunedTo is
	// the highest version pruning deleted in this process.
	pruning  Pruning
	prunedTo atomic.Int64
	// held are the versions being exported (Export), which pruning keeps.
	held holds
	// compactedTo is the last deleted version whose key range was
	// compacted (consensus connection only); compacting is set while a
	// compaction runs.
	compactedTo int64
	compacting  atomic.Bool
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
// It starts a rehash of the version it opened in the background (Rehash):
// every node read and hashed again. Until it is done, every read of Latest
// is checked against the root hash (a Merkle path per value) and Working
// waits; when it matched, the tree is vouched for and its keys fill the
// key filter; when it did not, the store is damaged (Damage) and Working
// panics with the damage.
//
//medledger:nondeterministic-ok opens the database at node start, before any transition; its goroutine rehashes the tree and fills the key filter, a read cache that never changes an answer
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	db, err := iavldb.NewGoLevelDBWithOpts("application", dir, dbOptions())
	if err != nil {
		return nil, fmt.Errorf("open state database in %s: %w", filepath.Join(dir, "application.db"), err)
	}
	tree := newWorkingTree(db)
	if _, err := tree.Load(); err != nil {
		tree.Close()
		db.Close()
		if lerrors.IsCorrupted(err) {
			return nil, &CorruptError{Err: fmt.Errorf("load state tree: %w", err)}
		}
		return nil, fmt.Errorf("load state tree: %w", err)
	}
	reads := iavl.NewMutableTree(db, DefaultCacheSize, true, iavl.NewNopLogger())
	s := &Store{db: db, tree: tree, reads: reads, block: NewCache(&Snapshot{}), keys: newKeyFilter(), vouched: make(chan struct{}), roots: map[int64][]byte{}}
	if v := tree.Version(); v > 0 {
		s.roots[v] = tree.Hash()
	}
	if err := s.refreshLatest(); err != nil {
		db.Close()
		return nil, err
	}
	s.scanning.Add(1)
	go s.vouch(tree.Version())
	return s, nil
}

// maxRoots is how many versions' root hashes the store keeps in memory;
// older versions are checked against TrustHistory.
const maxRoots = 10_000

func (s *Store) refreshLatest() error {
	v := s.tree.Version()
	var snap *iavl.ImmutableTree
	if v > 0 {
		var err error
		if snap, err = s.reads.GetImmutable(v); err != nil {
			return fmt.Errorf("open version %d: %w", v, err)
		}
	}
	var base *Snapshot
	if snap != nil {
		root := snap.Hash()
		s.mu.RLock()
		want := s.roots[v]
		s.mu.RUnlock()
		if want != nil && !bytes.Equal(root, want) {
			return s.corrupt(v, nil, fmt.Errorf("version %d reads back with root hash %X, not the %X it was committed with", v, root, want))
		}
		base = &Snapshot{t: snap, s: s}
		if !s.trusted.Load() {
			// NOTE: until the rehash has vouched for the tree, Latest
			// checks each value it reads against the root.
			base.root = root
		}
	}
	s.mu.Lock()
	s.latest = snap
	if s.view == nil || s.layers >= MaxLayers {
		if base == nil {
			base = &Snapshot{}
		}
		s.view, s.layers = filtered{base, s.keys}, 0
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

// vouch rehashes the opened version (every node read and hashed again),
// fills the key filter with its keys, and vouches for the tree when it
// matched; else it records the damage. NOTE: it runs beside the node: a
// large state takes a while, during which Latest checks every value it
// reads against the root and Working waits.
func (s *Store) vouch(version int64) {
	defer s.scanning.Done()
	defer close(s.vouched)
	r, err := s.rehash(version, s.keys.add)
	s.opened, s.openedErr = r, err
	if errors.Is(err, errStopped) {
		return
	}
	if err == nil && !r.OK() {
		err = errors.New(strings.Join(r.Damage, "; "))
		if len(r.Damage) == 0 {
			err = fmt.Errorf("the tree rehashes to root %X, not the %X it stored", r.Root, r.Stored)
		}
	}
	if err != nil {
		s.corrupt(version, nil, fmt.Errorf("rehash at start: %w", err))
		return // the filter stays off, and every read is checked
	}
	s.keys.ready.Store(true)
	s.trusted.Store(true)
}

// Vouched waits until the rehash of the version the store opened is done
// and returns the damage it found, if any.
func (s *Store) Vouched() error {
	<-s.vouched
	if !s.trusted.Load() {
		if err := s.Damage(); err != nil {
			return err
		}
		return s.corrupt(0, nil, errors.New("the store was closed before its rehash was done"))
	}
	return nil
}

// RehashAtOpen waits for the rehash of the version the store opened
// (Open) and returns what it found, as Rehash does.
func (s *Store) RehashAtOpen() (Rehash, error) {
	<-s.vouched
	return s.opened, s.openedErr
}

// CheckRoot compares the root hash of the version the store holds with
// the app hash the chain committed for it (in the header of the next
// block, or CometBFT's state for the last block), and refuses a store whose
// root is another: its state is not the chain's.
func (s *Store) CheckRoot(appHash []byte) error {
	v := s.Version()
	if v == 0 {
		return nil
	}
	if got := s.tree.Hash(); !bytes.Equal(got, appHash) {
		return s.corrupt(v, nil, fmt.Errorf("the root hash of version %d is %X, but the chain committed to %X", v, got, appHash))
	}
	return nil
}

// TrustHistory tells the store where to find the root hash the chain
// committed for versions it did not commit itself (the app hash in the
// header of block version+1). Without it, an older version is checked
// against the root hash it stored.
func (s *Store) TrustHistory(fn func(version int64) []byte) { s.history.Store(&fn) }

// rootOf is the root hash that reads of version must lead to: the one
// this process opened or committed, else the chain's (TrustHistory); the
// tree's stored root must be it.
func (s *Store) rootOf(t *iavl.ImmutableTree) ([]byte, error) {
	v, stored := t.Version(), t.Hash()
	s.mu.RLock()
	want := s.roots[v]
	s.mu.RUnlock()
	if want == nil {
		if fn := s.history.Load(); fn != nil {
			want = (*fn)(v)
		}
	}
	if want == nil {
		return stored, nil
	}
	if !bytes.Equal(stored, want) {
		return nil, s.corrupt(v, nil, fmt.Errorf("the stored root hash of version %d is %X, but the chain committed to %X", v, stored, want))
	}
	return want, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.closing.Store(true)
	s.scanning.Wait()
	s.tree.Close() // stops its pruning
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

// Working returns the mutable working tree as a KV. It waits until the
// rehash of the opened version vouched for the tree (Open), and panics
// with the damage if it did not: a node MUST NOT execute blocks on state
// it cannot vouch for.
func (s *Store) Working() KV {
	if err := s.Vouched(); err != nil {
		panic(err)
	}
	return recordKV{treeKV{s.tree, s}, s.block, s.keys}
}

// Commit saves the working tree as the next version.
func (s *Store) Commit() (hash []byte, version int64, err error) {
	hash, version, err = s.tree.SaveVersion()
	if err != nil {
		return nil, 0, s.corrupt(version, nil, fmt.Errorf("save version: %w", err))
	}
	s.mu.Lock()
	s.roots[version] = hash
	delete(s.roots, version-maxRoots)
	s.mu.Unlock()
	if err := s.refreshLatest(); err != nil {
		return nil, 0, err
	}
	s.prune(version)
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
// the latest. Returns ErrNoVersion if that version is not stored (or is
// older than pruning keeps, Oldest), and a
// *CorruptError if its stored root is not the one the chain committed to.
// Every value read from it is checked against that root.
func (s *Store) Snapshot(version int64) (*Snapshot, error) {
	var t *iavl.ImmutableTree
	if version == 0 {
		s.mu.RLock()
		t = s.latest
		s.mu.RUnlock()
		if t == nil {
			return &Snapshot{}, nil
		}
	} else {
		if version < s.Oldest() || !s.tree.VersionExists(version) {
			return nil, fmt.Errorf("%w: %d", ErrNoVersion, version)
		}
		var err error
		if t, err = s.reads.GetImmutable(version); err != nil {
			return nil, s.corrupt(version, nil, fmt.Errorf("open version %d: %w", version, err))
		}
	}
	root, err := s.rootOf(t)
	if err != nil {
		return nil, err
	}
	return &Snapshot{t: t, s: s, root: root}, nil
}

// Snapshot is an immutable committed version. The zero Snapshot is the empty
// state before the first commit.
type Snapshot struct {
	t *iavl.ImmutableTree
	s *Store // where damage is recorded
	// root, when set, is the root hash every value read MUST lead to.
	root []byte
}

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

// Get returns the value of key, or nil. It panics with a *CorruptError
// when the value cannot be read or does not verify against the root.
func (s *Snapshot) Get(key []byte) []byte {
	if s.t == nil {
		return nil
	}
	var v []byte
	err := guard(func() (err error) {
		if s.root != nil {
			v, err = verifiedGet(s.t, s.root, key)
		} else {
			v, err = s.t.Get(key)
		}
		return err
	})
	if err != nil {
		panic(s.s.corrupt(s.t.Version(), key, err))
	}
	return v
}

// guard runs fn, turning a panic of IAVL's (which dereferences nodes it
// failed to read) into an error. A *CorruptError panic passes through.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if ce := AsCorrupt(r); ce != nil {
				panic(ce)
			}
			err = fmt.Errorf("the tree could not be read: %v", r)
		}
	}()
	return fn()
}

// Iterate calls fn for each key in [start, end) in order; each value is
// checked against the root (see Get).
func (s *Snapshot) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	if s.t == nil {
		return
	}
	if s.root == nil {
		iterate(s.t.Iterator, start, end, fn, s.fail)
		return
	}
	iterate(s.t.Iterator, start, end, func(k, v []byte) bool {
		err := guard(func() error {
			p, err := s.t.GetMembershipProof(k)
			if err == nil {
				err = verifyExist(p.GetExist(), s.root)
			}
			if err == nil && (!bytes.Equal(p.GetExist().Key, k) || !bytes.Equal(p.GetExist().Value, v)) {
				err = errNotCommitted
			}
			return err
		})
		if err != nil {
			s.fail(k, err)
		}
		return fn(k, v)
	}, s.fail)
}

func (s *Snapshot) fail(key []byte, err error) { panic(s.s.corrupt(s.t.Version(), key, err)) }

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
// NOTE: unlike ics23.VerifyMembership, it accepts an empty value (the
// store keeps some), as leaf or as neighbour of an absent key.
func VerifyProof(root []byte, proof *ics23.CommitmentProof, key, value []byte) error {
	if proof == nil {
		return errors.New("no proof")
	}
	if value == nil {
		if err := verifyAbsent(proof.GetNonexist(), root, key); err != nil {
			return errors.New("absence proof does not verify against the root")
		}
		return nil
	}
	ex := proof.GetExist()
	if ex == nil || !bytes.Equal(ex.Key, key) || !bytes.Equal(ex.Value, value) || verifyExist(ex, root) != nil {
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

type treeKV struct {
	t *iavl.MutableTree
	s *Store
}

func (kv treeKV) fail(key []byte, err error) {
	panic(kv.s.corrupt(kv.t.Version(), key, err))
}

func (kv treeKV) Get(key []byte) []byte {
	var v []byte
	err := guard(func() (err error) { v, err = kv.t.Get(key); return err })
	if err != nil {
		kv.fail(key, err)
	}
	return v
}

func (kv treeKV) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	if _, err := kv.t.Set(key, value); err != nil {
		kv.fail(key, fmt.Errorf("write: %w", err))
	}
}

func (kv treeKV) Delete(key []byte) {
	if _, _, err := kv.t.Remove(key); err != nil {
		kv.fail(key, fmt.Errorf("delete: %w", err))
	}
}

func (kv treeKV) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	iterate(kv.t.Iterator, start, end, fn, kv.fail)
}

// iterate runs fn over [start, end) of a tree's iterator; a read error is
// passed to fail, which panics.
func iterate[I interface {
	Valid() bool
	Next()
	Key() []byte
	Value() []byte
	Close() error
	Error() error
}](open func(start, end []byte, ascending bool) (I, error), start, end []byte, fn func(k, v []byte) bool, fail func(key []byte, err error)) {
	var it I
	err := guard(func() (err error) { it, err = open(start, end, true); return err })
	if err != nil {
		fail(start, fmt.Errorf("iterate: %w", err))
	}
	defer it.Close()
	for {
		var ok bool
		var k, v []byte
		if err := guard(func() error {
			if ok = it.Valid(); ok {
				k, v = it.Key(), it.Value()
			}
			return nil
		}); err != nil {
			fail(start, fmt.Errorf("iterate: %w", err))
		}
		if !ok || !fn(k, v) {
			break
		}
		if err := guard(func() error { it.Next(); return nil }); err != nil {
			fail(k, fmt.Errorf("iterate: %w", err))
		}
	}
	if err := it.Error(); err != nil {
		fail(start, fmt.Errorf("iterate: %w", err))
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
