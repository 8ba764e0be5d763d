package records_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

func newChain(t *testing.T) (*chaintest.Chain, *chaintest.Consortium) {
	c := chaintest.Demo()
	c.Orgs = append(c.Orgs, identity.Org{ID: "berlin-clinic", Name: "Berlin Clinic", Kind: identity.KindClinic, Jurisdiction: "DE"})
	c.AddMember("berlin-clinic/admin", identity.RoleAdmin).AddMember("berlin-clinic/dr-weber", identity.RoleClinician)
	c.Modules = []app.Module{records.Module{}}
	ch := chaintest.New(t, c)
	ch.Block()
	return ch, c
}

func addRecord(t *testing.T, ch *chaintest.Chain, patient, category string, types ...string) string {
	t.Helper()
	res := ch.Deliver(ch.Sign("northside-hospital/dr-chen", records.TypeAdd, records.AddBody{Patient: patient, ResourceTypes: types,
		Category: category, Digest: chaintest.Digest(patient + category + strings.Join(types, ",")), Ref: "doc-" + category}))
	chaintest.RequireOK(t, res, "add record")
	return attr(t, res, records.EventAdded, "record")
}

func attr(t *testing.T, res *abci.ExecTxResult, typ, key string) string {
	t.Helper()
	for _, ev := range res.GetEvents() {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
	}
	t.Fatalf("no event %s with %s in %s", typ, key, chaintest.Describe(res))
	return ""
}

func accessTx(ch *chaintest.Chain, reader, rec, purpose, breakGlass string) []byte {
	return ch.Sign(reader, records.TypeAccess, records.AccessBody{Record: rec, Purpose: purpose, BreakGlass: breakGlass})
}

func lastDisclosure(t *testing.T, ch *chaintest.Chain, patient string) records.Disclosure {
	t.Helper()
	ds := records.PatientDisclosures(ch.Latest(), patient)
	if len(ds) == 0 {
		t.Fatal("no disclosures")
	}
	return ds[len(ds)-1]
}

// TestConsentStory walks the story on the chain side: a refused
// read is logged with what is missing; a grant allows it; revocation takes
// effect in the next block; break glass is flagged; erasure ends reads.
func TestConsentStory(t *testing.T) {
	ch, c := newChain(t)
	alice := c.Patients[0].ID()
	rec := addRecord(t, ch, alice, "laboratory", "Observation")

	chaintest.RequireOK(t, ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeTreatment, "")), "access without consent")
	d := lastDisclosure(t, ch, alice)
	if d.Outcome != records.OutcomeRefused || !strings.Contains(d.Missing, "no consent") {
		t.Fatalf("refusal logged as %+v", d)
	}

	grant := ch.Deliver(ch.Sign(alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		NotAfter: ch.Time.Add(30 * 24 * time.Hour)}))
	chaintest.RequireOK(t, grant, "grant")
	consent := attr(t, grant, records.EventGranted, "consent")

	chaintest.RequireOK(t, ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeTreatment, "")), "access with consent")
	d = lastDisclosure(t, ch, alice)
	if d.Outcome != records.OutcomeGranted || d.Consent != consent || d.BreakGlass {
		t.Fatalf("consented read logged as %+v", d)
	}
	// Purpose outside the consent: refused, and says why.
	ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeResearch, ""))
	if d = lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeRefused || !strings.Contains(d.Missing, "allows TREAT, not HRESCH") {
		t.Fatalf("wrong-purpose read logged as %+v", d)
	}

	chaintest.RequireOK(t, ch.Deliver(ch.Sign(alice, records.TypeRevoke, records.ConsentRef{Consent: consent})), "revoke")
	ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeTreatment, ""))
	if d = lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeRefused {
		t.Fatalf("read after revocation logged as %+v", d)
	}

	chaintest.RequireOK(t, ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeEmergencyTreatment, "unconscious-patient")), "break glass")
	if d = lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeGranted || !d.BreakGlass || d.Reason != "unconscious-patient" {
		t.Fatalf("break glass logged as %+v", d)
	}
	if bg := records.BreakGlass(ch.Latest(), "lakeside-clinic"); len(bg) != 1 || bg[0].Seq != d.Seq {
		t.Fatalf("break-glass review list: %+v", bg)
	}
	chaintest.RequireCode(t, ch.Deliver(accessTx(ch, "cityrx-pharmacy/pharmacist", rec, records.PurposeTreatment, "life-threatening")),
		records.ErrBreakGlassRole, "pharmacist breaking glass")
	chaintest.RequireCode(t, ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeTreatment, "because")),
		records.ErrInvalid, "free-text break-glass reason")

	// The patient's accounting lists every read, refused ones included.
	if n := len(records.PatientDisclosures(ch.Latest(), alice)); n != 5 {
		t.Fatalf("alice's accounting has %d disclosures, want 5", n)
	}

	other := c.Patients[1].ID()
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(other, records.TypeErase, records.RecordRef{Record: rec})), records.ErrNotYours, "erase another's record")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(alice, records.TypeErase, records.RecordRef{Record: rec})), "erase")
	chaintest.RequireCode(t, ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, records.PurposeEmergencyTreatment, "unconscious-patient")),
		records.ErrErased, "read after erasure")
	if r, _ := records.GetRecord(ch.Latest(), rec); r.Status != records.StatusErased {
		t.Fatalf("record after erasure: %+v", r)
	}
}

