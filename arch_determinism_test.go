package medledger_test

// The determinism rules of the architecture test (see arch_test.go), and
// their self-test against deliberately bad source.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const nondeterministicOK = "//medledger:nondeterministic-ok"

var forbiddenImports = map[string]string{
	"math/rand":    ruleRand,
	"math/rand/v2": ruleRand,
	"crypto/rand":  ruleRand,
	"os":           ruleIO,
	"os/exec":      ruleIO,
	"net":          ruleIO,
	"net/http":     ruleIO,
	"io/ioutil":    ruleIO,
	"syscall":      ruleIO,
}

var forbiddenFuncs = map[string]map[string]bool{
	"time": {"Now": true, "Since": true, "Until": true},
}

// mapIterators are functions returning an iterator in map order; they are
// fine only as the argument of a sorting collector.
var mapIterators = map[string]map[string]bool{"maps": {"Keys": true, "Values": true, "All": true}}
var sortingCollectors = map[string]map[string]bool{"slices": {"Sorted": true, "SortedFunc": true, "SortedStableFunc": true}}

// check type-checks one package's files and returns its determinism
// findings in source order.
func (c *archChecker) check(path string, files []*ast.File) ([]archFinding, error) {
	_, info, err := c.typeCheck(path, files)
	if err != nil {
		return nil, err
	}
	return c.determinism(path, files, info), nil
}

// determinism returns the determinism findings of a type-checked package
// in source order.
func (c *archChecker) determinism(path string, files []*ast.File, info *types.Info) []archFinding {
	pkgName := path[strings.LastIndex(path, "/")+1:]
	var out []archFinding
	seen := map[string]bool{}
	report := func(n ast.Node, fn, rule, what string) {
		pos := c.fset.Position(n.Pos())
		key := fmt.Sprintf("%s:%d:%d:%s", pos.Filename, pos.Line, pos.Column, rule)
		if !seen[key] {
			seen[key] = true
			out = append(out, archFinding{Pos: pos, Func: fn, Rule: rule, What: what})
		}
	}
	adapter := func(pos token.Pos) bool {
		_, ok := archAdapterFiles[filepath.Base(c.fset.Position(pos).Filename)]
		return ok
	}
	for _, f := range files {
		if adapter(f.Pos()) {
			continue
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if rule, bad := forbiddenImports[p]; bad {
				report(imp, "", rule, "imports "+p)
			}
		}
		for _, decl := range f.Decls {
			fn := ""
			if fd, ok := decl.(*ast.FuncDecl); ok {
				fn = funcName(pkgName, fd)
				if reason, marked := markerReason(fd); marked {
					if reason == "" {
						report(fd, fn, ruleMarker, "say why after "+nondeterministicOK)
					}
					continue
				}
			}
			c.walk(decl, info, func(n ast.Node, rule, what string) { report(n, fn, rule, what) })
			ast.Inspect(decl, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					if obj := info.Uses[id]; obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == path && adapter(obj.Pos()) {
						report(id, fn, ruleAdapter, id.Name+" is declared in "+filepath.Base(c.fset.Position(obj.Pos()).Filename))
					}
				}
				return true
			})
		}
	}
	sortFindings(out)
	return out
}

func (c *archChecker) walk(root ast.Node, info *types.Info, report func(n ast.Node, rule, what string)) {
	var stack []ast.Node
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		parent := ast.Node(nil)
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		stack = append(stack, n)

		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, ruleGoroutine, "go statement")
		case *ast.RangeStmt:
			if t := info.TypeOf(n.X); t != nil && isMapLike(t) {
				report(n, ruleMapRange, "range over "+types.ExprString(n.X)+" of type "+t.String())
			}
		case *ast.BasicLit:
			if n.Kind == token.FLOAT || n.Kind == token.IMAG {
				report(n, ruleFloat, "literal "+n.Value)
			}
		case *ast.Ident:
			if obj := info.Uses[n]; obj != nil && obj.Pkg() != nil {
				if fn, ok := obj.(*types.Func); ok && fn.Type().(*types.Signature).Recv() == nil {
					p, name := obj.Pkg().Path(), obj.Name()
					if forbiddenFuncs[p][name] {
						report(n, ruleClock, p+"."+name)
					}
					if mapIterators[p][name] && !isSortedArg(parent, stack, info) {
						report(n, ruleMapRange, p+"."+name+" iterates in map order; wrap it in slices.Sorted")
					}
				}
			}
		}
		if e, ok := n.(ast.Expr); ok {
			if tv, ok := info.Types[e]; ok && tv.Type != nil && isFloat(tv.Type) {
				report(n, ruleFloat, types.ExprString(e)+" is "+tv.Type.String())
			}
		}
		return true
	})
}

