package claims_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/state"
)

// basePolicy is the golden policy.
func basePolicy(t testing.TB) claims.Policy {
	t.Helper()
	f, err := claimstest.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.PolicyBody()
	if err != nil {
		t.Fatal(err)
	}
	return b.Policy
}

// TestPolicyRefused: a policy that loops or explodes in cost, uses floating
// point, time, dyn or a comprehension over a map, or is malformed, is
// refused when compiled, naming the rule, the field and why; and the chain
// refuses to publish it (claims/bad-policy), writing nothing.
func TestPolicyRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(p *claims.Policy)
		wants []string // what the error says
	}{
		{"loops nested three deep", func(p *claims.Policy) {
			p.Rules[0].Allowed = "history.map(a, history.map(b, history.map(c, c.units).size()).size()).size()"
		}, []string{"rules[0] (office-visit) allowed", "nesting"}},
		{"explodes in cost", func(p *claims.Policy) {
			p.Rules[0].Allowed = "history.filter(a, history.exists(b, b.code + a.code + b.date + a.date == line.code + line.date + line.code)).size()"
		}, []string{"rules[0] (office-visit) allowed", "worst-case cost", "over the limit of 50000"}},
		{"a regular expression over every pair", func(p *claims.Policy) {
			p.Edits[1].When = `history.exists(a, claim.lines.exists(l, (a.code + l.code + a.rendering).matches("^(a|aa)+$")))`
		}, []string{"edits[1] (frequent-visits) when", "worst-case cost"}},
		{"floating point", func(p *claims.Policy) { p.Rules[0].Copay = "int(2500.0 * 1.5)" }, []string{"rules[0] (office-visit) copay", "floating point"}},
		{"a fraction of a percent", func(p *claims.Policy) { p.Rules[3].Coinsurance = "double(line.units) > 0.5 ? 20 : 10" }, []string{"rules[3] (labs) coinsurance", "floating point"}},
		{"the clock", func(p *claims.Policy) {
			p.Edits[0].When = `timestamp("2025-01-01T00:00:00Z") < timestamp("2026-01-01T00:00:00Z")`
		}, []string{"edits[0] (visit-with-preventive) when", "timestamps"}},
		{"a time zone", func(p *claims.Policy) {
			p.Edits[0].When = `timestamp("2025-01-01T00:00:00Z").getHours("America/New_York") > 3`
		}, []string{"timestamps"}},
		{"dyn", func(p *claims.Policy) { p.Rules[0].Copay = "int(dyn(2500))" }, []string{"unknown type (dyn)"}},
		{"iterating a map", func(p *claims.Policy) {
			p.Rules[0].Allowed = `{"a": 1, "b": 2}.map(k, k).size() * 100`
		}, []string{"must range over a list"}},
		{"not a bool", func(p *claims.Policy) { p.Rules[2].Diagnoses = "line.units" }, []string{"rules[2] (a1c) diagnoses", "must be bool"}},
		{"not an int", func(p *claims.Policy) { p.Rules[0].Allowed = `"9500"` }, []string{"must be int"}},
		{"does not compile", func(p *claims.Policy) { p.Rules[0].Allowed = "line.nonsense * 2" }, []string{"rules[0] (office-visit) allowed", "line 1, column"}},
		{"an unknown variable", func(p *claims.Policy) { p.Rules[0].Allowed = "now * 2" }, []string{"undeclared reference", "now"}},
		{"too long", func(p *claims.Policy) { p.Rules[0].Allowed = claims.Expr(strings.Repeat("1 + ", 600) + "1") }, []string{"over the limit of 2000"}},
		{"a rule id twice", func(p *claims.Policy) { p.Rules[1].ID = p.Rules[0].ID }, []string{"used twice"}},
		{"a rule named like a check", func(p *claims.Policy) { p.Rules[1].ID = "duplicate" }, []string{"used twice, or is a name the chain uses"}},
		{"an unknown plan", func(p *claims.Policy) { p.Rules[0].Plans = []string{"platinum"} }, []string{"platinum"}},
		{"a denial billed to the patient", func(p *claims.Policy) { p.Edits[0].Group = "PR" }, []string{"never billed to the patient"}},
		{"a bad CARC", func(p *claims.Policy) { p.Edits[0].CARC = "ABC" }, []string{"claim adjustment reason code"}},
		{"a flag with a code", func(p *claims.Policy) { p.Edits[1].CARC = "96" }, []string{"a flag never denies"}},
		{"a bad code", func(p *claims.Policy) { p.Rules[0].Codes = []string{"9921"} }, []string{"not a HCPCS or CPT code"}},
		{"no allowed", func(p *claims.Policy) { p.Rules[0].Allowed = "" }, []string{"allowed is required"}},
		{"auto approval without prior auth", func(p *claims.Policy) { p.Rules[0].AutoApprove = "true" }, []string{"prior_auth"}},
		{"no plans", func(p *claims.Policy) { p.Plans = nil }, []string{"1 to 20 plans"}},
		{"a bad date", func(p *claims.Policy) { p.EffectiveFrom = "2025-13-01" }, []string{"effective_from"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := basePolicy(t)
			p.Version = 2
			tc.edit(&p)
			_, err := claims.Compile(p)
			if !medledger.HasCode(err, claims.ErrPolicy) {
				t.Fatalf("Compile: %v, want claims/bad-policy", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q: %v", w, err)
				}
			}
		})
	}
	// The chain refuses it too, and keeps version 1.
	ch := newChain(t, consortium())
	golden(t, ch)
	p := basePolicy(t)
	p.Version = 2
	p.Rules[0].Allowed = "history.filter(a, history.exists(b, b.code + a.code + b.date + a.date == line.code + line.date + line.code)).size()"
	res := ch.Deliver(ch.Sign(admin, claims.TypePublish, claims.PublishBody{Policy: p}))
	chaintest.RequireCode(t, res, claims.ErrPolicy, "publish an exploding policy")
	if !strings.Contains(res.Log, "worst-case cost") {
		t.Errorf("the refusal does not say why: %s", res.Log)
	}
	if rec, _ := claims.GetPolicy(ch.Latest(), payer, 0); rec.Policy.Version != 1 {
		t.Fatalf("after a refused publication the newest version is %d", rec.Policy.Version)
	}
}

