package medledger_test

// The module rules of the architecture test (see arch_test.go): no module
// imports another module, no module reads another module's key prefix.

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// archModuleNames returns the names of p's types that implement app.Module
// (none if p is no module), each from its Name method, which MUST return a
// constant.
func archModuleNames(fset *token.FileSet, p *archPkg, appPath string) ([]string, error) {
	var iface *types.Interface
	for _, imp := range p.Types.Imports() {
		if imp.Path() == appPath {
			if tn, ok := imp.Scope().Lookup("Module").(*types.TypeName); ok {
				iface, _ = tn.Type().Underlying().(*types.Interface)
			}
		}
	}
	if iface == nil {
		if slices.Contains(p.Build.Imports, appPath) {
			return nil, fmt.Errorf("%s imports %s, but it declares no interface Module: module discovery is broken", p.Path, appPath)
		}
		return nil, nil
	}
	var names []string
	scope := p.Types.Scope()
	for _, n := range scope.Names() {
		tn, ok := scope.Lookup(n).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		typ := tn.Type()
		if _, isIface := typ.Underlying().(*types.Interface); isIface {
			continue
		}
		if named, ok := typ.(*types.Named); ok && named.TypeParams().Len() > 0 {
			continue
		}
		recv := typ
		if !types.Implements(recv, iface) {
			if recv = types.NewPointer(typ); !types.Implements(recv, iface) {
				continue
			}
		}
		obj, _, _ := types.LookupFieldOrMethod(recv, true, p.Types, "Name")
		name, ok := archConstResult(p, obj)
		if !ok {
			return nil, fmt.Errorf("%s: %s.%s's Name method must return a constant, so that the architecture test knows the module's key prefix",
				fset.Position(tn.Pos()), p.Path, n)
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, nil
}

// archConstResult returns the string constant that fn, declared in p's
// source, returns as its only statement.
func archConstResult(p *archPkg, fn types.Object) (string, bool) {
	if fn == nil {
		return "", false
	}
	for _, f := range p.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Pos() != fn.Pos() || fd.Body == nil || len(fd.Body.List) != 1 {
				continue
			}
			ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 1 {
				return "", false
			}
			tv := p.Info.Types[ret.Results[0]]
			if tv.Value == nil || tv.Value.Kind() != constant.String {
				return "", false
			}
			return constant.StringVal(tv.Value), true
		}
	}
	return "", false
}

