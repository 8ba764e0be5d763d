package claims

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
)

// DecodePolicy decodes a policy document (JSON, strictly: unknown or
// repeated fields are refused) and compiles it: the loader that
// publication and `claims policy simulate` share. Errors are ErrPolicy or
// tx/malformed and name what is wrong.
func DecodePolicy(raw []byte) (*Compiled, error) {
	var p Policy
	if err := app.DecodeBody(raw, &p); err != nil {
		return nil, err
	}
	return Compile(p)
}

// Check checks a policy's structure: ids, codes, plans, limits and
// amounts (not its expressions, which Compile checks).
func (p Policy) Check() error {
	if p.Version < 1 {
		return ErrPolicy.New("version must be 1 or more")
	}
	if err := checkDate("effective_from", p.EffectiveFrom); err != nil {
		return ErrPolicy.New("effective_from %s is not a date YYYY-MM-DD", medledger.Quote(p.EffectiveFrom))
	}
	if p.EffectiveHeight < 0 {
		return ErrPolicy.New("effective_height must not be negative")
	}
	if len(p.Plans) == 0 || len(p.Plans) > MaxPlans {
		return ErrPolicy.New("a policy has 1 to %d plans, not %d", MaxPlans, len(p.Plans))
	}
	for i, pl := range p.Plans {
		if !validID(pl.ID) {
			return ErrPolicy.New("plans[%d]: id %s must be 1 to %d lowercase letters, digits, '-', '_' or '.'", i, medledger.Quote(pl.ID), maxID)
		}
		if slices.ContainsFunc(p.Plans[:i], func(o Plan) bool { return o.ID == pl.ID }) {
			return ErrPolicy.New("plans[%d]: plan %s is defined twice", i, pl.ID)
		}
		if pl.DeductibleCents < 0 || pl.DeductibleCents > MaxCharge {
			return ErrPolicy.New("plans[%d] (%s): deductible_cents %d is outside 0 to %d", i, pl.ID, pl.DeductibleCents, int64(MaxCharge))
		}
		if pl.OutOfPocketMaxCents < 0 || pl.OutOfPocketMaxCents > MaxCharge || (pl.OutOfPocketMaxCents > 0 && pl.OutOfPocketMaxCents < pl.DeductibleCents) {
			return ErrPolicy.New("plans[%d] (%s): out_of_pocket_max_cents %d must be 0 (no cap) or from the deductible to %d", i, pl.ID, pl.OutOfPocketMaxCents, int64(MaxCharge))
		}
	}
	if len(p.Rules) == 0 || len(p.Rules) > MaxRules {
		return ErrPolicy.New("a policy has 1 to %d rules, not %d", MaxRules, len(p.Rules))
	}
	ids := map[string]bool{}
	for i, r := range p.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		if !validID(r.ID) {
			return ErrPolicy.New("%s: id %s must be 1 to %d lowercase letters, digits, '-', '_' or '.'", where, medledger.Quote(r.ID), maxID)
		}
		if ids[r.ID] || builtinRule[r.ID] {
			return ErrPolicy.New("%s: id %s is used twice, or is a name the chain uses for its own checks", where, r.ID)
		}
		ids[r.ID] = true
		where += " (" + r.ID + ")"
		if err := validText(where+" description", r.Description, false); err != nil {
			return ErrPolicy.New("%s", medledger.As(err).Detail)
		}
		if len(r.Codes) == 0 || len(r.Codes) > MaxRuleCodes {
			return ErrPolicy.New("%s: a rule lists 1 to %d codes, not %d", where, MaxRuleCodes, len(r.Codes))
		}
		for j, c := range r.Codes {
			if !validProcedure(c) {
				return ErrPolicy.New("%s: code %s is not a HCPCS or CPT code (5 capital letters or digits)", where, medledger.Quote(c))
			}
			if slices.Contains(r.Codes[:j], c) {
				return ErrPolicy.New("%s: code %s is listed twice", where, c)
			}
		}
		for _, pl := range r.Plans {
			if !slices.ContainsFunc(p.Plans, func(o Plan) bool { return o.ID == pl }) {
				return ErrPolicy.New("%s: plan %s is not one of the policy's plans", where, medledger.Quote(pl))
			}
		}
		if r.Allowed == "" {
			return ErrPolicy.New("%s: allowed is required (the allowed amount in cents, a number or an expression)", where)
		}
		if r.Limit != nil && (r.Limit.Units < 1 || r.Limit.Units > 100_000 || r.Limit.Days < 1 || r.Limit.Days > HistoryDays) {
			return ErrPolicy.New("%s: limit must have units 1 to 100000 and days 1 to %d", where, HistoryDays)
		}
		if r.AutoApprove != "" && !r.PriorAuth {
			return ErrPolicy.New("%s: auto_approve decides prior authorizations; set prior_auth: true too", where)
		}
	}
	if len(p.Edits) > MaxEdits {
		return ErrPolicy.New("a policy has at most %d edits, not %d", MaxEdits, len(p.Edits))
	}
	for i, e := range p.Edits {
		where := fmt.Sprintf("edits[%d]", i)
		if !validID(e.ID) {
			return ErrPolicy.New("%s: id %s must be 1 to %d lowercase letters, digits, '-', '_' or '.'", where, medledger.Quote(e.ID), maxID)
		}
		if ids[e.ID] || builtinRule[e.ID] {
			return ErrPolicy.New("%s: id %s is used twice, or is a name the chain uses for its own checks", where, e.ID)
		}
		ids[e.ID] = true
		where += " (" + e.ID + ")"
		if err := validText(where+" description", e.Description, false); err != nil {
			return ErrPolicy.New("%s", medledger.As(err).Detail)
		}
		if e.When == "" {
			return ErrPolicy.New("%s: when is required (a CEL condition)", where)
		}
		switch e.Action {
		case EditFlag:
			if e.Group != "" || e.CARC != "" || e.RARC != "" {
				return ErrPolicy.New("%s: a flag names no group, carc or rarc: a flag never denies", where)
			}
		case EditDeny:
			if !slices.Contains(Groups, e.Group) || e.Group == GroupPatient {
				return ErrPolicy.New("%s: group %s must be CO, OA or PI (a denial is never billed to the patient)", where, medledger.Quote(e.Group))
			}
			if !validCARC(e.CARC) {
				return ErrPolicy.New("%s: carc %s is not a claim adjustment reason code (e.g. 97, B7)", where, medledger.Quote(e.CARC))
			}
			if e.RARC != "" && !validRARC(e.RARC) {
				return ErrPolicy.New("%s: rarc %s is not a remark code (e.g. M15, N362)", where, medledger.Quote(e.RARC))
			}
		default:
			return ErrPolicy.New("%s: action %s must be flag or deny", where, medledger.Quote(e.Action))
		}
	}
	if len(p.TimedCodes) > MaxTimedCodes {
		return ErrPolicy.New("a policy lists at most %d timed codes, not %d", MaxTimedCodes, len(p.TimedCodes))
	}
	for i, t := range p.TimedCodes {
		if !validProcedure(t.Code) || slices.ContainsFunc(p.TimedCodes[:i], func(o TimedCode) bool { return o.Code == t.Code }) {
			return ErrPolicy.New("timed_codes[%d]: code %s is no procedure code or is listed twice", i, medledger.Quote(t.Code))
		}
		if t.Minutes < 1 || t.Minutes > 1440 {
			return ErrPolicy.New("timed_codes[%d] (%s): minutes %d is outside 1 to 1440", i, t.Code, t.Minutes)
		}
	}
	if p.MaxMinutesPerDay < 0 || p.MaxMinutesPerDay > 1440 {
		return ErrPolicy.New("max_minutes_per_day %d is outside 1 to 1440 (0: 1440, the minutes in a day)", p.MaxMinutesPerDay)
	}
	if len(p.Unbundle) > MaxPairs {
		return ErrPolicy.New("a policy lists at most %d unbundling pairs, not %d", MaxPairs, len(p.Unbundle))
	}
	for i, pr := range p.Unbundle {
		if !validProcedure(pr.Code) || !validProcedure(pr.With) || pr.Code == pr.With {
			return ErrPolicy.New("unbundle[%d]: %s with %s must be two different procedure codes", i, medledger.Quote(pr.Code), medledger.Quote(pr.With))
		}
	}
	return nil
}

// builtinRule are the names results give the chain's own checks; no rule
// or edit may take one.
var builtinRule = map[string]bool{
	RuleDuplicate: true, RuleEligibility: true, RuleLicence: true, RuleNoRule: true, RuleImpossibleDay: true,
	RuleUnbundling: true, RuleReview: true, RuleError: true, RuleNoPlan: true,
}

// Names of the chain's own checks, as a result's rule.
const (
	RuleDuplicate     = "duplicate"
	RuleEligibility   = "eligibility"
	RuleLicence       = "licence"
	RuleNoRule        = "no-rule"
	RuleNoPlan        = "no-plan"
	RuleImpossibleDay = "impossible-day"
	RuleUnbundling    = "unbundling"
	RuleReview        = "review"
	RuleError         = "rule-error"
)

// DecodeJSON decodes a stored value; a value that does not decode is a
// corrupt store, and going on would diverge.
func decode(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Errorf("claims: corrupt value: %w", err))
	}
}
