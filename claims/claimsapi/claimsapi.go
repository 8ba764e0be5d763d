// Package claimsapi is the claims module's API on a node: its REST routes
// under /v1/claims and its FHIR R4 views (ClaimResponse,
// ExplanationOfBenefit) under /fhir. Claim details are commercially and
// clinically sensitive, so every route that shows them needs a signed
// request (RFC 9421, api.SignedReads) from a party to the claim (its
// payer, the submitting provider, or the patient under their pseudonym
// for the payer: claims.Party); others read counts only. Policies are
// public to the network.
//
// It serves committed state and writes none: every change is a signed
// transaction. The one thing it stores is a provider's attachments, in its
// node's vault (the chain keeps their salted digests in the claim). It
// never runs inside a transition.
package claimsapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
	"github.com/medledger/medledger/vault"
)

// Service serves the claims module's reads on a node, and keeps the
// claims' attachments of the organization that runs it.
type Service struct {
	// IDs answers who signers are.
	IDs app.Identities
	// Vault keeps attachments encrypted, for Org, the organization that
	// runs the node; nil: the node takes none.
	Vault *vault.Vault
	Org   string

	app   *app.App
	store *state.Store
	reads *api.SignedReads
	srv   *api.Server
}

// New returns the service of a node whose identities ids answers.
func New(ids app.Identities) *Service { return &Service{IDs: ids} }

// Attach keeps the node's app and store.
func (s *Service) Attach(a *app.App, st *state.Store) error {
	s.app, s.store = a, st
	s.reads = api.NewSignedReads(s.IDs, func() state.Reader { return st.Latest() })
	return nil
}

// Close does nothing: the service holds no resource.
func (s *Service) Close() error { return nil }

// Reads is the service's authenticator of signed reads (for its tests,
// which move its clock).
func (s *Service) Reads() *api.SignedReads { return s.reads }

var (
	page    = []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	signed  = " (signed request, RFC 9421: only the parties read details)"
	idParam = api.Param{Name: "id", In: "path", Required: true, Description: "claim id, clm-N"}
)

// Routes returns the service's routes.
func (s *Service) Routes(srv *api.Server) []api.Route {
	s.srv = srv
	routes := []api.Route{
		{Method: "GET", Path: "/v1/claims", Signed: true, Summary: "The claims the signer is a party to: a payer's members see their payer's, a provider's its own, a patient (under their pseudonym) theirs" + signed,
			Params: append([]api.Param{{Name: "status", In: "query", Description: "adjudicated, pended or paid"}}, page...), Handler: s.listClaims},
		{Method: "GET", Path: "/v1/claims/counts", Summary: "Every payer's claim counts by status: what anyone may read of the claims", Handler: s.counts},
		{Method: "GET", Path: "/v1/claims/{id}", Signed: true, Summary: "A claim with every line's decision: status, allowed, paid and patient amounts, adjustments with group, CARC and RARC, the rule and the values it saw; its flags, reviews and payment" + signed,
			Params: []api.Param{idParam}, Handler: s.getClaim},
		{Method: "GET", Path: "/v1/claims/priorauths", Signed: true, Summary: "The prior authorizations the signer is a party to" + signed, Params: page, Handler: s.listAuths},
		{Method: "GET", Path: "/v1/claims/priorauths/{id}", Signed: true, Summary: "A prior authorization: codes, member, period, status, number and decision" + signed,
			Params: []api.Param{{Name: "id", In: "path", Required: true, Description: "prior authorization id, pa-N"}}, Handler: s.getAuth},
		{Method: "GET", Path: "/v1/claims/policies/{payer}", Summary: "A payer's coverage policy (public to the network): the newest version, or ?version=",
			Params: []api.Param{{Name: "payer", In: "path", Required: true, Description: "the payer's organization id"}, {Name: "version", In: "query", Description: "a version; default the newest"}}, Handler: s.getPolicy},
		{Method: "GET", Path: "/v1/claims/members/{payer}/{id}", Signed: true, Summary: "A member's coverage periods and accumulators (deductible met, out of pocket), for its payer or the patient" + signed,
			Params: []api.Param{{Name: "payer", In: "path", Required: true, Description: "the payer's organization id"}, {Name: "id", In: "path", Required: true, Description: "the member id, psn-..."}}, Handler: s.getMember},
		{Method: "GET", Path: "/v1/claims/remittances/{payer}/{trace}", Signed: true, Summary: "A remittance advice: what the payer paid under a trace number, per claim; a provider sees its own claims" + signed,
			Params: []api.Param{{Name: "payer", In: "path", Required: true, Description: "the payer's organization id"}, {Name: "trace", In: "path", Required: true, Description: "the trace number"}}, Handler: s.getRemittance},
		{Method: "POST", Path: "/v1/claims/attachments", Signed: true, Summary: "Store a document a claim needs (the body) encrypted in this node's vault, for a member of the organization that runs it (signed request, RFC 9421); returns the ref and salted digest a claim's attachments name",
			Handler: s.attach},
		{Method: "POST", Path: "/v1/claims/policies/simulate", Signed: true, Summary: "Run a draft policy (the body, JSON) over the signer's payer's claims on chain and list every line decision it would change (signed request by a member of the payer)",
			Handler: s.simulate},
	}
	return append(routes, s.fhirRoutes()...)
}