func TestGrantRules(t *testing.T) {
	ch, c := newChain(t)
	alice, bob := c.Patients[0].ID(), c.Patients[1].ID()
	bobsRec := addRecord(t, ch, bob, "imaging", "ImagingStudy")
	until := ch.Time.Add(24 * time.Hour)
	for _, tc := range []struct {
		name string
		body records.GrantBody
		code records.GrantBody
		want string
	}{
		{name: "another patient's record", body: records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: until, Scope: records.Scope{Records: []string{bobsRec}}}, want: "not-your-record"},
		{name: "unknown grantee", body: records.GrantBody{Grantee: "nowhere", Purposes: []string{"TREAT"}, NotAfter: until}, want: "grantee-not-found"},
		{name: "unknown member", body: records.GrantBody{Grantee: "lakeside-clinic/nobody", Purposes: []string{"TREAT"}, NotAfter: until}, want: "grantee-not-found"},
		{name: "bad purpose", body: records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"FUN"}, NotAfter: until}, want: "invalid"},
		{name: "no purpose", body: records.GrantBody{Grantee: "lakeside-clinic", NotAfter: until}, want: "invalid"},
		{name: "ends in the past", body: records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: ch.Time.Add(-time.Hour)}, want: "invalid"},
		{name: "too long", body: records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: ch.Time.Add(20 * 365 * 24 * time.Hour)}, want: "invalid"},
		{name: "bad category", body: records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: until, Scope: records.Scope{Categories: []string{"gossip"}}}, want: "invalid"},
		{name: "bad jurisdiction", body: records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: until, Jurisdictions: []string{"germany"}}, want: "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ch.Deliver(ch.Sign(alice, records.TypeGrant, tc.body))
			if res.Code == 0 || res.Info != tc.want {
				t.Fatalf("got %s, want %s", chaintest.Describe(res), tc.want)
			}
		})
	}
	// Only patients grant; only clinicians add records.
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("lakeside-clinic/dr-patel", records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: until})), tx.ErrUnauthorized, "clinician granting")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(alice, records.TypeAdd, records.AddBody{Patient: alice, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: chaintest.Digest("x"), Ref: "d"})), tx.ErrUnauthorized, "patient adding")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("northside-hospital/dr-chen", records.TypeAdd, records.AddBody{Patient: "pat-nobody", ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: chaintest.Digest("x"), Ref: "d"})), records.ErrPatientNotFound, "unknown patient")
}

// TestScopeAndJurisdiction: a scoped consent covers only its categories;
// a reader in another country needs the patient's opt-in.
func TestScopeAndJurisdiction(t *testing.T) {
	ch, c := newChain(t)
	alice := c.Patients[0].ID()
	lab := addRecord(t, ch, alice, "laboratory", "Observation")
	note := addRecord(t, ch, alice, "clinical-note", "DocumentReference")
	until := ch.Time.Add(24 * time.Hour)
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic/dr-patel",
		Purposes: []string{"TREAT"}, NotAfter: until, Scope: records.Scope{Categories: []string{"laboratory"}}})), "scoped grant")
	ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", lab, "TREAT", ""))
	if d := lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeGranted {
		t.Fatalf("in-scope read: %+v", d)
	}
	ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", note, "TREAT", ""))
	if d := lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeRefused || !strings.Contains(d.Missing, "category clinical-note") {
		t.Fatalf("out-of-scope read: %+v", d)
	}
	// A member-level grant does not extend to colleagues.
	ch.Deliver(accessTx(ch, "lakeside-clinic/admin", lab, "TREAT", ""))
	if d := lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeRefused {
		t.Fatalf("colleague read: %+v", d)
	}

	chaintest.RequireOK(t, ch.Deliver(ch.Sign(alice, records.TypeGrant, records.GrantBody{Grantee: "berlin-clinic", Purposes: []string{"TREAT"}, NotAfter: until})), "grant abroad")
	ch.Deliver(accessTx(ch, "berlin-clinic/dr-weber", lab, "TREAT", ""))
	if d := lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeRefused || !strings.Contains(d.Missing, "cross-border") {
		t.Fatalf("cross-border read without opt-in: %+v", d)
	}
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(alice, records.TypeGrant, records.GrantBody{Grantee: "berlin-clinic", Purposes: []string{"TREAT"}, NotAfter: until, Jurisdictions: []string{"DE"}})), "grant abroad with opt-in")
	ch.Deliver(accessTx(ch, "berlin-clinic/dr-weber", lab, "TREAT", ""))
	if d := lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeGranted {
		t.Fatalf("cross-border read with opt-in: %+v", d)
	}
	// Consent expiry is by block time.
	ch.BlockAt(until.Add(time.Second))
	ch.Deliver(accessTx(ch, "berlin-clinic/dr-weber", lab, "TREAT", ""))
	if d := lastDisclosure(t, ch, alice); d.Outcome != records.OutcomeRefused || !strings.Contains(d.Missing, "expired") {
		t.Fatalf("read after expiry: %+v", d)
	}
}

