package snapshot

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/state"
)

type restore struct {
	md      meta
	appHash []byte
	imp     *state.Import
	next    int
}

// Offer decides on a snapshot a peer offers (ABCI OfferSnapshot): appHash
// is the app hash the chain committed to at its height, which CometBFT's
// light client verified. It accepts a snapshot of this format whose
// chunk list matches its hash, into an empty store.
func (m *Manager) Offer(s *abci.Snapshot, appHash []byte) abci.ResponseOfferSnapshot_Result {
	if s == nil || s.Format != Format {
		return abci.ResponseOfferSnapshot_REJECT_FORMAT
	}
	md := meta{Height: int64(s.Height), Format: s.Format}
	if len(s.Metadata) != sha256.Size*int(s.Chunks) || s.Chunks == 0 {
		return abci.ResponseOfferSnapshot_REJECT
	}
	for c := range s.Chunks {
		md.Chunks = append(md.Chunks, s.Metadata[c*sha256.Size:(c+1)*sha256.Size])
	}
	if !bytes.Equal(md.hash(), s.Hash) || len(appHash) == 0 {
		return abci.ResponseOfferSnapshot_REJECT
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.restore != nil {
		m.restore.imp.Close()
		m.restore = nil
	}
	imp, err := m.store.NewImport(md.Height)
	if err != nil {
		slog.Error("snapshot: cannot restore", "height", md.Height, "err", err)
		return abci.ResponseOfferSnapshot_ABORT
	}
	m.restore = &restore{md: md, appHash: bytes.Clone(appHash), imp: imp}
	return abci.ResponseOfferSnapshot_ACCEPT
}

// Apply applies the next chunk of the snapshot being restored (ABCI
// ApplySnapshotChunk). A chunk whose hash is not the snapshot's is
// fetched again from another peer; a snapshot whose nodes do not decode,
// or whose state does not have the trusted app hash, is rejected.
// restored is true when the store holds the snapshot's version.
func (m *Manager) Apply(index uint32, chunk []byte, sender string) (res *abci.ResponseApplySnapshotChunk, restored bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.restore
	if r == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, false
	}
	if int(index) != r.next {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{uint32(r.next)}}, false
	}
	if sum := sha256.Sum256(chunk); !bytes.Equal(sum[:], r.md.Chunks[index]) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{index}, RejectSenders: []string{sender}}, false
	}
	reject := func(err error) (*abci.ResponseApplySnapshotChunk, bool) {
		slog.Error("snapshot: rejected", "height", r.md.Height, "chunk", index, "err", err)
		r.imp.Close()
		m.restore = nil
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT, RejectSenders: []string{sender}}, false
	}
	br := bufio.NewReader(bytes.NewReader(chunk))
	for {
		n, err := readNode(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return reject(err)
		}
		if err := r.imp.Add(n); err != nil {
			return reject(err)
		}
	}
	r.next++
	if r.next < len(r.md.Chunks) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, false
	}
	m.restore = nil
	if err := r.imp.Commit(r.appHash); err != nil {
		slog.Error("snapshot: rejected", "height", r.md.Height, "err", err)
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT, RejectSenders: []string{sender}}, false
	}
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, true
}
