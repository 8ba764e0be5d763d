// Erasure: the document of every record whose erasure committed is
// destroyed, across crashes, and its patient gets a receipt signed by the
// node.

package custodian

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/vault"
)

// erasures is the shredder's state. Shredding is durable without a log of
// its own: the chain's state says which records are erased, the vault
// whether their documents are gone (a tombstone), the receipts folder
// whether the patient's receipt was written; at every start the shredder
// goes through the erased records of this custodian and finishes what a
// crash (or a full queue) left undone, before it takes new erasures.
type erasures struct {
	queue   chan string
	rescan  atomic.Bool // the queue overflowed: go through every erased record again
	stop    chan struct{}
	stopped sync.WaitGroup
	chainID string
	reads   *api.SignedReads
}

// beforeShred, when set (by a test), runs before each document is
// destroyed: the crash test stops the process there.
var beforeShred func(record string)

// ShredDrain bounds how long Close waits for the erasures queued before it
// was called; what is left is finished at the next start.
const ShredDrain = 10 * time.Second

func (s *Service) attachErasures(a *app.App) {
	s.erasures = erasures{queue: make(chan string, 1024), stop: make(chan struct{}), chainID: a.ChainID()}
	s.erasures.reads = api.NewSignedReads(s.IDs, func() state.Reader { return s.Store.Latest() })
	a.OnCommit(s.committed)
	s.erasures.stopped.Add(1)
	go s.shredder()
}

// committed queues the documents of records erased in this block, if this
// node holds them. It never blocks the chain: when the queue is full the
// shredder goes through every erased record once it has caught up.
func (s *Service) committed(_ int64, txs []app.Committed) {
	for _, c := range txs {
		if c.Result.Code != 0 {
			continue
		}
		for _, ev := range c.Result.Events {
			if ev.Type != records.EventErased {
				continue
			}
			var rec, custodian string
			for _, a := range ev.Attributes {
				switch a.Key {
				case "record":
					rec = a.Value
				case "custodian":
					custodian = a.Value
				}
			}
			if custodian != s.Org {
				continue
			}
			select {
			case s.erasures.queue <- rec:
			default:
				s.erasures.rescan.Store(true)
				slog.Warn("custodian: erasure queue full; the shredder goes through every erased record once it caught up", "record", rec)
			}
		}
	}
}

// shredder first finishes every erasure the state holds that is not done
// (a crash between an erasure's commit and its shredding), then shreds
// erasures as they commit. When stopped it drains what is queued, for at
// most ShredDrain.
func (s *Service) shredder() {
	defer s.erasures.stopped.Done()
	if err := s.Store.Vouched(); err != nil {
		slog.Error("custodian: the state is damaged; erasures are not checked until the node is restored", "err", err)
	} else {
		s.shredAll()
	}
	for {
		select {
		case rec := <-s.erasures.queue:
			s.shred(rec)
			if len(s.erasures.queue) == 0 && s.erasures.rescan.Swap(false) {
				s.shredAll()
			}
		case <-s.erasures.stop:
			deadline := time.After(ShredDrain)
			for {
				select {
				case rec := <-s.erasures.queue:
					s.shred(rec)
				case <-deadline:
					slog.Warn("custodian: stopped with erasures queued; they are finished at the next start", "left", len(s.erasures.queue))
					return
				default:
					return
				}
			}
		}
	}
}

// shredAll finishes the erasure of every erased record of this custodian.
func (s *Service) shredAll() {
	var ids []string
	records.ErasedRecords(s.Store.Latest(), s.Org, func(r records.Record) bool {
		ids = append(ids, r.ID)
		return true
	})
	for _, id := range ids {
		select {
		case <-s.erasures.stop:
			return
		default:
		}
		s.shred(id)
	}
}

// shred destroys the document of an erased record, if the vault still
// holds it, then writes the patient's receipt if it is not written yet.
func (s *Service) shred(recID string) {
	rec, ok := records.GetRecord(s.Store.Latest(), recID)
	if !ok || rec.Status != records.StatusErased || rec.Custodian != s.Org {
		return
	}
	id, err := vault.ParseDocID(rec.Ref)
	if err != nil {
		slog.Error("custodian: erased record has a bad ref", "record", recID, "err", err)
		return
	}
	if s.receiptPath(recID) != "" {
		if _, err := os.Stat(s.receiptPath(recID)); err == nil {
			return // destroyed, and the receipt written
		}
	}
	if beforeShred != nil {
		beforeShred(recID)
	}
	if err := s.Vault.Delete(context.Background(), id); err != nil && !medledger.HasCode(err, vault.ErrGone) {
		slog.Error("custodian: shred document", "record", recID, "err", err)
		return // tried again at the next start
	}
	if err := s.writeReceipt(rec); err != nil {
		slog.Error("custodian: write the erasure receipt", "record", recID, "err", err)
	}
}

