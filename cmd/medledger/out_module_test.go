package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/records"
)

// TestRecordsGetOutChecked: records get --out FILE checks that it can write
// FILE before it signs the read, so that a read is never logged as a
// disclosure whose document its reader could not save; a refused read
// leaves no file behind, and a read replaces an existing file whole.
func TestRecordsGetOutChecked(t *testing.T) {
	t.Parallel()
	e := startRecordsEnv(t)
	const src = "../../fhir/testdata/valid/observation-potassium-alice.json"
	doc, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var added struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &added, "records", "add", src, "--patient", "patient/alice", "--as", "northside-hospital/dr-chen")
	e.run(t, "consent", "grant", "--to", "lakeside-clinic", "--as", "patient/alice").ok(t)
	disclosures := func() int {
		var ds []records.Disclosure
		e.runJSON(t, &ds, "disclosures", "--as", "patient/alice")
		return len(ds)
	}
	before := disclosures()

	dir := t.TempDir()
	for _, c := range []struct {
		name, out string
		want      []string // what stderr says
	}{
		{"no such folder", "/no/such/dir/x.json", []string{"file (cli/6)", "/no/such/dir/x.json", "no such file", "the folder /no/such/dir does not exist"}},
		{"a folder", dir, []string{"usage (cli/2)", "is a folder, not a file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(t, "records", "get", added.ID, "--as", "lakeside-clinic/dr-patel", "--out", c.out).refused(t, c.want[0])
			for _, w := range c.want[1:] {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
		})
	}
	if after := disclosures(); after != before {
		t.Fatalf("records get --out to a file it cannot write logged %d disclosures, want none", after-before)
	}

	// A refused read leaves nothing in the folder, not even a partial file.
	out := filepath.Join(dir, "read.json")
	e.run(t, "records", "get", added.ID, "--as", "cityrx-pharmacy/pharmacist", "--out", out).refused(t, "no-consent")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused read left %d files in the --out folder (%s)", len(entries), entries[0].Name())
	}
	// A granted one replaces an existing file whole, and leaves nothing else.
	if err := os.WriteFile(out, bytes.Repeat([]byte("old "), 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "records", "get", added.ID, "--as", "lakeside-clinic/dr-patel", "--out", out).ok(t).says(t, "wrote "+out)
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("records get --out over an existing file wrote %d bytes, want the document's %d (%v)", len(got), len(doc), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the --out folder holds %d files after a read, want 1", len(entries))
	}
	if after := disclosures(); after != before+2 {
		t.Fatalf("%d disclosures after a refused and a granted read, want %d", after, before+2)
	}
}
