// Package txindex owns the node's own index from transaction hash to block
// height and position. It is written synchronously before a block's commit
// is announced, so a transaction reported committed can always be looked
// up, and it is rebuilt from CometBFT's block store at start, so no crash
// loses an entry (CometBFT's own indexer writes after the commit and does
// not repair itself after a kill).
//
// It is a per-node convenience, not consensus state: it is derived wholly
// from the blocks, and deleting it only costs a rebuild.
package txindex

import (
	"encoding/binary"
	"fmt"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/types"
)

// Index maps transaction hashes to (height, index).
type Index struct {
	mu sync.Mutex
	db dbm.DB
}

var lastKey = []byte("last")

// Open opens (or creates) the index in dir.
func Open(dir string) (*Index, error) {
	db, err := dbm.NewGoLevelDB("txindex", dir)
	if err != nil {
		return nil, fmt.Errorf("open transaction index in %s: %w", dir, err)
	}
	return &Index{db: db}, nil
}

// Close closes the index.
func (x *Index) Close() error { return x.db.Close() }

func hashKey(h []byte) []byte { return append([]byte("h/"), h...) }

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
	for i, h := range hashes {
		v := binary.BigEndian.AppendUint64(nil, uint64(height))
		v = binary.BigEndian.AppendUint32(v, uint32(i))
		if err := b.Set(hashKey(h), v); err != nil {
			return err
		}
	}
	if height > x.Last() {
		if err := b.Set(lastKey, binary.BigEndian.AppendUint64(nil, uint64(height))); err != nil {
			return err
		}
	}
	return b.WriteSync()
}

// Lookup returns where a transaction was included; ok is false if it was
// not (or not yet).
func (x *Index) Lookup(hash []byte) (height int64, index int, ok bool) {
	v, err := x.db.Get(hashKey(hash))
	if err != nil || len(v) != 12 {
		return 0, 0, false
	}
	return int64(binary.BigEndian.Uint64(v)), int(binary.BigEndian.Uint32(v[8:])), true
}

// Blocks is what CatchUp reads: CometBFT's block store.
type Blocks interface {
	Base() int64
	Height() int64
	LoadBlock(height int64) *types.Block
}

// CatchUp indexes every block of bs from height from on. Pass Last()+1 as
// read before the node started: blocks committed since are indexed by Add
// and raise Last, so reading it later could skip the blocks in between.
func (x *Index) CatchUp(bs Blocks, from int64) error {
	from = max(from, bs.Base(), 1)
	for h := from; h <= bs.Height(); h++ {
		blk := bs.LoadBlock(h)
		if blk == nil {
			return fmt.Errorf("block %d missing from the block store", h)
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
