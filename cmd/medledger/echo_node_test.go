package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHugeKeyNameNotEchoed: a signing command given a huge --as (a pasted
// file, a runaway argument) is refused before anything is sent, with an
// error that names the key by a short prefix and its length (issue 8: the
// keystore used to repeat all 10 KB of it).
func TestHugeKeyNameNotEchoed(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	long := strings.Repeat("x", 10_000)
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, []byte("a lab report"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string // what the error says
	}{
		{"anchor, no slash", []string{"anchor", file, "--as", long}, "must be of the form org/member"},
		{"anchor, long member", []string{"anchor", file, "--as", "northside-hospital/" + long}, "file name too long"},
		{"anchor, long org", []string{"anchor", file, "--as", long + "/dr-chen"}, "file name too long"},
		{"supply ship", []string{"supply", "ship", "--to", "medsupply-dist", "--items", packCode("1"), "--as", "acme-pharma/" + long}, "file name too long"},
		{"tx identity add-member", []string{"tx", "identity", "add-member", "dr-lee", "--role", "clinician", "--as", "northside-hospital/" + long}, "file name too long"},
		{"keys show", []string{"keys", "show", "northside-hospital/" + long}, "file name too long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(t, c.args...)
			switch {
			case r.code == 0:
				t.Fatalf("exit 0, want an error\nstdout:\n%.400s", r.stdout)
			case len(r.stderr) > maxEchoStderr:
				t.Fatalf("stderr is %d bytes, over %d:\n%.400s...", len(r.stderr), maxEchoStderr, r.stderr)
			case !strings.HasPrefix(r.stderr, "medledger: error: ") || !strings.Contains(r.stderr, c.want):
				t.Errorf("stderr does not say %q:\n%s", c.want, r.stderr)
			case !strings.Contains(r.stderr, " bytes)"):
				t.Errorf("the error does not say how long the key name was:\n%s", r.stderr)
			}
		})
	}
}
