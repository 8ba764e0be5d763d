package claims

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// LicenceTypes are the credential types a rendering clinician must hold on
// a date of service when licence checks are enforced for claims
// (app.LicencesClaims); none valid: the line is denied CO-B7.
var LicenceTypes = []string{"medical-license"}

// judge adjudicates claims of one payer against the state it reads and
// writes. Everything it does is deterministic: it reads only kv, and the
// height at which the claim is judged.
type judge struct {
	kv       state.KV
	payer    string
	height   int64 // the height the claim is judged at: which policies are in force
	licences app.Licences
	// draft, when set (a simulation), is in force for every date of
	// service from its effective_from, over the published versions.
	draft *Compiled
	// review is set when a person approved a pended claim: flags are not
	// raised again, and the claim's own duplicate and timed-minute
	// entries do not count against it.
	review bool
}

// policyRef is one entry of a payer's policy index.
type policyRef struct {
	Version       uint64 `json:"version"`
	EffectiveFrom string `json:"effective_from"`
	InForce       int64  `json:"in_force"`
	Digest        string `json:"digest"`
}

// policyIndexKey holds a payer's []policyRef, oldest first: choosing a
// policy reads it, not every version.
func policyIndexKey(payer string) []byte { return []byte(prefixPolicy + payer) }

func loadIndex(r state.Reader, payer string) []policyRef {
	b := r.Get(policyIndexKey(payer))
	if b == nil {
		return nil
	}
	if refs, ok := indexMemo.get(b); ok {
		return slices.Clip(refs) // an append copies: the memo's stays as it is
	}
	var refs []policyRef
	decode(b, &refs)
	indexMemo.put(b, refs)
	return slices.Clip(refs)
}

// policyFor returns the policy that judges a service on date: the newest
// version in force at the judge's height whose effective_from is on or
// before date (a simulation's draft first). nil: none.
func (j *judge) policyFor(refs []policyRef, date string) *Compiled {
	if j.draft != nil && date >= j.draft.Policy.EffectiveFrom {
		return j.draft
	}
	for i := len(refs) - 1; i >= 0; i-- {
		ref := refs[i]
		if ref.InForce > j.height || ref.EffectiveFrom > date {
			continue
		}
		return j.compiled(ref)
	}
	return nil
}

// compiled returns a published version compiled (from the cache, or its
// stored record). A stored policy compiled when it was published; failing
// now would be a change of the code that breaks consensus.
func (j *judge) compiled(ref policyRef) *Compiled {
	if c := cachedPolicy(ref.Digest); c != nil {
		return c
	}
	var rec PolicyRecord
	if !state.GetJSON(j.kv, PolicyKey(j.payer, ref.Version), &rec) {
		panic(fmt.Errorf("claims: policy %s v%d is indexed but not stored", j.payer, ref.Version))
	}
	c, err := Compile(rec.Policy)
	if err != nil {
		panic(fmt.Errorf("claims: published policy %s v%d no longer compiles: %w", j.payer, ref.Version, err))
	}
	return c
}

// dupEntry is one service billed: a duplicate has the same code and
// modifiers (member, provider and date are in the key).
type dupEntry struct {
	Code      string   `json:"code"`
	Modifiers []string `json:"modifiers,omitempty"`
	Claim     string   `json:"claim"`
	Seq       int      `json:"seq"`
}

// dayRecord is the timed minutes billed to a payer for a rendering
// clinician on a date.
type dayRecord struct {
	Minutes int64 `json:"minutes"`
}

// lineWork is what judging a line found, before cost sharing.
type lineWork struct {
	denied   bool
	pended   bool
	rule     int // index of the coverage rule; -1 none
	pol      *Compiled
	cov      int // index of the member's coverage period
	units    int64
	covered  int64 // the charge of the covered units
	allowed  int64
	facts    []Fact
	why      string
	ruleName string
	adj      []Adjustment
	vars     *lineVars
}

