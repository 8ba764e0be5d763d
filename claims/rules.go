package claims

// CEL in consensus. A policy's expressions are compiled at publication and
// evaluated in the block that adjudicates a claim, on every validator. They
// MUST give every validator the same answer, and they do, because:
//
//   - Inputs are only what the chain holds: the claim, the member, their
//     history and the prior authorization request, as typed values built
//     from state (LineFacts, ClaimFacts, MemberFacts, ServiceFacts,
//     RequestFacts). No clock: a date is a string and a day number (days
//     since 1970-01-01); the block time is no input. CEL's standard
//     library has no function that reads a clock, the environment or a
//     file.
//   - No floating point, time or duration values: publication refuses an
//     expression in which any subexpression has type double, timestamp,
//     duration or dyn (dyn could hide one), so the time zone database,
//     which timestamp functions would read, is never used either. Money
//     is int cents; CEL's int arithmetic is 64-bit and fails on overflow,
//     the same everywhere.
//   - No map iteration: a comprehension (all, exists, exists_one, map,
//     filter) MUST range over a list; ranging over a map would visit its
//     keys in Go's random order, and a map(...) or filter(...) over it
//     would build a list in that order. The inputs hold no maps.
//   - Bounded cost: publication refuses an expression whose estimated
//     worst-case cost (cel-go's EstimateCost over the inputs' maximum
//     sizes, the table sizes below: MaxHistory services, MaxLines lines,
//     every string's longest form, ...) is over MaxCost. The estimate is
//     an upper bound of what any evaluation spends because every input
//     the rules see is within those sizes: the decoder refuses a claim
//     over them (SubmitBody.Validate, submit), the history is trimmed to
//     MaxHistory, and an input of undeclared size makes the estimate
//     unbounded, so the expression is refused. Evaluation therefore runs
//     without cel-go's runtime cost tracking, which would only repeat the
//     bound at half of CEL's time (cost_test.go shows the sizes hold and
//     that evaluations over the largest inputs stay within the estimate).
//     CEL has no unbounded loop: with no limit at all an evaluation still
//     ends, the same on every node. Comprehensions nest at most two deep,
//     and an expression is at most MaxExpr bytes.
//   - An evaluation that fails (an overflow, a division by zero, a
//     missing list element) fails the same way everywhere; the line is
//     then pended for a person, never denied by the failure. The error's
//     text is not kept on chain, only that the rule failed.
//   - cel-go runs no goroutine in Eval (no ContextEval, no async
//     functions), and the compiled program of a policy is a pure function
//     of its text: the cache below only saves compiling it again.
//
// This file is checked by the architecture test like every other file of
// the module; cel-go itself is a dependency, whose evaluation the points
// above bound.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// MaxCost bounds one expression's cost, in cel-go's cost units: its
// estimated worst case at publication, which bounds what one evaluation
// spends (see the top of this file).
const MaxCost = 50_000

// LineFacts is a claim line as rules see it (variable line).
type LineFacts struct {
	Seq       int64    `json:"seq"`
	Code      string   `json:"code"`
	Modifiers []string `json:"modifiers"`
	Diagnoses []string `json:"diagnoses"` // the line's diagnoses, by its pointers
	Units     int64    `json:"units"`
	Charge    int64    `json:"charge"` // cents
	Date      string   `json:"date"`
	Day       int64    `json:"day"` // days since 1970-01-01
	Place     string   `json:"place"`
}

// ClaimFacts is the claim as rules see it (variable claim).
type ClaimFacts struct {
	Provider  string      `json:"provider"`
	Rendering string      `json:"rendering"`
	Diagnoses []string    `json:"diagnoses"`
	Codes     []string    `json:"codes"` // every line's code, in line order
	Lines     []LineFacts `json:"lines"`
}

// MemberFacts is the member and their coverage on the date of service
// (variable member).
type MemberFacts struct {
	Plan              string `json:"plan"`
	From              string `json:"from"`
	To                string `json:"to"`
	FromDay           int64  `json:"from_day"`
	ToDay             int64  `json:"to_day"`
	Deductible        int64  `json:"deductible"`
	DeductibleMet     int64  `json:"deductible_met"`
	OutOfPocket       int64  `json:"out_of_pocket"`
	OutOfPocketMax    int64  `json:"out_of_pocket_max"`
	ServicesInHistory int64  `json:"services"`
}

// ServiceFacts is one past service of the member (variable history, the
// most recent first).
type ServiceFacts struct {
	Code      string   `json:"code"`
	Modifiers []string `json:"modifiers"`
	Date      string   `json:"date"`
	Day       int64    `json:"day"`
	Units     int64    `json:"units"`
	Provider  string   `json:"provider"`
	Rendering string   `json:"rendering"`
	Status    string   `json:"status"`
	Paid      int64    `json:"paid"`
}