// require authenticates a signed read.
func (s *Service) require(w http.ResponseWriter, r *http.Request) (api.Requester, bool) {
	who, err := s.reads.Require(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return who, false
	}
	return who, true
}

func seqKey(n uint64) string { return fmt.Sprintf("%020d", n) }

func (s *Service) listClaims(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && status != claims.StatusAdjudicated && status != claims.StatusPended && status != claims.StatusPaid {
		api.WriteProblem(w, r, claims.ErrInvalid.New("status %s is none of adjudicated, pended, paid", medledger.Quote(status)))
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	var out []claims.Claim
	for _, c := range claims.ListClaims(snap) {
		if claims.CanReadClaim(who.Signer, &c) && (status == "" || c.Status == status) {
			out = append(out, c)
		}
	}
	api.WritePage(w, r, out, func(c claims.Claim) string { n, _ := claims.ParseClaimID(c.ID); return seqKey(n) })
}

func (s *Service) counts(w http.ResponseWriter, r *http.Request) {
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	out := claims.AllStats(snap)
	if out == nil {
		out = []claims.Stats{}
	}
	api.WriteJSON(w, out)
}

// claim reads a claim the requester may read.
func (s *Service) claim(w http.ResponseWriter, r *http.Request) (claims.Claim, bool) {
	who, ok := s.require(w, r)
	if !ok {
		return claims.Claim{}, false
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return claims.Claim{}, false
	}
	id := r.PathValue("id")
	c, found := claims.GetClaim(snap, id)
	if !found {
		api.WriteProblem(w, r, claims.ErrClaimNotFound.New("no claim %s", medledger.Quote(id)))
		return c, false
	}
	if !claims.CanReadClaim(who.Signer, &c) {
		api.WriteProblem(w, r, claims.ErrSignedRead.New("%s is no party to claim %s: only its payer, its provider and the patient read it", who.ID, c.ID))
		return c, false
	}
	return c, true
}

func (s *Service) getClaim(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.claim(w, r); ok {
		api.WriteJSON(w, c)
	}
}

func (s *Service) listAuths(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	var out []claims.PriorAuth
	for _, a := range claims.ListAuths(snap) {
		if claims.CanReadAuth(who.Signer, &a) {
			out = append(out, a)
		}
	}
	api.WritePage(w, r, out, func(a claims.PriorAuth) string { n, _ := claims.ParseAuthID(a.ID); return seqKey(n) })
}

func (s *Service) getAuth(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	a, found := claims.GetAuth(snap, r.PathValue("id"))
	if !found {
		api.WriteProblem(w, r, claims.ErrAuthNotFound.New("no prior authorization %s", medledger.Quote(r.PathValue("id"))))
		return
	}
	if !claims.CanReadAuth(who.Signer, &a) {
		api.WriteProblem(w, r, claims.ErrSignedRead.New("%s is no party to prior authorization %s", who.ID, a.ID))
		return
	}
	api.WriteJSON(w, a)
}

func (s *Service) getPolicy(w http.ResponseWriter, r *http.Request) {
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	var version uint64
	if v := r.URL.Query().Get("version"); v != "" {
		if version, err = strconv.ParseUint(v, 10, 64); err != nil || version == 0 {
			api.WriteProblem(w, r, claims.ErrInvalid.New("version %s is not a positive whole number", medledger.Quote(v)))
			return
		}
	}
	payer := r.PathValue("payer")
	rec, found := claims.GetPolicy(snap, payer, version)
	if !found {
		what := "policy"
		if version > 0 {
			what = fmt.Sprintf("policy version %d", version)
		}
		api.WriteProblem(w, r, claims.ErrNoPolicy.New("%s has no %s", medledger.Quote(payer), what))
		return
	}
	api.WriteJSON(w, rec)
}

func (s *Service) getMember(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	m, found := claims.GetMember(snap, r.PathValue("payer"), r.PathValue("id"))
	if !found {
		api.WriteProblem(w, r, claims.ErrMemberNotFound.New("%s has no member %s", medledger.Quote(r.PathValue("payer")), medledger.Quote(r.PathValue("id"))))
		return
	}
	if !claims.CanReadMember(who.Signer, &m) {
		api.WriteProblem(w, r, claims.ErrSignedRead.New("only member %s's payer and the patient read its coverage", m.ID))
		return
	}
	api.WriteJSON(w, m)
}

func (s *Service) getRemittance(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	rem, found := claims.GetRemittance(snap, r.PathValue("payer"), r.PathValue("trace"))
	if !found {
		api.WriteProblem(w, r, claims.ErrClaimNotFound.New("%s has no remittance %s", medledger.Quote(r.PathValue("payer")), medledger.Quote(r.PathValue("trace"))))
		return
	}
	view, ok := claims.RemittanceFor(who.Signer, rem)
	if !ok {
		api.WriteProblem(w, r, claims.ErrSignedRead.New("%s is neither the payer nor a provider paid by remittance %s", who.ID, rem.Trace))
		return
	}
	api.WriteJSON(w, view)
}

// AttachmentResponse answers POST /v1/claims/attachments.
type AttachmentResponse struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"` // salted SHA-256 of the document, hex
	Size   int    `json:"size"`
}

