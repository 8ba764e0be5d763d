// Checks of a node's stores: the quick ones every start runs, and the full
// one `medledger check` runs on a stopped node's home.

package daemon

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/txindex"
)

// Finding is one thing a check found wrong, with what to do about it.
type Finding struct {
	Part    string `json:"part"` // "home", "blocks", "state", "txindex"
	Problem string `json:"problem"`
	Fix     string `json:"fix"`
}

// Report is what Check found.
type Report struct {
	Home       string    `json:"home"`
	Height     int64     `json:"height"`      // CometBFT's last block
	AppVersion int64     `json:"app_version"` // the application state's version
	Checked    []string  `json:"checked"`     // what was checked, and how much of it
	Findings   []Finding `json:"findings"`
	Took       string    `json:"took"`
}

// OK reports whether nothing was found wrong.
func (r Report) OK() bool { return len(r.Findings) == 0 }

// Text writes the report for a person: what was checked, then each
// finding with its fix.
func (r Report) Text(w io.Writer) {
	for _, s := range r.Checked {
		fmt.Fprintf(w, "checked  %s\n", s)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "DAMAGED  %s: %s\n         fix: %s\n", f.Part, f.Problem, f.Fix)
	}
	fmt.Fprintf(w, "%d problem(s) in %s (block %d, state version %d, %s)\n", len(r.Findings), r.Home, r.Height, r.AppVersion, r.Took)
}

// Fixes for what the checks find.
const (
	fixRestore = "stop the node and restore its data folder (data/, all of it) from the latest backup; a validator of a network can instead move data/ aside (keep data/priv_validator_state.json), start, and sync the chain from its peers (docs/operators.md, \"Damaged storage\")"
	fixAppDir  = "move data/app aside (or restore it from a backup): at start the node rebuilds the application state by replaying the blocks, checking every app hash"
	fixIndex   = "start the node: it checks its transaction index at start and rebuilds it from the blocks when they disagree (or delete data/txindex.db)"
)

// ErrRunning is a home whose node is running: its databases are locked.
var ErrRunning = errors.New("the node of this home is running")

// Check checks the stores of a stopped node's home and says what is wrong
// and how to recover: the home's configuration and keys; CometBFT's block
// store (no gaps; with full, every block read, hashed, chained to its
// predecessor and its commit verified against its validators); the
// application state (its root hash is the app hash the chain committed
// to, and every node of its tree rehashed); the transaction index (it
// agrees with the blocks; with full, every transaction looked up). It
// returns an error only when it could not check (ErrRunning: stop the
// node first).
func Check(h node.Home, full bool, progress func(string)) (Report, error) {
	start := time.Now()
	rep := Report{Home: string(h)}
	if progress == nil {
		progress = func(string) {}
	}
	find := func(part, fix, format string, args ...any) {
		rep.Findings = append(rep.Findings, Finding{Part: part, Problem: fmt.Sprintf(format, args...), Fix: fix})
	}
	defer func() { rep.Took = time.Since(start).Round(time.Millisecond).String() }()
	if _, _, err := node.LoadConfig(h); err != nil {
		find("home", "restore the named file from this node's backup (docs/operators.md)", "%v", err)
		return rep, nil
	}
	rep.Checked = append(rep.Checked, "configuration, genesis and keys")

	progress("blocks")
	ch, err := node.OpenChain(h)
	if errors.Is(err, node.ErrLocked) {
		return rep, fmt.Errorf("%w: stop it first (a running node checks itself at start and on every read: GET /v1/health)", ErrRunning)
	}
	if err != nil {
		find("blocks", fixRestore, "%v", err)
		return rep, nil
	}
	defer ch.Close()
	rep.Height = ch.State.LastBlockHeight
	base, height := ch.Blocks.Base(), ch.Blocks.Height()
	if height < rep.Height || height > rep.Height+1 {
		find("blocks", fixRestore, "the block store ends at height %d, but CometBFT's state is at block %d: the two were not restored together", height, rep.Height)
	}
	gaps, err := ch.Gaps()
	for _, g := range gaps {
		find("blocks", fixRestore, "%s are missing from the block store (its database was damaged: blocks of a range are lost when its journal is)", g)
	}
	if err != nil {
		find("blocks", fixRestore, "the block store cannot be read: %v", err)
	}
	if full {
		bad := ch.CheckBlocks(state.MaxFindings, func(h int64) { progress(fmt.Sprintf("blocks %d/%d", h, height)) })
		for _, b := range bad {
			find("blocks", fixRestore, "%s", b)
		}
		rep.Checked = append(rep.Checked, fmt.Sprintf("blocks %d to %d: each read, hashed, chained to its predecessor and its commit verified against its validators", base, height))
	} else {
		rep.Checked = append(rep.Checked, fmt.Sprintf("blocks %d to %d: each present", base, height))
	}

	progress("state")
	appDir := h.AppDataDir()
	if _, err := os.Stat(filepath.Join(appDir, "application.db")); err == nil {
		checkState(h, ch, &rep, find)
	} else {
		rep.Checked = append(rep.Checked, "no application state: the node rebuilds it from the blocks at start")
	}

	progress("txindex")
	checkIndex(h, ch, full, &rep, find)
	return rep, nil
}

