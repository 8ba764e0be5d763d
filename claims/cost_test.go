package claims

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"cel.dev/cel-go/interpreter"

	"github.com/medledger/medledger"
)

// The chain evaluates rules without cel-go's runtime cost tracking
// (rules.go): the estimate that publication checks against MaxCost must
// bound every evaluation. It does if every input the rules see is within
// the sizes the estimator is told (sizes), which TestSizesBoundInputs
// checks, and if cel-go's estimate bounds its own count over inputs of
// those sizes, which TestEstimateBoundsCost checks on the largest inputs.
// TestPolicyRefused (rules_test.go) shows a policy exploding in cost is
// still refused at publication.

// largestBody is the largest claim the decoder accepts: every list at its
// limit, every string at its longest.
func largestBody() SubmitBody {
	diags := make([]string, MaxDiagnoses)
	for i := range diags {
		diags[i] = fmt.Sprintf("S%02d.%04dA", i, i)[:8]
	}
	b := SubmitBody{Payer: "unity-health-plan", Member: "psn-aaaaaaaaaaaaaaaaaaaaaaaa",
		Rendering: strings.Repeat("p", maxID) + "/" + strings.Repeat("c", maxRendering-maxID-1), Diagnoses: diags}
	for i := range MaxLines {
		b.Lines = append(b.Lines, LineIn{Code: fmt.Sprintf("9%04d", i), Modifiers: []string{"25", "59", "LT", "RT"}, Pointers: []int{1, 2, 3, MaxDiagnoses},
			Units: MaxUnits, ChargeCents: MaxCharge, Date: "2025-03-03", Place: "11"})
	}
	return b
}

// largestInputs are the facts of the largest claim for its first line, a
// member of the longest plan id and a full history of the longest values.
func largestInputs(t testing.TB, match bool) (*lineVars, *RequestFacts) {
	t.Helper()
	raw, err := json.Marshal(largestBody())
	if err != nil {
		t.Fatal(err)
	}
	body, err := DecodeClaim(raw)
	if err != nil {
		t.Fatalf("the largest claim is refused: %v", err)
	}
	provider, _, _ := strings.Cut(body.Rendering, "/")
	c := &Claim{Provider: provider, Rendering: body.Rendering, Diagnoses: body.Diagnoses}
	for i, l := range body.Lines {
		c.Lines = append(c.Lines, Line{Seq: i + 1, LineIn: l})
	}
	var h []Service
	for i := range MaxHistory + 40 {
		code := fmt.Sprintf("7%04d", i)
		if match {
			code = c.Lines[0].Code
		}
		h = append(h, Service{Claim: ClaimID(uint64(i + 1)), Seq: 1, Code: code, Modifiers: []string{"25", "59", "LT", "RT"}, Date: "2025-03-02",
			Units: MaxUnits, Provider: provider, Rendering: body.Rendering, Status: []string{LinePaid, LinePartial, LineDenied, LinePended}[i%4], PaidCents: MaxCharge})
	}
	h = trimHistory(h)
	cf := claimFacts(c)
	lf := cf.Lines[0]
	plan := Plan{ID: strings.Repeat("p", maxID), DeductibleCents: MaxCharge, OutOfPocketMaxCents: MaxCharge}
	mf := memberFacts(Coverage{Plan: plan.ID, From: "2025-01-01", To: "2025-12-31"}, plan, len(h))
	hf := historyFactsSlice(h)
	codes := make([]string, 20) // requestAuth's limit
	for i := range codes {
		codes[i] = fmt.Sprintf("7%04d", i)
	}
	req := &RequestFacts{Codes: codes, From: "2025-01-01", To: "2025-12-31", FromDay: 20089, ToDay: 20453, Days: 365, Provider: provider}
	return &lineVars{line: &lf, claim: &cf, member: &mf, history: hf, units: lf.Units}, req
}

// measure records the size of every string and list under path in v, as
// cel-go names them (a list's elements are path.@items), keeping the
// largest of each.
func measure(path string, v reflect.Value, got map[string]uint64) {
	switch v.Kind() {
	case reflect.Pointer:
		measure(path, v.Elem(), got)
	case reflect.String:
		got[path] = max(got[path], uint64(v.Len()))
	case reflect.Slice:
		got[path] = max(got[path], uint64(v.Len()))
		for i := range v.Len() {
			measure(path+".@items", v.Index(i), got)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			measure(path+"."+name, v.Field(i), got)
		}
	}
}