// isSortedArg reports whether the identifier on top of stack (maps.Keys and
// the like) is called as the argument of a sorting collector.
func isSortedArg(_ ast.Node, stack []ast.Node, info *types.Info) bool {
	// stack: ... CallExpr(slices.Sorted) CallExpr(maps.Keys) SelectorExpr Ident
	i := len(stack) - 1
	if i > 0 {
		if _, ok := stack[i-1].(*ast.SelectorExpr); ok {
			i--
		}
	}
	if i < 2 {
		return false
	}
	inner, ok := stack[i-1].(*ast.CallExpr)
	if !ok {
		return false
	}
	outer, ok := stack[i-2].(*ast.CallExpr)
	if !ok || !slices.Contains(outer.Args, ast.Expr(inner)) {
		return false
	}
	var id *ast.Ident
	switch f := ast.Unparen(outer.Fun).(type) {
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr: // explicit instantiation
		if s, ok := f.X.(*ast.SelectorExpr); ok {
			id = s.Sel
		}
	}
	if id == nil {
		return false
	}
	obj := info.Uses[id]
	return obj != nil && obj.Pkg() != nil && sortingCollectors[obj.Pkg().Path()][obj.Name()]
}

func isFloat(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsFloat|types.IsComplex) != 0
}

// isMapLike reports whether ranging over a value of type t iterates a map:
// a map type, or a type parameter whose type set holds a map.
func isMapLike(t types.Type) bool {
	if tp, ok := t.(*types.TypeParam); ok {
		iface, _ := tp.Constraint().Underlying().(*types.Interface)
		if iface == nil {
			return false
		}
		for i := 0; i < iface.NumEmbeddeds(); i++ {
			switch e := iface.EmbeddedType(i).(type) {
			case *types.Union:
				for j := 0; j < e.Len(); j++ {
					if isMapLike(e.Term(j).Type()) {
						return true
					}
				}
			default:
				if isMapLike(e) {
					return true
				}
			}
		}
		return false
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

func funcName(pkg string, fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return pkg + "." + fd.Name.Name
	}
	recv := fd.Recv.List[0].Type
	ptr := ""
	if s, ok := recv.(*ast.StarExpr); ok {
		recv, ptr = s.X, "*"
	}
	if ix, ok := recv.(*ast.IndexExpr); ok {
		recv = ix.X
	}
	if ix, ok := recv.(*ast.IndexListExpr); ok {
		recv = ix.X
	}
	name := types.ExprString(recv)
	if ptr != "" {
		return fmt.Sprintf("%s.(*%s).%s", pkg, name, fd.Name.Name)
	}
	return fmt.Sprintf("%s.%s.%s", pkg, name, fd.Name.Name)
}

// markerReason reports whether the comment line directly above fd is the
// marker, and the reason given after it.
func markerReason(fd *ast.FuncDecl) (string, bool) {
	if fd.Doc == nil || len(fd.Doc.List) == 0 {
		return "", false
	}
	last := fd.Doc.List[len(fd.Doc.List)-1].Text
	rest, ok := strings.CutPrefix(last, nondeterministicOK)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

const archBadSource = `package bad

import (
	crand "crypto/rand"
	"maps"
	"math/rand"
	rand2 "math/rand/v2"
	"os"
	"slices"
	"time"
)

type Amounts map[string]int64

type S struct {
	Rate float32 // FLOAT-FIELD
	m    map[int]bool
}

func clock() {
	_ = time.Now()                  // CLOCK-NOW
	_ = time.Since(time.Time{})     // CLOCK-SINCE
	_ = time.Until(time.Time{})     // CLOCK-UNTIL
	f := time.Now                   // CLOCK-REF
	_ = f
	_ = time.Unix(0, 0)
}

func random() {
	_ = rand.Int()
	_ = rand2.Int()
	_, _ = crand.Read(nil)
	_, _ = os.ReadFile("x")
}

func spawn() {
	go func() {}() // GO
}

func floats(d time.Duration) int64 {
	var x float64 // FLOAT-VAR
	_ = x         // FLOAT-USE-X
	y := 2.5      // FLOAT-LIT
	_ = y         // FLOAT-USE-Y
	return int64(d.Seconds()) // FLOAT-EXPR
}

func maprange(m map[string]int, a Amounts, s S) {
	for k := range m { // RANGE-MAP
		_ = k
	}
	for range a { // RANGE-NAMED
	}
	for range s.m { // RANGE-FIELD
	}
	for k := range maps.Keys(m) { // MAPS-KEYS
		_ = k
	}
	_ = slices.Collect(maps.Values(m)) // MAPS-VALUES
	for k := range slices.Sorted(maps.Keys(m)) {
		_ = k
	}
	for _, v := range []int{1} {
		_ = v
	}
}

func generic[M ~map[string]int](m M) {
	for range m { // RANGE-GENERIC
	}
}

//medledger:nondeterministic-ok cache bookkeeping, decides nothing
func exempt(m map[string]int) {
	_ = time.Now()
	for range m {
	}
	go func() {}()
	_ = 1.5
}

//medledger:nondeterministic-ok
func noReason() {}

func usesAdapter() {
	_ = Served() // ADAPTER
}
`

// archAdapterSource is an adapter file of the bad package: not checked.
const archAdapterSource = `package bad

import (
	"net/http"
	"time"
)

func Served() http.Handler {
	_ = time.Now()
	_ = 1e12
	return nil
}
`

// TestArchitectureCheckerCatches feeds the checker a source with each
// forbidden construct, so that the architecture test cannot silently pass.
func TestArchitectureCheckerCatches(t *testing.T) {
	c := newArchChecker(t, "", "crypto/rand", "maps", "math/rand", "math/rand/v2", "net/http", "os", "slices", "time")
	f, err := parser.ParseFile(c.fset, "bad.go", archBadSource, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	h, err := parser.ParseFile(c.fset, "http.go", archAdapterSource, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	findings, err := c.check("example.com/bad", []*ast.File{f, h})
	if err != nil {
		t.Fatal(err)
	}
	lineOf := func(marker string) int {
		for i, l := range strings.Split(archBadSource, "\n") {
			if strings.Contains(l, "// "+marker) {
				return i + 1
			}
		}
		t.Fatalf("no line marked %s", marker)
		return 0
	}
	type want struct {
		line int
		rule string
	}
	wants := []want{
		{4, ruleRand}, {6, ruleRand}, {7, ruleRand}, {8, ruleIO},
		{lineOf("FLOAT-FIELD"), ruleFloat},
		{lineOf("CLOCK-NOW"), ruleClock}, {lineOf("CLOCK-SINCE"), ruleClock}, {lineOf("CLOCK-UNTIL"), ruleClock}, {lineOf("CLOCK-REF"), ruleClock},
		{lineOf("GO"), ruleGoroutine},
		{lineOf("FLOAT-VAR"), ruleFloat}, {lineOf("FLOAT-LIT"), ruleFloat}, {lineOf("FLOAT-EXPR"), ruleFloat},
		{lineOf("FLOAT-USE-X"), ruleFloat}, {lineOf("FLOAT-USE-Y"), ruleFloat},
		{lineOf("ADAPTER"), ruleAdapter},
		{lineOf("RANGE-MAP"), ruleMapRange}, {lineOf("RANGE-NAMED"), ruleMapRange}, {lineOf("RANGE-FIELD"), ruleMapRange},
		{lineOf("MAPS-KEYS"), ruleMapRange}, {lineOf("MAPS-VALUES"), ruleMapRange}, {lineOf("RANGE-GENERIC"), ruleMapRange},
	}
	got := map[want]bool{}
	for _, f := range findings {
		got[want{f.Pos.Line, f.Rule}] = true
		if f.Func == "bad.exempt" || f.Pos.Filename == "http.go" {
			t.Errorf("finding inside a marked function or an adapter file: %s", f)
		}
	}
	for _, w := range wants {
		if !got[w] {
			t.Errorf("line %d: no %s finding", w.line, w.rule)
		}
	}
	var noReason bool
	for _, f := range findings {
		if f.Rule == ruleMarker && f.Func == "bad.noReason" {
			noReason = true
		}
	}
	if !noReason {
		t.Error("a marker without a reason was accepted")
	}
	// Nothing else: the sorted maps.Keys, time.Unix and the slice range pass.
	for _, f := range findings {
		if !slices.ContainsFunc(wants, func(w want) bool { return w.line == f.Pos.Line && w.rule == f.Rule }) && f.Rule != ruleMarker {
			t.Errorf("unexpected finding: %s", f)
		}
	}
	if t.Failed() {
		for _, f := range findings {
			t.Logf("finding: %s", f)
		}
	}
}
