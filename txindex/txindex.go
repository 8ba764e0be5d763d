// Package txindex owns the node's own index from transaction hash to block
// height and position. It is written synchronously before a block's commit
// is announced, so a transaction reported committed can always be looked
// up, and it is checked against CometBFT's block store at start and
// rebuilt from it when the two disagree, so that neither a crash nor a
// damaged database loses an entry (CometBFT's own indexer writes after the
// commit and does not repair itself).
//
// It is a per-node convenience, not consensus state: it is derived wholly
// from the blocks, and deleting it only costs a rebuild.
package txindex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/types"
)

// Index maps transaction hashes to (height, index).
//
// Keys: "h/" + hash -> height (8 bytes) || index (4 bytes); "b/" + height
// (8 bytes) -> the block's transaction count and how many of its hashes
// were new to the index (4 bytes each: a transaction included twice, the
// second time refused, has one entry), written in the same batch as the
// block's hashes, so that a block whose batch was lost shows as a missing
// "b/" entry and a lost hash entry as a count that does not add up; "t/" +
// height (8 bytes) + position (4 bytes) -> the hash and 1 if the hash was
// new to the index there, so that Prune finds a block's entries without the
// block (with KeepPositions); "last" -> the highest height.
type Index struct {
	mu        sync.Mutex
	dir       string
	db        dbm.DB
	positions bool
}

// KeepPositions makes Add also write each block's "t/" entries, which
// Prune needs and which cost about as much again as the hash entries: a
// node that deletes blocks (storage.retain_blocks) sets it before it
// indexes anything. Blocks indexed without them keep their hash entries
// when pruned.
func (x *Index) KeepPositions(on bool) { x.positions = on }

var lastKey = []byte("last")

// ErrDamaged is an index that cannot be read or that disagrees with the
// blocks; Verify's errors wrap it.
var ErrDamaged = errors.New("the transaction index is damaged")

// Open opens (or creates) the index in dir.
func Open(dir string) (*Index, error) {
	db, err := dbm.NewGoLevelDB("txindex", dir)
	if err != nil {
		return nil, fmt.Errorf("open transaction index in %s: %w: %w", dir, ErrDamaged, err)
	}
	return &Index{db: db, dir: dir}, nil
}

// Close closes the index.
func (x *Index) Close() error { return x.db.Close() }

func hashKey(h []byte) []byte { return append([]byte("h/"), h...) }

func posKey(height int64, i int) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64([]byte("t/"), uint64(height)), uint32(i))
}

func blockKey(height int64) []byte {
	return binary.BigEndian.AppendUint64([]byte("b/"), uint64(height))
}

// Last is the highest height indexed (0 if none).
func (x *Index) Last() int64 {
	b, err := x.db.Get(lastKey)
	if err != nil || len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Add records a block's transaction hashes, in block order, durably.
func (x *Index) Add(height int64, hashes [][]byte) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.db.NewBatch()
	defer b.Close()
	fresh := 0
	seen := make(map[string]bool, len(hashes))
	for i, h := range hashes {
		isNew := byte(0)
		if !seen[string(h)] {
			seen[string(h)] = true
			had, err := x.db.Has(hashKey(h))
			if err != nil {
				return err
			}
			if !had {
				fresh++
				isNew = 1
			}
		}
		if x.positions {
			if err := b.Set(posKey(height, i), append(append([]byte(nil), h...), isNew)); err != nil {
				return err
			}
		}
		v := binary.BigEndian.AppendUint64(nil, uint64(height))
		v = binary.BigEndian.AppendUint32(v, uint32(i))
		if err := b.Set(hashKey(h), v); err != nil {
			return err
		}
	}
	if err := b.Set(blockKey(height), binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(len(hashes))), uint32(fresh))); err != nil {
		return err
	}
	if height > x.Last() {
		if err := b.Set(lastKey, binary.BigEndian.AppendUint64(nil, uint64(height))); err != nil {
			return err
		}
	}
	return b.WriteSync()
}

