package node

import (
	"fmt"
	"strconv"

	"github.com/medledger/medledger/state"
)

// StorageConfig bounds what the node keeps on disk (config/medledger.json
// "storage"). The zero value is the safe default: the application state
// keeps its last state.DefaultKeepRecent versions (every proof medledger verify
// asks for within its freshness window), and every block is kept.
type StorageConfig struct {
	// Pruning is "default" (or empty: keep the last 1,000 state
	// versions), "nothing" (keep every version: the home grows with every
	// block), or "custom" (KeepRecent and PruneInterval).
	Pruning string `json:"pruning,omitempty"`
	// KeepRecent is how many of the latest state versions are kept, for
	// "custom" (at least 100).
	KeepRecent int64 `json:"keep_recent,omitempty"`
	// PruneInterval is how often, in blocks, older versions are deleted,
	// for "custom" (default 1: every block deletes the version that fell
	// out, which spreads the work evenly).
	PruneInterval int64 `json:"prune_interval,omitempty"`
	// RetainBlocks is how many of the latest blocks CometBFT keeps; 0 (the
	// default) keeps every block. It MUST be 0 or at least KeepRecent+1:
	// a state version's proof is checked against the header of the next
	// block. Older transactions are then no longer served by this node
	// (GET /v1/tx/{hash}), nor can it replay the chain for a peer that
	// syncs from genesis.
	RetainBlocks int64 `json:"retain_blocks,omitempty"`
	// SnapshotInterval is how often, in blocks, the node takes a
	// state-sync snapshot of its state for members that join (0: every
	// 1,000 blocks; -1: never). SnapshotKeep is how many it keeps (0: 2).
	// Blocks from the oldest snapshot kept on are never pruned.
	SnapshotInterval int64 `json:"snapshot_interval,omitempty"`
	SnapshotKeep     int   `json:"snapshot_keep,omitempty"`
}

// DefaultSnapshotInterval is the blocks between a node's snapshots unless
// configured.
const DefaultSnapshotInterval = 1_000

// Snapshots returns the blocks between snapshots (0: none) and how many
// are kept.
func (c StorageConfig) Snapshots() (interval int64, keep int) {
	interval, keep = c.SnapshotInterval, c.SnapshotKeep
	switch {
	case interval == 0:
		interval = DefaultSnapshotInterval
	case interval < 0:
		interval = 0
	}
	if keep <= 0 {
		keep = 2
	}
	return interval, keep
}

// StateVersions returns how many state versions to keep (0: every one)
// and how often to prune.
func (c StorageConfig) StateVersions() (keepRecent, interval int64) {
	switch c.Pruning {
	case "nothing":
		return 0, 0
	case "custom":
		interval = c.PruneInterval
		if interval == 0 {
			interval = state.DefaultPruneInterval
		}
		return c.KeepRecent, interval
	}
	return state.DefaultKeepRecent, state.DefaultPruneInterval
}

// Validate checks the storage configuration, naming the field at fault.
func (c StorageConfig) Validate() error {
	switch c.Pruning {
	case "", "default", "nothing":
		if c.KeepRecent != 0 || c.PruneInterval != 0 {
			return fmt.Errorf("storage.keep_recent and storage.prune_interval are for storage.pruning \"custom\", not %q", c.Pruning)
		}
	case "custom":
		if c.KeepRecent < state.MinKeepRecent {
			return fmt.Errorf("storage.keep_recent %d: keep at least %d state versions with storage.pruning \"custom\"", c.KeepRecent, state.MinKeepRecent)
		}
		if c.PruneInterval < 0 {
			return fmt.Errorf("storage.prune_interval %d is negative", c.PruneInterval)
		}
	default:
		return fmt.Errorf("storage.pruning %q is none of \"default\", \"nothing\", \"custom\"", c.Pruning)
	}
	if c.SnapshotInterval < -1 || c.SnapshotKeep < 0 {
		return fmt.Errorf("storage.snapshot_interval %d or storage.snapshot_keep %d is negative (snapshot_interval -1 takes none)", c.SnapshotInterval, c.SnapshotKeep)
	}
	if c.RetainBlocks < 0 {
		return fmt.Errorf("storage.retain_blocks %d is negative", c.RetainBlocks)
	}
	keep, _ := c.StateVersions()
	if c.RetainBlocks > 0 && (keep == 0 || c.RetainBlocks <= keep) {
		return fmt.Errorf("storage.retain_blocks %d: keep more blocks than state versions (%d; 0 is every version): the proof of a state version is checked against the next block's header", c.RetainBlocks, keep)
	}
	return nil
}

// PruningFlag is the StorageConfig of a command-line value: "default",
// "nothing", or a number N for "custom" with keep_recent N (checked by
// Validate).
func PruningFlag(v string) StorageConfig {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return StorageConfig{Pruning: "custom", KeepRecent: n}
	}
	return StorageConfig{Pruning: v}
}
