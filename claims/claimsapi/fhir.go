package claimsapi

import (
	"net/http"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/fhir"
)

// fhirRoutes are the claims views of the FHIR R4 facade: every answer is
// FHIR JSON, every error an OperationOutcome with its kind's HTTP status.
func (s *Service) fhirRoutes() []api.Route {
	id := []api.Param{{Name: "id", In: "path", Required: true, Description: "claim id, clm-N"}}
	return []api.Route{
		{Method: "GET", Path: "/fhir/ClaimResponse/{id}", Signed: true, Summary: "FHIR R4 ClaimResponse of a claim: each item's submitted, eligible and benefit amounts, adjustments with CARC, group and RARC, totals, payment" + signed,
			Params: id, Handler: s.fhirClaimResponse},
		{Method: "GET", Path: "/fhir/ExplanationOfBenefit/{id}", Signed: true, Summary: "FHIR R4 ExplanationOfBenefit of a claim: the services billed and how each was adjudicated" + signed,
			Params: id, Handler: s.fhirEOB},
		{Method: "GET", Path: "/fhir/ExplanationOfBenefit", Signed: true, Summary: "FHIR searchset Bundle of a member's explanations of benefits, for the patient under their pseudonym or the payer" + signed,
			Params: []api.Param{{Name: "patient", In: "query", Required: true, Description: "the member id (the patient's pseudonym for the payer, psn-...)"}}, Handler: s.fhirEOBSearch},
	}
}

func writeFHIR(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", fhir.ContentType)
	w.WriteHeader(status)
	w.Write(body)
}

func writeOutcome(w http.ResponseWriter, err error) {
	e := medledger.As(err)
	writeFHIR(w, api.StatusOf(e.Kind), fhir.OperationOutcome(err))
}

// fhirClaim reads a claim the signer may read, or answers an
// OperationOutcome.
func (s *Service) fhirClaim(w http.ResponseWriter, r *http.Request) (claims.Claim, bool) {
	who, err := s.reads.Require(r)
	if err != nil {
		writeOutcome(w, err)
		return claims.Claim{}, false
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		writeOutcome(w, err)
		return claims.Claim{}, false
	}
	c, found := claims.GetClaim(snap, r.PathValue("id"))
	if !found {
		writeOutcome(w, claims.ErrClaimNotFound.New("no claim %s", medledger.Quote(r.PathValue("id"))))
		return c, false
	}
	if !claims.CanReadClaim(who.Signer, &c) {
		writeOutcome(w, claims.ErrSignedRead.New("%s is no party to claim %s", who.ID, c.ID))
		return c, false
	}
	return c, true
}

func (s *Service) fhirClaimResponse(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.fhirClaim(w, r); ok {
		writeFHIR(w, http.StatusOK, fhir.ClaimResponseResource(c))
	}
}

func (s *Service) fhirEOB(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.fhirClaim(w, r); ok {
		writeFHIR(w, http.StatusOK, fhir.ExplanationOfBenefitResource(c))
	}
}

func (s *Service) fhirEOBSearch(w http.ResponseWriter, r *http.Request) {
	who, err := s.reads.Require(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	member := r.URL.Query().Get("patient")
	if member == "" {
		writeOutcome(w, api.ErrBadRequest.New("the search parameter patient is required (the member id, psn-...)"))
		return
	}
	snap, err := s.srv.Snapshot(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	// Only the patient (under this very pseudonym) and payers search: a
	// refusal never depends on whether the member has claims.
	entitled := who.Kind == app.KindPseudonym && who.ID == member
	if who.Kind == app.KindMember {
		o, ok := s.IDs.Org(s.store.Latest(), who.Org)
		entitled = ok && o.Kind == "payer"
	}
	if !entitled {
		writeOutcome(w, claims.ErrSignedRead.New("only the patient (under this pseudonym) and its payer search a member's explanations of benefits"))
		return
	}
	var entries [][]byte
	for _, c := range claims.ListClaims(snap) {
		if c.Member == member && claims.Party(who.Signer, c.Payer, "", c.Member) != "" {
			entries = append(entries, fhir.ExplanationOfBenefitResource(c))
		}
	}
	writeFHIR(w, http.StatusOK, fhir.Bundle(fhir.BundleSearchset, entries))
}