func (w *lineWork) deny(rule, group, carc, rarc string, amount int64, why string, facts ...Fact) {
	w.denied = true
	w.ruleName, w.why = rule, why
	w.adj = []Adjustment{{Group: group, CARC: carc, RARC: rarc, AmountCents: amount}}
	w.facts = append(w.facts, facts...)
}

func fact(name string, v any) Fact {
	switch x := v.(type) {
	case string:
		return Fact{Name: name, Value: x}
	case int64:
		return Fact{Name: name, Value: strconv.FormatInt(x, 10)}
	case int:
		return Fact{Name: name, Value: strconv.Itoa(x)}
	case bool:
		return Fact{Name: name, Value: strconv.FormatBool(x)}
	}
	return Fact{Name: name, Value: fmt.Sprint(v)}
}

// outcome is what judging a claim decided: the claim's lines have their
// results; member is the member with accumulators and history as they
// are after the claim (to be stored only if the claim is not pended).
type outcome struct {
	flags  []Flag
	member Member
	// dup and day records to store (always, pended or not).
	dups map[string][]dupEntry
	dupK []string // the dup keys in the order first met
	days map[string]dayRecord
	dayK []string
}

// judgeClaim adjudicates c (its lines' inputs set) for member m. It fills
// each line's Result and returns what to store. It returns an error only
// when the claim cannot be judged at all (no policy in force for a date of
// service): the transaction is then refused.
func (j *judge) judgeClaim(c *Claim, m Member) (*outcome, error) {
	out := &outcome{member: m, dups: map[string][]dupEntry{}, days: map[string]dayRecord{}}
	out.member.Coverage = slices.Clone(m.Coverage)
	out.member.facts = nil // its history changes below
	refs := loadIndex(j.kv, j.payer)
	works := make([]lineWork, len(c.Lines))
	history := m.History
	hf := m.historyFacts()
	cf := claimFacts(c)
	var enforced bool
	if j.licences != nil {
		enforced = j.licences.Enforced(j.kv, app.LicencesClaims)
	}
	licensed := map[string]app.Licence{}
	auths := j.memberAuths(c.Member)
	// services billed earlier in this claim, for duplicates, limits and
	// unbundling (most recent last).
	earlier := make([]Service, 0, len(c.Lines))
	for i := range c.Lines {
		l := &c.Lines[i]
		w := &works[i]
		w.rule, w.cov = -1, -1
		w.facts = make([]Fact, 0, 16) // a paid line's facts, without growing
		w.pol = j.policyFor(refs, l.Date)
		if w.pol == nil {
			return nil, errNoPolicy(j.payer, l.Date, l.Seq)
		}
		w.facts = append(w.facts, fact("policy", int64(w.pol.Policy.Version)))
		lf := lineFacts(c, l)
		j.judgeLine(c, l, w, out, &lf, &cf, history, hf, earlier, auths, enforced, licensed)
		earlier = append(earlier, Service{Claim: c.ID, Seq: l.Seq, Code: l.Code, Modifiers: l.Modifiers, Date: l.Date, Units: w.units,
			Provider: c.Provider, Rendering: c.Rendering, Status: earlierStatus(w)})
	}
	if !j.review {
		j.flagDays(c, works, out)
	}
	// Cost sharing, in line order, on what is payable and not pended.
	pended := false
	for i := range works {
		if works[i].pended {
			pended = true
		}
	}
	for i := range c.Lines {
		j.finish(&c.Lines[i], &works[i], out, pended)
	}
	// History: every line but the exact duplicates, most recent date first.
	for i, l := range c.Lines {
		if works[i].ruleName == RuleDuplicate {
			continue
		}
		out.member.History = append(out.member.History, Service{Claim: c.ID, Seq: l.Seq, Code: l.Code, Modifiers: l.Modifiers, Date: l.Date,
			Units: l.Units, Provider: c.Provider, Rendering: c.Rendering, Status: l.Status, PaidCents: l.PaidCents})
	}
	out.member.History = trimHistory(out.member.History)
	return out, nil
}

