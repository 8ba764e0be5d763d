package credentials_test

import (
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/tx"
)

// TestGovernance: a proposal passes with a majority of the active
// organizations (5 of 9) and its changes apply together; it is rejected
// once it can no longer pass; one vote per organization; malformed or
// idle changes are refused when proposed.
func TestGovernance(t *testing.T) {
	ch := newChain(t, false)
	changes := []credentials.Change{
		{Action: credentials.ActionAuthorize, Issuer: board, Type: credentials.MedicalLicense, Jurisdiction: "US"},
		{Action: credentials.ActionEnforce, Scope: "records"},
	}
	mustBlock(t, ch, "propose", ch.Sign(board+"/admin", credentials.TypePropose, credentials.ProposeBody{Changes: changes}))
	r := ch.Latest()
	if p, ok := credentials.GetProposal(r, 1); !ok || p.Status != credentials.ProposalOpen || p.Yes != 1 {
		t.Fatalf("proposal 1: %+v", p)
	}
	if (credentials.Module{}).Enforced(r, "records") {
		t.Fatal("enforced before the vote")
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(board+"/admin", credentials.TypeVote, credentials.VoteBody{Proposal: 1, Approve: true})),
		credentials.ErrAlreadyVoted, "the proposer votes again")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(chen, credentials.TypeVote, credentials.VoteBody{Proposal: 1, Approve: true})),
		tx.ErrUnauthorized, "a clinician votes")
	for _, org := range []string{hospital, clinic, "cityrx-pharmacy"} {
		mustBlock(t, ch, org+" votes", ch.Sign(org+"/admin", credentials.TypeVote, credentials.VoteBody{Proposal: 1, Approve: true}))
	}
	if p, _ := credentials.GetProposal(ch.Latest(), 1); p.Status != credentials.ProposalOpen || p.Yes != 4 {
		t.Fatalf("after 4 yes of 9: %+v", p)
	}
	mustBlock(t, ch, "the fifth vote", ch.Sign("acme-pharma/admin", credentials.TypeVote, credentials.VoteBody{Proposal: 1, Approve: true}))
	r = ch.Latest()
	if p, _ := credentials.GetProposal(r, 1); p.Status != credentials.ProposalPassed || p.Closed != ch.Height {
		t.Fatalf("after 5 yes of 9: %+v", p)
	}
	if !(credentials.Module{}).Enforced(r, "records") || (credentials.Module{}).Enforced(r, "supply") {
		t.Fatal("enforcement after the vote: records must be on, supply off")
	}
	if a, ok := credentials.AuthorizedAt(r, board, credentials.MedicalLicense, "US-CA", ch.Height); !ok || !a.Active || a.Periods[0].Proposal != 1 {
		t.Fatalf("the board's authorization (covering US-CA): %+v %v", a, ok)
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(regulator+"/admin", credentials.TypeVote, credentials.VoteBody{Proposal: 1, Approve: true})),
		credentials.ErrProposalClosed, "a vote after it passed")

	// Rejected: 5 of 9 say no.
	mustBlock(t, ch, "propose relaxing", ch.Sign(hospital+"/admin", credentials.TypePropose, credentials.ProposeBody{Changes: []credentials.Change{{Action: credentials.ActionRelax, Scope: "records"}}}))
	for _, org := range []string{board, clinic, "cityrx-pharmacy", "acme-pharma", "medsupply-dist"} {
		mustBlock(t, ch, org+" votes no", ch.Sign(org+"/admin", credentials.TypeVote, credentials.VoteBody{Proposal: 2, Approve: false}))
	}
	if p, _ := credentials.GetProposal(ch.Latest(), 2); p.Status != credentials.ProposalRejected || p.No != 5 {
		t.Fatalf("proposal 2: %+v", p)
	}
	if !(credentials.Module{}).Enforced(ch.Latest(), "records") {
		t.Fatal("a rejected proposal changed enforcement")
	}

	// Withdrawing an authorization keeps its history.
	mustBlock(t, ch, "propose deauthorizing", ch.Sign(board+"/admin", credentials.TypePropose, credentials.ProposeBody{Changes: []credentials.Change{
		{Action: credentials.ActionDeauthorize, Issuer: board, Type: credentials.MedicalLicense, Jurisdiction: "US"}}}))
	authorizedUntil := ch.Height
	for _, org := range []string{hospital, clinic, "cityrx-pharmacy", "acme-pharma"} {
		mustBlock(t, ch, org+" votes", ch.Sign(org+"/admin", credentials.TypeVote, credentials.VoteBody{Proposal: 3, Approve: true}))
	}
	r = ch.Latest()
	if _, ok := credentials.AuthorizedAt(r, board, credentials.MedicalLicense, "US", authorizedUntil); !ok {
		t.Fatal("the board was not authorized before the vote that withdrew it")
	}
	if _, ok := credentials.AuthorizedAt(r, board, credentials.MedicalLicense, "US", ch.Height); ok {
		t.Fatal("the board is authorized after the vote that withdrew it")
	}

	for _, tc := range []struct {
		name    string
		changes []credentials.Change
		want    string
	}{
		{"no change", nil, "invalid"},
		{"unknown type", []credentials.Change{{Action: credentials.ActionAuthorize, Issuer: board, Type: "wizard-license", Jurisdiction: "US"}}, "unknown-type"},
		{"unknown issuer", []credentials.Change{{Action: credentials.ActionAuthorize, Issuer: "nobody", Type: credentials.MedicalLicense, Jurisdiction: "US"}}, "issuer-not-found"},
		{"a payer as issuer", []credentials.Change{{Action: credentials.ActionAuthorize, Issuer: "unity-health-plan", Type: credentials.MedicalLicense, Jurisdiction: "US"}}, "invalid"},
		{"a board granting privileges", []credentials.Change{{Action: credentials.ActionAuthorize, Issuer: board, Type: credentials.ClinicalPrivileges, Jurisdiction: "US"}}, "invalid"},
		{"bad jurisdiction", []credentials.Change{{Action: credentials.ActionAuthorize, Issuer: board, Type: credentials.MedicalLicense, Jurisdiction: "usa"}}, "invalid"},
		{"withdraw nothing", []credentials.Change{{Action: credentials.ActionDeauthorize, Issuer: clinic, Type: credentials.MedicalLicense, Jurisdiction: "US"}}, "issuer-not-found"},
		{"enforce twice", []credentials.Change{{Action: credentials.ActionEnforce, Scope: "records"}}, "wrong-status"},
		{"unknown scope", []credentials.Change{{Action: credentials.ActionEnforce, Scope: "everything"}}, "invalid"},
		{"unknown action", []credentials.Change{{Action: "abolish", Scope: "records"}}, "invalid"},
		{"a change twice", []credentials.Change{{Action: credentials.ActionEnforce, Scope: "supply"}, {Action: credentials.ActionEnforce, Scope: "supply"}}, "invalid"},
	} {
		res := ch.Deliver(ch.Sign(regulator+"/admin", credentials.TypePropose, credentials.ProposeBody{Changes: tc.changes}))
		if res.Code == 0 || res.Codespace != credentials.Codespace || res.Info != tc.want {
			t.Errorf("%s: got %s, want credentials/%s", tc.name, chaintest.Describe(res), tc.want)
		}
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypePropose, credentials.ProposeBody{Changes: changes})), tx.ErrUnauthorized, "a registrar proposes")

	// A proposal closes for votes a week after it was made.
	mustBlock(t, ch, "propose", ch.Sign(regulator+"/admin", credentials.TypePropose, credentials.ProposeBody{Changes: []credentials.Change{{Action: credentials.ActionEnforce, Scope: "supply"}}}))
	id := uint64(len(credentials.Proposals(ch.Latest())))
	ch.BlockAt(ch.Time.Add(credentials.ProposalTTL + time.Second))
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(hospital+"/admin", credentials.TypeVote, credentials.VoteBody{Proposal: id, Approve: true})),
		credentials.ErrProposalExpired, "a vote after the deadline")
}