// TestPolicyVersions: a version must be newer and take effect after the
// block that publishes it; a claim is judged by the newest version in force
// whose effective_from is on or before its date of service.
func TestPolicyVersions(t *testing.T) {
	ch := newChain(t, consortium())
	golden(t, ch)
	p := basePolicy(t)
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(admin, claims.TypePublish, claims.PublishBody{Policy: p})), claims.ErrPolicyVersion, "republish version 1")
	p.Version, p.EffectiveHeight = 2, ch.Height
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(admin, claims.TypePublish, claims.PublishBody{Policy: p})), claims.ErrPolicyVersion, "in force in the past")
	// Version 2: from 2025-07-01, a gold copay of $10; in force 3 blocks on.
	p.EffectiveHeight, p.EffectiveFrom = ch.Height+4, "2025-07-01"
	p.Rules[0].Copay = `member.plan == "gold" ? 1000 : 5000`
	ok(t, ch, "publish v2", ch.Sign(admin, claims.TypePublish, claims.PublishBody{Policy: p}))
	m := enrol(t, ch, claimstest.MemberKey("versions"), "gold", "2025-01-01", "2025-12-31")
	copay := func(date string) (int64, uint64) {
		cl := submit(t, ch, claimFor(m, rendering, "99213", date))
		return cl.Lines[0].PatientCents, cl.Lines[0].Policy
	}
	if n, v := copay("2025-08-01"); n != 2500 || v != 1 {
		t.Fatalf("before version 2 is in force: copay %d by version %d, want 2500 by 1", n, v)
	}
	ch.Block()
	ch.Block()
	if n, v := copay("2025-08-02"); n != 1000 || v != 2 {
		t.Fatalf("version 2 in force: copay %d by version %d, want 1000 by 2", n, v)
	}
	if n, v := copay("2025-06-30"); n != 2500 || v != 1 {
		t.Fatalf("a service before version 2's effective_from: copay %d by version %d, want 2500 by 1", n, v)
	}
	// No policy for a date before the first effective_from: refused.
	res := ch.Deliver(ch.Sign(biller, claims.TypeSubmit, claimFor(m, rendering, "99213", "2024-12-31")))
	chaintest.RequireCode(t, res, claims.ErrNoPolicy, "a service before any policy")
}