func errNoPolicy(payer, date string, seq int) error {
	return ErrNoPolicy.New("%s has no policy in force for date of service %s (line %d): the payer publishes one first", payer, date, seq)
}

func earlierStatus(w *lineWork) string {
	if w.denied {
		return LineDenied
	}
	return LinePaid
}

// judgeLine decides a line up to its allowed amount.
func (j *judge) judgeLine(c *Claim, l *Line, w *lineWork, out *outcome, lf *LineFacts, cf *ClaimFacts, history []Service, hf []ServiceFacts,
	earlier []Service, auths []PriorAuth, enforced bool, licensed map[string]app.Licence) {
	charge := l.ChargeCents
	w.units, w.covered = l.Units, charge
	// Duplicates: the same member, provider, date, code and modifiers
	// billed before (or earlier in this claim).
	if j.isDuplicate(c, l, out) {
		w.deny(RuleDuplicate, GroupContractual, CARCDuplicate, "", charge,
			"an exact duplicate: the same service (code and modifiers) for this member by this provider on this date was billed before")
		return
	}
	// Eligibility: a coverage period holding the date of service.
	m := &out.member
	w.cov = -1
	for k, cov := range m.Coverage {
		if cov.From <= l.Date && l.Date <= cov.To {
			w.cov = k
			break
		}
	}
	if w.cov < 0 {
		carc, why := CARCAfterCoverage, "the member's coverage had ended on the date of service"
		if len(m.Coverage) == 0 || l.Date < m.Coverage[0].From {
			carc, why = CARCBeforeCoverage, "the member's coverage had not begun on the date of service"
		}
		w.deny(RuleEligibility, GroupContractual, carc, RARCIneligble, charge, why, fact("date", l.Date))
		return
	}
	cov := m.Coverage[w.cov]
	plan, ok := w.pol.plans[cov.Plan]
	if !ok {
		w.deny(RuleNoPlan, GroupContractual, CARCNotInPlan, RARCPlan, charge,
			"the member's plan is not one of the policy's plans", fact("plan", cov.Plan))
		return
	}
	// Licence: the rendering clinician held a valid licence on the date.
	if enforced {
		lic, seen := licensed[l.Date]
		if !seen {
			day, _ := ParseDate(l.Date)
			lic = j.licences.Held(j.kv, c.Rendering, LicenceTypes, day.Add(12*time.Hour))
			licensed[l.Date] = lic
		}
		if !lic.Valid {
			w.deny(RuleLicence, GroupContractual, CARCNotCertified, "", charge,
				"the rendering provider was not licensed on the date of service", fact("rendering", c.Rendering), fact("licence", lic.Why))
			return
		}
	}
	mf := memberFacts(cov, plan, len(m.History))
	vars := &lineVars{line: lf, claim: cf, member: &mf, history: hf, units: l.Units}
	w.vars = vars
	// The coverage rule: the first that lists the code and whose when holds.
	for _, ri := range w.pol.byCode[l.Code] {
		r := w.pol.Policy.Rules[ri]
		if len(r.Plans) > 0 && !slices.Contains(r.Plans, cov.Plan) {
			continue
		}
		cr := w.pol.rules[ri]
		if cr.when != nil {
			res := cr.when.eval(vars)
			if res.err != nil {
				j.pendError(c, l, w, out, r.ID, "when")
				return
			}
			if !res.b {
				continue
			}
		}
		w.rule = ri
		break
	}
	if w.rule < 0 {
		w.deny(RuleNoRule, GroupContractual, CARCNotInPlan, RARCPlan, charge,
			"no rule of the policy covers this service for the member's plan", fact("code", l.Code), fact("plan", cov.Plan))
		return
	}
	r := w.pol.Policy.Rules[w.rule]
	cr := w.pol.rules[w.rule]
	w.ruleName = r.ID
	if cr.diagnoses != nil {
		res := cr.diagnoses.eval(vars)
		if res.err != nil {
			j.pendError(c, l, w, out, r.ID, "diagnoses")
			return
		}
		if !res.b {
			w.deny(r.ID, GroupContractual, CARCDiagnosis, RARCDiagnosis, charge,
				"the line's diagnoses do not support the procedure under rule "+r.ID, fact("diagnoses", strings.Join(lf.Diagnoses, ",")))
			return
		}
	}
	if r.PriorAuth {
		a := findAuth(auths, c.Provider, l.Code, l.Date)
		if a == nil {
			w.deny(r.ID, GroupContractual, CARCNoAuth, RARCAuth, charge,
				"the service needs a prior authorization and none for this provider and code was in force on the date of service")
			return
		}
		w.facts = append(w.facts, fact("authorization", a.Number))
	}
	if r.Limit != nil {
		used := unitsUsed(r.Codes, *r.Limit, lf.Day, history, earlier)
		w.facts = append(w.facts, fact("limit_units", r.Limit.Units), fact("limit_days", r.Limit.Days), fact("units_used", used))
		room := max(r.Limit.Units-used, 0)
		if room == 0 {
			w.deny(r.ID, GroupContractual, CARCMaximum, RARCUnits, charge,
				fmt.Sprintf("the plan's limit of %d units in %d days was reached", r.Limit.Units, r.Limit.Days))
			return
		}
		if room < l.Units {
			over := l.Units - room
			deniedCharge := charge * over / l.Units
			w.units, w.covered = room, charge-deniedCharge
			w.adj = append(w.adj, Adjustment{Group: GroupContractual, CARC: CARCMaximum, RARC: RARCUnits, AmountCents: deniedCharge})
		}
	}
	vars.units = w.units
	res := cr.allowed.eval(vars)
	if res.err != nil || res.n < 0 {
		j.pendError(c, l, w, out, r.ID, "allowed")
		return
	}
	w.allowed = min(res.n, w.covered)
	w.facts = append(w.facts, fact("rule_allowed", res.n), fact("covered_units", w.units))
	// Edits: deny or flag a line the rule would pay.
	for k, e := range w.pol.Policy.Edits {
		res := w.pol.edits[k].eval(vars)
		if res.err != nil {
			j.pendError(c, l, w, out, e.ID, "when")
			return
		}
		if !res.b {
			continue
		}
		if e.Action == EditDeny {
			w.adj = nil
			w.deny(e.ID, e.Group, e.CARC, e.RARC, charge, "edit "+e.ID+": "+e.Description)
			return
		}
		if !j.review {
			j.flag(l, w, out, Flag{Code: e.ID, Line: l.Seq, Reason: "edit " + e.ID + ": " + e.Description, By: "policy"})
		}
	}
	// Unbundling: a code billed with another whose payment includes it.
	if !j.review {
		for _, with := range w.pol.pairs[l.Code] {
			if billedWith(with, l.Date, c.Provider, history, earlier) {
				j.flag(l, w, out, Flag{Code: RuleUnbundling, Line: l.Seq, Reason: fmt.Sprintf("%s billed with %s on %s by %s: the payment for %s includes it", l.Code, with, l.Date, c.Provider, with),
					Facts: []Fact{fact("code", l.Code), fact("with", with), fact("date", l.Date)}})
			}
		}
	}
}

