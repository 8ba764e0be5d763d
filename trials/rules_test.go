package trials_test

import (
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/tx"
)

func refused(t *testing.T, ch *chaintest.Chain, raw []byte, code medledger.Code, what string) {
	t.Helper()
	chaintest.RequireCode(t, ch.Check(raw), code, "CheckTx "+what)
	chaintest.RequireCode(t, ch.Deliver(raw), code, what)
}

// TestTrialsStory runs a trial's life through the state machine, with the
// object rules the authorization matrix cannot see: sites, participants
// under their own trial's pseudonym, consent per version, re-consent,
// withdrawal, switches after the first enrolment only, results.
func TestTrialsStory(t *testing.T) {
	c := chaintest.Demo()
	c.Orgs = append(c.Orgs, identity.Org{ID: "other-sponsor", Name: "Other", Kind: identity.KindTrialSponsor, Jurisdiction: "US"},
		identity.Org{ID: "far-hospital", Name: "Far", Kind: identity.KindHospital, Jurisdiction: "US"})
	c.AddMember("other-sponsor/coordinator", identity.RoleCoordinator).AddMember("far-hospital/dr-far", identity.RoleClinician)
	ch := newChain(t, c)

	// Registration checks its input.
	bad := registerBody("BAD1", siteA)
	bad.Phase = "5"
	refused(t, ch, ch.Sign(sponsor, trials.TypeRegister, bad), trials.ErrInvalid, "phase 5")
	bad = registerBody("BAD2", "cityrx-pharmacy")
	refused(t, ch, ch.Sign(sponsor, trials.TypeRegister, bad), trials.ErrBadSite, "a pharmacy as site")
	bad = registerBody("BAD3", siteA)
	bad.Outcomes = []trials.Outcome{{Code: "S1", Kind: trials.Secondary, Measure: "m", TimeFrame: "t"}}
	refused(t, ch, ch.Sign(sponsor, trials.TypeRegister, bad), trials.ErrInvalid, "no primary outcome")
	ok(t, ch, "register", ch.Sign(sponsor, trials.TypeRegister, registerBody("NCT01", siteA, siteB)))
	refused(t, ch, ch.Sign(sponsorAd, trials.TypeRegister, registerBody("NCT01", siteA)), trials.ErrTrialExists, "the same id again")
	ok(t, ch, "register with a generated id", ch.Sign(sponsor, trials.TypeRegister, registerBody("", siteA)))
	if _, found := trials.GetTrial(ch.Latest(), "trl-1"); !found {
		t.Fatal("no trial trl-1 after a registration without id")
	}

	// Before the first enrolment an outcome change is no switch.
	changed := append([]trials.Outcome(nil), outcomes...)
	changed[1].TimeFrame = "52 weeks"
	ok(t, ch, "amend before enrolment", ch.Sign(sponsor, trials.TypeAmend, trials.AmendBody{Trial: "NCT01", Protocol: trials.Document{Digest: hex64("v2")}, Outcomes: changed}))
	if tr := trialOf(t, ch, "NCT01"); tr.Switches != 0 || tr.Version != 2 || tr.Outcomes[1].TimeFrame != "52 weeks" {
		t.Fatalf("after amendment v2: %+v", tr)
	}
	refused(t, ch, ch.Sign("other-sponsor/coordinator", trials.TypeAmend, trials.AmendBody{Trial: "NCT01", Protocol: trials.Document{Digest: hex64("x")}}), trials.ErrNotSponsor, "another sponsor amends")

	// Enrolment: only at a listed site; the pseudonym is this trial's.
	alice, bob := newParticipant(t, ch, "alice", "NCT01"), newParticipant(t, ch, "bob", "NCT01")
	refused(t, ch, ch.Sign("far-hospital/dr-far", trials.TypeEnroll, alice.EnrollBody), trials.ErrNotSite, "an unlisted hospital enrols")
	ok(t, ch, "enrol", ch.Sign(clinA, trials.TypeEnroll, alice.EnrollBody), ch.Sign(clinB, trials.TypeEnroll, bob.EnrollBody))
	refused(t, ch, ch.Sign(clinA, trials.TypeEnroll, alice.EnrollBody), identity.ErrPseudonymExists, "enrol alice twice")
	other := newParticipant(t, ch, "alice", "trl-1")
	ok(t, ch, "alice in trl-1", ch.Sign(clinA, trials.TypeEnroll, other.EnrollBody))
	if other.ID == alice.ID {
		t.Fatal("one patient has the same subject id in two trials")
	}

	// Consent: by the participant, under this trial's pseudonym, at their
	// site, to a version the trial takes.
	refused(t, ch, ch.Sign(other.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA}), trials.ErrNotParticipant, "trl-1's pseudonym consents to NCT01")
	refused(t, ch, ch.Sign(c.Patients[0].ID(), trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA}), tx.ErrUnauthorized, "the patient's chain-wide id consents")
	refused(t, ch, ch.Sign(alice.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteB}), trials.ErrBadSite, "consent at another site")
	refused(t, ch, ch.Sign(alice.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA, Version: 3}), trials.ErrVersion, "consent to a version to come")

	// Data before consent is refused; after it accepted, for the site's own
	// subjects only.
	data := func(by string, subjects ...string) []byte {
		return ch.Sign(by, trials.TypeData, trials.DataBody{Trial: "NCT01", Root: hex64(by + subjects[0]), Count: 5, Subjects: subjects})
	}
	refused(t, ch, data(clinA, alice.ID), trials.ErrNoConsent, "data before consent")
	ok(t, ch, "consent", ch.Sign(alice.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA, Form: hex64("form")}),
		ch.Sign(bob.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteB, Version: 2}))
	ok(t, ch, "data", data(clinA, alice.ID))
	refused(t, ch, data(clinA, bob.ID), trials.ErrNotSite, "data of another site's subject")
	refused(t, ch, ch.Sign(clinA, trials.TypeData, trials.DataBody{Trial: "NCT01", Root: hex64("x"), Count: 5, Subjects: []string{alice.ID, alice.ID}}), trials.ErrInvalid, "a subject twice")

	// After the first enrolment an outcome change is a switch; re-consent
	// holds data until the participant consents to the new version.
	changed2 := append([]trials.Outcome(nil), changed...)
	changed2 = append(changed2[:1], trials.Outcome{Code: "S2", Kind: trials.Secondary, Measure: "Hypoglycaemia", TimeFrame: "26 weeks"})
	ok(t, ch, "amend with re-consent", ch.Sign(sponsor, trials.TypeAmend, trials.AmendBody{Trial: "NCT01", Protocol: trials.Document{Digest: hex64("v3")}, Outcomes: changed2, Reconsent: true}))
	tr := trialOf(t, ch, "NCT01")
	sw := trials.Switches(ch.Latest(), "NCT01")
	if tr.Switches != 2 || len(sw) != 2 || sw[0].Outcome != "S1" || sw[0].Change != trials.SwitchRemoved || sw[1].Outcome != "S2" || sw[1].Change != trials.SwitchAdded || sw[1].Version != 3 {
		t.Fatalf("switches after v3: %+v", sw)
	}
	refused(t, ch, data(clinA, alice.ID), trials.ErrNoConsent, "data before re-consent")
	refused(t, ch, ch.Sign(alice.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA, Version: 2}), trials.ErrVersion, "consent to the old version")
	ok(t, ch, "re-consent", ch.Sign(alice.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA}))
	ok(t, ch, "data after re-consent", data(clinA, alice.ID))

	// Withdrawal: no more data, no more consent.
	ok(t, ch, "alice withdraws", ch.Sign(alice.ID, trials.TypeWithdraw, trials.WithdrawBody{Trial: "NCT01", RemoveData: true}))
	refused(t, ch, data(clinA, alice.ID), trials.ErrWithdrawn, "data after withdrawal")
	refused(t, ch, ch.Sign(alice.ID, trials.TypeConsent, trials.ConsentBody{Trial: "NCT01", Site: siteA}), trials.ErrWithdrawn, "consent after withdrawal")
	s, _ := trials.GetSubject(ch.Latest(), "NCT01", alice.ID)
	if s.Status != trials.SubjectWithdrawn || !s.RemoveData || len(s.Consents) != 2 {
		t.Fatalf("alice after withdrawal: %+v", s)
	}
	if _, ok := s.ConsentedAt(s.WithdrawnAt + 1); ok {
		t.Fatal("a withdrawn subject counts as consented after the withdrawal")
	}

	// Results: the sponsor's; one for an undeclared outcome shows as such.
	refused(t, ch, ch.Sign("other-sponsor/coordinator", trials.TypeResults, trials.ResultsBody{Trial: "NCT01", Results: []trials.ResultOfBody{{Outcome: "P1", Summary: "x"}}}), trials.ErrNotSponsor, "another sponsor's results")
	ok(t, ch, "results", ch.Sign(sponsor, trials.TypeResults, trials.ResultsBody{Trial: "NCT01", Results: []trials.ResultOfBody{
		{Outcome: "P1", Summary: "-0.9 percentage points (95% CI -1.1 to -0.7)"}, {Outcome: "X9", Summary: "an outcome never declared"}}}))
	v := trials.Show(ch.Latest(), trialOf(t, ch, "NCT01"))
	if len(v.Unreported) != 1 || v.Unreported[0] != "S2" || len(v.Undeclared) != 1 || v.Undeclared[0] != "X9" || len(v.Versions) != 3 || len(v.Switches) != 2 {
		t.Fatalf("show: unreported %v, undeclared %v, %d versions, %d switches", v.Unreported, v.Undeclared, len(v.Versions), len(v.Switches))
	}
	if tr := trialOf(t, ch, "NCT01"); tr.Batches != 2 || tr.Records != 10 || tr.Subjects != 2 || tr.Withdrawn != 1 {
		t.Fatalf("counts: %+v", tr)
	}
}