// TestRuleFailurePends: an expression that fails at run time (a division
// by zero) pends the line, never denies it; a person's approval then
// denies it as not covered, saying which rule failed.
func TestRuleFailurePends(t *testing.T) {
	ch := newChain(t, consortium())
	golden(t, ch)
	p := basePolicy(t)
	p.Version = 2
	p.Rules[1].Allowed = "18000 / (line.units - line.units)"
	ok(t, ch, "publish", ch.Sign(admin, claims.TypePublish, claims.PublishBody{Policy: p}))
	ch.Block()
	m := enrol(t, ch, claimstest.MemberKey("failing"), "gold", "2025-01-01", "2025-12-31")
	cl := submit(t, ch, claimFor(m, rendering, "99396", "2025-03-03"))
	if cl.Status != claims.StatusPended || cl.Lines[0].Status != claims.LinePended || cl.Flags[0].Code != claims.RuleError || cl.Lines[0].PaidCents != 0 {
		t.Fatalf("a failing rule: %s, line %+v, flags %+v", cl.Status, cl.Lines[0].Result, cl.Flags)
	}
	checkLines(t, cl)
	ok(t, ch, "approve", ch.Sign(adjudicator, claims.TypeReview, claims.ReviewBody{Claim: cl.ID, Action: claims.ActionApprove, Reason: "looked"}))
	cl, _ = claims.GetClaim(ch.Latest(), cl.ID)
	if l := cl.Lines[0]; l.Status != claims.LineDenied || l.Rule != claims.RuleError || !strings.Contains(l.Explanation, "preventive") || adjustments(l) != "CO-96 15000" {
		t.Fatalf("after approval: %+v", l.Result)
	}
}

// fakeLicences enforces claims' licence checks; held says who held a
// licence on which dates.
type fakeLicences struct{ held map[string]string } // subject -> first date licensed

func (fakeLicences) Enforced(_ state.Reader, scope string) bool { return scope == app.LicencesClaims }

func (f fakeLicences) Held(_ state.Reader, subject string, types []string, at time.Time) app.Licence {
	from, ok := f.held[subject]
	if ok && types[0] == "medical-license" && at.Format(time.DateOnly) >= from {
		return app.Licence{Valid: true, Credential: "crd-1", Type: "medical-license"}
	}
	return app.Licence{Why: subject + " holds no medical-license"}
}

// TestLicenceB7: with licence checks on for claims, a line whose rendering
// clinician held no valid licence on its date of service is denied CO-B7;
// the lines of the licensed dates are paid.
func TestLicenceB7(t *testing.T) {
	c := consortium()
	c.Licences = fakeLicences{held: map[string]string{rendering: "2025-03-01"}}
	ch := newChain(t, c)
	golden(t, ch)
	m := enrol(t, ch, claimstest.MemberKey("licence"), "gold", "2025-01-01", "2025-12-31")
	body := claimFor(m, rendering, "99213", "2025-02-27")
	body.Lines = append(body.Lines, claims.LineIn{Code: "99214", Pointers: []int{1}, Units: 1, ChargeCents: 20000, Date: "2025-03-02"})
	cl := submit(t, ch, body)
	if l := cl.Lines[0]; l.Status != claims.LineDenied || l.Rule != claims.RuleLicence || adjustments(l) != "CO-B7 15000" {
		t.Fatalf("unlicensed on the date: %+v", l.Result)
	}
	if l := cl.Lines[1]; l.Status != claims.LinePaid {
		t.Fatalf("licensed on the date: %+v", l.Result)
	}
}