// TestIssue: what the handler refuses before it records a credential, and
// what it records.
func TestIssue(t *testing.T) {
	ch := newChain(t, true)
	now := ch.Time
	ok := body(registrar, 1, credentials.MedicalLicense, chen, now, 10)
	for _, tc := range []struct {
		name   string
		signer string
		edit   func(*credentials.IssueBody)
		want   string
	}{
		{"bad id", registrar, func(b *credentials.IssueBody) { b.ID = "crd-1" }, "invalid"},
		{"unknown type", registrar, func(b *credentials.IssueBody) { b.Type = "wizard-license" }, "unknown-type"},
		{"unauthorized type", registrar, func(b *credentials.IssueBody) { b.Type = credentials.DispenserLicense; b.Subject = "cityrx-pharmacy" }, "issuer-not-authorized"},
		{"unauthorized jurisdiction", registrar, func(b *credentials.IssueBody) { b.Jurisdiction = "DE" }, "issuer-not-authorized"},
		{"a licence to an organization", registrar, func(b *credentials.IssueBody) { b.Subject = hospital }, "bad-subject"},
		{"no such member", registrar, func(b *credentials.IssueBody) { b.Subject = hospital + "/nobody" }, "bad-subject"},
		{"privileges for another's staff", hospital + "/admin", func(b *credentials.IssueBody) {
			b.Type, b.Subject, b.KeyID = credentials.ClinicalPrivileges, patel, chaintest.NewKey(hospital+"/admin").KeyID()
		}, "bad-subject"},
		{"a distributor licence to a pharmacy", inspector, func(b *credentials.IssueBody) {
			b.Type, b.Subject, b.KeyID = credentials.WholesaleDistributorLicense, "cityrx-pharmacy", chaintest.NewKey(inspector).KeyID()
		}, "bad-subject"},
		{"ends before it starts", registrar, func(b *credentials.IssueBody) { b.ValidUntil = b.ValidFrom.Add(-time.Hour) }, "invalid"},
		{"ended", registrar, func(b *credentials.IssueBody) { b.ValidUntil = now.Add(-time.Hour).Truncate(time.Second) }, "invalid"},
		{"too long", registrar, func(b *credentials.IssueBody) { b.ValidUntil = b.ValidFrom.AddDate(11, 0, 0) }, "invalid"},
		{"fractions of a second", registrar, func(b *credentials.IssueBody) { b.ValidUntil = b.ValidUntil.Add(time.Millisecond) }, "invalid"},
		{"bad digest", registrar, func(b *credentials.IssueBody) { b.Digest = strings.ToUpper(b.Digest) }, "invalid"},
		{"another key", registrar, func(b *credentials.IssueBody) { b.KeyID = chaintest.NewKey(board + "/admin").KeyID() }, "key-not-current"},
		{"index past the list", registrar, func(b *credentials.IssueBody) { b.StatusIndex = credentials.ListSize }, "invalid"},
		{"a list not open", registrar, func(b *credentials.IssueBody) { b.StatusList = 1 }, "status-slot-taken"},
	} {
		b := ok
		tc.edit(&b)
		res := ch.Deliver(ch.Sign(tc.signer, credentials.TypeIssue, b))
		if res.Code == 0 || res.Codespace != credentials.Codespace || res.Info != tc.want {
			t.Errorf("%s: got %s, want credentials/%s", tc.name, chaintest.Describe(res), tc.want)
		}
	}
	if len(credentials.All(ch.Latest())) != 0 {
		t.Fatal("a refused issuance recorded a credential")
	}
	res := ch.Deliver(ch.Sign(registrar, credentials.TypeIssue, ok))
	chaintest.RequireOK(t, res, "issue")
	c, found := credentials.GetCredential(ch.Latest(), ok.ID)
	if !found || c.Issuer != board || c.IssuedBy != registrar || c.Status != credentials.StatusActive || c.Height != ch.Height ||
		string(c.IssuerKey) != string(chaintest.NewKey(registrar).Public()) || c.Digest != ok.Digest {
		t.Fatalf("recorded %+v", c)
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypeIssue, ok)), credentials.ErrExists, "the same id again")
	again := body(registrar, 2, credentials.MedicalLicense, patel, now, 10)
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypeIssue, again)), credentials.ErrSlotTaken, "the same slot again")
	// Another issuer's list has its own slots; a subdivision is covered.
	other := body(inspector, 3, credentials.ControlledSubstanceRegistration, chen, now, 10)
	other.Jurisdiction = "US-CA"
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(inspector, credentials.TypeIssue, other)), "the regulator's slot 10, in US-CA")
	if got := credentials.BySubject(ch.Latest(), chen); len(got) != 2 {
		t.Fatalf("dr-chen's file has %d credentials, want 2", len(got))
	}
}

