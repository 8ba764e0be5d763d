package records

import (
	"fmt"
	"net/http"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/state"
)

// HTTPRoutes are the records module's read-only REST routes. Reads return
// fingerprints, consents and disclosures: never documents, which only the
// custodian's node serves after a granted disclosure commits.
func HTTPRoutes(s *api.Server) []api.Route {
	page := []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	id := func(desc string) []api.Param {
		return append([]api.Param{{Name: "id", In: "path", Description: desc}}, page...)
	}
	withSnap := s.WithSnapshot
	seqKey := func(d Disclosure) string { return fmt.Sprintf("%020d", d.Seq) }
	list := func(w http.ResponseWriter, r *http.Request, ds []Disclosure) {
		api.WritePage(w, r, ds, seqKey)
	}
	return []api.Route{
		{Method: "GET", Path: "/v1/records/{id}", Summary: "A record's fingerprint: patient pseudonym, custodian, resource types, category, salted digest, status",
			Params: []api.Param{{Name: "id", In: "path", Description: "record id (rec-N)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				rec, ok := GetRecord(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrRecordNotFound.New("no record %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, rec)
			})},
		{Method: "GET", Path: "/v1/patients/{id}/records", Summary: "A patient's records, oldest first", Params: id("patient id (pat-...)"),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				api.WritePage(w, r, PatientRecords(snap, r.PathValue("id")), func(rec Record) string { return fmt.Sprintf("%020d", rec.Height) + rec.ID })
			})},
		{Method: "GET", Path: "/v1/consents/{id}", Summary: "One consent", Params: []api.Param{{Name: "id", In: "path", Description: "consent id (con-N)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				c, ok := GetConsent(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrConsentNotFound.New("no consent %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, c)
			})},
		{Method: "GET", Path: "/v1/patients/{id}/consents", Summary: "Every consent a patient granted, revoked ones too", Params: id("patient id"),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				api.WritePage(w, r, PatientConsents(snap, r.PathValue("id")), func(c Consent) string { return c.ID })
			})},
		{Method: "GET", Path: "/v1/patients/{id}/disclosures", Summary: "Accounting of disclosures: every read of a patient's records, refused and break-glass ones included", Params: id("patient id"),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				list(w, r, PatientDisclosures(snap, r.PathValue("id")))
			})},
		{Method: "GET", Path: "/v1/orgs/{id}/disclosures", Summary: "Disclosures of the records an organization holds", Params: id("organization id"),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				list(w, r, OrgDisclosures(snap, r.PathValue("id")))
			})},
		{Method: "GET", Path: "/v1/orgs/{id}/break-glass", Summary: "Every break-glass read by an organization's members, for review", Params: id("organization id"),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				list(w, r, BreakGlass(snap, r.PathValue("id")))
			})},
		sharedRoute(s, page),
	}
}

// sharedRoute is GET /v1/members/{org}/{name}/consents.
func sharedRoute(s *api.Server, page []api.Param) api.Route {
	return api.Route{Method: "GET", Path: "/v1/members/{org}/{name}/consents", Summary: "The consents in force granted to a member or to their organization: what patients have shared with them",
		Params: append([]api.Param{{Name: "org", In: "path", Description: "organization id"}, {Name: "name", In: "path", Description: "member name"}}, page...),
		Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			api.WritePage(w, r, SharedWith(snap, r.PathValue("org")+"/"+r.PathValue("name")), func(c Consent) string { return fmt.Sprintf("%020d", consentSeq(c.ID)) })
		})}
}
