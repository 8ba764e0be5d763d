package medledger_test

// The architecture test: the state-transition packages MUST be deterministic
// (DESIGN.md, "Determinism"), so their non-test source MUST NOT read the wall
// clock, use randomness, start goroutines, use floating point, iterate Go
// maps, or do I/O outside the state store. The test parses and type-checks
// those packages and fails on any such construct, except inside a function
// marked, on a comment line directly above it, with
//
//	//medledger:nondeterministic-ok <reason>
//
// Use the marker sparingly, and only for code that is no state transition
// (a cache, a query helper), with a reason a reviewer can check.
//
// A module's REST routes live in its http.go (DESIGN.md: a module owns its
// routes). Those adapter files run in the API server, never in a transition,
// so they are not checked; in exchange, no checked file may use anything an
// adapter file declares.

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/medledger/medledger"

// archExcluded are the top-level directories whose packages are no state
// transitions even if they import the app: the edges of the node (HTTP,
// CLI, clients, node wiring, daemons, the web UI) and test support.
var archExcluded = map[string]bool{
	"api": true, "cmd": true, "client": true, "node": true, "daemon": true, "web": true,
	"internal": true, // internal/chaintest drives the app in tests
	"demo":     true, // the dev consortium fixture: builds genesis documents and keys, runs no transition
	"testdata": true, "docs": true,
}

// archExcludedDirs are packages below a module that are off-chain services,
// not state transitions, with why. They act on committed results only.
var archExcludedDirs = map[string]string{
	"records/custodian": "the custodian node's off-chain service: vault I/O and HTTP after a disclosure commits; it never runs inside a transition",
}

// archAdapterFiles are file names that hold a module's adapters, not its
// transitions, with why.
var archAdapterFiles = map[string]string{
	"http.go": "the module's REST routes, served by the API server from committed snapshots",
}

// archAlwaysChecked are checked whatever they import.
var archAlwaysChecked = []string{modulePath + "/app"}

// archMustFind are packages discovery MUST find, so that a broken discovery
// cannot make the test pass by checking nothing.
var archMustFind = []string{modulePath + "/app", modulePath + "/identity", modulePath + "/notary"}

// archKnownExceptions are existing functions that break one rule but are
// no state transition, with why. Prefer the marker comment in the source;
// this list exists for code this test may not edit. An exception covers
// only its rule, and every entry MUST still match a finding (stale entries
// fail the test).
var archKnownExceptions = []struct{ Func, Rule, Why string }{
	{"app.(*App).Types", ruleMapRange, "lists the registered transaction types for docs and the API, and sorts what it collects"},
	{"app.(*App).InitChain", ruleMapRange, "the range over the genesis' module map only looks for an unknown module name; " +
		"any one found aborts InitChain, so no state depends on the order (only which name the error shows)"},
}

const nondeterministicOK = "//medledger:nondeterministic-ok"

// Rules.
const (
	ruleClock     = "wall clock"
	ruleRand      = "randomness"
	ruleGoroutine = "goroutine"
	ruleFloat     = "floating point"
	ruleMapRange  = "map iteration"
	ruleIO        = "I/O outside the state store"
	ruleMarker    = "marker without a reason"
	ruleAdapter   = "transition uses an adapter"
)

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

type archFinding struct {
	Pos  token.Position
	Func string // enclosing function, "pkg.Func" or "pkg.(*Recv).Method"; "" at package level
	Rule string
	What string
}

func (f archFinding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s (in %s)", f.Pos.Filename, f.Pos.Line, f.Rule, f.What, f.Func)
}

// archChecker type-checks packages from source against the export data of
// their dependencies and reports forbidden constructs.
type archChecker struct {
	fset    *token.FileSet
	exports map[string]string // import path -> export data file
}