// archModuleFindings applies the two module rules to the non-test source of
// every package under a module's directory.
func archModuleFindings(t *testing.T, fset *token.FileSet, root, modPath string, all []*archPkg, modules map[string][]string) []archFinding {
	t.Helper()
	var out []archFinding
	for _, p := range all {
		self := p.top()
		if modules[self] == nil {
			continue
		}
		// Rule: no module imports another module.
		for _, imp := range p.Build.Imports {
			rest, ok := strings.CutPrefix(imp, modPath+"/")
			if !ok {
				continue
			}
			if other, _, _ := strings.Cut(rest, "/"); other != self && modules[other] != nil {
				out = append(out, archFinding{Pos: p.Build.ImportPos[imp][0], Rule: ruleModuleImport,
					What: fmt.Sprintf("%s imports %s of module %s; ask for what it needs through an interface that app declares", p.Path, imp, other)})
			}
		}
		// Rule: no module reads another module's key prefix.
		var prefixes []string // "name/", of every other module
		owner := map[string]string{}
		for dir, names := range modules {
			if dir == self {
				continue
			}
			for _, n := range names {
				prefixes = append(prefixes, n+"/")
				owner[n+"/"] = n
			}
		}
		slices.Sort(prefixes)
		files := p.Files
		if files == nil { // not type-checked: literals only
			for _, name := range p.Build.GoFiles {
				f, err := parser.ParseFile(fset, filepath.Join(root, p.Rel, name), nil, parser.SkipObjectResolution)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
		}
		pkgName := p.Rel[strings.LastIndex(p.Rel, "/")+1:]
		for _, f := range files {
			out = append(out, archKeyFindings(fset, pkgName, f, p.Types, p.Info, func(s string) string {
				if i := slices.IndexFunc(prefixes, func(pre string) bool { return strings.HasPrefix(s, pre) }); i >= 0 {
					return owner[prefixes[i]]
				}
				return ""
			})...)
		}
	}
	return out
}

// archKeyFindings reports the string constants of f that start with another
// module's prefix (other returns that module's name, or ""): every string
// literal and, if the package was type-checked (info is not nil), every
// other constant expression but the package's own named constants, which
// are reported where they are declared.
func archKeyFindings(fset *token.FileSet, pkgName string, f *ast.File, pkg *types.Package, info *types.Info, other func(string) string) []archFinding {
	var out []archFinding
	for _, decl := range f.Decls {
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		fn := ""
		if fd, ok := decl.(*ast.FuncDecl); ok {
			fn = funcName(pkgName, fd)
		}
		report := func(n ast.Node, v, mod string) {
			out = append(out, archFinding{Pos: fset.Position(n.Pos()), Func: fn, Rule: ruleModuleKeys,
				What: fmt.Sprintf("%q is under module %s's prefix; ask that module through an interface that app declares", v, mod)})
		}
		ast.Inspect(decl, func(n ast.Node) bool {
			e, ok := n.(ast.Expr)
			if !ok {
				return true
			}
			if lit, ok := e.(*ast.BasicLit); ok {
				if lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil && other(v) != "" {
						report(lit, v, other(v))
					}
				}
				return true
			}
			if info == nil {
				return true
			}
			tv, ok := info.Types[e]
			if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
				return true
			}
			id, _ := e.(*ast.Ident)
			if sel, ok := e.(*ast.SelectorExpr); ok {
				id = sel.Sel
			}
			if id != nil {
				if c, ok := info.Uses[id].(*types.Const); ok && c.Pkg() == pkg {
					return false // reported at its declaration
				}
			}
			if v := constant.StringVal(tv.Value); other(v) != "" {
				report(e, v, other(v))
				return false
			}
			return true
		})
	}
	return out
}

// archFixture is a small Go module laid out like this repository: app
// declares Module, alpha, beta and gamma are modules (gamma's Name has a
// pointer receiver), shared is none. Files map a path to its source; a line
// ending in "// WANT <rule>" MUST give a finding of that rule, and no other
// line may give one.
var archFixture = map[string]string{
	"go.mod": "module example.com/fixture\n\ngo 1.22\n",
	"app/app.go": `package app

type Route struct{ Type string }

type Module interface {
	Name() string
	Routes() []Route
}

type Reader interface{ Get(key []byte) []byte }
`,
	"beta/beta.go": `package beta

import "example.com/fixture/app"

const name = "beta"

const TypeThing = name + "/thing"

type Module struct{}

func (Module) Name() string        { return name }
func (Module) Routes() []app.Route { return []app.Route{{Type: TypeThing}} }

func Thing(r app.Reader, id string) []byte { return r.Get([]byte("beta/thing/" + id)) }
`,
	"beta/sub/sub.go": "package sub\n\nconst Limit = 3\n",
	"gamma/gamma.go": `package gamma

import "example.com/fixture/app"

type Keeper struct{ n int }

func (*Keeper) Name() string        { return "gamma" }
func (*Keeper) Routes() []app.Route { return nil }
`,
	"shared/shared.go": "package shared\n\nconst BetaPrefix = \"beta/\"\n\nconst Plain = \"plain/\"\n",
}