// Prune deletes the entries of the blocks below height below (those
// CometBFT no longer keeps, with block retention on), one block per write
// so that Add waits at most for one block's deletion, and returns how many
// blocks it pruned. A pruned transaction is then not found; Base says from
// which height the index answers. Blocks indexed without positions
// (KeepPositions off) keep their hash entries (counted under "legacy", so
// that Verify still adds up). It stops early, without error, when ctx ends.
func (x *Index) Prune(ctx context.Context, below int64) (int, error) {
	n := 0
	for ctx.Err() == nil {
		h := x.Base()
		if h == 0 || h >= below {
			return n, nil
		}
		if err := x.pruneBlock(h); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

var legacyKey = []byte("legacy")

// legacy is how many hash entries the index holds of pruned blocks whose
// positions it never kept.
func (x *Index) legacy() (int64, error) {
	v, err := x.db.Get(legacyKey)
	if err != nil || v == nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: the legacy count is %d bytes, not 8", ErrDamaged, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// pruneBlock deletes block height's entries. A hash that a later block
// included again keeps its entry there; if it was new at height, the
// later block's entry takes over that count (its "b/" fresh count and its
// "t/" flag), so that Verify's count of hash entries still adds up.
func (x *Index) pruneBlock(height int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	it, err := x.db.Iterator(posKey(height, 0), posKey(height+1, 0))
	if err != nil {
		return err
	}
	type pos struct {
		key, hash []byte
		isNew     bool
	}
	var ps []pos
	for ; it.Valid(); it.Next() {
		v := it.Value()
		if len(v) < 1 {
			it.Close()
			return fmt.Errorf("%w: the position entry %X is empty", ErrDamaged, it.Key())
		}
		ps = append(ps, pos{append([]byte(nil), it.Key()...), append([]byte(nil), v[:len(v)-1]...), v[len(v)-1] == 1})
	}
	err = it.Error()
	it.Close()
	if err != nil {
		return err
	}
	b := x.db.NewBatch()
	defer b.Close()
	moved := map[int64]uint32{}
	for _, p := range ps {
		if err := b.Delete(p.key); err != nil {
			return err
		}
		at, idx, ok, err := x.Lookup(p.hash)
		if err != nil {
			return err
		}
		switch {
		case ok && at == height:
			if err := b.Delete(hashKey(p.hash)); err != nil {
				return err
			}
		case ok && at > height && p.isNew:
			moved[at]++
			if err := b.Set(posKey(at, idx), append(append([]byte(nil), p.hash...), 1)); err != nil {
				return err
			}
		}
	}
	entry, err := x.db.Get(blockKey(height))
	if err != nil || len(entry) != 8 {
		return fmt.Errorf("%w: block %d's entry: %v", ErrDamaged, height, err)
	}
	if fresh := binary.BigEndian.Uint32(entry[4:]); fresh > 0 && len(ps) == 0 { // indexed before positions were kept
		l, err := x.legacy()
		if err != nil {
			return err
		}
		if err := b.Set(legacyKey, binary.BigEndian.AppendUint64(nil, uint64(l)+uint64(fresh))); err != nil {
			return err
		}
	}
	for at, k := range moved {
		v, err := x.db.Get(blockKey(at))
		if err != nil || len(v) != 8 {
			return fmt.Errorf("%w: block %d's entry: %v", ErrDamaged, at, err)
		}
		v = binary.BigEndian.AppendUint32(v[:4:4], binary.BigEndian.Uint32(v[4:])+k)
		if err := b.Set(blockKey(at), v); err != nil {
			return err
		}
	}
	if err := b.Delete(blockKey(height)); err != nil {
		return err
	}
	return b.WriteSync()
}

// Base is the lowest height the index holds a block's entries for (0 if
// none): a transaction of a block below it may have been pruned.
func (x *Index) Base() int64 {
	it, err := x.db.Iterator(blockKey(0), []byte("b0"))
	if err != nil {
		return 0
	}
	defer it.Close()
	if !it.Valid() {
		return 0
	}
	return int64(binary.BigEndian.Uint64(it.Key()[2:]))
}

// Lookup returns where a transaction was included; ok is false if it was
// not (or not yet). An error is a damaged index (ErrDamaged), never an
// absent transaction.
func (x *Index) Lookup(hash []byte) (height int64, index int, ok bool, err error) {
	v, err := x.db.Get(hashKey(hash))
	if err != nil {
		return 0, 0, false, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if v == nil {
		return 0, 0, false, nil
	}
	if len(v) != 12 {
		return 0, 0, false, fmt.Errorf("%w: the entry of %X is %d bytes, not 12", ErrDamaged, hash, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), int(binary.BigEndian.Uint32(v[8:])), true, nil
}

// Blocks is what CatchUp and Verify read: CometBFT's block store.
type Blocks interface {
	Base() int64
	Height() int64
	LoadBlock(height int64) *types.Block
	LoadBlockMeta(height int64) *types.BlockMeta
}

// CatchUp indexes every block of bs from height from on. Pass Last()+1 as
// read before the node started: blocks committed since are indexed by Add
// and raise Last, so reading it later could skip the blocks in between.
func (x *Index) CatchUp(bs Blocks, from int64) error {
	from = max(from, bs.Base(), 1)
	for h := from; h <= bs.Height(); h++ {
		blk, err := loadBlock(bs, h)
		if err != nil {
			return err
		}
		hashes := make([][]byte, len(blk.Txs))
		for i, t := range blk.Txs {
			hashes[i] = t.Hash()
		}
		if err := x.Add(h, hashes); err != nil {
			return err
		}
	}
	return nil
}

// loadBlock loads block h. NOTE: CometBFT's block store panics on a read
// error; that is an error here.
func loadBlock(bs Blocks, h int64) (blk *types.Block, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("block %d cannot be read from the block store: %v", h, r)
		}
	}()
	if blk = bs.LoadBlock(h); blk == nil {
		return nil, fmt.Errorf("block %d is missing from the block store", h)
	}
	return blk, nil
}

func loadMeta(bs Blocks, h int64) (m *types.BlockMeta, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("block %d cannot be read from the block store: %v", h, r)
		}
	}()
	if m = bs.LoadBlockMeta(h); m == nil {
		return nil, fmt.Errorf("block %d is missing from the block store", h)
	}
	return m, nil
}

// Verify checks the index against the blocks from the block store's base
// up to min(Last, the store's height): every block has its entry with the
// block's transaction count (one read of each block's metadata), and the
// hash entries are as many as the blocks' entries say (one pass over
// them). With full, it also reads every block and looks each of its
// transactions up. It returns an error wrapping ErrDamaged for the first
// disagreement, or for a block the store cannot give.
func (x *Index) Verify(bs Blocks, full bool) error {
	to := min(x.Last(), bs.Height())
	from := max(bs.Base(), 1)
	// NOTE: blocks below the store's base (pruned) are not checked, but
	// their entries are counted.
	var fresh int64
	it, err := x.db.Iterator(blockKey(0), blockKey(to+1))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	defer it.Close()
	next := int64(-1)
	for ; it.Valid(); it.Next() {
		h := int64(binary.BigEndian.Uint64(it.Key()[2:]))
		v := it.Value()
		if len(v) != 8 {
			return fmt.Errorf("%w: the entry of block %d is %d bytes, not 8", ErrDamaged, h, len(v))
		}
		fresh += int64(binary.BigEndian.Uint32(v[4:]))
		if h < from {
			continue
		}
		if next < 0 {
			next = from
		}
		if h != next {
			return fmt.Errorf("%w: block %d is not indexed", ErrDamaged, next)
		}
		next++
		meta, err := loadMeta(bs, h)
		if err != nil {
			return err
		}
		if n := int64(binary.BigEndian.Uint32(v)); n != int64(meta.NumTxs) {
			return fmt.Errorf("%w: block %d has %d transactions, the index counts %d", ErrDamaged, h, meta.NumTxs, n)
		}
		if !full {
			continue
		}
		blk, err := loadBlock(bs, h)
		if err != nil {
			return err
		}
		for i, t := range blk.Txs {
			gotH, gotI, ok, err := x.Lookup(t.Hash())
			if err != nil {
				return err
			}
			if !ok || gotH < h || gotH == h && gotI < i {
				return fmt.Errorf("%w: transaction %X of block %d is not indexed there", ErrDamaged, t.Hash(), h)
			}
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if to >= from && next != to+1 {
		if next < 0 {
			next = from
		}
		return fmt.Errorf("%w: block %d is not indexed", ErrDamaged, next)
	}
	n, err := x.countHashes()
	if err != nil {
		return err
	}
	l, err := x.legacy()
	if err != nil {
		return err
	}
	if fresh += l; n != fresh {
		return fmt.Errorf("%w: it holds %d transaction entries, its blocks account for %d", ErrDamaged, n, fresh)
	}
	return nil
}

// countHashes counts the "h/" entries ("h0" is the first key after them).
func (x *Index) countHashes() (int64, error) {
	it, err := x.db.Iterator([]byte("h/"), []byte("h0"))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	defer it.Close()
	var n int64
	for ; it.Valid(); it.Next() {
		n++
	}
	if err := it.Error(); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	return n, nil
}

// Reset deletes the whole index, so that CatchUp from the block store's
// base rebuilds it.
func (x *Index) Reset() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.db.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(x.dir, "txindex.db")); err != nil {
		return err
	}
	db, err := dbm.NewGoLevelDB("txindex", x.dir)
	if err != nil {
		return fmt.Errorf("recreate transaction index in %s: %w", x.dir, err)
	}
	x.db = db
	return nil
}
