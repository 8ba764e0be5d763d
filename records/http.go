// The module's REST routes, and signed reads of a patient's metadata: who
// asks (RFC 9421), whether they may, and the records/lookup that logs a
// read by anyone but the patient before it is served. An adapter file
// (arch_test.go): it runs in the API server, never in a transition, so it
// may use net/http and the wall clock.

package records

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
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
		who, latest, err := s.RequireLatest(r)
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
		who, latest, err := s.RequireLatest(r)
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

// Access is an authorized read of a patient's metadata.
type Access struct {
	Who     app.Signer
	Ground  string // GroundPatient, GroundAudit, GroundCustodian or GroundConsent
	Purpose string
	Time    time.Time // when it was decided: the lookup's block time, or now for the patient
	// Disclosure is the sequence of the lookup on the patient's log; 0
	// for the patient's own read, which is not logged.
	Disclosure uint64
}

// Private is the records module's raw data that the core routes serve
// only to auditors (api.Private).
var Private = api.Private{StatePrefix: "records/", TxPrefix: "records/", Audit: Auditor}

// AuthorizeRead decides whether the signer of r may read view of patient's
// metadata, on a node served by s. The request MUST be signed (RFC 9421):
// unsigned, it is refused with httpsig/missing-signature (401). The patient
// reads at once; anyone else MUST carry, in LookupHeader, their own signed
// records/lookup transaction for this patient and view, which is committed
// (so the read is on the patient's log, granted or refused) before the
// answer. Returns records/no-consent (403, with the lookup's hash and
// height) when the chain refused it, records/lookup-required when the
// header is missing or names another read.
func AuthorizeRead(s *api.Server, r *http.Request, patient, view string) (Access, error) {
	who, err := s.Reads().Require(r)
	if err != nil {
		return Access{}, err
	}
	return AuthorizeReadAs(s, r, who, patient, view, "")
}

// AuthorizeReadAs is AuthorizeRead for a request whose signer who was
// authenticated already (a signature verifies once: its nonce is then
// spent). For a read of one record or consent, object is its id, which
// the lookup may name instead of the patient.
func AuthorizeReadAs(s *api.Server, r *http.Request, who api.Requester, patient, view, object string) (Access, error) {
	if Self(who.Signer, patient) {
		return Access{Who: who.Signer, Ground: GroundPatient, Time: time.Now().UTC()}, nil
	}
	h := r.Header.Get(LookupHeader)
	if h == "" {
		return Access{}, ErrLookupRequired.New("a read of patient %s's %s by anyone but the patient is logged on the patient's log: send your signed %s transaction {\"patient\":%q,\"view\":%q,\"purpose\":\"TREAT\"} (base64) in the %s header", patient, view, TypeLookup, patient, view, LookupHeader)
	}
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return Access{}, ErrLookupRequired.New("the %s header is not base64: %v", LookupHeader, err)
	}
	t, err := tx.Decode(raw)
	if err != nil {
		return Access{}, err
	}
	var b LookupBody
	if t.Type != TypeLookup || json.Unmarshal(t.Body, &b) != nil || t.Signer != who.ID || b.View != view ||
		!(b.Patient == patient && b.Object == "" || object != "" && b.Patient == "" && b.Object == object) {
		return Access{}, ErrLookupRequired.New("the %s header must hold a %s by %s of view %s of patient %s", LookupHeader, TypeLookup, who.ID, view, patient)
	}
	c, err := s.SubmitCommit(r.Context(), raw)
	if err != nil {
		return Access{}, err
	}
	seq := lookupSeq(c)
	snap, err := s.SnapshotAt(0)
	if err != nil {
		return Access{}, err
	}
	var d Disclosure
	if seq == 0 || !get(snap, DisclosureKey(patient, seq), &d) {
		return Access{}, fmt.Errorf("lookup %X committed without its disclosure", c.Hash)
	}
	if d.Outcome != OutcomeGranted {
		p := api.ProblemOf(ErrNoConsent.New("%s", d.Missing))
		p.Hash, p.Height = d.TxHash, d.Height
		return Access{}, &api.ProblemError{Problem: p}
	}
	return Access{Who: who.Signer, Ground: d.Ground, Purpose: d.Purpose, Time: d.Time, Disclosure: d.Seq}, nil
}

func lookupSeq(c app.Committed) uint64 {
	if c.Result == nil {
		return 0
	}
	for _, ev := range c.Result.Events {
		if ev.Type != EventLookedUp {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "disclosure" {
				var n uint64
				fmt.Sscan(a.Value, &n)
				return n
			}
		}
	}
	return 0
}

// VisibleRecords keeps the records a may see.
func (a Access) VisibleRecords(r state.Reader, ids app.Identities, recs []Record) []Record {
	purpose := a.Purpose
	if purpose == "" {
		purpose = PurposeTreatment
	}
	return slices.DeleteFunc(recs, func(rec Record) bool { return !Visible(r, ids, a.Who, a.Ground, purpose, a.Time, rec) })
}

// VisibleConsents keeps the consents a may see.
func (a Access) VisibleConsents(cs []Consent) []Consent {
	return slices.DeleteFunc(cs, func(c Consent) bool { return !ConsentVisible(a.Who, a.Ground, c) })
}

// VisibleDisclosures keeps the disclosures a may see.
func (a Access) VisibleDisclosures(ds []Disclosure) []Disclosure {
	return slices.DeleteFunc(ds, func(d Disclosure) bool { return !DisclosureVisible(a.Who, a.Ground, d) })
}

// AuthorizeOrgRead decides whether the signer of r may read what
// organization org holds or did (its disclosures, its members'
// break-glass reads, the consents granted to a member of it): a member of
// org or an auditor. These lists are the organization's own accounts, not
// one patient's, and are not logged per patient (docs/privacy.md).
func AuthorizeOrgRead(s *api.Server, r *http.Request, org string) (app.Signer, error) {
	who, err := s.Reads().Require(r)
	if err != nil {
		return app.Signer{}, err
	}
	if who.Org != org && !Auditor(who.Signer) {
		return app.Signer{}, tx.ErrUnauthorized.New("only members of %s and auditors read its accounts; %s is not one", medledger.Quote(org), who.ID)
	}
	return who.Signer, nil
}