// TestSizesBoundInputs: every string and list the rules see is within the
// size the cost estimator is told, for the largest claim the decoder
// accepts, a full history (trimmed to MaxHistory) and a prior
// authorization request; one more of anything is refused by the decoder.
func TestSizesBoundInputs(t *testing.T) {
	vars, req := largestInputs(t, false)
	got := map[string]uint64{}
	measure("line", reflect.ValueOf(vars.line), got)
	measure("claim", reflect.ValueOf(vars.claim), got)
	measure("member", reflect.ValueOf(vars.member), got)
	measure("history", reflect.ValueOf(vars.history), got)
	measure("request", reflect.ValueOf(req), got)
	for path, n := range got {
		bound, ok := sizes[path]
		if !ok {
			t.Errorf("%s (size %d here) has no declared size: the estimate of an expression using it is unbounded", path, n)
			continue
		}
		if n > bound {
			t.Errorf("%s has size %d, over its declared %d", path, n, bound)
		}
	}
	for _, must := range []string{"history", "claim.lines", "claim.rendering", "history.@items.rendering", "line.modifiers"} {
		if got[must] != sizes[must] {
			t.Errorf("%s: the largest input has %d, the declared size is %d: the test does not reach the limit", must, got[must], sizes[must])
		}
	}
	// One more of anything: refused.
	for _, tc := range []struct {
		name string
		edit func(b *SubmitBody)
	}{
		{"a line more", func(b *SubmitBody) { b.Lines = append(b.Lines, b.Lines[0]) }},
		{"a diagnosis more", func(b *SubmitBody) { b.Diagnoses = append(b.Diagnoses, "Z00.00") }},
		{"a longer diagnosis", func(b *SubmitBody) { b.Diagnoses[0] = "S72.0011A" }},
		{"a modifier more", func(b *SubmitBody) { b.Lines[3].Modifiers = append(b.Lines[3].Modifiers, "XS") }},
		{"a longer modifier", func(b *SubmitBody) { b.Lines[3].Modifiers[0] = "XSX" }},
		{"a pointer more", func(b *SubmitBody) { b.Lines[3].Pointers = append(b.Lines[3].Pointers, 4) }},
		{"a longer code", func(b *SubmitBody) { b.Lines[3].Code = "992130" }},
		{"a longer date", func(b *SubmitBody) { b.Lines[3].Date = "2025-03-033" }},
		{"a longer place", func(b *SubmitBody) { b.Lines[3].Place = "111" }},
		{"a longer rendering", func(b *SubmitBody) { b.Rendering += "x" }},
	} {
		b := largestBody()
		tc.edit(&b)
		raw, _ := json.Marshal(b)
		if _, err := DecodeClaim(raw); err == nil || medledger.As(err).Code == 0 {
			t.Errorf("%s: accepted (%v)", tc.name, err)
		}
	}
}

// costlyExprs are expressions publication accepts that loop over the
// largest inputs, some near MaxCost.
var costlyExprs = []struct {
	src  string
	kind exprKind
	req  bool // in the request environment (auto_approve)
}{
	{`history.exists(h, h.code == line.code && h.modifiers.exists(m, m in line.modifiers))`, kindBool, false},
	{`history.filter(h, h.rendering == claim.rendering && h.provider == claim.provider && h.status != "denied").size() * 100`, kindInt, false},
	{`claim.lines.filter(l, l.code == line.code && l.day == line.day).size() + history.filter(h, h.code in claim.codes).size()`, kindInt, false},
	{`claim.lines.all(l, l.diagnoses.all(d, d in claim.diagnoses) && l.modifiers.all(m, m.size() == 2))`, kindBool, false},
	{`history.map(h, h.paid).filter(p, p > 0).size() + claim.codes.filter(c, c in ["99213", "99214"]).size()`, kindInt, false},
	{`(claim.rendering + line.code + line.date + member.plan).matches("^[a-z-]+/[a-z-]+9.*$")`, kindBool, false},
	{`history.exists(h, (h.rendering + h.code).startsWith(claim.rendering))`, kindBool, false},
	{`claim.diagnoses.exists(d, d.startsWith("E11")) || line.diagnoses.exists(d, d.contains("00"))`, kindBool, false},
	{`history.filter(h, h.code == "70553" && request.from_day - h.day < 365).size() == 0 && request.codes.all(c, c.startsWith("7"))`, kindBool, true},
}

// TestEstimateBoundsCost: over the largest inputs (every loop meeting no
// match, and every loop meeting matches), what cel-go counts for each
// expression of the golden policy and each costly expression is within
// its estimate, the bound publication checked: the runtime limit the
// chain no longer sets could never have been reached.
func TestEstimateBoundsCost(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Policy json.RawMessage `json:"policy"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	pol, err := DecodePolicy(f.Policy)
	if err != nil {
		t.Fatal(err)
	}
	type named struct {
		name string
		p    *program
		req  bool
	}
	var progs []named
	for i, r := range pol.rules {
		for k, p := range map[string]*program{"when": r.when, "diagnoses": r.diagnoses, "allowed": r.allowed, "copay": r.copay, "coinsurance": r.coinsurance} {
			if p != nil {
				progs = append(progs, named{fmt.Sprintf("rule %d %s", i, k), p, false})
			}
		}
		if r.auto != nil {
			progs = append(progs, named{fmt.Sprintf("rule %d auto_approve", i), r.auto, true})
		}
	}
	for i, p := range pol.edits {
		progs = append(progs, named{fmt.Sprintf("edit %d", i), p, false})
	}
	le, re, err := envs()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range costlyExprs {
		env := le
		if e.req {
			env = re
		}
		p, err := compileExpr(env, e.src, Expr(e.src), e.kind)
		if err != nil {
			t.Fatalf("%s: refused, the test wants it accepted: %v", e.src, err)
		}
		progs = append(progs, named{e.src, p, e.req})
	}
	for _, match := range []bool{false, true} {
		vars, req := largestInputs(t, match)
		for _, n := range progs {
			var act interpreter.Activation = vars
			if n.req {
				act = &requestVars{request: req, member: vars.member, history: vars.history}
			}
			r, spent := n.p.tracked(t, act)
			if spent > n.p.Estimate || n.p.Estimate > MaxCost {
				t.Errorf("%s (matches %v): spent %d, estimated %d (limit %d)", n.name, match, spent, n.p.Estimate, MaxCost)
			}
			if plain := n.p.eval(act); plain.b != r.b || plain.n != r.n || (plain.err == nil) != (r.err == nil) {
				t.Errorf("%s: %+v without cost tracking, %+v with", n.name, plain, r)
			}
			t.Logf("%-60.60s matches %-5v spent %6d of %6d estimated", n.name, match, spent, n.p.Estimate)
		}
	}
}
