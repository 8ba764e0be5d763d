package claims

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/interpreter"
)

// BenchmarkCELLine measures the CEL evaluation of one claim line: the
// expressions the adjudication runs for it (the covering rule's when,
// diagnoses, allowed, copay and coinsurance, and every edit) over the
// golden policy, for the five lines of the throughput benchmark, with a
// history of 50 services. It reports the time per line as the chain
// evaluates (without cost tracking) and cel-go's cost units per line (the
// unit MaxCost bounds), counted apart.
func BenchmarkCELLine(b *testing.B) {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		b.Fatal(err)
	}
	var f struct {
		Policy json.RawMessage `json:"policy"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		b.Fatal(err)
	}
	pol, err := DecodePolicy(f.Policy)
	if err != nil {
		b.Fatal(err)
	}
	var history []Service
	for i := range 50 {
		history = append(history, Service{Code: []string{"99213", "80053", "97110", "83036", "99214"}[i%5], Date: fmt.Sprintf("2024-%02d-%02d", 1+i%12, 1+i%28),
			Units: 1, Provider: "northside-hospital", Rendering: "northside-hospital/dr-chen", Status: LinePaid, PaidCents: 7000})
	}
	hf := historyFactsSlice(trimHistory(history))
	c := &Claim{Provider: "northside-hospital", Rendering: "northside-hospital/dr-chen", Diagnoses: []string{"E11.9", "I10"}}
	for i, code := range []string{"99214", "83036", "80053", "97110", "99213"} {
		c.Lines = append(c.Lines, Line{Seq: i + 1, LineIn: LineIn{Code: code, Pointers: []int{1, 2}, Units: 1, ChargeCents: 20000, Date: "2025-03-03", Place: "11"}})
	}
	c.Lines[4].Modifiers = []string{"25"}
	cf := claimFacts(c)
	plan := pol.plans["gold"]
	mf := memberFacts(Coverage{Plan: "gold", From: "2025-01-01", To: "2025-12-31"}, plan, len(history))
	exprs := func(l *Line) []*program {
		cr := pol.rules[pol.byCode[l.Code][0]]
		return append([]*program{cr.when, cr.diagnoses, cr.allowed, cr.copay, cr.coinsurance}, pol.edits...)
	}
	lines := 0
	for b.Loop() {
		for i := range c.Lines {
			l := &c.Lines[i]
			lf := lineFacts(c, l)
			vars := &lineVars{line: &lf, claim: &cf, member: &mf, history: hf, units: l.Units}
			for _, p := range exprs(l) {
				if p != nil {
					if r := p.eval(vars); r.err != nil {
						b.Fatal(r.err)
					}
				}
			}
			lines++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
	// The cost units of the same evaluations, counted by cel-go's tracker
	// (outside the timing: the chain evaluates without it).
	var cost uint64
	for i := range c.Lines {
		l := &c.Lines[i]
		lf := lineFacts(c, l)
		vars := &lineVars{line: &lf, claim: &cf, member: &mf, history: hf, units: l.Units}
		for _, p := range exprs(l) {
			if p != nil {
				_, n := p.tracked(b, vars)
				cost += n
			}
		}
	}
	b.ReportMetric(float64(cost)/float64(len(c.Lines)), "cost/line")
	b.ReportMetric(0, "ns/op")
}

// tracked evaluates p with cel-go's cost tracking and returns the result
// and the cost units it spent.
func (p *program) tracked(t testing.TB, vars interpreter.Activation) (evalResult, uint64) {
	t.Helper()
	prg, err := p.env.Program(p.ast, cel.CostTracking(nil), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		t.Fatal(err)
	}
	out, det, err := prg.Eval(vars)
	var n uint64
	if det != nil && det.ActualCost() != nil {
		n = *det.ActualCost()
	}
	return result(out, err), n
}
