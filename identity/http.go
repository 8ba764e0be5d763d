package identity

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/state"
)

// HTTPRoutes are the identity module's read-only REST routes.
func HTTPRoutes(s *api.Server) []api.Route {
	page := []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	return []api.Route{
		{Method: "GET", Path: "/v1/orgs", Summary: "The consortium's organizations", Params: page, Handler: func(w http.ResponseWriter, r *http.Request) {
			snap, err := s.Snapshot(r)
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			p, err := api.Paginate(r, ListOrgs(snap), func(o Org) string { return o.ID })
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			api.WriteJSON(w, p)
		}},
		{Method: "GET", Path: "/v1/orgs/{id}", Summary: "One organization and its members", Params: []api.Param{{Name: "id", In: "path", Description: "organization id"}},
			Handler: func(w http.ResponseWriter, r *http.Request) {
				snap, err := s.Snapshot(r)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				o, ok := GetOrg(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrOrgNotFound.New("no organization %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, struct {
					Org
					Members []Member `json:"members"`
				}{o, ListMembers(snap, o.ID)})
			}},
		{Method: "GET", Path: "/v1/members/{org}/{name}", Summary: "One member: role, keys and status",
			Params: []api.Param{{Name: "org", In: "path", Description: "organization id"}, {Name: "name", In: "path", Description: "member name"}},
			Handler: func(w http.ResponseWriter, r *http.Request) {
				snap, err := s.Snapshot(r)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				id := MemberID(r.PathValue("org"), r.PathValue("name"))
				m, ok := GetMember(snap, id)
				if !ok {
					api.WriteProblem(w, r, ErrMemberNotFound.New("no member %s", medledger.Quote(id)))
					return
				}
				api.WriteJSON(w, m)
			}},
		{Method: "GET", Path: "/v1/patients/{id}", Summary: "A patient's pseudonymous record: keys and status, nothing personal",
			Params: []api.Param{{Name: "id", In: "path", Description: "patient id (pat-...)"}},
			Handler: func(w http.ResponseWriter, r *http.Request) {
				snap, err := s.Snapshot(r)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				p, ok := GetPatient(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrPatientNotFound.New("no patient %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, p)
			}},
		{Method: "GET", Path: "/v1/patients/{id}/guardians", Summary: "A patient's guardians and threshold: who may recover or freeze their identity",
			Params: []api.Param{{Name: "id", In: "path", Description: "patient id (pat-...)"}},
			Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				g, ok := GetGuardians(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrNoGuardians.New("patient %s has named no guardians", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, g)
			})},
		{Method: "GET", Path: "/v1/patients/{id}/recoveries", Summary: "A patient's recoveries that are open or waiting to take effect (closed ones are on the patient's log)",
			Params: append([]api.Param{{Name: "id", In: "path", Description: "patient id (pat-...)"}}, page...),
			Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				api.WritePage(w, r, OpenRecoveries(snap, r.PathValue("id")), func(rec Recovery) string { return fmt.Sprintf("%020d", recoverySeq(rec.ID)) })
			})},
		{Method: "GET", Path: "/v1/recoveries/{id}", Summary: "One recovery of a patient's identity: new key, approvals, status, when it takes effect",
			Params: []api.Param{{Name: "id", In: "path", Description: "recovery id (rcv-N)"}},
			Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				rec, ok := GetRecovery(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrRecoveryNotFound.New("no recovery %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, rec)
			})},
		{Method: "GET", Path: "/v1/proposals", Summary: "Governance proposals", Params: page, Handler: func(w http.ResponseWriter, r *http.Request) {
			snap, err := s.Snapshot(r)
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			p, err := api.Paginate(r, ListProposals(snap), func(p Proposal) string { return strconv.FormatUint(p.ID+1e12, 10) })
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			api.WriteJSON(w, p)
		}},
		{Method: "GET", Path: "/v1/proposals/{id}", Summary: "One governance proposal and its tally", Params: []api.Param{{Name: "id", In: "path", Description: "proposal number"}},
			Handler: func(w http.ResponseWriter, r *http.Request) {
				snap, err := s.Snapshot(r)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
				if err != nil {
					api.WriteProblem(w, r, api.ErrBadRequest.New("proposal id %s is not a number", medledger.Quote(r.PathValue("id"))))
					return
				}
				p, ok := GetProposal(snap, id)
				if !ok {
					api.WriteProblem(w, r, ErrProposalNotFound.New("no proposal %d", id))
					return
				}
				api.WriteJSON(w, p)
			}},
	}
}