// TestSuspendedOrgReadsNothing: members of a suspended organization cannot
// even ask.
func TestSuspendedOrgReadsNothing(t *testing.T) {
	ch, c := newChain(t)
	alice := c.Patients[0].ID()
	rec := addRecord(t, ch, alice, "laboratory", "Observation")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: ch.Time.Add(time.Hour)})), "grant")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: "lakeside-clinic"})), "propose")
	for _, org := range []string{"cityrx-pharmacy", "acme-pharma", "medsupply-dist", "unity-health-plan", "heartwell-trials"} { // 6 of 10
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(org+"/admin", identity.TypeVote, identity.VoteBody{Proposal: 1, Approve: true})), "vote")
	}
	before := len(records.PatientDisclosures(ch.Latest(), alice))
	chaintest.RequireCode(t, ch.Deliver(accessTx(ch, "lakeside-clinic/dr-patel", rec, "TREAT", "")), tx.ErrSuspended, "suspended reader")
	if after := len(records.PatientDisclosures(ch.Latest(), alice)); after != before {
		t.Fatal("a refused transaction wrote a disclosure")
	}
}

// TestAuthorizationMatrix: for every records transaction type, the roles
// that must be refused are refused (tx/unauthorized), written out as data.
func TestAuthorizationMatrix(t *testing.T) {
	c := chaintest.Demo().WithEveryRole()
	c.Modules = []app.Module{records.Module{}}
	ch := chaintest.New(t, c)
	ch.Block()
	alice := c.Patients[0].ID()
	allowed := map[string]map[string]bool{ // type -> "kind/role" or "patient" -> allowed
		records.TypeAdd:    {"hospital/clinician": true, "clinic/clinician": true},
		records.TypeGrant:  {"patient": true},
		records.TypeRevoke: {"patient": true},
		records.TypeErase:  {"patient": true},
		records.TypeAccess: {"*": true, "patient": true},
	}
	bodies := map[string]any{
		records.TypeAdd:    records.AddBody{Patient: alice, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: chaintest.Digest("m"), Ref: "d"},
		records.TypeGrant:  records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{"TREAT"}, NotAfter: ch.Time.Add(time.Hour)},
		records.TypeRevoke: records.ConsentRef{Consent: "con-999"},
		records.TypeErase:  records.RecordRef{Record: "rec-999"},
		records.TypeAccess: records.AccessBody{Record: "rec-999", Purpose: "TREAT"},
	}
	var signers []struct{ id, key string }
	for _, m := range c.Members {
		org, _ := identity.GetOrg(ch.Latest(), strings.Split(m.ID, "/")[0])
		signers = append(signers, struct{ id, key string }{m.ID, org.Kind + "/" + m.Role})
	}
	signers = append(signers, struct{ id, key string }{alice, "patient"})
	for _, typ := range []string{records.TypeAdd, records.TypeGrant, records.TypeRevoke, records.TypeErase, records.TypeAccess} {
		for _, s := range signers {
			want := allowed[typ][s.key] || (allowed[typ]["*"] && s.key != "patient")
			res := ch.Deliver(ch.Sign(s.id, typ, bodies[typ]))
			refused := chaintest.Is(res, tx.ErrUnauthorized)
			if refused == want {
				t.Errorf("%s by %s (%s): %s, want allowed=%v", typ, s.id, s.key, chaintest.Describe(res), want)
			}
		}
	}
}

func TestBodiesAreStrict(t *testing.T) {
	ch, c := newChain(t)
	raw := json.RawMessage(`{"record":"rec-1","purpose":"TREAT","Purpose":"HRESCH"}`)
	res := ch.Deliver(ch.Sign(c.Patients[0].ID(), records.TypeAccess, raw))
	chaintest.RequireCode(t, res, tx.ErrMalformed, "case-variant duplicate field")
}
