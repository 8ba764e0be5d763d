// Pruning: which committed versions of the state the store keeps.

package state

import (
	"encoding/binary"
	"fmt"
	"log/slog"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// Pruning says which committed versions the store keeps. The zero value
// keeps every version.
//
// NOTE: IAVL v1 stores a node under the version that wrote it and can
// delete only the oldest versions (DeleteVersionsTo): it cannot keep every
// K-th version while deleting those between. A state of a past height is
// kept instead as a state-sync snapshot, outside the tree.
type Pruning struct {
	// KeepRecent is how many of the latest versions the store keeps and
	// serves (Snapshot, proofs); 0 keeps every version. At least
	// MinKeepRecent.
	KeepRecent int64
	// Interval is how often, in versions, older versions are deleted: the
	// store holds between KeepRecent and KeepRecent+Interval versions on
	// disk. 0 means DefaultPruneInterval.
	Interval int64
}

// Defaults of a node's pruning.
//
// DefaultKeepRecent: medledger verify proves at the latest height less one
// and accepts a proof of absence no older than client.DefaultMaxAge (5
// minutes). Blocks come at most every DefaultBlockTime (0.5 s) of pause
// plus consensus, so 5 minutes is at most 600 versions; 1,000 serves every
// proof verify asks for within its freshness window, with room, and any
// read of a past height of the last ten minutes or more.
const (
	DefaultKeepRecent    = 1_000
	DefaultPruneInterval = 1
	// MinKeepRecent keeps the versions the store's own readers use (the
	// snapshot under Latest is at most MaxLayers behind) and those a
	// request may still be reading, well clear of deletion.
	MinKeepRecent = 100
)

// DefaultPruning is a node's pruning unless configured.
var DefaultPruning = Pruning{KeepRecent: DefaultKeepRecent, Interval: DefaultPruneInterval}

// Validate checks p, naming the field at fault.
func (p Pruning) Validate() error {
	if p.KeepRecent != 0 && p.KeepRecent < MinKeepRecent {
		return fmt.Errorf("keep_recent %d: keep at least %d versions (or 0 for every version)", p.KeepRecent, MinKeepRecent)
	}
	if p.Interval < 0 {
		return fmt.Errorf("prune_interval %d is negative", p.Interval)
	}
	return nil
}

// SetPruning sets which versions the store keeps from the next commit on.
// It MUST be called before the store's first Commit.
func (s *Store) SetPruning(p Pruning) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.KeepRecent > 0 && p.Interval == 0 {
		p.Interval = DefaultPruneInterval
	}
	s.pruning = p
	return nil
}

// Oldest is the oldest version the store serves (Snapshot): with pruning,
// the latest less KeepRecent-1; else 1.
func (s *Store) Oldest() int64 {
	v := s.Version()
	if k := s.pruning.KeepRecent; k > 0 && v > k {
		return v - k + 1
	}
	return 1
}

// prune deletes the versions older than the last KeepRecent, once every
// Interval versions. A failure is logged, never fatal: the versions stay,
// and the next prune deletes them.
func (s *Store) prune(version int64) {
	p := s.pruning
	if p.KeepRecent == 0 || version%p.Interval != 0 || version <= p.KeepRecent {
		return
	}
	to := version - p.KeepRecent
	if low := s.held.lowest(); low > 0 {
		to = min(to, low-1) // an export is reading it
	}
	if to <= s.prunedTo.Load() {
		return
	}
	// NOTE: from here a read of a version up to `to` may find its nodes
	// gone; corrupt takes such a failure as the version's deletion, not as
	// damage (see deleted).
	s.prunedTo.Store(to)
	if err := s.tree.DeleteVersionsTo(to); err != nil {
		slog.Warn("state: pruning old versions failed; the next prune tries again", "to", to, "err", err)
		return
	}
	// NOTE: the tree deletes in the background (newWorkingTree); the
	// range compacted lags compactEvery versions behind, which it has
	// deleted by then.
	if done := to - compactEvery; done-s.compactedTo >= compactEvery && s.compact(s.compactedTo+1, done) {
		s.compactedTo = done
	}
}

// newWorkingTree opens the store's working tree over db. NOTE: its
// pruning runs in the background (IAVL's async pruning): deleting a
// version's nodes means walking them, which on the consensus connection
// cost a large part of each block's time (a 10-minute bench at half the
// throughput).
func newWorkingTree(db *iavldb.GoLevelDB) *iavl.MutableTree {
	return iavl.NewMutableTree(db, DefaultCacheSize, true, iavl.NewNopLogger(), iavl.SyncOption(true), iavl.AsyncPruningOption(true))
}

// compactEvery is how many deleted versions wait before the database
// compacts their key range.
//
// NOTE: IAVL v1 keys a tree node by the version that wrote it, so the
// nodes pruning deletes lie in the oldest key range, which new writes
// never touch: the database's own compactions, driven by new writes,
// would reach them only after a long while, and the disk would not
// shrink. Compacting that range frees their space.
const compactEvery = 100

// compact compacts the database's nodes of versions [from, to] in the
// background, unless a compaction is running (it reports whether it
// started one). Close waits for it.
//
//medledger:nondeterministic-ok runs after a commit, outside any transition: its goroutine compacts the database, which changes no value
func (s *Store) compact(from, to int64) bool {
	if !s.compacting.CompareAndSwap(false, true) {
		return false
	}
	s.scanning.Add(1)
	go func() {
		defer s.scanning.Done()
		defer s.compacting.Store(false)
		r := util.Range{Start: binary.BigEndian.AppendUint64([]byte{'s'}, uint64(from)), Limit: binary.BigEndian.AppendUint64([]byte{'s'}, uint64(to+1))}
		if err := s.db.RawDB().CompactRange(r); err != nil && !s.closing.Load() {
			slog.Warn("state: compacting pruned versions failed", "from", from, "to", to, "err", err)
		}
	}()
	return true
}

// deleted reports whether version is one pruning deleted (or is
// deleting): a read of it that fails did not find damage.
func (s *Store) deleted(version int64) bool {
	return version > 0 && version <= s.prunedTo.Load()
}
