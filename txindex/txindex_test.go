package txindex

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/medledger/medledger/internal/damage"
)

type blocks map[int64]*types.Block

func (b blocks) Base() int64 { return 1 }
func (b blocks) Height() int64 {
	return int64(len(b))
}
func (b blocks) LoadBlock(h int64) *types.Block { return b[h] }
func (b blocks) LoadBlockMeta(h int64) *types.BlockMeta {
	if b[h] == nil {
		return nil
	}
	return &types.BlockMeta{NumTxs: len(b[h].Txs)}
}

func chain(n int) blocks {
	bs := blocks{}
	for h := int64(1); h <= int64(n); h++ {
		bs[h] = &types.Block{Data: types.Data{Txs: types.Txs{types.Tx{byte(h), 1}, types.Tx{byte(h), 2}}}}
	}
	return bs
}

func lookup(t *testing.T, x *Index, hash []byte) (int64, int, bool) {
	t.Helper()
	h, i, ok, err := x.Lookup(hash)
	if err != nil {
		t.Fatal(err)
	}
	return h, i, ok
}

func TestAddLookupCatchUpReopen(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	bs := chain(5)
	// Blocks 1-2 were indexed before a crash; 3-5 were not.
	for h := int64(1); h <= 2; h++ {
		if err := x.Add(h, [][]byte{bs[h].Txs[0].Hash(), bs[h].Txs[1].Hash()}); err != nil {
			t.Fatal(err)
		}
	}
	x.Close()
	if x, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.Last(); got != 2 {
		t.Fatalf("Last after reopen = %d, want 2", got)
	}
	if _, _, ok := lookup(t, x, bs[4].Txs[1].Hash()); ok {
		t.Fatal("found a transaction of a block not indexed yet")
	}
	if err := x.Verify(bs, true); err != nil {
		t.Fatalf("Verify of the indexed part: %v", err)
	}
	if err := x.CatchUp(bs, x.Last()+1); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 5; h++ {
		for i, tx := range bs[h].Txs {
			gh, gi, ok := lookup(t, x, tx.Hash())
			if !ok || gh != h || gi != i {
				t.Fatalf("Lookup(block %d tx %d) = %d, %d, %v", h, i, gh, gi, ok)
			}
		}
	}
	if x.Last() != 5 {
		t.Fatalf("Last = %d, want 5", x.Last())
	}
	if err := x.Verify(bs, true); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyFindsLostEntries: entries lost from the index (whole blocks'
// batches, as a damaged journal loses them, or single entries) are found
// by the quick check every start runs, and a Reset and CatchUp bring
// every transaction back.
func TestVerifyFindsLostEntries(t *testing.T) {
	data := t.TempDir()
	x, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	bs := chain(40)
	if err := x.CatchUp(bs, 1); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if _, err := damage.DropIndexEntries(data); err != nil {
		t.Fatal(err)
	}
	if x, err = Open(data); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Verify(bs, false); !errors.Is(err, ErrDamaged) {
		t.Fatalf("quick Verify of an index missing half its entries: %v", err)
	}
	if err := x.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := x.CatchUp(bs, 1); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(bs, true); err != nil {
		t.Fatalf("after a rebuild: %v", err)
	}

	// A transaction included twice (the second time refused) is counted
	// once, and the index still agrees.
	bs[41] = &types.Block{Data: types.Data{Txs: types.Txs{bs[3].Txs[0]}}}
	if err := x.CatchUp(bs, 41); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(bs, true); err != nil {
		t.Fatalf("with a transaction included twice: %v", err)
	}

	// A block's whole batch lost: the quick check finds it.
	if _, _, _, err := x.Lookup(bs[1].Txs[0].Hash()); err != nil {
		t.Fatal(err)
	}
	if err := x.db.Delete(blockKey(17)); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(bs, false); !errors.Is(err, ErrDamaged) {
		t.Fatalf("quick Verify with block 17 missing: %v", err)
	}
	// A block whose count disagrees.
	if err := x.Add(17, [][]byte{bs[17].Txs[0].Hash()}); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(bs, false); !errors.Is(err, ErrDamaged) {
		t.Fatalf("quick Verify with a short block 17: %v", err)
	}
}

// TestLookupReadError: a lookup in an index whose tables are damaged is an
// error, never "not found".
func TestLookupReadError(t *testing.T) {
	data := t.TempDir()
	x, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	bs := chain(400)
	if err := x.CatchUp(bs, 1); err != nil {
		t.Fatal(err)
	}
	x.Close()
	// Reopen once, so that the journal is written into tables.
	if x, err = Open(data); err != nil {
		t.Fatal(err)
	}
	x.Close()
	tables, err := damage.Files(filepath.Join(data, "txindex.db"), ".ldb")
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if err := damage.FlipBytes(tb, 0, int(damage.Size(t, tb))); err != nil {
			t.Fatal(err)
		}
	}
	x, err = Open(data)
	if err != nil {
		if !errors.Is(err, ErrDamaged) {
			t.Fatalf("Open: %v, want ErrDamaged", err)
		}
		return
	}
	defer x.Close()
	_, _, ok, err := x.Lookup(bs[200].Txs[0].Hash())
	if ok || !errors.Is(err, ErrDamaged) {
		t.Fatalf("Lookup in a damaged index: ok %v, err %v; want ErrDamaged", ok, err)
	}
	if err := x.Verify(bs, false); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Verify of a damaged index: %v", err)
	}
}

