package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// result is what one run of the command line did.
type result struct {
	args           []string
	code           int
	stdout, stderr string
}

// run runs the command line in-process.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), args...)
}

func runCtx(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(ctx, args, strings.NewReader(""), &out, &errb)
	return result{args: args, code: code, stdout: out.String(), stderr: errb.String()}
}

// ok fails the test unless r exited 0.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("medledger %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// refused fails the test unless r exited non-zero with an error and a hint
// on stderr, the error containing want.
func (r result) refused(t *testing.T, want string) result {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("medledger %s: exit 0, want an error\nstdout:\n%s", strings.Join(r.args, " "), r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "medledger: error: ") || !strings.Contains(r.stderr, "\nmedledger: hint: ") {
		t.Fatalf("medledger %s: stderr is not an error and a hint:\n%s", strings.Join(r.args, " "), r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("medledger %s: stderr does not say %q:\n%s", strings.Join(r.args, " "), want, r.stderr)
	}
	return r
}

// json decodes r's stdout into v (nil: checks only that it is JSON).
func (r result) json(t *testing.T, v any) result {
	t.Helper()
	if v == nil {
		var x any
		v = &x
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(v); err != nil || dec.More() {
		t.Fatalf("medledger %s: stdout is not one JSON document (%v):\n%s", strings.Join(r.args, " "), err, r.stdout)
	}
	return r
}

func (r result) says(t *testing.T, want ...string) result {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Fatalf("medledger %s: stdout does not say %q:\n%s", strings.Join(r.args, " "), w, r.stdout)
		}
	}
	return r
}

// testEnv is a running node and a home whose keystore holds its demo keys.
type testEnv struct {
	n    *daemontest.Node
	home string
}

func startEnv(t *testing.T) *testEnv {
	t.Helper()
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins()})
	home := filepath.Join(t.TempDir(), "cli")
	if err := n.Keys.Save(keystore.Store{Dir: node.Home(home).KeysDir()}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{n: n, home: home}
}

// run runs the command line against e's node with e's keystore.
func (e *testEnv) run(t *testing.T, args ...string) result {
	t.Helper()
	return run(t, append([]string{"--home", e.home, "--node", e.n.URL()}, args...)...)
}

// runJSON runs with -o json, checks the exit code and decodes the output.
func (e *testEnv) runJSON(t *testing.T, v any, args ...string) result {
	t.Helper()
	return e.run(t, append([]string{"-o", "json"}, args...)...).ok(t).json(t, v)
}
