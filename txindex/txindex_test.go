package txindex

import (
	"testing"

	"github.com/cometbft/cometbft/types"
)

type blocks map[int64]*types.Block

func (b blocks) Base() int64 { return 1 }
func (b blocks) Height() int64 {
	return int64(len(b))
}
func (b blocks) LoadBlock(h int64) *types.Block { return b[h] }

func TestAddLookupCatchUpReopen(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	bs := blocks{}
	for h := int64(1); h <= 5; h++ {
		bs[h] = &types.Block{Data: types.Data{Txs: types.Txs{types.Tx{byte(h), 1}, types.Tx{byte(h), 2}}}}
	}
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
	if _, _, ok := x.Lookup(bs[4].Txs[1].Hash()); ok {
		t.Fatal("found a transaction of a block not indexed yet")
	}
	if err := x.CatchUp(bs, x.Last()+1); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 5; h++ {
		for i, tx := range bs[h].Txs {
			gh, gi, ok := x.Lookup(tx.Hash())
			if !ok || gh != h || gi != i {
				t.Fatalf("Lookup(block %d tx %d) = %d, %d, %v", h, i, gh, gi, ok)
			}
		}
	}
	if x.Last() != 5 {
		t.Fatalf("Last = %d, want 5", x.Last())
	}
}
