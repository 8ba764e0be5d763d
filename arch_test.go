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
// (a cache, a query helper), with a reason a reviewer can check. The
// packages checked are those that import the app, and those that run in
// consensus without importing it (archAlwaysChecked: tx, state, supply/gs1,
// pseudonym).
//
// A module's REST routes live in its http.go (DESIGN.md: a module owns its
// routes). Those adapter files run in the API server, never in a transition,
// so they are not checked; in exchange, no checked file may use anything an
// adapter file declares. Likewise a module's cli subpackage (its CLI verbs)
// is not checked, and no checked package may import it.
//
// The same scan keeps modules apart (DESIGN.md: modules never import each
// other and never read each other's keys). A module is a top-level
// directory whose package declares a type implementing app.Module; its
// name is what that type's Name method returns, which MUST be a constant.
// In the non-test source of every package under a module's directory
// (subpackages, adapters and off-chain services included, since these
// rules are about ownership, not determinism):
//
//   - no import of a package under another module's directory;
//   - no string constant that starts with another module's name and "/".
//     Every such constant is a finding, not only those passed to a state
//     read: a key prefix kept in a constant or built in a helper is as much
//     a read of another module's keys as a literal in a Get, and another
//     module's transaction type names ("identity/propose") have no business
//     in a module either. The check looks at string literals in every
//     package, and, where the package is type-checked, at every constant
//     expression (a concatenation, a constant of another package). A
//     constant declared in the package is reported where it is declared,
//     not at each use.
//
// Test files are not scanned: a module's tests may use another module to
// build their chain. The marker does not exempt a function from these two
// rules; an entry in archKnownExceptions does, and today there is none.
//
// The determinism rules are in arch_determinism_test.go, the module rules
// in arch_modules_test.go; each has a self-test against deliberately bad
// source, so that a rule that stops finding anything fails.

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
	"maps"
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
	"cmdline": true, // the command line's environment, shared by cmd and the modules' cli subpackages
	"metrics": true, // the node's Prometheus registry: it times and counts commits and requests, and never runs inside a transition
}

// archExcludedDirs are packages below a module that are off-chain services,
// not state transitions, with why. They act on committed results only.
var archExcludedDirs = map[string]string{
	"records/custodian": "the custodian node's off-chain service: vault I/O and HTTP after a disclosure commits; it never runs inside a transition",
	"trials/site":       "the trials module's off-chain service: vault I/O and HTTP for trial documents and data batches, removals after a withdrawal commits; it never runs inside a transition",
	"claims/claimsapi":  "the claims module's API on a node: signed reads of claim details for the parties, counts for others, FHIR views, policy simulation over a committed snapshot; it never runs inside a transition",
	"supply/epcisapi":   "the supply module's off-chain service: the EPCIS REST interface (it submits transactions its authors signed, keeps captured events on disk) and signed VRS answers; it never runs inside a transition",
}

// archAdapterFiles are file names that hold a module's adapters, not its
// transitions, with why.
var archAdapterFiles = map[string]string{
	"http.go": "the module's REST routes, served by the API server from committed snapshots",
}

// archAdapterPackages are the names of a module's subpackages that hold its
// adapters, not its transitions, with why. No checked package may import one.
var archAdapterPackages = map[string]string{
	"cli": "the module's CLI verbs (DESIGN.md: in a subpackage, so the state machine imports neither cobra nor an HTTP client); they run in the medledger command",
}

// archAlwaysChecked are checked whatever they import (directories relative
// to the tree's root): they run in consensus without importing the app.
var archAlwaysChecked = []string{"app", "tx", "state", "supply/gs1", "pseudonym"}

// archStoreFiles are the files that do the state store's own database I/O,
// with why. The I/O rule is "no I/O outside the state store", and the state
// package is that store: these files may import os and the like. The rest
// of state (the cache, the codecs, the key filter) runs inside transitions,
// and the rule holds for it as anywhere. Every entry MUST still import an
// I/O package (stale entries fail the test).
var archStoreFiles = map[string]string{
	"state/store.go": "opens the store's database folder (os.MkdirAll in Open)",
}

