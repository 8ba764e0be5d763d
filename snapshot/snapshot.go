// Package snapshot owns a node's state-sync snapshots: it takes them from
// the state store every Interval blocks (a whole version exported, cut
// into chunks), keeps the last few in data/snapshots, serves them to
// peers that sync, and restores an empty store from a peer's chunks,
// checked chunk by chunk against the snapshot's list of chunk hashes and,
// whole, against the app hash the chain committed to at its height (which
// CometBFT's light client verified from a trusted height and hash).
//
// It runs beside consensus: taking a snapshot reads a committed version
// while blocks go on; it MUST NOT write the store except to restore an
// empty one, and it decides nothing about the chain.
package snapshot

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/state"
)

// Format is the one snapshot format: the version's nodes in post-order,
// each as height (1 byte), version, key and value (uvarint lengths; a
// value of length 0 with a flag byte 0 is an inner node's absent value),
// cut into chunks of about ChunkSize at node boundaries.
const Format = 1

// ChunkSize is the size a chunk is cut at (CometBFT carries a chunk in one
// p2p message of at most 16 MB).
const ChunkSize = 4 << 20

// chunkSize is ChunkSize, smaller in tests.
var chunkSize = ChunkSize

// Defaults of a node's snapshots.
const (
	DefaultInterval   = 1_000 // blocks between snapshots
	DefaultKeepRecent = 2     // snapshots kept
)

// Config says when snapshots are taken and how many are kept.
type Config struct {
	// Interval is the blocks between snapshots; 0 takes none.
	Interval int64
	// KeepRecent is how many of the latest snapshots are kept (at least 1).
	KeepRecent int
}

// meta is a stored snapshot's description (data/snapshots/H/meta.json).
type meta struct {
	Height int64    `json:"height"`
	Format uint32   `json:"format"`
	Chunks [][]byte `json:"chunks"` // SHA-256 of each chunk
}

// hash is the snapshot's hash: SHA-256 of its chunks' hashes in order.
func (m meta) hash() []byte {
	h := sha256.New()
	for _, c := range m.Chunks {
		h.Write(c)
	}
	return h.Sum(nil)
}

// Manager takes, keeps, serves and restores one node's snapshots.
type Manager struct {
	dir   string
	store *state.Store
	cfg   Config

	mu     sync.Mutex
	taking bool
	wg     sync.WaitGroup

	// restoring: the snapshot being restored, its trusted app hash, the
	// import, the chunks applied and the bytes of a node cut by a chunk's
	// end.
	restore *restore
}

// Open returns the manager of the snapshots in dir (data/snapshots).
func Open(dir string, st *state.Store, cfg Config) (*Manager, error) {
	if cfg.KeepRecent < 1 {
		cfg.KeepRecent = DefaultKeepRecent
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("snapshots folder: %w", err)
	}
	return &Manager{dir: dir, store: st, cfg: cfg}, nil
}

// Close waits for a snapshot being taken.
func (m *Manager) Close() { m.wg.Wait() }

// Committed starts a snapshot of height in the background when height is
// a multiple of Interval and no snapshot is being taken. The app calls it
// after each Commit.
func (m *Manager) Committed(height int64) {
	if m.cfg.Interval <= 0 || height%m.cfg.Interval != 0 {
		return
	}
	m.mu.Lock()
	if m.taking {
		m.mu.Unlock()
		slog.Warn("snapshot: the last snapshot is still being taken; skipping this one", "height", height)
		return
	}
	m.taking = true
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() { m.mu.Lock(); m.taking = false; m.mu.Unlock() }()
		if err := m.Take(height); err != nil {
			slog.Error("snapshot: taking a snapshot failed", "height", height, "err", err)
		}
	}()
}

