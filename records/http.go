package records

import (
	"fmt"
	"net/http"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/state"
)

// signedNote ends the summary of every route that needs a signed request.
const signedNote = " (signed request, RFC 9421: the patient, or a reader whose records/lookup in the Medledger-Lookup header commits granted, and is on the patient's log)"

// HTTPRoutes are the records module's read-only REST routes. Reads return
// fingerprints, consents and disclosures: never documents, which only the
// custodian's node serves after a granted disclosure commits. Every route
// is about patients and needs a signed request (AuthorizeRead); the module
// also marks its raw state and transactions private (Private).
func HTTPRoutes(s *api.Server) []api.Route {
	s.Restrict(Private)
	page := []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	id := func(desc string) []api.Param {
		return append([]api.Param{{Name: "id", In: "path", Description: desc}}, page...)
	}
	seqKey := func(d Disclosure) string { return fmt.Sprintf("%020d", d.Seq) }
	// patient serves view of the patient named by the path's id to whom
	// AuthorizeRead allows, from the state after their lookup.
	patient := func(view string, fn func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot, a Access)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a, err := AuthorizeRead(s, r, r.PathValue("id"), view)
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) { fn(w, r, snap, a) })(w, r)
		}
	}
	org := func(list func(state.Reader, string) []Disclosure) http.HandlerFunc {
		return s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			if _, err := AuthorizeOrgRead(s, r, r.PathValue("id")); err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			api.WritePage(w, r, list(snap, r.PathValue("id")), seqKey)
		})
	}
	return []api.Route{
		{Method: "GET", Path: "/v1/records/{id}", Signed: true, Summary: "A record's fingerprint: patient pseudonym, custodian, resource types, category, salted digest, status" + signedNote,
			Params: []api.Param{{Name: "id", In: "path", Description: "record id (rec-N)"}}, Handler: oneRecord(s)},
		{Method: "GET", Path: "/v1/patients/{id}/records", Signed: true, Summary: "A patient's records, oldest first: those the reader may see" + signedNote, Params: id("patient id (pat-...)"),
			Handler: patient(ViewRecords, func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot, a Access) {
				recs := a.VisibleRecords(snap, s.Identities(), PatientRecords(snap, r.PathValue("id")))
				api.WritePage(w, r, recs, func(rec Record) string { return fmt.Sprintf("%020d", rec.Height) + rec.ID })
			})},
		{Method: "GET", Path: "/v1/consents/{id}", Signed: true, Summary: "One consent" + signedNote, Params: []api.Param{{Name: "id", In: "path", Description: "consent id (con-N)"}},
			Handler: oneConsent(s)},
		{Method: "GET", Path: "/v1/patients/{id}/consents", Signed: true, Summary: "Every consent a patient granted, revoked ones too: those the reader may see" + signedNote, Params: id("patient id"),
			Handler: patient(ViewConsents, func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot, a Access) {
				api.WritePage(w, r, a.VisibleConsents(PatientConsents(snap, r.PathValue("id"))), func(c Consent) string { return c.ID })
			})},
		{Method: "GET", Path: "/v1/patients/{id}/disclosures", Signed: true, Summary: "Accounting of disclosures: every read of a patient's records and metadata, refused and break-glass ones included" + signedNote, Params: id("patient id"),
			Handler: patient(ViewDisclosures, func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot, a Access) {
				api.WritePage(w, r, a.VisibleDisclosures(PatientDisclosures(snap, r.PathValue("id"))), seqKey)
			})},
		{Method: "GET", Path: "/v1/orgs/{id}/disclosures", Signed: true, Summary: "Disclosures of the records an organization holds (signed request by a member of it or an auditor)", Params: id("organization id"),
			Handler: org(OrgDisclosures)},
		{Method: "GET", Path: "/v1/orgs/{id}/break-glass", Signed: true, Summary: "Every break-glass read by an organization's members, for review (signed request by a member of it or an auditor)", Params: id("organization id"),
			Handler: org(BreakGlass)},
		sharedRoute(s, page),
	}
}

// oneRecord answers GET /v1/records/{id}: after the signature, so that an
// unsigned request learns nothing of which records exist.
func oneRecord(s *api.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, err := s.Reads().Require(r)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		latest, err := s.SnapshotAt(0)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		rec, ok := GetRecord(latest, r.PathValue("id"))
		if !ok {
			api.WriteProblem(w, r, ErrRecordNotFound.New("no record %s", medledger.Quote(r.PathValue("id"))))
			return
		}
		a, err := AuthorizeReadAs(s, r, who, rec.Patient, ViewRecords, rec.ID)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			rec, ok := GetRecord(snap, r.PathValue("id"))
			if !ok || len(a.VisibleRecords(snap, s.Identities(), []Record{rec})) == 0 {
				api.WriteProblem(w, r, ErrNoConsent.New("%s may not see record %s", a.Who.ID, medledger.Quote(r.PathValue("id"))))
				return
			}
			api.WriteJSON(w, rec)
		})(w, r)
	}
}

// oneConsent answers GET /v1/consents/{id}.
func oneConsent(s *api.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, err := s.Reads().Require(r)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		latest, err := s.SnapshotAt(0)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		c, ok := GetConsent(latest, r.PathValue("id"))
		if !ok {
			api.WriteProblem(w, r, ErrConsentNotFound.New("no consent %s", medledger.Quote(r.PathValue("id"))))
			return
		}
		a, err := AuthorizeReadAs(s, r, who, c.Patient, ViewConsents, c.ID)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		if !ConsentVisible(a.Who, a.Ground, c) {
			api.WriteProblem(w, r, ErrNoConsent.New("%s may not see consent %s", a.Who.ID, c.ID))
			return
		}
		api.WriteJSON(w, c)
	}
}

// sharedRoute is GET /v1/members/{org}/{name}/consents.
func sharedRoute(s *api.Server, page []api.Param) api.Route {
	return api.Route{Method: "GET", Path: "/v1/members/{org}/{name}/consents", Signed: true, Summary: "The consents in force granted to a member or to their organization: what patients have shared with them (signed request by a member of the organization or an auditor)",
		Params: append([]api.Param{{Name: "org", In: "path", Description: "organization id"}, {Name: "name", In: "path", Description: "member name"}}, page...),
		Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			if _, err := AuthorizeOrgRead(s, r, r.PathValue("org")); err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			api.WritePage(w, r, SharedWith(snap, r.PathValue("org")+"/"+r.PathValue("name")), func(c Consent) string { return fmt.Sprintf("%020d", consentSeq(c.ID)) })
		})}
}