// maxAttachment bounds an attachment.
const maxAttachment = 16 << 20

func (s *Service) attach(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	if s.Vault == nil {
		api.WriteProblem(w, r, api.ErrNotFound.New("this node keeps no attachments: send them to your own organization's node"))
		return
	}
	if who.Kind != app.KindMember || who.Org != s.Org {
		api.WriteProblem(w, r, tx.ErrUnauthorized.New("this node keeps %s's attachments: only its members store them", s.Org))
		return
	}
	doc, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAttachment+1))
	if err != nil || len(doc) > maxAttachment || len(doc) == 0 {
		api.WriteProblem(w, r, claims.ErrTooLarge.New("an attachment is 1 byte to %d MiB", maxAttachment>>20))
		return
	}
	rec, err := s.Vault.Put(r.Context(), doc)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	api.WriteJSON(w, AttachmentResponse{Ref: rec.ID.String(), Digest: rec.Digest.String(), Size: rec.Size})
}

// maxPolicyBytes bounds a draft policy sent for simulation.
const maxPolicyBytes = 1 << 20

func (s *Service) simulate(w http.ResponseWriter, r *http.Request) {
	who, ok := s.require(w, r)
	if !ok {
		return
	}
	if who.Kind != app.KindMember {
		api.WriteProblem(w, r, tx.ErrUnauthorized.New("only a payer's members simulate its policies"))
		return
	}
	if o, found := s.IDs.Org(s.store.Latest(), who.Org); !found || o.Kind != "payer" {
		api.WriteProblem(w, r, tx.ErrUnauthorized.New("%s is no payer's member: only a payer's members simulate its policies", who.ID))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPolicyBytes))
	if err != nil {
		api.WriteProblem(w, r, claims.ErrTooLarge.New("a draft policy is at most %d bytes", maxPolicyBytes))
		return
	}
	draft, err := claims.DecodePolicy(raw)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	api.WriteJSON(w, claims.Simulate(snap, s.app.Licences(), who.Org, draft))
}
