package trials

import (
	"fmt"
	"net/http"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/state"
)

// HTTPRoutes are the trials module's read-only REST routes. Everything
// here is public to the consortium: trials, protocol digests, outcomes and
// their switches, results, and subjects by pseudonym only.
func HTTPRoutes(s *api.Server) []api.Route {
	page := []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	id := []api.Param{{Name: "id", In: "path", Description: "trial id"}}
	withSnap := s.WithSnapshot
	trial := func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) (Trial, bool) {
		t, ok := GetTrial(snap, r.PathValue("id"))
		if !ok {
			api.WriteProblem(w, r, ErrTrialNotFound.New("no trial %s", medledger.Quote(r.PathValue("id"))))
		}
		return t, ok
	}
	seq := func(n uint64) string { return fmt.Sprintf("%020d", n) }
	return []api.Route{
		{Method: "GET", Path: "/v1/trials", Summary: "Every registered trial, by id", Params: page,
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				api.WritePage(w, r, ListTrials(snap), func(t Trial) string { return t.ID })
			})},
		{Method: "GET", Path: "/v1/trials/{id}", Summary: "A trial: its protocol versions, declared outcomes and every outcome switch, results, and the outcomes still unreported",
			Params: id,
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				if t, ok := trial(w, r, snap); ok {
					api.WriteJSON(w, Show(snap, t))
				}
			})},
		{Method: "GET", Path: "/v1/trials/{id}/subjects", Summary: "A trial's subjects (pseudonyms for this trial only), their site, consents and withdrawal",
			Params: append(id, page...),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				if t, ok := trial(w, r, snap); ok {
					api.WritePage(w, r, Subjects(snap, t.ID), func(s Subject) string { return s.ID })
				}
			})},
		{Method: "GET", Path: "/v1/trials/{id}/batches", Summary: "A trial's anchored data batches: Merkle root, record count, subjects, site and height",
			Params: append(id, page...),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				if t, ok := trial(w, r, snap); ok {
					api.WritePage(w, r, Batches(snap, t.ID), func(b Batch) string { return seq(b.Seq) })
				}
			})},
	}
}
