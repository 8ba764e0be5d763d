package claims

import (
	"slices"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// MaxSimulate is how many of a payer's claims (the newest) a simulation
// replays.
const MaxSimulate = 10_000

// LineDecision is a line's decision as a simulation compares it.
type LineDecision struct {
	Status       string   `json:"status"`
	PaidCents    int64    `json:"paid_cents"`
	PatientCents int64    `json:"patient_cents"`
	Rule         string   `json:"rule"`
	Codes        []string `json:"codes"` // the adjustments' GROUP-CARC, in order
}

// Change is a line whose decision a draft policy would change.
type Change struct {
	Claim  string       `json:"claim"`
	Line   int          `json:"line"`
	Code   string       `json:"code"`
	Date   string       `json:"date"`
	Before LineDecision `json:"before"`
	After  LineDecision `json:"after"`
}

// Simulation is what a draft policy would change.
type Simulation struct {
	Payer   string   `json:"payer"`
	Version uint64   `json:"version"`
	Claims  int      `json:"claims"` // claims replayed
	Lines   int      `json:"lines"`
	Changes []Change `json:"changes"`
	// PaidBefore and PaidAfter total what the replayed claims pay under
	// the published policies and under the draft.
	PaidBefore int64 `json:"paid_before_cents"`
	PaidAfter  int64 `json:"paid_after_cents"`
}

// Simulate replays a payer's claims (the newest MaxSimulate, in the order
// they were submitted, each at the height it was submitted) twice over a
// scratch copy of r: under the published policies, and with draft in
// force for every date of service from its effective_from. It lists every
// line whose decision differs. Both replays start each member from empty
// accumulators and history, and neither replays people's reviews or the
// scorer's flags, so the changes are the draft's alone. Nothing is
// written to r.
func Simulate(r state.Reader, lic app.Licences, payer string, draft *Compiled) Simulation {
	var all []Claim
	for _, c := range ListClaims(r) {
		if c.Payer == payer {
			all = append(all, c)
		}
	}
	if len(all) > MaxSimulate {
		all = all[len(all)-MaxSimulate:]
	}
	before := replay(r, lic, payer, all, nil)
	after := replay(r, lic, payer, all, draft)
	sim := Simulation{Payer: payer, Version: draft.Policy.Version, Claims: len(all), Changes: []Change{}}
	for i, c := range all {
		for k, l := range c.Lines {
			b, a := decisionOf(before[i].Lines[k]), decisionOf(after[i].Lines[k])
			sim.Lines++
			sim.PaidBefore += b.PaidCents
			sim.PaidAfter += a.PaidCents
			if !sameDecision(b, a) {
				sim.Changes = append(sim.Changes, Change{Claim: c.ID, Line: l.Seq, Code: l.Code, Date: l.Date, Before: b, After: a})
			}
		}
	}
	return sim
}

// replay judges claims in order over a scratch state in which the payer's
// members, duplicates and timed minutes start empty.
func replay(r state.Reader, lic app.Licences, payer string, claims []Claim, draft *Compiled) []Claim {
	kv := state.NewCache(r)
	for _, m := range Members(r, payer) {
		m.History, m.facts = []Service{}, nil
		for k := range m.Coverage {
			m.Coverage[k].DeductibleMetCents, m.Coverage[k].OutOfPocketCents = 0, 0
		}
		put(kv, MemberKey(payer, m.ID), m)
	}
	for _, p := range [][]byte{[]byte(prefixDup + payer + "/"), []byte(prefixDay + payer + "/")} {
		var keys [][]byte
		r.Iterate(p, prefixEnd(p), func(k, _ []byte) bool {
			keys = append(keys, append([]byte(nil), k...))
			return true
		})
		for _, k := range keys {
			kv.Delete(k)
		}
	}
	out := make([]Claim, len(claims))
	for i, c := range claims {
		c.Lines = slices.Clone(c.Lines)
		for k := range c.Lines {
			c.Lines[k].Result = Result{}
		}
		c.Flags = nil
		var m Member
		if !get(kv, MemberKey(payer, c.Member), &m) {
			out[i] = c
			continue
		}
		j := &judge{kv: kv, payer: payer, height: c.Submitted.Height, licences: lic, draft: draft}
		o, err := j.judgeClaim(&c, m)
		if err != nil {
			// no policy for a date: the claim stays as it was judged
			out[i] = claims[i]
			continue
		}
		j.store(o, len(o.flags) == 0)
		out[i] = c
	}
	return out
}

func decisionOf(l Line) LineDecision {
	d := LineDecision{Status: l.Status, PaidCents: l.PaidCents, PatientCents: l.PatientCents, Rule: l.Rule, Codes: []string{}}
	for _, a := range l.Adjustments {
		d.Codes = append(d.Codes, a.Group+"-"+a.CARC)
	}
	return d
}

func sameDecision(a, b LineDecision) bool {
	return a.Status == b.Status && a.PaidCents == b.PaidCents && a.PatientCents == b.PatientCents && a.Rule == b.Rule && slices.Equal(a.Codes, b.Codes)
}
