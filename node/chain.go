package node

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
)

// Chain is CometBFT's stores of a home, opened to check them (Gaps,
// CheckBlocks) and to read what the chain committed to (AppHash) before
// CometBFT itself starts, or with the node stopped (medledger check). It
// MUST be closed before the node starts: CometBFT opens the same
// databases.
type Chain struct {
	Blocks *store.BlockStore
	States sm.Store
	// State is CometBFT's state after its last block (zero if it has
	// none).
	State sm.State
	dbs   []dbm.DB
}

// ErrLocked is a home whose databases another process (a running node)
// holds.
var ErrLocked = errors.New("the databases are held by another process (is the node running?)")

// OpenChain opens the block store and state of home h. A home whose node
// never started has neither: it returns a Chain with empty stores.
func OpenChain(h Home) (*Chain, error) {
	c, _, err := LoadConfig(h)
	if err != nil {
		return nil, err
	}
	ch := &Chain{}
	open := func(id string) (dbm.DB, error) {
		db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: id, Config: c})
		if err != nil {
			if strings.Contains(err.Error(), "resource temporarily unavailable") || strings.Contains(err.Error(), "lock") {
				return nil, fmt.Errorf("open %s: %w (%v)", filepath.Join(c.DBDir(), id+".db"), ErrLocked, err)
			}
			return nil, fmt.Errorf("open %s: %w", filepath.Join(c.DBDir(), id+".db"), err)
		}
		ch.dbs = append(ch.dbs, db)
		return db, nil
	}
	bdb, err := open("blockstore")
	if err != nil {
		return nil, err
	}
	sdb, err := open("state")
	if err != nil {
		ch.Close()
		return nil, err
	}
	if err := recovered(func() { ch.Blocks = store.NewBlockStore(bdb) }); err != nil {
		ch.Close()
		return nil, fmt.Errorf("the block store in %s cannot be read: %w", c.DBDir(), err)
	}
	ch.States = sm.NewStore(sdb, sm.StoreOptions{DiscardABCIResponses: c.Storage.DiscardABCIResponses})
	if ch.State, err = ch.States.Load(); err != nil {
		ch.Close()
		return nil, fmt.Errorf("CometBFT's state in %s cannot be read: %w", c.DBDir(), err)
	}
	return ch, nil
}

// Close closes the stores.
func (c *Chain) Close() {
	for _, db := range c.dbs {
		db.Close()
	}
	c.dbs = nil
}

// recovered runs fn and turns a panic (CometBFT's stores panic on a read
// error) into an error.
func recovered(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	fn()
	return nil
}

// Meta is the metadata of block h, nil if the store has none; a read error
// is an error.
func (c *Chain) Meta(h int64) (m *types.BlockMeta, err error) {
	err = recovered(func() { m = c.Blocks.LoadBlockMeta(h) })
	return m, err
}

// AppHash is the app hash the chain committed to for state version v (the
// application's state after block v): CometBFT's state for its last
// block, else the header of block v+1. ok is false when the chain has no
// record of it.
func (c *Chain) AppHash(v int64) (hash []byte, ok bool, err error) {
	if v == c.State.LastBlockHeight && v > 0 {
		return c.State.AppHash, true, nil
	}
	m, err := c.Meta(v + 1)
	if err != nil || m == nil {
		return nil, false, err
	}
	return m.Header.AppHash, true, nil
}

// Gap is a range of heights the block store lacks.
type Gap struct{ From, To int64 }

func (g Gap) String() string {
	if g.From == g.To {
		return fmt.Sprintf("block %d", g.From)
	}
	return fmt.Sprintf("blocks %d to %d", g.From, g.To)
}

// Gaps lists the heights between the store's base and its height that
// have no block, in ranges (one metadata read per height). An unreadable
// block counts as missing; err is its first read error.
func (c *Chain) Gaps() (gaps []Gap, err error) {
	for h := max(c.Blocks.Base(), 1); h <= c.Blocks.Height(); h++ {
		m, rerr := c.Meta(h)
		if rerr != nil && err == nil {
			err = fmt.Errorf("block %d: %w", h, rerr)
		}
		if m != nil && m.Header.Height == h {
			continue
		}
		if n := len(gaps); n > 0 && gaps[n-1].To == h-1 {
			gaps[n-1].To = h
		} else {
			gaps = append(gaps, Gap{h, h})
		}
	}
	return gaps, err
}

// CheckBlocks reads every block of the store and checks it: it decodes,
// its hash is the one its metadata records, it names its predecessor's
// hash, its header's hashes match its content (ValidateBasic), and a
// commit signed by more than two thirds of its validators' power is
// stored for it. It returns what is wrong, at most max entries; progress,
// if not nil, is called every 1,000 blocks.
func (c *Chain) CheckBlocks(max int, progress func(h int64)) []string {
	var out []string
	add := func(format string, args ...any) bool {
		out = append(out, fmt.Sprintf(format, args...))
		return len(out) >= max
	}
	var prev *types.BlockMeta
	for h := c.Blocks.Base(); h > 0 && h <= c.Blocks.Height(); h++ {
		if progress != nil && h%1000 == 0 {
			progress(h)
		}
		m, err := c.Meta(h)
		if err != nil || m == nil {
			if add("block %d is missing or unreadable (%v)", h, err) {
				return out
			}
			prev = nil
			continue
		}
		var b *types.Block
		if err := recovered(func() { b = c.Blocks.LoadBlock(h) }); err != nil || b == nil {
			if add("block %d cannot be read (%v)", h, err) {
				return out
			}
			prev = nil
			continue
		}
		if err := b.ValidateBasic(); err != nil {
			if add("block %d is inconsistent: %v", h, err) {
				return out
			}
		}
		if !bytes.Equal(b.Hash(), m.BlockID.Hash) {
			if add("block %d hashes to %X, its metadata says %X", h, b.Hash(), m.BlockID.Hash) {
				return out
			}
		}
		if prev != nil && !b.LastBlockID.Equals(prev.BlockID) {
			if add("block %d names block %X as its predecessor, the store has %X", h, b.LastBlockID.Hash, prev.BlockID.Hash) {
				return out
			}
		}
		prev = m
		var commit *types.Commit
		_ = recovered(func() {
			if h == c.Blocks.Height() {
				commit = c.Blocks.LoadSeenCommit(h)
			} else {
				commit = c.Blocks.LoadBlockCommit(h)
			}
		})
		if commit == nil {
			if add("block %d has no stored commit", h) {
				return out
			}
			continue
		}
		vals, err := c.States.LoadValidators(h)
		if err != nil {
			if add("the validators of block %d cannot be read: %v", h, err) {
				return out
			}
			continue
		}
		if err := vals.VerifyCommitLight(b.ChainID, m.BlockID, h, commit); err != nil {
			if add("the commit of block %d does not verify: %v", h, err) {
				return out
			}
		}
	}
	return out
}

// DataDirs are CometBFT's databases in a home's data folder, for a
// message that says what to restore.
func DataDirs(h Home) []string {
	var out []string
	for _, d := range []string{"blockstore.db", "state.db"} {
		p := filepath.Join(string(h), "data", d)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}
