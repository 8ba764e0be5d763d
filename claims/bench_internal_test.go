package claims

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// BenchmarkCELLine measures the CEL evaluation of one claim line: the
// expressions the adjudication runs for it (the covering rule's when,
// diagnoses, allowed, copay and coinsurance, and every edit) over the
// golden policy, for the five lines of the throughput benchmark, with a
// history of 50 services. It reports the time and cel-go's cost units per
// line (the unit MaxCost bounds).
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
	var cost uint64
	lines := 0
	for b.Loop() {
		for i := range c.Lines {
			l := &c.Lines[i]
			lf := lineFacts(c, l)
			vars := &lineVars{line: &lf, claim: &cf, member: &mf, history: hf, units: l.Units}
			ri := pol.byCode[l.Code][0]
			cr := pol.rules[ri]
			for _, p := range []*program{cr.when, cr.diagnoses, cr.allowed, cr.copay, cr.coinsurance} {
				if p != nil {
					r := p.eval(vars)
					if r.err != nil {
						b.Fatal(r.err)
					}
					cost += r.cost
				}
			}
			for _, p := range pol.edits {
				r := p.eval(vars)
				if r.err != nil {
					b.Fatal(r.err)
				}
				cost += r.cost
			}
			lines++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
	b.ReportMetric(float64(cost)/float64(lines), "cost/line")
	b.ReportMetric(0, "ns/op")
}