// archMustFind are packages discovery MUST find, so that a broken discovery
// cannot make the test pass by checking nothing.
var archMustFind = []string{modulePath + "/app", modulePath + "/identity", modulePath + "/notary",
	modulePath + "/tx", modulePath + "/state", modulePath + "/supply/gs1", modulePath + "/pseudonym"}

// archMustFindModules are module directories, each named by its module's
// name, that module discovery MUST find.
var archMustFindModules = []string{"identity", "notary", "records", "supply", "credentials", "claims"}

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

	ruleModuleImport = "module imports another module"
	ruleModuleKeys   = "another module's key prefix"
)

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

// newArchChecker asks the go command, run in dir ("" for the current
// directory), for the export data of pkgs and every dependency (building
// them if the build cache lacks them).
func newArchChecker(t *testing.T, dir string, pkgs ...string) *archChecker {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the architecture test needs the go command: %v", err)
	}
	args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, pkgs...)
	cmd := exec.Command(goCmd, args...)
	if dir != "" {
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
	}
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

// typeCheck type-checks one package's files.
func (c *archChecker) typeCheck(path string, files []*ast.File) (*types.Package, *types.Info, error) {
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: c.importer()}
	pkg, err := conf.Check(path, c.fset, files, info)
	if err != nil {
		return nil, nil, fmt.Errorf("type-check %s: %w", path, err)
	}
	return pkg, info, nil
}

// sortFindings sorts findings in source order.
func sortFindings(fs []archFinding) {
	slices.SortFunc(fs, func(a, b archFinding) int {
		if a.Pos.Filename != b.Pos.Filename {
			return strings.Compare(a.Pos.Filename, b.Pos.Filename)
		}
		return a.Pos.Offset - b.Pos.Offset
	})
}

// archPkg is a package of the scanned tree.
type archPkg struct {
	Rel   string // its directory relative to the tree's root, slash-separated
	Path  string // its import path
	Build *build.Package
	// Set for the packages checked for determinism:
	Files []*ast.File
	Types *types.Package
	Info  *types.Info
}

// top is the package's top-level directory.
func (p *archPkg) top() string { top, _, _ := strings.Cut(p.Rel, "/"); return top }