// RequestFacts is a prior authorization request (variable request).
type RequestFacts struct {
	Codes    []string `json:"codes"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	FromDay  int64    `json:"from_day"`
	ToDay    int64    `json:"to_day"`
	Days     int64    `json:"days"` // days covered, from and to included
	Provider string   `json:"provider"`
}

// What an expression returns.
type exprKind int

const (
	kindBool exprKind = iota
	kindInt
)

var (
	lineTypes  = []any{reflect.TypeFor[LineFacts](), reflect.TypeFor[ClaimFacts](), reflect.TypeFor[MemberFacts](), reflect.TypeFor[ServiceFacts](), types.ParseStructTag("json")}
	envOnce    sync.Once
	lineEnv    *cel.Env // line, claim, member, history, units
	requestEnv *cel.Env // request, member, history
	envErr     error
)

func commonOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.StdLib(),
		ext.NativeTypes(append(append([]any{}, lineTypes...), reflect.TypeFor[RequestFacts]())...),
		cel.Variable("member", cel.ObjectType("claims.MemberFacts")),
		cel.Variable("history", cel.ListType(cel.ObjectType("claims.ServiceFacts"))),
		cel.ParserExpressionSizeLimit(MaxExpr),
		cel.ParserRecursionLimit(64),
		cel.ASTValidators(cel.ValidateComprehensionNestingLimit(2), cel.ValidateHomogeneousAggregateLiterals(), determinismValidator{}),
	}
}

// envs builds the two CEL environments once.
func envs() (*cel.Env, *cel.Env, error) {
	envOnce.Do(func() {
		lineEnv, envErr = cel.NewEnv(append(commonOptions(),
			cel.Variable("line", cel.ObjectType("claims.LineFacts")),
			cel.Variable("claim", cel.ObjectType("claims.ClaimFacts")),
			cel.Variable("units", cel.IntType))...)
		if envErr != nil {
			return
		}
		requestEnv, envErr = cel.NewEnv(append(commonOptions(), cel.Variable("request", cel.ObjectType("claims.RequestFacts")))...)
	})
	return lineEnv, requestEnv, envErr
}

// determinismValidator refuses what could make an evaluation differ
// between validators (see the top of this file).
type determinismValidator struct{}

func (determinismValidator) Name() string { return "medledger.claims.determinism" }

func (determinismValidator) Validate(_ *cel.Env, _ cel.ValidatorConfig, a *ast.AST, iss *cel.Issues) {
	for _, e := range ast.MatchDescendants(ast.NavigateAST(a), ast.AllMatcher()) {
		switch t := e.Type(); t.Kind() {
		case types.DoubleKind:
			iss.ReportErrorAtID(e.ID(), "floating point is not allowed: use int (money in cents, percentages as whole numbers)")
			return
		case types.TimestampKind, types.DurationKind:
			iss.ReportErrorAtID(e.ID(), "timestamps and durations are not allowed: use the day numbers (line.day, member.from_day)")
			return
		case types.DynKind, types.AnyKind:
			iss.ReportErrorAtID(e.ID(), "an expression of unknown type (dyn) is not allowed: every value must have a type the checker knows")
			return
		}
		if e.Kind() == ast.ComprehensionKind {
			if r := e.AsComprehension().IterRange(); a.GetType(r.ID()).Kind() != types.ListKind {
				iss.ReportErrorAtID(r.ID(), "all, exists, exists_one, map and filter must range over a list: a map's order differs between nodes")
				return
			}
		}
	}
}

// sizes are the largest inputs an expression may meet: cel-go's cost
// estimate multiplies by them. They MUST bound every input the chain
// accepts (cost_test.go checks the largest claim the decoder accepts,
// a full history and a prior authorization request against them): a
// size here that an input can exceed would let an evaluation cost more
// than the estimate publication checked.
var sizes = map[string]uint64{
	"history":                             MaxHistory,
	"history.@items.modifiers":            MaxModifiers,
	"history.@items.code":                 5,
	"history.@items.date":                 10,
	"history.@items.provider":             maxID,
	"history.@items.rendering":            maxRendering,
	"history.@items.status":               maxStatus,
	"claim.lines":                         MaxLines,
	"claim.codes":                         MaxLines,
	"claim.codes.@items":                  5,
	"claim.diagnoses":                     MaxDiagnoses,
	"claim.diagnoses.@items":              8,
	"claim.provider":                      maxID,
	"claim.rendering":                     maxRendering,
	"claim.lines.@items.modifiers":        MaxModifiers,
	"claim.lines.@items.diagnoses":        MaxPointers,
	"claim.lines.@items.code":             5,
	"claim.lines.@items.date":             10,
	"claim.lines.@items.place":            2,
	"claim.lines.@items.modifiers.@items": 2,
	"claim.lines.@items.diagnoses.@items": 8,
	"line.modifiers":                      MaxModifiers,
	"line.modifiers.@items":               2,
	"line.diagnoses":                      MaxPointers,
	"line.diagnoses.@items":               8,
	"line.code":                           5,
	"line.date":                           10,
	"line.place":                          2,
	"member.plan":                         maxID,
	"member.from":                         10,
	"member.to":                           10,
	"request.codes":                       MaxRuleCodes,
	"request.codes.@items":                5,
	"request.from":                        10,
	"request.to":                          10,
	"request.provider":                    maxID,
	"history.@items.modifiers.@items":     2,
}

// estimator gives cel-go's cost estimate the inputs' sizes; an input of
// unknown size makes the estimate unbounded, and the expression refused.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if p := n.Path(); len(p) > 0 {
		if max, ok := sizes[strings.Join(p, ".")]; ok {
			return &cost.SizeEstimate{Min: 0, Max: max}
		}
	}
	return nil
}

func (estimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// program is one compiled expression.
type program struct {
	prg  cel.Program // without cost tracking
	kind exprKind
	// Estimate is the estimated worst-case cost at publication.
	Estimate uint64
	// env and ast let tests and benchmarks build the same program with
	// cel-go's cost tracking, to count what an evaluation spends.
	env *cel.Env
	ast *cel.Ast
}

// compileExpr compiles src in env and checks its type, determinism and
// cost. where names the rule and field for the error.
func compileExpr(env *cel.Env, where string, src Expr, kind exprKind) (*program, error) {
	if len(src) > MaxExpr {
		return nil, ErrPolicy.New("%s: the expression is %d bytes, over the limit of %d", where, len(src), MaxExpr)
	}
	a, iss := env.Compile(string(src))
	if iss != nil && iss.Err() != nil {
		return nil, ErrPolicy.New("%s: %s", where, describeIssues(iss))
	}
	want, wantName := cel.BoolType, "bool (true or false)"
	if kind == kindInt {
		want, wantName = cel.IntType, "int (whole cents or a whole number)"
	}
	if !a.OutputType().IsExactType(want) {
		return nil, ErrPolicy.New("%s: the expression is of type %s; it must be %s", where, a.OutputType(), wantName)
	}
	est, err := env.EstimateCost(a, estimator{})
	if err != nil {
		return nil, ErrPolicy.New("%s: its cost cannot be bounded: %v", where, err)
	}
	if est.Max > MaxCost {
		return nil, ErrPolicy.New("%s: its worst-case cost is %s, over the limit of %d (loops over history or claim lines nested too deep, or on inputs of unbounded size)", where, costString(est.Max), MaxCost)
	}
	// NOTE: no cel.CostLimit: the estimate above bounds every evaluation.
	prg, err := env.Program(a, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, ErrPolicy.New("%s: %v", where, err)
	}
	return &program{prg: prg, kind: kind, Estimate: est.Max, env: env, ast: a}, nil
}

func costString(c uint64) string {
	if c == ^uint64(0) {
		return "unbounded"
	}
	return fmt.Sprint(c)
}

// describeIssues renders CEL's errors as "line L, column C: message; ...".
func describeIssues(iss *cel.Issues) string {
	var parts []string
	for _, e := range iss.Errors() {
		parts = append(parts, fmt.Sprintf("line %d, column %d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, "; ")
}

// --- evaluation ---

// lineVars is the activation of a line's expressions.
type lineVars struct {
	line    *LineFacts
	claim   *ClaimFacts
	member  *MemberFacts
	history []ServiceFacts
	units   int64
}

func (v *lineVars) ResolveName(name string) (any, bool) {
	switch name {
	case "line":
		return v.line, true
	case "claim":
		return v.claim, true
	case "member":
		return v.member, true
	case "history":
		return v.history, true
	case "units":
		return v.units, true
	}
	return nil, false
}

func (*lineVars) Parent() interpreter.Activation { return nil }

// requestVars is the activation of an auto_approve expression.
type requestVars struct {
	request *RequestFacts
	member  *MemberFacts
	history []ServiceFacts
}

func (v *requestVars) ResolveName(name string) (any, bool) {
	switch name {
	case "request":
		return v.request, true
	case "member":
		return v.member, true
	case "history":
		return v.history, true
	}
	return nil, false
}

func (*requestVars) Parent() interpreter.Activation { return nil }

// evalResult is one evaluation: its value or its failure.
type evalResult struct {
	b   bool
	n   int64
	err error
}

// eval evaluates p over vars. It never panics on a policy's fault: a
// failed evaluation is a result with err set.
func (p *program) eval(vars interpreter.Activation) evalResult {
	out, _, err := p.prg.Eval(vars)
	return result(out, err)
}

func result(out ref.Val, err error) evalResult {
	var r evalResult
	if err != nil {
		r.err = err
		return r
	}
	switch v := out.Value().(type) {
	case bool:
		r.b = v
	case int64:
		r.n = v
	default:
		r.err = fmt.Errorf("unexpected result type %T", v)
	}
	return r
}

// --- compiled policies ---

// compiledRule is a rule's programs; nil when the field is empty.
type compiledRule struct {
	when, diagnoses, allowed, copay, coinsurance, auto *program
}

// Compiled is a policy checked and compiled.
type Compiled struct {
	Policy Policy
	Digest string
	rules  []compiledRule
	edits  []*program
	// byCode indexes the rules by code, in policy order.
	byCode  map[string][]int
	timed   map[string]int64
	pairs   map[string][]string
	plans   map[string]Plan
	maxCost uint64
}

// MaxEstimate is the largest estimated cost of any one of the policy's
// expressions.
func (c *Compiled) MaxEstimate() uint64 { return c.maxCost }

// policyCache remembers compiled policies by digest: compiling is a pure
// function of the policy's bytes, so a hit gives what compiling again
// would. Bounded; the oldest entry goes first.
var policyCache = struct {
	sync.Mutex
	m     map[string]*Compiled
	order []string
}{m: map[string]*Compiled{}}

const policyCacheSize = 64

// Digest is the hex SHA-256 of a policy's canonical JSON.
func Digest(p Policy) string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Errorf("claims: encode policy: %w", err))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// cachedPolicy is the compiled policy of digest, if the cache holds it.
func cachedPolicy(digest string) *Compiled {
	policyCache.Lock()
	defer policyCache.Unlock()
	return policyCache.m[digest]
}

// Compile checks a policy (Check) and compiles every expression, or
// returns ErrPolicy naming the rule, field, position and reason of the
// first that fails.
func Compile(p Policy) (*Compiled, error) {
	d := Digest(p)
	policyCache.Lock()
	c := policyCache.m[d]
	policyCache.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := compile(p, d)
	if err != nil {
		return nil, err
	}
	policyCache.Lock()
	defer policyCache.Unlock()
	if _, ok := policyCache.m[d]; !ok {
		if len(policyCache.order) >= policyCacheSize {
			delete(policyCache.m, policyCache.order[0])
			policyCache.order = policyCache.order[1:]
		}
		policyCache.m[d] = c
		policyCache.order = append(policyCache.order, d)
	}
	return c, nil
}

func compile(p Policy, digest string) (*Compiled, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	le, re, err := envs()
	if err != nil {
		return nil, fmt.Errorf("claims: CEL environment: %w", err)
	}
	c := &Compiled{Policy: p, Digest: digest, byCode: map[string][]int{}, timed: map[string]int64{}, pairs: map[string][]string{}, plans: map[string]Plan{}}
	opt := func(env *cel.Env, where string, e Expr, k exprKind) (*program, error) {
		if strings.TrimSpace(string(e)) == "" {
			return nil, nil
		}
		prg, err := compileExpr(env, where, e, k)
		if prg != nil {
			c.maxCost = max(c.maxCost, prg.Estimate)
		}
		return prg, err
	}
	for i, r := range p.Rules {
		where := fmt.Sprintf("rules[%d] (%s)", i, r.ID)
		var cr compiledRule
		var err error
		if cr.when, err = opt(le, where+" when", r.When, kindBool); err != nil {
			return nil, err
		}
		if cr.diagnoses, err = opt(le, where+" diagnoses", r.Diagnoses, kindBool); err != nil {
			return nil, err
		}
		if cr.allowed, err = opt(le, where+" allowed", r.Allowed, kindInt); err != nil {
			return nil, err
		}
		if cr.copay, err = opt(le, where+" copay", r.Copay, kindInt); err != nil {
			return nil, err
		}
		if cr.coinsurance, err = opt(le, where+" coinsurance", r.Coinsurance, kindInt); err != nil {
			return nil, err
		}
		if cr.auto, err = opt(re, where+" auto_approve", r.AutoApprove, kindBool); err != nil {
			return nil, err
		}
		c.rules = append(c.rules, cr)
		for _, code := range r.Codes {
			c.byCode[code] = append(c.byCode[code], i)
		}
	}
	for i, e := range p.Edits {
		prg, err := opt(le, fmt.Sprintf("edits[%d] (%s) when", i, e.ID), e.When, kindBool)
		if err != nil {
			return nil, err
		}
		c.edits = append(c.edits, prg)
	}
	for _, t := range p.TimedCodes {
		c.timed[t.Code] = t.Minutes
	}
	for _, pr := range p.Unbundle {
		c.pairs[pr.Code] = append(c.pairs[pr.Code], pr.With)
	}
	for _, pl := range p.Plans {
		c.plans[pl.ID] = pl
	}
	return c, nil
}
