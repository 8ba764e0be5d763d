package custodian

import (
	"context"
	"encoding/hex"
	"log/slog"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/vault"
)

// A patient's keys change (a rotation in a transaction, a recovery at the
// end of a block: app.EventPatientKeyChanged). The custodian moves the
// patient's copies of their documents' keys from the old encryption key to
// the new one (vault.Rewrap), so that the old key opens nothing this node
// still holds. Reads need none of it: a read wraps the document's key for
// the reader's key in force when it commits, so the patient's own reads go
// on with the new key at once, and a document stored after the change is
// never wrapped for the old key.
//
// NOTE: the moves are queued in memory. A node that stops between the
// commit and the move leaves the old key's copies in its vault (they open
// only with the old private key, which the patient still holds or has
// lost); reads are unaffected.

// rekey is one change of a patient's encryption key.
type rekey struct {
	patient  string
	from, to []byte
}

// attachRekey subscribes the service to key changes; Attach calls it.
func (s *Service) attachRekey(a *app.App) {
	s.rekeys = make(chan rekey, 1024)
	a.OnCommit(func(_ int64, txs []app.Committed) {
		for _, c := range txs {
			if c.Result != nil && c.Result.Code == 0 {
				s.keyChanges(c.Result.Events)
			}
		}
	})
	a.OnEndBlock(func(_ int64, events []abci.Event) { s.keyChanges(events) })
	go s.rekeyer(s.rekeys, s.done)
}

// keyChanges queues the key changes among events.
func (s *Service) keyChanges(events []abci.Event) {
	for _, ev := range events {
		if ev.Type != app.EventPatientKeyChanged {
			continue
		}
		var rk rekey
		var err1, err2 error
		for _, a := range ev.Attributes {
			switch a.Key {
			case "patient":
				rk.patient = a.Value
			case "old_enc_key":
				rk.from, err1 = hex.DecodeString(a.Value)
			case "enc_key":
				rk.to, err2 = hex.DecodeString(a.Value)
			}
		}
		if rk.patient == "" || err1 != nil || err2 != nil {
			slog.Error("custodian: a key change event without its patient or keys", "event", ev.Type)
			continue
		}
		select {
		case s.rekeys <- rk:
		default:
			slog.Error("custodian: key change queue full; the old key's copies stay in the vault", "patient", rk.patient)
		}
	}
}

func (s *Service) rekeyer(rekeys <-chan rekey, done <-chan struct{}) {
	for {
		select {
		case rk := <-rekeys:
			s.rewrapPatient(rk)
		case <-done:
			return
		}
	}
}

// rewrapPatient moves the patient's copies of the keys of every document of
// theirs this node holds, and reports how many it moved.
func (s *Service) rewrapPatient(rk rekey) int {
	moved := 0
	for _, rec := range records.PatientRecords(s.Store.Latest(), rk.patient) {
		if rec.Custodian != s.Org || rec.Status != records.StatusActive {
			continue
		}
		id, err := vault.ParseDocID(rec.Ref)
		if err != nil {
			continue
		}
		ok, err := s.Vault.Rewrap(context.Background(), id, rk.from, rk.to)
		switch {
		case err != nil && !medledger.HasCode(err, vault.ErrGone) && !medledger.HasCode(err, vault.ErrNotFound):
			slog.Error("custodian: rewrap a document for the patient's new key", "record", rec.ID, "err", err)
		case ok:
			moved++
		}
	}
	return moved
}
