package site

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/tx"
)

// IncludeConsent is the _include value of a ResearchSubject search that
// adds each participant's consents.
const IncludeConsent = "ResearchSubject:consent"

// fhirRoutes are the FHIR R4 views of trials. They serve what the chain
// serves (GET /v1/trials...) to the same readers: trials to whoever asks;
// participants, by pseudonym only, on a signed request (RFC 9421) by whom
// trials.ReadSubjects allows.
func (s *Service) fhirRoutes(srv *api.Server) []api.Route {
	page := []api.Param{{Name: "_count", In: "query", Description: "page size, 1 to 1000 (default 100)"},
		{Name: "_cursor", In: "query", Description: "where the page starts: the id in the previous page's next link"}}
	return []api.Route{
		{Method: "GET", Path: "/fhir/ResearchStudy", Summary: "FHIR searchset Bundle of trials as ResearchStudy resources (paged)",
			Params: append([]api.Param{{Name: "_id", In: "query", Description: "a trial id"}}, page...), Handler: srv.WithSnapshot(s.fhirStudies)},
		{Method: "GET", Path: "/fhir/ResearchStudy/{id}", Summary: "FHIR read of a trial as a ResearchStudy: declared outcomes as objectives, outcome switches, results",
			Params: []api.Param{{Name: "id", In: "path", Description: "trial id"}}, Handler: srv.WithSnapshot(s.fhirStudy)},
		{Method: "GET", Path: "/fhir/ResearchSubject", Signed: true, Summary: "FHIR searchset Bundle of a trial's participants as ResearchSubject resources, by pseudonym (paged); with _include=ResearchSubject:consent their consents too" + trials.SubjectsNote,
			Params: append([]api.Param{{Name: "study", In: "query", Description: "the trial: its id or ResearchStudy/{id}", Required: true},
				{Name: "_include", In: "query", Description: "ResearchSubject:consent adds each participant's Consent resources"}}, page...),
			Handler: signedFHIR(srv, s.fhirSubjects)},
		{Method: "GET", Path: "/fhir/ResearchSubject/{id}", Signed: true, Summary: "FHIR read of a trial participant as a ResearchSubject, by their pseudonym" + trials.SubjectsNote,
			Params: []api.Param{{Name: "id", In: "path", Description: "the participant's pseudonym for the trial (psn-...)"}}, Handler: signedFHIR(srv, s.fhirSubject)},
	}
}

// signedFHIR serves fn, from the state the request asks for, to the
// signer of r (RFC 9421, verified by the node's authenticator of signed
// reads, with the latest state: fn decides what they may read); a request
// that does not verify gets an OperationOutcome with the status of its
// problem (401 when unsigned).
func signedFHIR(srv *api.Server, fn func(w http.ResponseWriter, r *http.Request, latest, snap state.Reader, who app.Signer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, latest, err := srv.RequireLatest(r)
		if err != nil {
			writeOutcome(w, err)
			return
		}
		snap, err := srv.Snapshot(r)
		if err != nil {
			writeOutcome(w, err)
			return
		}
		fn(w, r, latest, snap, who.Signer)
	}
}

func writeFHIR(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", fhir.ContentType)
	w.WriteHeader(status)
	w.Write(body)
}

func writeOutcome(w http.ResponseWriter, err error) {
	writeFHIR(w, api.StatusOf(medledger.As(err).Kind), fhir.OperationOutcome(err))
}

// pageOf cuts ids (sorted) at _cursor and _count, and says where the next
// page starts ("" on the last).
func pageOf(r *http.Request, ids []string) (start, end int, next string, err error) {
	q := r.URL.Query()
	n := api.DefaultPageSize
	if v := q.Get("_count"); v != "" {
		c, perr := strconv.Atoi(v)
		if perr != nil || c < 1 || c > api.MaxPageSize {
			return 0, 0, "", api.ErrBadRequest.New("_count %s must be 1 to %d", medledger.Quote(v), api.MaxPageSize)
		}
		n = c
	}
	if c := q.Get("_cursor"); c != "" {
		start = sort.SearchStrings(ids, c)
	}
	end = min(start+n, len(ids))
	if end < len(ids) {
		next = ids[end]
	}
	return start, end, next, nil
}