// based is a block store whose blocks below base were pruned.
type based struct {
	blocks
	base int64
}

func (b based) Base() int64 { return b.base }

// upTo is the store as it was at height h.
func (b based) upTo(h int64) blocks {
	out := blocks{}
	for i := int64(1); i <= h; i++ {
		out[i] = b.blocks[i]
	}
	return out
}
func (b based) LoadBlock(h int64) *types.Block {
	if h < b.base {
		return nil
	}
	return b.blocks.LoadBlock(h)
}
func (b based) LoadBlockMeta(h int64) *types.BlockMeta {
	if h < b.base {
		return nil
	}
	return b.blocks.LoadBlockMeta(h)
}

// TestPrune: the entries of blocks below a height go (block retention
// deleted those blocks), the rest stay findable, a transaction a later
// block included again keeps its later entry, and Verify still adds up.
func TestPrune(t *testing.T) {
	x, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	x.KeepPositions(true)
	bs := chain(10)
	dup := bs[2].Txs[0]
	bs[7].Txs = append(bs[7].Txs, dup) // included again (and refused) in block 7
	if err := x.CatchUp(bs, 1); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(bs, true); err != nil {
		t.Fatal(err)
	}
	if n, err := x.Prune(context.Background(), 5); err != nil || n != 4 {
		t.Fatalf("Prune(5) = %d, %v; want 4 blocks", n, err)
	}
	if n, err := x.Prune(context.Background(), 5); err != nil || n != 0 {
		t.Fatalf("Prune(5) again = %d, %v; want 0", n, err)
	}
	if b := x.Base(); b != 5 {
		t.Errorf("Base = %d, want 5", b)
	}
	for h := int64(1); h <= 10; h++ {
		for i, tx := range bs[h].Txs {
			gh, gi, ok := lookup(t, x, tx.Hash())
			switch {
			case string(tx) == string(dup):
				if !ok || gh != 7 || gi != 2 {
					t.Errorf("the transaction block 7 included again: %d, %d, %v; want 7, 2", gh, gi, ok)
				}
			case h < 5 && ok:
				t.Errorf("block %d tx %d still indexed after pruning", h, i)
			case h >= 5 && (!ok || gh != h || gi != i):
				t.Errorf("block %d tx %d: %d, %d, %v", h, i, gh, gi, ok)
			}
		}
	}
	if err := x.Verify(based{bs, 5}, true); err != nil {
		t.Fatalf("Verify after pruning: %v", err)
	}
	// Block 7, where the count of the transaction new in block 2 moved, goes too.
	if n, err := x.Prune(context.Background(), 9); err != nil || n != 4 {
		t.Fatalf("Prune(9) = %d, %v; want 4 blocks", n, err)
	}
	if _, _, ok := lookup(t, x, dup.Hash()); ok {
		t.Error("the re-included transaction is still indexed after its block was pruned")
	}
	if err := x.Verify(based{bs, 9}, true); err != nil {
		t.Fatalf("Verify after pruning past the re-inclusion: %v", err)
	}
	// A lost hash entry is still found.
	if err := x.db.Delete(hashKey(bs[10].Txs[1].Hash())); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(based{bs, 9}, false); !errors.Is(err, ErrDamaged) {
		t.Errorf("Verify with a lost entry after pruning: %v, want ErrDamaged", err)
	}
}

// TestPruneLegacyAndEmpty: empty blocks are pruned too (Base moves past
// them), and blocks indexed before positions were kept lose their block
// entry but keep their hash entries, which Verify still counts.
func TestPruneLegacyAndEmpty(t *testing.T) {
	x, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	bs := chain(6)
	bs[3].Txs, bs[4].Txs = nil, nil
	// Blocks 1 and 2 indexed before block retention was on.
	if err := x.CatchUp(based{bs, 1}.upTo(2), 1); err != nil {
		t.Fatal(err)
	}
	x.KeepPositions(true)
	if err := x.CatchUp(bs, 3); err != nil {
		t.Fatal(err)
	}
	if n, err := x.Prune(context.Background(), 5); err != nil || n != 4 {
		t.Fatalf("Prune(5) = %d, %v; want 4 blocks", n, err)
	}
	if b := x.Base(); b != 5 {
		t.Errorf("Base = %d, want 5", b)
	}
	if _, _, ok := lookup(t, x, bs[1].Txs[0].Hash()); !ok {
		t.Error("a legacy entry was lost: the index had no positions to prune it by")
	}
	if err := x.Verify(based{bs, 5}, true); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