// pendError pends a line whose rule could not be evaluated: a failure
// never denies.
func (j *judge) pendError(c *Claim, l *Line, w *lineWork, out *outcome, rule, field string) {
	w.ruleName = RuleError
	w.why = fmt.Sprintf("rule %s (%s) could not be evaluated for this line", rule, field)
	if j.review {
		// A person approved the claim, but the rule still fails: the line
		// is denied as not covered, with the reason.
		w.deny(RuleError, GroupContractual, CARCNonCovered, "", l.ChargeCents, w.why)
		return
	}
	j.flag(l, w, out, Flag{Code: RuleError, Line: l.Seq, Reason: w.why, By: "policy", Facts: []Fact{fact("rule", rule), fact("field", field)}})
}

func (j *judge) flag(l *Line, w *lineWork, out *outcome, f Flag) {
	w.pended = true
	f.By, f.Height = "policy", j.height
	out.flags = append(out.flags, f)
}

// isDuplicate reports whether l is an exact duplicate, and records it
// (when it is not) for the claims after.
func (j *judge) isDuplicate(c *Claim, l *Line, out *outcome) bool {
	k := string(dupKey(j.payer, c.Member, c.Provider, l.Date))
	entries, ok := out.dups[k]
	if !ok {
		if b := j.kv.Get([]byte(k)); b != nil {
			decode(b, &entries)
		}
		out.dupK = append(out.dupK, k)
	}
	for _, e := range entries {
		// NOTE: this claim's own entries are those of its earlier lines
		// (a review judges the claim again with them in place).
		if e.Code == l.Code && slices.Equal(e.Modifiers, l.Modifiers) && !(e.Claim == c.ID && e.Seq >= l.Seq) {
			out.dups[k] = entries
			return true
		}
	}
	if !j.review {
		entries = append(entries, dupEntry{Code: l.Code, Modifiers: l.Modifiers, Claim: c.ID, Seq: l.Seq})
	}
	out.dups[k] = entries
	return false
}

