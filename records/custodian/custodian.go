// Package custodian is the off-chain half of the records module, run by the
// node of an organization that holds patient documents: it validates a
// clinician's FHIR document and stores it encrypted in the vault, hands a
// document to a reader only after the reader's signed access request has
// committed a granted disclosure, destroys a document and its keys when
// the patient's erasure commits, and moves a patient's copies of their
// documents' keys to their new key when their keys change (rekey.go).
//
// It MUST NOT decide consent itself: the chain does, in the records module's
// access transaction; this service acts only on committed results.
package custodian

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
	"github.com/medledger/medledger/vault"
)

// Service is the custodian service of one node.
type Service struct {
	Org   string // the organization whose documents this node holds
	Vault *vault.Vault
	API   *api.Server
	Store *state.Store
	IDs   app.Identities
	Now   func() time.Time // for request signature freshness only
	// CloseVault, if set, is called by Close (the vault's store).
	CloseVault func() error
	// Receipts is the folder of the erasure receipts this node signs
	// (erasure.go); with NodeKey, the node's CometBFT node key that signs
	// them. Empty: no receipts are kept.
	Receipts string
	NodeKey  ed25519.PrivateKey

	erasures  erasures
	guard     *httpsig.NonceCache
	guardOnce sync.Once
	rekeys    chan rekey // rekey.go
	done      chan struct{}
	closeOnce sync.Once
}

// Attach subscribes the service to committed blocks (for erasures). The
// daemon calls it before the node produces blocks.
func (s *Service) Attach(a *app.App, st *state.Store) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	s.Store = st
	s.done = make(chan struct{})
	s.attachErasures(a)
	s.attachRekey(a)
	return nil
}

// Routes returns the service's REST routes, served by srv.
func (s *Service) Routes(srv *api.Server) []api.Route {
	s.API = srv
	return append([]api.Route{
		{Method: "POST", Path: "/v1/records/documents", Signed: true, Summary: "Store a FHIR R4 document encrypted in this custodian's vault (signed request, RFC 9421); returns the ref and salted digest for a records/add transaction", Handler: s.upload},
		{Method: "POST", Path: "/v1/records/{id}/read", Summary: "Read a record: submit the reader's signed records/access transaction; after a granted disclosure commits, returns the encrypted document and its key wrapped for the reader",
			Params: []api.Param{{Name: "id", In: "path", Description: "record id"}}, Handler: s.read},
		s.sensitivityRoute(),
	}, append(s.erasureRoutes(), s.fhirRoutes()...)...)
}

// Close stops the shredder, once it destroyed the documents of the
// erasures already queued (within ShredDrain; the rest at the next
// start), and the vault.
func (s *Service) Close() error {
	s.closeErasures()
	s.closeOnce.Do(func() {
		if s.done != nil {
			close(s.done)
		}
	})
	if s.CloseVault != nil {
		return s.CloseVault()
	}
	return nil
}

func (s *Service) lookup(snap state.Reader) httpsig.KeyLookup {
	return func(keyID string) (ed25519.PublicKey, error) {
		signer, kid, err := httpsig.SplitKeyID(keyID)
		if err != nil {
			return nil, err
		}
		_, pub, err := s.IDs.Authenticate(snap, signer, kid)
		return pub, err
	}
}

func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	snap := s.Store.Latest()
	v, err := s.verifySigned(r, snap, fhir.MaxDocumentSize)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	signer, kid, _ := httpsig.SplitKeyID(v.KeyID)
	who, _, err := s.IDs.Authenticate(snap, signer, kid)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	if who.Org != s.Org || who.Role != "clinician" {
		api.WriteProblem(w, r, tx.ErrUnauthorized.New("only clinicians of %s store documents on this node; %s is %s of %s", s.Org, who.ID, who.Role, who.Org))
		return
	}
	doc, err := io.ReadAll(http.MaxBytesReader(w, r.Body, fhir.MaxDocumentSize+1))
	if err != nil {
		api.WriteProblem(w, r, api.ErrTooLarge.New("document over %d bytes", fhir.MaxDocumentSize))
		return
	}
	parsed, err := fhir.Validate(doc)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	code, err := sensitivityOf(r, doc)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	up := records.UploadResponse{ResourceTypes: parsed.Types, Category: fhir.Category(parsed.ResourceType, doc)}
	if code != "" {
		if err := s.restrict(r, &up, code); err != nil {
			api.WriteProblem(w, r, err)
			return
		}
	}
	rec, err := s.Vault.Put(r.Context(), doc)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	up.Ref, up.Digest, up.Size = rec.ID.String(), rec.Digest.String(), rec.Size
	api.WriteJSON(w, up)
}

