package claims

import (
	"slices"
	"strings"

	"github.com/medledger/medledger/state"
)

// What judging reads besides the policy: a member's prior
// authorizations, the units and codes of past services, and the facts
// rules see.

// memberAuths lists a member's prior authorizations with this payer.
func (j *judge) memberAuths(member string) []PriorAuth { return memberAuths(j.kv, j.payer, member) }

func memberAuths(r state.Reader, payer, member string) []PriorAuth {
	var ns []uint64
	get(r, authByKey(payer, member), &ns)
	out := make([]PriorAuth, 0, len(ns))
	for _, n := range ns {
		var a PriorAuth
		if get(r, AuthKey(n), &a) {
			out = append(out, a)
		}
	}
	return out
}

// findAuth returns an approved authorization of provider for code in force
// on date, or nil.
func findAuth(auths []PriorAuth, provider, code, date string) *PriorAuth {
	for i := range auths {
		a := &auths[i]
		if a.Status == AuthApproved && a.Provider == provider && slices.Contains(a.Codes, code) && a.From <= date && date <= a.To {
			return a
		}
	}
	return nil
}

// unitsUsed counts the units of codes paid (in full or in part) within
// the limit's days up to day: in history, and earlier in this claim.
func unitsUsed(codes []string, lim Limit, day int64, history, earlier []Service) int64 {
	var n int64
	count := func(s Service) {
		if s.Status != LinePaid && s.Status != LinePartial {
			return
		}
		d, ok := DayNumber(s.Date)
		if ok && d <= day && d > day-lim.Days && slices.Contains(codes, s.Code) {
			n += s.Units
		}
	}
	for _, s := range history {
		count(s)
	}
	for _, s := range earlier {
		count(s)
	}
	return n
}

// billedWith reports whether code was billed by provider on date, in
// history or earlier in this claim (and not denied).
func billedWith(code, date, provider string, history, earlier []Service) bool {
	for _, list := range [][]Service{history, earlier} {
		for _, s := range list {
			if s.Code == code && s.Date == date && s.Provider == provider && s.Status != LineDenied {
				return true
			}
		}
	}
	return false
}

// trimHistory keeps the MaxHistory most recent services within
// HistoryDays of the newest, most recent date first (ties: claim order).
func trimHistory(h []Service) []Service {
	slices.SortStableFunc(h, func(a, b Service) int { return strings.Compare(b.Date, a.Date) })
	if len(h) > MaxHistory {
		h = h[:MaxHistory]
	}
	if len(h) > 0 {
		newest, _ := DayNumber(h[0].Date)
		for i, s := range h {
			if d, _ := DayNumber(s.Date); d < newest-HistoryDays {
				return h[:i]
			}
		}
	}
	return h
}

// --- the facts rules see ---

func lineFacts(c *Claim, l *Line) LineFacts {
	day, _ := DayNumber(l.Date)
	lf := LineFacts{Seq: int64(l.Seq), Code: l.Code, Modifiers: nonNil(l.Modifiers), Diagnoses: []string{}, Units: l.Units, Charge: l.ChargeCents, Date: l.Date, Day: day, Place: l.Place}
	if c != nil {
		for _, p := range l.Pointers {
			lf.Diagnoses = append(lf.Diagnoses, c.Diagnoses[p-1])
		}
	}
	return lf
}

func claimFacts(c *Claim) ClaimFacts {
	cf := ClaimFacts{Provider: c.Provider, Rendering: c.Rendering, Diagnoses: nonNil(c.Diagnoses), Codes: []string{}, Lines: []LineFacts{}}
	for i := range c.Lines {
		cf.Codes = append(cf.Codes, c.Lines[i].Code)
		cf.Lines = append(cf.Lines, lineFacts(c, &c.Lines[i]))
	}
	return cf
}

func memberFacts(cov Coverage, plan Plan, services int) MemberFacts {
	from, _ := DayNumber(cov.From)
	to, _ := DayNumber(cov.To)
	return MemberFacts{Plan: cov.Plan, From: cov.From, To: cov.To, FromDay: from, ToDay: to, Deductible: plan.DeductibleCents,
		DeductibleMet: cov.DeductibleMetCents, OutOfPocket: cov.OutOfPocketCents, OutOfPocketMax: plan.OutOfPocketMaxCents, ServicesInHistory: int64(services)}
}

func historyFactsSlice(h []Service) []ServiceFacts {
	out := make([]ServiceFacts, len(h))
	for i, s := range h {
		d, _ := DayNumber(s.Date)
		out[i] = ServiceFacts{Code: s.Code, Modifiers: nonNil(s.Modifiers), Date: s.Date, Day: d, Units: s.Units, Provider: s.Provider,
			Rendering: s.Rendering, Status: s.Status, Paid: s.PaidCents}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