// Take exports version height of the store into a new snapshot, then
// deletes the snapshots older than the last KeepRecent.
func (m *Manager) Take(height int64) error {
	final := filepath.Join(m.dir, strconv.FormatInt(height, 10))
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	tmp := final + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	md := meta{Height: height, Format: Format}
	var chunk bytes.Buffer
	flush := func() error {
		if chunk.Len() == 0 && len(md.Chunks) > 0 {
			return nil
		}
		sum := sha256.Sum256(chunk.Bytes())
		if err := os.WriteFile(filepath.Join(tmp, strconv.Itoa(len(md.Chunks))), chunk.Bytes(), 0o600); err != nil {
			return err
		}
		md.Chunks = append(md.Chunks, sum[:])
		chunk.Reset()
		return nil
	}
	err := m.store.Export(height, func(n *state.ExportNode) error {
		writeNode(&chunk, n)
		if chunk.Len() >= chunkSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(md)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	list, err := m.heights()
	if err != nil {
		return err
	}
	for len(list) > m.cfg.KeepRecent {
		os.RemoveAll(filepath.Join(m.dir, strconv.FormatInt(list[0], 10)))
		list = list[1:]
	}
	return nil
}

// heights lists the stored snapshots' heights, ascending.
func (m *Manager) heights() ([]int64, error) {
	ents, err := os.ReadDir(m.dir)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range ents {
		if h, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && e.IsDir() {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *Manager) load(height int64) (meta, error) {
	var md meta
	b, err := os.ReadFile(filepath.Join(m.dir, strconv.FormatInt(height, 10), "meta.json"))
	if err != nil {
		return md, err
	}
	return md, json.Unmarshal(b, &md)
}

// Floor is the height of the oldest snapshot kept (0: none): the blocks
// from it on are what a peer that restores it needs of this node.
func (m *Manager) Floor() int64 {
	list, err := m.heights()
	if err != nil || len(list) == 0 {
		return 0
	}
	return list[0]
}

// List describes the snapshots this node offers (ABCI ListSnapshots).
func (m *Manager) List() []*abci.Snapshot {
	list, _ := m.heights()
	var out []*abci.Snapshot
	for _, h := range list {
		md, err := m.load(h)
		if err != nil {
			continue
		}
		out = append(out, &abci.Snapshot{Height: uint64(h), Format: md.Format, Chunks: uint32(len(md.Chunks)), Hash: md.hash(), Metadata: bytes.Join(md.Chunks, nil)})
	}
	return out
}

// Chunk returns one chunk of a snapshot this node offers, nil if it has
// none such (ABCI LoadSnapshotChunk).
func (m *Manager) Chunk(height uint64, format, chunk uint32) []byte {
	if format != Format {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(m.dir, strconv.FormatUint(height, 10), strconv.FormatUint(uint64(chunk), 10)))
	if err != nil {
		return nil
	}
	return b
}

// writeNode appends n in the snapshot format.
func writeNode(w *bytes.Buffer, n *state.ExportNode) {
	w.WriteByte(byte(n.Height))
	w.Write(binary.AppendVarint(nil, n.Version))
	w.Write(binary.AppendUvarint(nil, uint64(len(n.Key))))
	w.Write(n.Key)
	if n.Value == nil {
		w.WriteByte(0)
		return
	}
	w.WriteByte(1)
	w.Write(binary.AppendUvarint(nil, uint64(len(n.Value))))
	w.Write(n.Value)
}

// maxField bounds a key or value read from a peer's chunk.
const maxField = 64 << 20

// readNode reads one node; io.EOF at a clean end.
func readNode(r *bufio.Reader) (*state.ExportNode, error) {
	h, err := r.ReadByte()
	if err != nil {
		return nil, err // io.EOF: no more nodes
	}
	v, err := binary.ReadVarint(r)
	if err != nil {
		return nil, unexpected(err)
	}
	key, err := readField(r)
	if err != nil {
		return nil, err
	}
	n := &state.ExportNode{Height: int8(h), Version: v, Key: key}
	flag, err := r.ReadByte()
	if err != nil {
		return nil, unexpected(err)
	}
	switch flag {
	case 0:
	case 1:
		if n.Value, err = readField(r); err != nil {
			return nil, err
		}
		if n.Value == nil {
			n.Value = []byte{}
		}
	default:
		return nil, fmt.Errorf("node value flag %d", flag)
	}
	return n, nil
}

func readField(r *bufio.Reader) ([]byte, error) {
	l, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, unexpected(err)
	}
	if l > maxField {
		return nil, fmt.Errorf("a field of %d bytes", l)
	}
	b := make([]byte, l)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, unexpected(err)
	}
	return b, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