// TestClaimLifecycle: refusals of the object rules, a scorer's flag on an
// adjudicated claim pends it (its effects kept), a denial on review gives
// the member's accumulators back, payment of a pended claim and a trace
// used twice are refused, and every step's height and time are kept.
func TestClaimLifecycle(t *testing.T) {
	ch := newChain(t, consortium())
	golden(t, ch)
	m := enrol(t, ch, claimstest.MemberKey("lifecycle"), "gold", "2025-01-01", "2025-12-31")
	for _, tc := range []struct {
		name   string
		signer string
		typ    string
		body   any
		code   medledger.Code
	}{
		{"enrol again, overlapping", admin, claims.TypeEnroll, claimstest.Case{Name: "lifecycle", Plan: "gold", From: "2025-06-01", To: "2026-05-31"}.Enroll(""), claims.ErrInvalid},
		{"enrol in no plan of the policy", admin, claims.TypeEnroll, claimstest.Case{Name: "nobody", Plan: "platinum", From: "2025-01-01", To: "2025-12-31"}.Enroll(""), claims.ErrInvalid},
		{"a rendering clinician of another organization", biller, claims.TypeSubmit, claimFor(m, "lakeside-clinic/dr-patel", "99213", "2025-03-03"), claims.ErrBadRendering},
		{"a member of no payer", biller, claims.TypeSubmit, claimFor("psn-aaaaaaaaaaaaaaaaaaaaaaaa", rendering, "99213", "2025-03-03"), claims.ErrMemberNotFound},
		{"to an organization that is no payer", biller, claims.TypeSubmit, func() claims.SubmitBody {
			b := claimFor(m, rendering, "99213", "2025-03-03")
			b.Payer = "lakeside-clinic"
			return b
		}(), claims.ErrNotPayer},
		{"a pointer past the diagnoses", biller, claims.TypeSubmit, func() claims.SubmitBody {
			b := claimFor(m, rendering, "99213", "2025-03-03")
			b.Lines[0].Pointers = []int{2}
			return b
		}(), claims.ErrInvalid},
		{"review of a claim not pended", adjudicator, claims.TypeReview, claims.ReviewBody{Claim: "clm-999", Action: "approve", Reason: "x"}, claims.ErrClaimNotFound},
	} {
		chaintest.RequireCode(t, ch.Deliver(ch.Sign(tc.signer, tc.typ, tc.body)), tc.code, tc.name)
	}
	cl := submit(t, ch, claimFor(m, rendering, "80053", "2025-03-03"))
	met := func() int64 {
		mm, _ := claims.GetMember(ch.Latest(), payer, m)
		return mm.Coverage[0].DeductibleMetCents
	}
	if cl.Status != claims.StatusAdjudicated || met() != 15000 {
		t.Fatalf("adjudicated: %s, deductible met %d", cl.Status, met())
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(adjudicator, claims.TypeReview, claims.ReviewBody{Claim: cl.ID, Action: "approve", Reason: "x"})), claims.ErrState, "review of an adjudicated claim")
	ok(t, ch, "flag", ch.Sign(adjudicator, claims.TypeFlag, claims.FlagBody{Claim: cl.ID, Code: "peer-outlier", Reason: "scored 8.1 over 3.5",
		Facts: []claims.Fact{{Name: "score", Value: "8.1"}}}))
	cl, _ = claims.GetClaim(ch.Latest(), cl.ID)
	if cl.Status != claims.StatusPended || cl.Lines[0].Status != claims.LinePended || met() != 15000 {
		t.Fatalf("flagged: %s, line %s, deductible met %d", cl.Status, cl.Lines[0].Status, met())
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(admin, claims.TypePay, claims.PayBody{Claims: []string{cl.ID}, Trace: "T1"})), claims.ErrState, "pay a pended claim")
	ok(t, ch, "deny", ch.Sign(adjudicator, claims.TypeReview, claims.ReviewBody{Claim: cl.ID, Action: "deny", Reason: "units not supported", Group: "CO", CARC: "151"}))
	cl, _ = claims.GetClaim(ch.Latest(), cl.ID)
	if cl.Lines[0].Status != claims.LineDenied || adjustments(cl.Lines[0]) != "CO-151 15000" || met() != 0 || len(cl.Decisions) != 1 || cl.Decisions[0].By != adjudicator {
		t.Fatalf("denied on review: %+v, deductible met %d, decisions %+v", cl.Lines[0].Result, met(), cl.Decisions)
	}
	paid := submit(t, ch, claimFor(m, rendering, "99213", "2025-03-04"))
	ok(t, ch, "pay", ch.Sign(admin, claims.TypePay, claims.PayBody{Claims: []string{paid.ID, cl.ID}, Trace: "EFT-1"}))
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(admin, claims.TypePay, claims.PayBody{Claims: []string{paid.ID}, Trace: "EFT-1"})), claims.ErrTraceExists, "a trace twice")
	paid, _ = claims.GetClaim(ch.Latest(), paid.ID)
	if paid.Status != claims.StatusPaid || paid.Payment.AmountCents != 7000 || paid.Paid == nil || !paid.Paid.Time.After(paid.Submitted.Time) || paid.Adjudicated.Height != paid.Submitted.Height {
		t.Fatalf("paid: %+v %+v", paid.Payment, paid.Paid)
	}
	rem, _ := claims.GetRemittance(ch.Latest(), payer, "EFT-1")
	if rem.Total != 7000 || len(rem.Claims) != 2 {
		t.Fatalf("remittance %+v", rem)
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(adjudicator, claims.TypeFlag, claims.FlagBody{Claim: paid.ID, Code: "peer-outlier", Reason: "late"})), claims.ErrState, "flag a paid claim")
	st := claims.GetStats(ch.Latest(), payer)
	if st.Paid != 2 || st.Pended != 0 || st.Adjudicated != 0 || st.Claims != 2 {
		t.Fatalf("counts %+v", st)
	}
}