// TestStatus: revoke, suspend and reinstate by the issuer, the rules of
// their order, the reason codes, and the status list bits.
func TestStatus(t *testing.T) {
	ch := newChain(t, true)
	b := body(registrar, 1, credentials.MedicalLicense, chen, ch.Time, 94567)
	mustBlock(t, ch, "issue", ch.Sign(registrar, credentials.TypeIssue, b))
	st := func(_, reason string) credentials.StatusBody {
		return credentials.StatusBody{Credential: b.ID, Reason: reason}
	}
	bit := func(purpose string) bool {
		bits, ok := credentials.StatusBits(ch.Latest(), board, purpose, 0)
		if !ok {
			t.Fatalf("no %s list", purpose)
		}
		return bits[94567/8]&(0x80>>(94567%8)) != 0
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(inspector, credentials.TypeSuspend, st("", "under-investigation"))), credentials.ErrNotIssuer, "another issuer suspends")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypeSuspend, st("", "he was rude"))), credentials.ErrInvalid, "a free-text reason")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypeReinstate, st("", "administrative"))), credentials.ErrWrongStatus, "reinstate an active one")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypeSuspend, credentials.StatusBody{Credential: credID(9), Reason: "other"})), credentials.ErrNotFound, "an unknown credential")

	mustBlock(t, ch, "suspend", ch.Sign(board+"/admin", credentials.TypeSuspend, st("", "under-investigation")))
	suspendedAt := ch.Time
	if !bit(credentials.PurposeSuspension) || bit(credentials.PurposeRevocation) {
		t.Fatal("after suspension: the suspension bit must be set, the revocation bit not")
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, credentials.TypeSuspend, st("", "other"))), credentials.ErrWrongStatus, "suspend twice")
	mustBlock(t, ch, "reinstate", ch.Sign(registrar, credentials.TypeReinstate, st("", "investigation-closed")))
	reinstatedAt := ch.Time
	if bit(credentials.PurposeSuspension) {
		t.Fatal("after reinstatement the suspension bit is set")
	}
	mustBlock(t, ch, "revoke", ch.Sign(registrar, credentials.TypeRevoke, st("", "disciplinary-action")))
	if !bit(credentials.PurposeRevocation) {
		t.Fatal("after revocation the revocation bit is not set")
	}
	for _, typ := range []string{credentials.TypeRevoke, credentials.TypeSuspend, credentials.TypeReinstate} {
		chaintest.RequireCode(t, ch.Deliver(ch.Sign(registrar, typ, st("", "other"))), credentials.ErrWrongStatus, typ+" after revocation")
	}
	c, _ := credentials.GetCredential(ch.Latest(), b.ID)
	if len(c.Changes) != 3 || c.Status != credentials.StatusRevoked {
		t.Fatalf("changes %+v", c.Changes)
	}
	// The history answers for any moment.
	if s := c.StatusAt(suspendedAt.Add(-time.Second)); s != credentials.StatusActive {
		t.Fatalf("before the suspension: %s", s)
	}
	if s := c.StatusAt(suspendedAt); s != credentials.StatusSuspended {
		t.Fatalf("at the suspension's block: %s", s)
	}
	if s := c.StatusAt(reinstatedAt); s != credentials.StatusActive {
		t.Fatalf("after reinstatement: %s", s)
	}
	if s := c.EffectiveStatus(ch.Time); s != credentials.StatusRevoked {
		t.Fatalf("now: %s", s)
	}
}