// archTreePackages lists the packages under every top-level directory of
// root that is not in archExcluded.
func archTreePackages(t *testing.T, root, modPath string) []*archPkg {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []*archPkg
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
			bp, err := build.ImportDir(dir, 0)
			if err != nil {
				if _, none := err.(*build.NoGoError); none {
					return nil
				}
				return fmt.Errorf("%s: %w", dir, err)
			}
			rel, _ := filepath.Rel(root, dir)
			rel = filepath.ToSlash(rel)
			out = append(out, &archPkg{Rel: rel, Path: modPath + "/" + rel, Build: bp})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// archAdapterDir returns why the package in directory rel is no state
// transition, or "": it or a directory above it is in archExcludedDirs, or
// is a subpackage named in archAdapterPackages.
func archAdapterDir(rel string) string {
	for d := rel; ; {
		if why := archExcludedDirs[d]; why != "" {
			return why
		}
		parent, base := filepath.ToSlash(filepath.Dir(d)), filepath.Base(d)
		if parent == "." {
			return ""
		}
		if why := archAdapterPackages[base]; why != "" {
			return why
		}
		d = parent
	}
}

// archScan is what scanning one source tree found.
type archScan struct {
	Checked  []string            // import paths of the packages checked for determinism
	Modules  map[string][]string // module directory -> the names of its modules
	Findings []archFinding
}

// scanArchTree applies every rule to the Go module at root, whose module
// path is modPath. The packages checked for determinism are those, outside
// archExcluded and adapter directories, whose non-test files import the app,
// and archAlwaysChecked.
func scanArchTree(t *testing.T, root, modPath string) archScan {
	t.Helper()
	all := archTreePackages(t, root, modPath)
	appPath := modPath + "/app"
	var checked []*archPkg
	var scan archScan
	for _, p := range all {
		if archAdapterDir(p.Rel) != "" {
			continue
		}
		if slices.Contains(p.Build.Imports, appPath) || slices.Contains(archAlwaysChecked, p.Rel) {
			checked = append(checked, p)
			scan.Checked = append(scan.Checked, p.Path)
		}
	}
	if len(checked) == 0 {
		t.Fatalf("%s: no package to check", root)
	}

	c := newArchChecker(t, root, scan.Checked...)
	byPath := map[string]*archPkg{}
	for _, p := range all {
		byPath[p.Path] = p
	}
	for _, p := range checked {
		for _, name := range p.Build.GoFiles {
			f, err := parser.ParseFile(c.fset, filepath.Join(root, p.Rel, name), nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			p.Files = append(p.Files, f)
		}
		if len(p.Files) == 0 {
			t.Fatalf("%s: no files to check", p.Path)
		}
		var err error
		if p.Types, p.Info, err = c.typeCheck(p.Path, p.Files); err != nil {
			t.Fatal(err)
		}
		scan.Findings = append(scan.Findings, c.determinism(p.Path, p.Files, p.Info)...)
		for _, imp := range p.Build.Imports {
			if q := byPath[imp]; q != nil && archAdapterDir(q.Rel) != "" {
				scan.Findings = append(scan.Findings, archFinding{Pos: p.Build.ImportPos[imp][0], Rule: ruleAdapter,
					What: "imports " + imp + ", which is no state transition: " + archAdapterDir(q.Rel)})
			}
		}
	}

	scan.Modules = map[string][]string{}
	for _, p := range checked {
		if p.Rel != p.top() {
			continue
		}
		names, err := archModuleNames(c.fset, p, appPath)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) > 0 {
			scan.Modules[p.Rel] = names
		}
	}
	scan.Findings = append(scan.Findings, archModuleFindings(t, c.fset, root, modPath, all, scan.Modules)...)
	sortFindings(scan.Findings)
	return scan
}

// TestArchitecture applies the rules to this repository.
func TestArchitecture(t *testing.T) {
	scan := scanArchTree(t, ".", modulePath)
	for _, must := range archMustFind {
		if !slices.Contains(scan.Checked, must) {
			t.Fatalf("discovery did not find %s among %v", must, scan.Checked)
		}
	}
	for _, must := range archMustFindModules {
		if !slices.Contains(scan.Modules[must], must) {
			t.Fatalf("module discovery did not find module %s among %v", must, scan.Modules)
		}
	}
	t.Logf("checking %v; modules %v", scan.Checked, scan.Modules)

	used := map[int]bool{}
	usedStore := map[string]bool{}
	for _, f := range scan.Findings {
		if file := filepath.ToSlash(f.Pos.Filename); f.Rule == ruleIO && archStoreFiles[file] != "" {
			usedStore[file] = true
			continue
		}
		i := slices.IndexFunc(archKnownExceptions, func(e struct{ Func, Rule, Why string }) bool {
			return e.Func == f.Func && e.Rule == f.Rule
		})
		if i >= 0 {
			used[i] = true
			continue
		}
		t.Errorf("%s", f)
	}
	for i, e := range archKnownExceptions {
		if !used[i] {
			t.Errorf("known exception %s (%s) no longer breaks its rule: remove it from archKnownExceptions", e.Func, e.Rule)
		}
	}
	for _, file := range slices.Sorted(maps.Keys(archStoreFiles)) {
		if !usedStore[file] {
			t.Errorf("%s no longer imports an I/O package: remove it from archStoreFiles", file)
		}
	}
}
