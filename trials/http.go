package trials

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// HTTPRoutes are the trials module's read-only REST routes. Trials,
// protocol digests, outcomes and their switches and results are public to
// whoever asks; a trial's subjects (who is in it, at which site, whether
// they consented or withdrew) and its data batches (which subjects' records
// each holds, sent by which site) are about patients, even under a
// pseudonym, and need a signed request (ReadSubjects, ReadBatches).
func HTTPRoutes(s *api.Server) []api.Route {
	for _, p := range Private {
		s.Restrict(p)
	}
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
		{Method: "GET", Path: "/v1/trials/{id}/subjects", Signed: true, Summary: "A trial's subjects (pseudonyms for this trial only), their site, consents and withdrawal" + SubjectsNote,
			Params: append(id, page...),
			Handler: func(w http.ResponseWriter, r *http.Request) {
				only, err := authorizeRead(s, r, r.PathValue("id"), ReadSubjects)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
					if t, ok := trial(w, r, snap); ok {
						api.WritePage(w, r, OnlySubject(Subjects(snap, t.ID), only), func(s Subject) string { return s.ID })
					}
				})(w, r)
			}},
		{Method: "GET", Path: "/v1/trials/{id}/batches", Signed: true, Summary: "A trial's anchored data batches: Merkle root, record count, subjects, site and height" + BatchesNote,
			Params: append(id, page...),
			Handler: func(w http.ResponseWriter, r *http.Request) {
				only, err := authorizeRead(s, r, r.PathValue("id"), ReadBatches)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
					if t, ok := trial(w, r, snap); ok {
						api.WritePage(w, r, OnlyBatches(Batches(snap, t.ID), only), func(b Batch) string { return seq(b.Seq) })
					}
				})(w, r)
			}},
	}
}

// Private is the trials module's raw data about its participants: what
// GET /v1/state serves of a trial's subjects and data batches (each batch
// names the subjects whose records it holds, and its site), and GET
// /v1/tx/{hash} of an enrolment, consent, withdrawal or data batch, only to
// auditors (and a transaction to its signer), as the signed routes serve
// them only to ReadSubjects' and ReadBatches' readers (api.Private).
var Private = []api.Private{
	{StatePrefix: prefixSubject, TxPrefix: TypeEnroll, Audit: Auditor},
	{TxPrefix: TypeConsent, Audit: Auditor},
	{TxPrefix: TypeWithdraw, Audit: Auditor},
	{StatePrefix: prefixBatch, TxPrefix: TypeData, Audit: Auditor},
}

// SubjectsNote ends the summary of every route that serves a trial's
// subjects.
const SubjectsNote = " (signed request, RFC 9421: a member of the trial's sponsor or of one of its sites, or a regulator's inspector; a participant, signing with their pseudonym for the trial, reads their own)"

// BatchesNote ends the summary of every route that serves a trial's data
// batches.
const BatchesNote = " (signed request, RFC 9421: a member of the trial's sponsor or of one of its sites, or a regulator's inspector; a participant, signing with their pseudonym for the trial, reads the batches that hold their records, each naming them only)"

// Auditor reports whether who has an audit duty over every trial: a
// regulator's inspector.
func Auditor(who app.Signer) bool {
	return who.Kind == app.KindMember && who.OrgKind == "regulator" && who.Role == "inspector"
}

// ReadSubjects decides whether who may read trial t's subjects. A member
// of the sponsor or of one of the sites, and an auditor, read them all
// (only is empty); a participant of t, signing with their pseudonym for
// it, reads their own entry only (only is their id). Others are refused
// with tx/unauthorized: which patients take part in a trial is about them.
func ReadSubjects(who app.Signer, t Trial) (only string, err error) {
	return readTrial(who, t, "subjects", "their own entry")
}

// ReadBatches decides whether who may read trial t's data batches, which
// name the subjects whose records each holds and the site that sent them:
// the readers of its subjects (ReadSubjects). A member of the sponsor or of
// one of the sites, and an auditor, read every batch whole (only is empty);
// a participant of t, signing with their pseudonym for it, reads the
// batches that hold their records, each naming them only (only is their
// id: OnlyBatches). Others are refused with tx/unauthorized.
func ReadBatches(who app.Signer, t Trial) (only string, err error) {
	return readTrial(who, t, "data batches", "the batches holding their records, naming them only")
}

// readTrial is ReadSubjects and ReadBatches: what (the trial's subjects or
// batches) is read by the sponsor's and the sites' members and auditors,
// and by a participant of t, signing with their pseudonym for it, as own
// says.
func readTrial(who app.Signer, t Trial, what, own string) (only string, err error) {
	switch {
	case who.Kind == app.KindMember && (who.Org == t.Sponsor || t.Site(who.Org)), Auditor(who):
		return "", nil
	case who.Kind == app.KindPseudonym && who.Context == Context(t.ID):
		return who.ID, nil
	}
	return "", tx.ErrUnauthorized.New("trial %s's %s are read by members of its sponsor (%s) and of its sites (%s), by a regulator's inspectors, and by each participant (%s, under their pseudonym for the trial); %s is none of these",
		t.ID, what, t.Sponsor, strings.Join(t.Sites, ", "), own, who.ID)
}

// OnlySubject keeps, of subs, the one whose id is only; all of them when
// only is empty (ReadSubjects).
func OnlySubject(subs []Subject, only string) []Subject {
	if only == "" {
		return subs
	}
	return slices.DeleteFunc(subs, func(s Subject) bool { return s.ID != only })
}

// OnlyBatches keeps, of batches, those that hold records of subject only,
// each naming only that subject; all of them, whole, when only is empty
// (ReadBatches). A batch's root, count, site and height stay: they prove
// the participant's records anchored, and name no one else.
func OnlyBatches(batches []Batch, only string) []Batch {
	if only == "" {
		return batches
	}
	out := batches[:0]
	for _, b := range batches {
		if _, ok := slices.BinarySearch(b.Subjects, only); ok {
			b.Subjects = []string{only}
			out = append(out, b)
		}
	}
	return out
}

// authorizeRead authenticates the signer of r (RFC 9421) and decides, in
// the latest state, whether they may read trial's subjects or batches
// (decide: ReadSubjects or ReadBatches): after the signature, so that an
// unsigned request learns nothing, not even whether the trial exists.
func authorizeRead(s *api.Server, r *http.Request, trial string, decide func(app.Signer, Trial) (string, error)) (only string, err error) {
	who, latest, err := s.RequireLatest(r)
	if err != nil {
		return "", err
	}
	t, ok := GetTrial(latest, trial)
	if !ok {
		return "", ErrTrialNotFound.New("no trial %s", medledger.Quote(trial))
	}
	return decide(who.Signer, t)
}
