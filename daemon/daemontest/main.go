package daemontest

import (
	"fmt"
	"os"
	"testing"
)

// Main runs a package's tests against one shared node, for packages whose
// tests need no fresh chain (starting a node costs about a second). Call it
// from TestMain; setup, if not nil, runs once the node is up and may fail
// the suite by returning an error.
//
//	var node *daemontest.Node
//	func TestMain(m *testing.M) { daemontest.Main(m, daemontest.Options{}, &node, nil) }
func Main(m *testing.M, o Options, node **Node, setup func(*Node) error) {
	st := &suiteT{}
	*node = Start(st, o)
	if setup != nil {
		if err := setup(*node); err != nil {
			st.Fatal(err)
		}
	}
	code := m.Run()
	st.close()
	if st.failed && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// suiteT is the testing.TB that Main lends Start, which wants one and has
// no other way to register the node's shutdown. The embedded TB is nil: a
// method not overridden here panics, which is what we want.
type suiteT struct {
	testing.TB
	cleanups []func()
	dirs     []string
	failed   bool
}

func (s *suiteT) Helper()          {}
func (s *suiteT) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }
func (s *suiteT) TempDir() string {
	d, err := os.MkdirTemp("", "medledger-test-")
	if err != nil {
		s.Fatal(err)
	}
	s.dirs = append(s.dirs, d)
	return d
}
func (s *suiteT) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	s.failed = true
}
func (s *suiteT) Fatal(args ...any) { s.Fatalf("%s", fmt.Sprint(args...)) }
func (s *suiteT) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "TestMain: "+format+"\n", args...)
	s.close()
	os.Exit(1)
}

func (s *suiteT) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	s.cleanups = nil
	for _, d := range s.dirs {
		os.RemoveAll(d)
	}
	s.dirs = nil
}