func (s *Service) read(w http.ResponseWriter, r *http.Request) {
	var req api.TxRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, api.MaxBodyBytes)).Decode(&req); err != nil || len(req.Tx) == 0 {
		api.WriteProblem(w, r, api.ErrBadRequest.New("body must be {\"tx\": \"<base64 of a signed records/access transaction>\"}"))
		return
	}
	res, err := s.access(r.Context(), req.Tx, r.PathValue("id"), "")
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	api.WriteJSON(w, res)
}

// access submits a reader's signed records/access transaction for a record
// this node holds (record and patient, when not empty, must match it) and,
// once its disclosure has committed granted, returns the encrypted document
// with its key wrapped for the reader. A refusal is a records/no-consent
// *api.ProblemError carrying the transaction hash and height.
func (s *Service) access(ctx context.Context, raw []byte, record, patient string) (records.ReadResponse, error) {
	t, err := tx.Decode(raw)
	if err != nil {
		return records.ReadResponse{}, err
	}
	var body records.AccessBody
	if t.Type != records.TypeAccess || json.Unmarshal(t.Body, &body) != nil || (record != "" && body.Record != record) {
		which := "of this patient"
		if record != "" {
			which = medledger.Quote(record)
		}
		return records.ReadResponse{}, api.ErrBadRequest.New("the transaction must be a records/access for record %s", which)
	}
	rec, ok := records.GetRecord(s.Store.Latest(), body.Record)
	if !ok || (patient != "" && rec.Patient != patient) {
		if patient != "" {
			return records.ReadResponse{}, records.ErrRecordNotFound.New("no record %s of patient %s", medledger.Quote(body.Record), medledger.Quote(patient))
		}
		return records.ReadResponse{}, records.ErrRecordNotFound.New("no record %s", medledger.Quote(body.Record))
	}
	if rec.Custodian != s.Org {
		return records.ReadResponse{}, records.ErrNotCustodianNode.New("record %s is held by %s; send the request to its node, this one serves %s", rec.ID, rec.Custodian, s.Org)
	}
	c, err := s.API.SubmitCommit(ctx, raw)
	if err != nil {
		return records.ReadResponse{}, err
	}
	seq, outcome, missing := disclosureOf(c)
	snap := s.Store.Latest()
	d, ok := findDisclosure(snap, rec.Patient, seq)
	if !ok {
		return records.ReadResponse{}, fmt.Errorf("disclosure %d of %s not found after commit", seq, rec.ID)
	}
	if outcome != records.OutcomeGranted {
		p := api.ProblemOf(records.ErrNoConsent.New("record %s: %s", rec.ID, missing))
		p.Hash, p.Height = fmt.Sprintf("%X", tx.Hash(raw)), c.Height
		return records.ReadResponse{}, &api.ProblemError{Problem: p}
	}
	encKey, ok := s.IDs.EncKey(snap, t.Signer)
	if !ok {
		return records.ReadResponse{}, tx.ErrUnknownSigner.New("no encryption key for %s", t.Signer)
	}
	id, err := vault.ParseDocID(rec.Ref)
	if err != nil {
		return records.ReadResponse{}, err
	}
	blob, err := s.Vault.Get(ctx, id)
	if err != nil {
		return records.ReadResponse{}, goneOr(err, rec.ID)
	}
	wk, err := s.Vault.Wrap(ctx, id, encKey)
	if err != nil {
		return records.ReadResponse{}, goneOr(err, rec.ID)
	}
	return records.ReadResponse{Record: rec.ID, Disclosure: d.Seq, Ground: d.Ground, BreakGlass: d.BreakGlass, Height: c.Height,
		Digest: rec.Digest, Blob: blob, WrappedKey: wk}, nil
}

func goneOr(err error, rec string) error {
	if medledger.HasCode(err, vault.ErrGone) {
		return records.ErrErased.New("the document of record %s was destroyed", rec)
	}
	return err
}

func disclosureOf(c app.Committed) (seq uint64, outcome, missing string) {
	for _, ev := range c.Result.Events {
		if ev.Type != records.EventDisclosed && ev.Type != records.EventRefused {
			continue
		}
		outcome = records.OutcomeGranted
		if ev.Type == records.EventRefused {
			outcome = records.OutcomeRefused
		}
		for _, a := range ev.Attributes {
			switch a.Key {
			case "disclosure":
				fmt.Sscan(a.Value, &seq)
			case "missing":
				missing = a.Value
			}
		}
	}
	return seq, outcome, missing
}

func findDisclosure(r state.Reader, patient string, seq uint64) (records.Disclosure, bool) {
	var d records.Disclosure
	b := r.Get(records.DisclosureKey(patient, seq))
	if b == nil || json.Unmarshal(b, &d) != nil {
		return d, false
	}
	return d, true
}