func checkState(h node.Home, ch *node.Chain, rep *Report, find func(part, fix, format string, args ...any)) {
	st, err := state.Open(h.AppDataDir())
	if err != nil {
		if isLocked(err) {
			find("state", "stop the node first", "%v", err)
			return
		}
		find("state", fixAppDir, "the application state cannot be opened: %v", err)
		return
	}
	defer st.Close()
	v := st.Version()
	rep.AppVersion = v
	switch {
	case v > rep.Height+1 || (v > rep.Height && ch.Blocks.Height() == rep.Height):
		find("state", fixAppDir, "the application state is at version %d, ahead of the chain's block %d: it comes from another copy of this home", v, rep.Height)
		return
	case v < rep.Height:
		rep.Checked = append(rep.Checked, fmt.Sprintf("the application state is at version %d, behind block %d: the node replays the blocks it lacks at start", v, rep.Height))
	}
	if v > 0 {
		want, ok, err := ch.AppHash(v)
		switch {
		case err != nil:
			find("blocks", fixRestore, "the app hash of version %d cannot be read: %v", v, err)
		case !ok:
			find("state", fixAppDir, "the chain has no record of the app hash of version %d", v)
		default:
			if err := st.CheckRoot(want); err != nil {
				find("state", fixAppDir, "%v: this is not the chain's state", err)
			} else {
				rep.Checked = append(rep.Checked, fmt.Sprintf("the root hash of state version %d is the app hash the chain committed to", v))
			}
		}
	}
	r, err := st.RehashAtOpen()
	if err != nil {
		find("state", fixAppDir, "the tree of version %d cannot be walked: %v", v, err)
		return
	}
	for _, d := range r.Damage {
		find("state", fixAppDir, "version %d: %s", v, d)
	}
	if len(r.Damage) == 0 && !r.OK() {
		find("state", fixAppDir, "version %d rehashes to root %X, not the %X it stored", v, r.Root, r.Stored)
	}
	rep.Checked = append(rep.Checked, fmt.Sprintf("state version %d: every one of its %d tree nodes (%d keys) read and hashed again in %s", v, r.Nodes, r.Leaves, r.Took.Round(time.Millisecond)))
}

func checkIndex(h node.Home, ch *node.Chain, full bool, rep *Report, find func(part, fix, format string, args ...any)) {
	dir := filepath.Join(string(h), "data")
	if _, err := os.Stat(filepath.Join(dir, "txindex.db")); err != nil {
		rep.Checked = append(rep.Checked, "no transaction index: the node builds it from the blocks at start")
		return
	}
	idx, err := txindex.Open(dir)
	if err != nil {
		find("txindex", fixIndex, "%v", err)
		return
	}
	defer idx.Close()
	if err := idx.Verify(ch.Blocks, full); err != nil {
		find("txindex", fixIndex, "%v", err)
		return
	}
	if full {
		rep.Checked = append(rep.Checked, fmt.Sprintf("the transaction index: every transaction of blocks up to %d found at its place", min(idx.Last(), ch.Blocks.Height())))
	} else {
		rep.Checked = append(rep.Checked, fmt.Sprintf("the transaction index: every block up to %d indexed with its transaction count", min(idx.Last(), ch.Blocks.Height())))
	}
}

func isLocked(err error) bool {
	return err != nil && (errors.Is(err, node.ErrLocked) || strings.Contains(err.Error(), "resource temporarily unavailable"))
}

// checkAtStart is what every start checks before CometBFT starts: the
// block store has no gaps, the application state's root is the app hash
// the chain committed to (the rehash of every node runs in the background:
// state.Open), and the transaction index agrees with the blocks (it is
// reset when it does not, and CatchUp rebuilds it). A home whose node
// never started passes.
func checkAtStart(h node.Home, store *state.Store, idx *txindex.Index) error {
	if len(node.DataDirs(h)) == 0 {
		return nil
	}
	ch, err := node.OpenChain(h)
	if err != nil {
		return err
	}
	defer ch.Close()
	gaps, err := ch.Gaps()
	if err != nil {
		return fmt.Errorf("the block store cannot be read (%v): %s", err, fixRestore)
	}
	if len(gaps) > 0 {
		return fmt.Errorf("%s are missing from the block store in %s (its database was damaged); medledger check --home %s lists what else is: %s", gaps[0], filepath.Join(string(h), "data", "blockstore.db"), h, fixRestore)
	}
	if v := store.Version(); v > 0 {
		want, ok, err := ch.AppHash(v)
		if err != nil {
			return fmt.Errorf("the app hash of version %d cannot be read from the block store (%v): %s", v, err, fixRestore)
		}
		if ok {
			if err := store.CheckRoot(want); err != nil {
				return fmt.Errorf("the application state in %s is not the chain's (%v): %s", h.AppDataDir(), err, fixAppDir)
			}
		}
	}
	if store.Version() < ch.Blocks.Height() {
		// CometBFT's handshake will replay blocks on this state: wait for
		// the rehash of what it builds on, and refuse a damaged one here
		// rather than panic in the replay.
		if err := store.Vouched(); err != nil {
			return fmt.Errorf("the application state in %s is damaged (%v): %s", h.AppDataDir(), err, fixAppDir)
		}
	}
	if err := idx.Verify(ch.Blocks, false); err != nil {
		slog.Warn("daemon: the transaction index disagrees with the blocks; rebuilding it", "err", err)
		if err := idx.Reset(); err != nil {
			return fmt.Errorf("rebuild the transaction index: %w", err)
		}
	}
	return nil
}