// link is the URL of the page of r's search that starts at cursor.
func link(r *http.Request, cursor string) string {
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if k != "_cursor" {
			q[k] = vs
		}
	}
	if cursor != "" {
		q.Set("_cursor", cursor)
	}
	return r.URL.Path + "?" + q.Encode()
}

func (s *Service) fhirStudies(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	var list []trials.Trial
	if id := r.URL.Query().Get("_id"); id != "" {
		if t, ok := trials.GetTrial(snap, id); ok {
			list = []trials.Trial{t}
		}
	} else {
		list = trials.ListTrials(snap)
	}
	ids := make([]string, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	start, end, next, err := pageOf(r, ids)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	var entries [][]byte
	for _, t := range list[start:end] {
		entries = append(entries, fhir.ResearchStudy(trials.Show(snap, t), ""))
	}
	nextURL := ""
	if next != "" {
		nextURL = link(r, next)
	}
	writeFHIR(w, http.StatusOK, fhir.SearchPage(entries, nil, len(list), link(r, r.URL.Query().Get("_cursor")), nextURL))
}

func (s *Service) fhirStudy(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	t, err := trialOf(r, snap)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	writeFHIR(w, http.StatusOK, fhir.ResearchStudy(trials.Show(snap, t), ""))
}

func (s *Service) fhirSubjects(w http.ResponseWriter, r *http.Request, latest, snap state.Reader, who app.Signer) {
	q := r.URL.Query()
	study := strings.TrimPrefix(q.Get("study"), "ResearchStudy/")
	if study == "" {
		writeOutcome(w, api.ErrBadRequest.New("the search parameter study is required: the trial's id, e.g. ?study=NCT09990001"))
		return
	}
	include := false
	for _, inc := range q["_include"] {
		if inc != IncludeConsent {
			writeOutcome(w, api.ErrBadRequest.New("_include %s is not supported; %s is", medledger.Quote(inc), IncludeConsent))
			return
		}
		include = true
	}
	t, ok := trials.GetTrial(latest, study)
	if !ok {
		writeOutcome(w, trials.ErrTrialNotFound.New("no trial %s", medledger.Quote(study)))
		return
	}
	only, err := trials.ReadSubjects(who, t)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	list := trials.OnlySubject(trials.Subjects(snap, t.ID), only)
	ids := make([]string, len(list))
	for i, sub := range list {
		ids[i] = sub.ID
	}
	start, end, next, err := pageOf(r, ids)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	var matches, included [][]byte
	for _, sub := range list[start:end] {
		matches = append(matches, fhir.ResearchSubject(sub))
		if include {
			included = append(included, fhir.TrialConsentResources(sub)...)
		}
	}
	nextURL := ""
	if next != "" {
		nextURL = link(r, next)
	}
	writeFHIR(w, http.StatusOK, fhir.SearchPage(matches, included, len(list), link(r, q.Get("_cursor")), nextURL))
}

func (s *Service) fhirSubject(w http.ResponseWriter, r *http.Request, latest, snap state.Reader, who app.Signer) {
	id := r.PathValue("id")
	notFound := trials.ErrSubjectNotFound.New("no trial participant %s", medledger.Quote(id))
	p, ok := s.IDs.Pseudonym(latest, id)
	trial, isTrial := strings.CutPrefix(p.Context, trials.Context(""))
	t, found := trials.GetTrial(latest, trial)
	if !ok || !isTrial || !found {
		writeOutcome(w, notFound)
		return
	}
	only, err := trials.ReadSubjects(who, t)
	if err == nil && only != "" && only != id {
		err = tx.ErrUnauthorized.New("a participant reads their own entry only: %s is not %s", who.ID, medledger.Quote(id))
	}
	if err != nil {
		writeOutcome(w, err)
		return
	}
	sub, ok := trials.GetSubject(snap, trial, id)
	if !ok {
		writeOutcome(w, notFound)
		return
	}
	writeFHIR(w, http.StatusOK, fhir.ResearchSubject(sub))
}