// closeErasures stops the shredder after it drained its queue.
func (s *Service) closeErasures() {
	if s.erasures.stop == nil {
		return
	}
	close(s.erasures.stop)
	s.erasures.stopped.Wait()
}

func (s *Service) receiptPath(recID string) string {
	if s.Receipts == "" || !validRecordID(recID) {
		return ""
	}
	return filepath.Join(s.Receipts, recID+".json")
}

// validRecordID is a record id as the records module makes them (rec-N),
// safe as a file name.
func validRecordID(id string) bool {
	if len(id) < 5 || len(id) > 24 || id[:4] != "rec-" {
		return false
	}
	for _, c := range id[4:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writeReceipt signs and stores the receipt of rec's destruction, durably
// (a temporary file, synced, renamed, the folder synced).
func (s *Service) writeReceipt(rec records.Record) error {
	p := s.receiptPath(rec.ID)
	if p == "" || s.NodeKey == nil {
		return nil
	}
	r := records.ErasureReceipt{ChainID: s.erasures.chainID, Record: rec.ID, Patient: rec.Patient, Custodian: rec.Custodian, Digest: rec.Digest,
		Ref: rec.Ref, ErasedHeight: rec.ErasedHeight, Destroyed: s.Now().UTC()}
	r.Sign(s.NodeKey)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Receipts, 0o700); err != nil {
		return err
	}
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		return err
	}
	d, err := os.Open(s.Receipts)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s *Service) erasureRoutes() []api.Route {
	return []api.Route{{Method: "GET", Path: "/v1/records/{id}/erasure-receipt", Signed: true,
		Summary: "The receipt this custodian node signed when it destroyed the document of an erased record: what, when, by which node (a signed request of the record's patient, RFC 9421)",
		Params:  []api.Param{{Name: "id", In: "path", Required: true, Description: "record id"}}, Handler: s.receipt}}
}

// receipt answers GET /v1/records/{id}/erasure-receipt to the record's
// patient only: it says which records a patient erased.
func (s *Service) receipt(w http.ResponseWriter, r *http.Request) {
	who, err := s.erasures.reads.Require(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	id := r.PathValue("id")
	rec, ok := records.GetRecord(s.Store.Latest(), id)
	if !ok || rec.Patient != who.ID {
		// NOTE: the same answer for another's record as for none, so that
		// no one learns which records exist.
		api.WriteProblem(w, r, records.ErrRecordNotFound.New("no record %s of yours", medledger.Quote(id)))
		return
	}
	if rec.Custodian != s.Org {
		api.WriteProblem(w, r, records.ErrNotCustodianNode.New("record %s is held by %s; ask its node for the receipt, this one serves %s", rec.ID, rec.Custodian, s.Org))
		return
	}
	if rec.Status != records.StatusErased {
		api.WriteProblem(w, r, api.ErrNotFound.New("record %s is not erased: there is no receipt", rec.ID))
		return
	}
	b, err := os.ReadFile(s.receiptPath(rec.ID))
	if errors.Is(err, os.ErrNotExist) || s.receiptPath(rec.ID) == "" {
		api.WriteProblem(w, r, api.ErrUnavailable.New("the document of record %s is not destroyed yet (its erasure committed at height %d); retry in a moment", rec.ID, rec.ErasedHeight))
		return
	}
	if err != nil {
		api.WriteProblem(w, r, fmt.Errorf("read receipt: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// ReceiptsDir is where the node of home h keeps the erasure receipts it
// signed: data/erasure-receipts, one file per record.
func ReceiptsDir(h node.Home) string { return filepath.Join(string(h), "data", "erasure-receipts") }

// LoadNodeKey reads the node's CometBFT node key (config/node_key.json),
// whose id its peers pin, to sign erasure receipts with.
func LoadNodeKey(h node.Home) (ed25519.PrivateKey, error) {
	nk, err := p2p.LoadNodeKey(filepath.Join(h.ConfigDir(), "node_key.json"))
	if err != nil {
		return nil, fmt.Errorf("records: the node key: %w", err)
	}
	raw := nk.PrivKey.Bytes()
	if len(raw) != ed25519.PrivateKeySize || nk.PrivKey.Type() != "ed25519" {
		return nil, errors.New("records: the node key is not an Ed25519 key")
	}
	return ed25519.PrivateKey(raw), nil
}