// TestHeld is the licence check other modules ask: enforcement switched by
// governance (off by default), and a subject's licence of some types valid
// at a moment, or why not.
func TestHeld(t *testing.T) {
	ch := newChain(t, true)
	m := credentials.Module{}
	if m.Enforced(ch.Latest(), "supply") || m.Enforced(ch.Latest(), "records") || m.Enforced(ch.Latest(), "claims") {
		t.Fatal("a new chain enforces licences")
	}
	now := ch.Time
	b := body(registrar, 1, credentials.MedicalLicense, chen, now, 1)
	b.ValidFrom, b.ValidUntil = now.Add(-time.Hour).Truncate(time.Second), now.Add(48*time.Hour).Truncate(time.Second)
	priv := body(hospital+"/admin", 2, credentials.ClinicalPrivileges, chen, now, 1)
	lic := []string{credentials.MedicalLicense, credentials.PharmacistLicense}
	held := func(at time.Time) (bool, string) {
		l := m.Held(ch.Latest(), chen, lic, at)
		return l.Valid, l.Why
	}
	if ok, why := held(now); ok || why != chen+" holds no medical-license or pharmacist-license" {
		t.Fatalf("before issuance: %v %q", ok, why)
	}
	mustBlock(t, ch, "issue", ch.Sign(registrar, credentials.TypeIssue, b), ch.Sign(hospital+"/admin", credentials.TypeIssue, priv))
	if l := m.Held(ch.Latest(), chen, lic, ch.Time); !l.Valid || l.Credential != b.ID || l.Type != credentials.MedicalLicense {
		t.Fatalf("after issuance: %+v", l)
	}
	if l := m.Held(ch.Latest(), chen, []string{credentials.PharmacistLicense}, ch.Time); l.Valid {
		t.Fatal("a medical licence answered for a pharmacist licence")
	}
	mustBlock(t, ch, "suspend", ch.Sign(registrar, credentials.TypeSuspend, credentials.StatusBody{Credential: b.ID, Reason: "under-investigation"}))
	if ok, why := held(ch.Time); ok || !strings.Contains(why, "is suspended") || !strings.Contains(why, b.ID) {
		t.Fatalf("suspended: %v %q", ok, why)
	}
	if ok, _ := held(ch.Time.Add(-BlockStep())); !ok {
		t.Fatal("a claim dated before the suspension must see the licence valid")
	}
	mustBlock(t, ch, "reinstate", ch.Sign(registrar, credentials.TypeReinstate, credentials.StatusBody{Credential: b.ID, Reason: "investigation-closed"}))
	if ok, _ := held(ch.Time); !ok {
		t.Fatal("reinstated: not valid")
	}
	if ok, why := held(b.ValidUntil); ok || !strings.Contains(why, "expired on") {
		t.Fatalf("at its end: %v %q", ok, why)
	}
	if ok, why := held(b.ValidFrom.Add(-time.Second)); ok || !strings.Contains(why, "valid only from") {
		t.Fatalf("before its start: %v %q", ok, why)
	}
	if l := m.Held(ch.Latest(), "nobody/at-all", lic, ch.Time); l.Valid || l.Why == "" {
		t.Fatalf("an unknown subject: %+v", l)
	}
}

// BlockStep is chaintest's block interval.
func BlockStep() time.Duration { return chaintest.BlockInterval }

// TestGenesis: issuers and enforcement from the genesis; an issuer that is
// no organization of the identity genesis is refused.
func TestGenesis(t *testing.T) {
	ch := newChain(t, true)
	if got := len(credentials.Authorizations(ch.Latest())); got != len(demoAuthorizations()) {
		t.Fatalf("%d authorizations from the genesis, want %d", got, len(demoAuthorizations()))
	}
	if a, ok := credentials.AuthorizedAt(ch.Latest(), hospital, credentials.ClinicalPrivileges, "US", 1); !ok || a.Periods[0].Proposal != 0 {
		t.Fatalf("genesis authorization: %+v", a)
	}
}