// flagDays flags a claim whose timed services bring a rendering
// clinician's billed minutes on a date over the policy's maximum, and
// records the minutes.
func (j *judge) flagDays(c *Claim, works []lineWork, out *outcome) {
	var dates []string
	minutes := map[string]int64{}
	first := map[string]int{}
	limit := map[string]int64{}
	for i, l := range c.Lines {
		w := &works[i]
		if w.ruleName == RuleDuplicate {
			continue
		}
		per, ok := w.pol.timed[l.Code]
		if !ok {
			continue
		}
		if _, seen := minutes[l.Date]; !seen {
			dates = append(dates, l.Date)
			first[l.Date] = i
			limit[l.Date] = w.pol.Policy.MaxMinutesPerDay
			if limit[l.Date] == 0 {
				limit[l.Date] = 1440
			}
		}
		minutes[l.Date] += per * l.Units
	}
	for _, d := range dates {
		k := string(dayKey(j.payer, c.Rendering, d))
		var rec dayRecord
		if b := j.kv.Get([]byte(k)); b != nil {
			decode(b, &rec)
		}
		rec.Minutes += minutes[d]
		out.days[k] = rec
		out.dayK = append(out.dayK, k)
		if rec.Minutes > limit[d] {
			i := first[d]
			l := &c.Lines[i]
			j.flag(l, &works[i], out, Flag{Code: RuleImpossibleDay, Line: l.Seq,
				Reason: fmt.Sprintf("%s is billed for %d timed minutes on %s, more than the %d in a day", c.Rendering, rec.Minutes, d, limit[d]),
				Facts:  []Fact{fact("rendering", c.Rendering), fact("date", d), fact("minutes", rec.Minutes), fact("limit", limit[d])}})
		}
	}
}

