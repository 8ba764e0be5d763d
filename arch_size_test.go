package medledger_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Size limits of the source (issue 8): no non-test Go file over
// maxFileLines lines, so that a file stays something one reads whole, and
// cmd/medledger's non-test code under maxCmdLines in all, so that the
// command stays wiring and a module's verbs live in its cli package.
const (
	maxFileLines = 700
	maxCmdLines  = 1500
)

func TestSourceSize(t *testing.T) {
	cmdLines := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := bytes.Count(b, []byte("\n"))
		if len(b) > 0 && b[len(b)-1] != '\n' {
			n++
		}
		if n > maxFileLines {
			t.Errorf("%s has %d lines, over %d: split it by topic into files of its package", path, n, maxFileLines)
		}
		if filepath.Dir(path) == filepath.Join("cmd", "medledger") {
			cmdLines += n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cmdLines == 0 {
		t.Fatal("no source found in cmd/medledger: the walk is broken")
	}
	if cmdLines > maxCmdLines {
		t.Errorf("cmd/medledger has %d lines of non-test code, over %d: move module verbs into the module's cli package", cmdLines, maxCmdLines)
	}
}
