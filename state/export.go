// Export and import of a whole version, for state-sync snapshots (package
// snapshot stores, serves and restores them).

package state

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/cosmos/iavl"
)

// ExportNode is one node of a version's tree, in the order Export gives
// them (post-order): a leaf (Height 0) carries a key and its value, an
// inner node the key that splits its children.
type ExportNode = iavl.ExportNode

// holds are the versions being exported, which pruning keeps.
type holds struct {
	mu sync.Mutex
	n  map[int64]int
}

// lowest is the lowest version held, 0 when none.
func (h *holds) lowest() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.n) == 0 {
		return 0
	}
	return slices.Sorted(maps.Keys(h.n))[0]
}

// Export calls fn with every node of version's tree, in post-order, until
// fn returns an error. Pruning keeps the version until Export returns.
// Returns ErrNoVersion for a version the store does not hold. Safe beside
// the consensus connection: it reads through the store's read tree.
func (s *Store) Export(version int64, fn func(*ExportNode) error) error {
	s.held.mu.Lock()
	if s.held.n == nil {
		s.held.n = map[int64]int{}
	}
	s.held.n[version]++
	s.held.mu.Unlock()
	defer func() {
		s.held.mu.Lock()
		if s.held.n[version]--; s.held.n[version] == 0 {
			delete(s.held.n, version)
		}
		s.held.mu.Unlock()
	}()
	// NOTE: checked after the hold, so that pruning cannot delete the
	// version between the check and the export.
	if version < s.Oldest() || !s.tree.VersionExists(version) || s.deleted(version) {
		return fmt.Errorf("%w: %d", ErrNoVersion, version)
	}
	t, err := s.reads.GetImmutable(version)
	if err != nil {
		return fmt.Errorf("open version %d: %w", version, err)
	}
	exp, err := t.Export()
	if err != nil {
		return fmt.Errorf("export version %d: %w", version, err)
	}
	defer exp.Close()
	for {
		n, err := exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("export version %d: %w", version, err)
		}
		if err := fn(n); err != nil {
			return err
		}
	}
}

// ErrNotEmpty is an import into a store that holds a version already.
var ErrNotEmpty = errors.New("the state store is not empty: a snapshot restores only a new node's empty store")

// Import restores an empty store to one version from its nodes (as
// Export gives them). Add every node, then Commit. The store MUST NOT be
// used for anything else meanwhile, and MUST NOT have committed.
type Import struct {
	s       *Store
	version int64
	imp     *iavl.Importer
}

// NewImport begins the import of version into an empty store.
func (s *Store) NewImport(version int64) (*Import, error) {
	if s.tree.Version() != 0 {
		return nil, fmt.Errorf("%w (it is at version %d)", ErrNotEmpty, s.tree.Version())
	}
	if err := s.Vouched(); err != nil {
		return nil, err
	}
	imp, err := s.tree.Import(version)
	if err != nil {
		return nil, fmt.Errorf("import version %d: %w", version, err)
	}
	return &Import{s: s, version: version, imp: imp}, nil
}

// Add adds the next node.
func (im *Import) Add(n *ExportNode) error {
	if n.Height == 0 {
		im.s.keys.add(n.Key)
	}
	return im.imp.Add(n)
}

// Close abandons an import that was not committed.
func (im *Import) Close() { im.imp.Close() }

// Commit writes the imported version and checks that its root hash is
// want, the app hash the chain committed to at that version (from a
// header the node verified). On a mismatch it deletes what it wrote,
// leaving the store empty again, and returns an error.
func (im *Import) Commit(want []byte) error {
	s := im.s
	if err := im.imp.Commit(); err != nil {
		return fmt.Errorf("import version %d: %w", im.version, err)
	}
	if got := s.tree.Hash(); !bytes.Equal(got, want) {
		err := fmt.Errorf("the imported state of version %d has root hash %X, but the chain committed to %X", im.version, got, want)
		if e := s.wipe(); e != nil {
			return fmt.Errorf("%w; and it could not be removed (%v): delete data/app before starting again", err, e)
		}
		return err
	}
	if _, err := s.reads.LoadVersion(im.version); err != nil {
		return fmt.Errorf("load imported version %d: %w", im.version, err)
	}
	s.mu.Lock()
	s.roots[im.version] = want
	s.layers = MaxLayers // Latest reads the imported version itself, not writes over the empty one
	s.mu.Unlock()
	return s.refreshLatest()
}

// wipe deletes everything from the database of a store that committed
// nothing but an import, and starts its trees again from empty.
func (s *Store) wipe() error {
	it, err := s.db.Iterator(nil, nil)
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	for ; it.Valid(); it.Next() {
		if err := b.Delete(bytes.Clone(it.Key())); err != nil {
			it.Close()
			return err
		}
	}
	it.Close()
	if err := b.WriteSync(); err != nil {
		return err
	}
	b.Close()
	s.tree.Close()
	s.tree = newWorkingTree(s.db)
	s.reads = iavl.NewMutableTree(s.db, DefaultCacheSize, true, iavl.NewNopLogger())
	if _, err := s.tree.Load(); err != nil {
		return err
	}
	_, err = s.reads.Load()
	return err
}
