package identity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// HTTPRoutes are the identity module's read-only REST routes. Those about
// a patient's guardians and recoveries need a signed request (RFC 9421)
// by someone MayReadGuardians allows; the rest (organizations, members, a
// patient's public keys, proposals) are public to whoever asks.
func HTTPRoutes(s *api.Server) []api.Route {
	for _, p := range Private {
		s.Restrict(p)
	}
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
		{Method: "GET", Path: "/v1/patients/{id}/guardians", Signed: true, Summary: "A patient's guardians and threshold: who may recover or freeze their identity" + guardianNote,
			Params: []api.Param{{Name: "id", In: "path", Description: "patient id (pat-...)"}},
			Handler: guardianRead(s, func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				g, ok := GetGuardians(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrNoGuardians.New("patient %s has named no guardians", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, g)
			})},
		{Method: "GET", Path: "/v1/patients/{id}/recoveries", Signed: true, Summary: "A patient's recoveries that are open or waiting to take effect (closed ones are on the patient's log)" + guardianNote,
			Params: append([]api.Param{{Name: "id", In: "path", Description: "patient id (pat-...)"}}, page...),
			Handler: guardianRead(s, func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				api.WritePage(w, r, OpenRecoveries(snap, r.PathValue("id")), func(rec Recovery) string { return fmt.Sprintf("%020d", recoverySeq(rec.ID)) })
			})},
		{Method: "GET", Path: "/v1/recoveries/{id}", Signed: true, Summary: "One recovery of a patient's identity: new key, approvals, status, when it takes effect" + guardianNote + "; a guardian who asked for or approved it reads it too",
			Params: []api.Param{{Name: "id", In: "path", Description: "recovery id (rcv-N)"}}, Handler: oneRecovery(s)},
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

// Private is the identity module's raw data about whom a patient trusts
// and who is recovering their identity: what GET /v1/state and GET
// /v1/tx/{hash} serve of it only to auditors (and a transaction to its
// signer), as the signed routes serve it only to the patient and their
// guardians (api.Private).
var Private = []api.Private{
	{StatePrefix: prefixGuardians, TxPrefix: TypePatientGuardians, Audit: Auditor},
	{StatePrefix: prefixRecovery, TxPrefix: "identity/recovery-", Audit: Auditor},
	{StatePrefix: prefixOpenRecovery, TxPrefix: TypePatientFreeze, Audit: Auditor},
	{StatePrefix: prefixRecoveryDue, Audit: Auditor},
	// An enrolment may name the patient's first guardians.
	{TxPrefix: TypeEnrollPatient, Audit: Auditor},
	// A lookup names the patient and who read their guardians.
	{TxPrefix: TypeLookup, Audit: Auditor},
}

// guardianNote ends the summary of the routes about a patient's guardians
// and recoveries.
const guardianNote = " (signed request, RFC 9421: the patient, one of their guardians, or a regulator's inspector; anyone but the patient with their signed identity/lookup in the Medledger-Lookup header, which puts the read on the patient's log)"

// guardianRead serves fn, from the state the request asks for, to a signer
// MayReadGuardians allows for the patient the path's id names (in the
// latest state: a guardian no longer named reads no past one).
func guardianRead(s *api.Server, fn func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, latest, err := s.RequireLatest(r)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		if err := logRead(s, r, latest, who.Signer, r.PathValue("id"), LookupBody{Patient: r.PathValue("id")}); err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		s.WithSnapshot(fn)(w, r)
	}
}

// oneRecovery answers GET /v1/recoveries/{id}: after the signature, so
// that an unsigned request learns nothing of which recoveries exist.
func oneRecovery(s *api.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, latest, err := s.RequireLatest(r)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		id := r.PathValue("id")
		rec, ok := GetRecovery(latest, id)
		if !ok {
			api.WriteProblem(w, r, ErrRecoveryNotFound.New("no recovery %s", medledger.Quote(id)))
			return
		}
		if err := logRead(s, r, latest, who.Signer, rec.Patient, LookupBody{Recovery: id}, append([]string{rec.RequestedBy}, rec.Approvals...)...); err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			rec, ok := GetRecovery(snap, id)
			if !ok {
				api.WriteProblem(w, r, ErrRecoveryNotFound.New("no recovery %s at this height", medledger.Quote(id)))
				return
			}
			api.WriteJSON(w, rec)
		})(w, r)
	}
}

// logRead decides the read r of patient's guardians or recoveries by who
// (MayReadGuardians, with also as there) and puts it on the patient's log
// before it is answered: the patient reads at once; anyone else MUST
// carry, in LookupHeader, their own signed identity/lookup of want, which
// is committed here (the chain decides it and notes it on the patient's
// log, granted or refused). A refused read answers identity/not-guardian;
// one without the lookup identity/lookup-required (a reader who may not
// read at all identity/not-guardian at once: there is nothing to log but
// an attempt they did not sign).
func logRead(s *api.Server, r *http.Request, latest state.Reader, who app.Signer, patient string, want LookupBody, also ...string) error {
	if who.Kind == app.KindPatient && who.ID == patient {
		return nil
	}
	h := r.Header.Get(LookupHeader)
	wantJSON, _ := json.Marshal(want)
	if h == "" {
		if err := MayReadGuardians(latest, who, patient, also...); err != nil {
			return err
		}
		return ErrLookupRequired.New("a read of patient %s's guardians and recoveries by anyone but the patient is logged on the patient's log: send your signed %s transaction %s (base64) in the %s header", patient, TypeLookup, wantJSON, LookupHeader)
	}
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return ErrLookupRequired.New("the %s header is not base64: %v", LookupHeader, err)
	}
	t, err := tx.Decode(raw)
	if err != nil {
		return err
	}
	var b LookupBody
	if t.Type != TypeLookup || json.Unmarshal(t.Body, &b) != nil || t.Signer != who.ID || b != want {
		return ErrLookupRequired.New("the %s header must hold a %s by %s of %s", LookupHeader, TypeLookup, who.ID, wantJSON)
	}
	c, err := s.SubmitCommit(r.Context(), raw)
	if err != nil {
		return err
	}
	outcome, missing := "", ""
	for _, ev := range c.Result.Events {
		if ev.Type != EventLookedUp {
			continue
		}
		for _, a := range ev.Attributes {
			switch a.Key {
			case "outcome":
				outcome = a.Value
			case "missing":
				missing = a.Value
			}
		}
	}
	if outcome != LookupGranted {
		return ErrNotGuardian.New("%s (refused by the chain in block %d, and on the patient's log)", missing, c.Height)
	}
	return nil
}