// finish turns a judged line into its result: cost sharing against the
// member's accumulators for a payable line.
func (j *judge) finish(l *Line, w *lineWork, out *outcome, pended bool) {
	r := Result{Adjustments: []Adjustment{}, Rule: w.ruleName, Policy: w.pol.Policy.Version}
	switch {
	case w.denied:
		r.Status = LineDenied
		r.Adjustments = append(r.Adjustments, w.adj...)
		r.Explanation = w.why
		r.Saw = w.facts
		l.Result = r
		return
	case w.rule < 0:
		// pended on a rule error before any rule was chosen
		r.Status = LinePended
		r.Explanation = w.why
		r.Saw = w.facts
		r.Adjustments = append(r.Adjustments, Adjustment{Group: GroupContractual, CARC: CARCNonCovered, AmountCents: l.ChargeCents})
		l.Result = r
		return
	}
	if w.ruleName == RuleError {
		r.Status = LinePended
		r.Explanation = w.why
		r.Saw = w.facts
		r.Adjustments = append(r.Adjustments, w.adj...)
		if rest := l.ChargeCents - sumAdj(w.adj); rest > 0 {
			r.Adjustments = append(r.Adjustments, Adjustment{Group: GroupContractual, CARC: CARCNonCovered, AmountCents: rest})
		}
		l.Result = r
		return
	}
	rule := w.pol.Policy.Rules[w.rule]
	cr := w.pol.rules[w.rule]
	cov := &out.member.Coverage[w.cov]
	plan := w.pol.plans[cov.Plan]
	r.AllowedCents = w.allowed
	r.Adjustments = append(r.Adjustments, w.adj...)
	if fee := w.covered - w.allowed; fee > 0 {
		r.Adjustments = append(r.Adjustments, Adjustment{Group: GroupContractual, CARC: CARCFeeSchedule, AmountCents: fee})
	}
	rest := w.allowed
	var ded, copay, coins int64
	facts := w.facts
	if rule.Deductible {
		ded = min(rest, max(plan.DeductibleCents-cov.DeductibleMetCents, 0))
		facts = append(facts, fact("deductible", plan.DeductibleCents), fact("deductible_met_before", cov.DeductibleMetCents))
	}
	rest -= ded
	// Copay and coinsurance see the member's accumulators as they are now.
	vars := *w.vars
	vars.member = ptr(memberFacts(*cov, plan, len(out.member.History)))
	vars.units = w.units
	if cr.copay != nil {
		res := cr.copay.eval(&vars)
		if res.err == nil && res.n > 0 {
			copay = min(rest, res.n)
		}
		facts = append(facts, fact("copay", res.n))
	}
	rest -= copay
	if cr.coinsurance != nil {
		res := cr.coinsurance.eval(&vars)
		pct := min(max(res.n, 0), 100)
		if res.err != nil {
			pct = 0
		}
		coins = (rest*pct + 50) / 100
		facts = append(facts, fact("coinsurance_percent", pct))
	}
	// The out-of-pocket maximum caps the patient's share: coinsurance goes
	// first, then the copay, then the deductible.
	if plan.OutOfPocketMaxCents > 0 {
		room := max(plan.OutOfPocketMaxCents-cov.OutOfPocketCents, 0)
		facts = append(facts, fact("out_of_pocket_before", cov.OutOfPocketCents), fact("out_of_pocket_max", plan.OutOfPocketMaxCents))
		over := ded + copay + coins - room
		for _, p := range []*int64{&coins, &copay, &ded} {
			if over <= 0 {
				break
			}
			cut := min(*p, over)
			*p -= cut
			over -= cut
		}
	}
	for _, a := range []struct {
		carc string
		n    int64
	}{{CARCDeductible, ded}, {CARCCoinsurance, coins}, {CARCCopay, copay}} {
		if a.n > 0 {
			r.Adjustments = append(r.Adjustments, Adjustment{Group: GroupPatient, CARC: a.carc, AmountCents: a.n})
		}
	}
	r.PatientCents = ded + copay + coins
	r.PaidCents = w.allowed - r.PatientCents
	r.Saw = facts
	switch {
	case pended:
		r.Status = LinePended
		r.Explanation = "held for review: see the claim's flags; the amounts are what the rule would pay"
	case w.units < l.Units:
		r.Status = LinePartial
		r.Explanation = fmt.Sprintf("rule %s covers %d of %d units", rule.ID, w.units, l.Units)
	default:
		r.Status = LinePaid
		r.Explanation = "covered by rule " + rule.ID
	}
	// NOTE: the accumulators move for a pended claim too, so that its
	// lines' amounts are what they would be; the member is stored only
	// when the claim is not pended (store).
	cov.DeductibleMetCents += ded
	cov.OutOfPocketCents += r.PatientCents
	l.Result = r
}

func ptr[T any](v T) *T { return &v }

func sumAdj(as []Adjustment) int64 {
	var n int64
	for _, a := range as {
		n += a.AmountCents
	}
	return n
}