// archFixtureBad is module alpha breaking both module rules in every way
// the rules know.
var archFixtureBad = map[string]string{
	"alpha/alpha.go": `package alpha

import (
	"example.com/fixture/app"
	"example.com/fixture/beta" // WANT module imports another module
	"example.com/fixture/shared"

	_ "example.com/fixture/alpha/cli" // WANT transition uses an adapter
)

const betaName = "beta"

const thingPrefix = "beta/thing/" // WANT another module's key prefix

type Module struct{}

func (Module) Name() string        { return "alpha" }
func (Module) Routes() []app.Route { return []app.Route{{Type: "alpha/do"}} }

func literal(r app.Reader, id string) []byte {
	return r.Get([]byte("beta/thing/" + id)) // WANT another module's key prefix
}

func viaConst(r app.Reader, id string) []byte { return r.Get([]byte(thingPrefix + id)) }

func built(r app.Reader, id string) []byte {
	return r.Get([]byte(betaName + "/thing/" + id)) // WANT another module's key prefix
}

func sharedConst(r app.Reader) []byte {
	return r.Get([]byte(shared.BetaPrefix)) // WANT another module's key prefix
}

func txType() string {
	return beta.TypeThing // WANT another module's key prefix
}

func gammaKey(r app.Reader) []byte {
	return r.Get([]byte("gamma/x")) // WANT another module's key prefix
}

func notKeys(r app.Reader) {
	_ = r.Get([]byte("betamax/x"))
	_ = r.Get([]byte("alpha/own"))
	_ = r.Get([]byte(shared.Plain + "betamax/"))
	_ = "x/beta/"
}
`,
	"alpha/cli/cli.go": `package cli

import "example.com/fixture/beta/sub" // WANT module imports another module

var Key = "beta/thing/" // WANT another module's key prefix

var N = sub.Limit
`,
}

// archFixtureClean is module alpha keeping to its own.
var archFixtureClean = map[string]string{
	"alpha/alpha.go": `package alpha

import (
	"example.com/fixture/app"
	"example.com/fixture/shared"
)

const prefix = "alpha/thing/"

type Module struct{}

func (Module) Name() string        { return "alpha" }
func (Module) Routes() []app.Route { return []app.Route{{Type: "alpha/do"}} }

func own(r app.Reader, id string) []byte { return r.Get([]byte(prefix + id)) }

func plain(r app.Reader) []byte { return r.Get([]byte(shared.Plain + "betamax/")) }
`,
	"alpha/cli/cli.go": "package cli\n\nvar Key = \"alpha/thing/\"\n",
}

// TestArchitectureModuleRules scans a fixture tree in which module alpha
// imports modules beta and reads their keys, and the same tree with alpha
// cleaned up, so that the module rules cannot silently pass.
func TestArchitectureModuleRules(t *testing.T) {
	wantModules := map[string][]string{"alpha": {"alpha"}, "beta": {"beta"}, "gamma": {"gamma"}}
	for _, tc := range []struct {
		name  string
		alpha map[string]string
	}{{"bad", archFixtureBad}, {"clean", archFixtureClean}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			type want struct {
				file string
				line int
				rule string
			}
			var wants []want
			for name, src := range archFixture {
				writeArchFile(t, root, name, src)
			}
			for name, src := range tc.alpha {
				writeArchFile(t, root, name, src)
				for i, l := range strings.Split(src, "\n") {
					if _, rule, ok := strings.Cut(l, "// WANT "); ok {
						wants = append(wants, want{name, i + 1, rule})
					}
				}
			}
			if tc.name == "bad" && len(wants) < 9 {
				t.Fatalf("the bad fixture lost its WANT comments: %v", wants)
			}

			scan := scanArchTree(t, root, "example.com/fixture")
			if !maps.EqualFunc(scan.Modules, wantModules, slices.Equal) {
				t.Errorf("modules %v, want %v", scan.Modules, wantModules)
			}
			for _, p := range []string{"app", "alpha", "beta", "gamma"} {
				if !slices.Contains(scan.Checked, "example.com/fixture/"+p) {
					t.Errorf("%s not checked; checked %v", p, scan.Checked)
				}
			}
			if slices.Contains(scan.Checked, "example.com/fixture/alpha/cli") {
				t.Error("alpha/cli, an adapter package, was checked for determinism")
			}
			got := map[want]bool{}
			for _, f := range scan.Findings {
				rel, _ := filepath.Rel(root, f.Pos.Filename)
				w := want{filepath.ToSlash(rel), f.Pos.Line, f.Rule}
				got[w] = true
				if !slices.Contains(wants, w) {
					t.Errorf("unexpected finding: %s", f)
				}
			}
			for _, w := range wants {
				if !got[w] {
					t.Errorf("%s:%d: no %s finding", w.file, w.line, w.rule)
				}
			}
		})
	}
}

func writeArchFile(t *testing.T, root, name, src string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}