// newArchChecker asks the go command for the export data of pkgs and every
// dependency (building them if the build cache lacks them).
func newArchChecker(t *testing.T, pkgs ...string) *archChecker {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the architecture test needs the go command: %v", err)
	}
	args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, pkgs...)
	cmd := exec.Command(goCmd, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.Bytes())
	}
	c := &archChecker{fset: token.NewFileSet(), exports: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, file, _ := strings.Cut(sc.Text(), "\t")
		if file != "" {
			c.exports[path] = file
		}
	}
	return c
}

func (c *archChecker) importer() types.Importer {
	return importer.ForCompiler(c.fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := c.exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
}

// check type-checks one package's files and returns its findings in
// source order.
func (c *archChecker) check(path string, files []*ast.File) ([]archFinding, error) {
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: c.importer()}
	if _, err := conf.Check(path, c.fset, files, info); err != nil {
		return nil, fmt.Errorf("type-check %s: %w", path, err)
	}
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
	slices.SortFunc(out, func(a, b archFinding) int {
		if a.Pos.Filename != b.Pos.Filename {
			return strings.Compare(a.Pos.Filename, b.Pos.Filename)
		}
		return a.Pos.Offset - b.Pos.Offset
	})
	return out, nil
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

// archPackage is a package to check: its import path and non-test files.
type archPackage struct {
	Path  string
	Files []string
}

// discoverArchPackages finds the state-transition packages: every package
// under a top-level directory not in archExcluded whose non-test files
// import the app, and archAlwaysChecked.
func discoverArchPackages(t *testing.T, root string) []archPackage {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []archPackage
	for _, e := range entries {
		if !e.IsDir() || archExcluded[e.Name()] || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, e.Name()), func(dir string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if base := d.Name(); base == "testdata" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
				return filepath.SkipDir
			}
			if rel, _ := filepath.Rel(root, dir); archExcludedDirs[filepath.ToSlash(rel)] != "" {
				return filepath.SkipDir
			}
			bp, err := build.ImportDir(dir, 0)
			if err != nil {
				if _, none := err.(*build.NoGoError); none {
					return nil
				}
				return fmt.Errorf("%s: %w", dir, err)
			}
			rel, _ := filepath.Rel(root, dir)
			path := modulePath + "/" + filepath.ToSlash(rel)
			if slices.Contains(bp.Imports, modulePath+"/app") || slices.Contains(archAlwaysChecked, path) {
				var files []string
				for _, f := range bp.GoFiles {
					files = append(files, filepath.Join(dir, f))
				}
				out = append(out, archPackage{Path: path, Files: files})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestArchitecture checks the state-transition packages for constructs that
// break determinism.
func TestArchitecture(t *testing.T) {
	pkgs := discoverArchPackages(t, ".")
	var paths []string
	for _, p := range pkgs {
		paths = append(paths, p.Path)
	}
	for _, must := range archMustFind {
		if !slices.Contains(paths, must) {
			t.Fatalf("discovery did not find %s among %v", must, paths)
		}
	}
	t.Logf("checking %v", paths)

	c := newArchChecker(t, paths...)
	used := map[int]bool{}
	for _, p := range pkgs {
		var files []*ast.File
		for _, name := range p.Files {
			f, err := parser.ParseFile(c.fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		if len(files) == 0 {
			t.Fatalf("%s: no files to check", p.Path)
		}
		findings, err := c.check(p.Path, files)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			i := slices.IndexFunc(archKnownExceptions, func(e struct{ Func, Rule, Why string }) bool {
				return e.Func == f.Func && e.Rule == f.Rule
			})
			if i >= 0 {
				used[i] = true
				continue
			}
			t.Errorf("%s", f)
		}
	}
	for i, e := range archKnownExceptions {
		if !used[i] {
			t.Errorf("known exception %s (%s) no longer breaks its rule: remove it from archKnownExceptions", e.Func, e.Rule)
		}
	}
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
	c := newArchChecker(t, "crypto/rand", "maps", "math/rand", "math/rand/v2", "net/http", "os", "slices", "time")
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
