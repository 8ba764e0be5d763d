// Signed reads of a patient's metadata: who asks (RFC 9421), whether they
// may, and the records/lookup that logs a read by anyone but the patient
// before it is served.

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
	if who.Kind == app.KindPatient && who.ID == patient {
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