// TestSameHashTwice: the golden cases on two fresh chains give the same
// app hash (determinism within one binary; the network test runs them on
// four validators).
func TestSameHashTwice(t *testing.T) {
	var hashes [2][]byte
	for i := range hashes {
		ch := newChain(t, consortium())
		f := golden(t, ch)
		for _, c := range f.Cases {
			runCase(t, ch, c)
		}
		hashes[i] = ch.Store.Hash()
	}
	if string(hashes[0]) != string(hashes[1]) {
		t.Fatalf("app hashes differ: %X %X", hashes[0], hashes[1])
	}
}

// TestSimulate: a draft policy over the claims on chain lists exactly the
// decisions it changes, writes nothing, and the published policy as a
// draft changes none.
func TestSimulate(t *testing.T) {
	ch := newChain(t, consortium())
	f := golden(t, ch)
	for _, c := range f.Cases[:8] {
		runCase(t, ch, c)
	}
	before := ch.Store.Hash()
	same, err := claims.Compile(basePolicy(t))
	if err != nil {
		t.Fatal(err)
	}
	if sim := claims.Simulate(ch.Latest(), nil, payer, same); len(sim.Changes) != 0 {
		t.Fatalf("the published policy as a draft changes %d decisions: %+v", len(sim.Changes), sim.Changes)
	}
	p := basePolicy(t)
	p.Version = 2
	p.Rules[0].Copay = `member.plan == "gold" ? 1000 : 5000` // office visits cost gold members $10
	draft, err := claims.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	sim := claims.Simulate(ch.Latest(), nil, payer, draft)
	var changed []string
	for _, c := range sim.Changes {
		changed = append(changed, c.Claim+"/"+c.Code)
		if c.Code != "99213" || c.After.PaidCents-c.Before.PaidCents != 1500 {
			t.Errorf("change %+v", c)
		}
	}
	// office-visit-paid, duplicate's first visit, duplicate-in-one-claim's
	// first line, same-day-other-modifier's two visits.
	if len(sim.Changes) != 5 || sim.PaidAfter-sim.PaidBefore != 5*1500 {
		t.Fatalf("changes %v (paid %d -> %d)", changed, sim.PaidBefore, sim.PaidAfter)
	}
	if string(ch.Store.Hash()) != string(before) {
		t.Fatal("the simulation changed the state")
	}
	b, _ := json.Marshal(sim)
	if strings.Contains(string(b), "pat-") {
		t.Fatal("a simulation names a patient")
	}
}
