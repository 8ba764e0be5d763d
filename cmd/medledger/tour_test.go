package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTour is the README's five-minute tour: anchor a file, verify it,
// change it, verify again.
func TestTour(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	file := filepath.Join(t.TempDir(), "lab-report.pdf")
	if err := os.WriteFile(file, []byte("potassium 4.1 mmol/L\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	e.run(t, "anchor", file, "--as", "northside-hospital/dr-chen", "--kind", "lab-report").ok(t).says(t, "anchored", "northside-hospital/dr-chen")
	genesis := e.n.Home.GenesisFile()
	e.run(t, "verify", file, "--genesis", genesis).ok(t).says(t, "VERIFIED", "lab-report", "northside-hospital/dr-chen", genesis, "proven   at height")
	e.run(t, "verify", file, "--trust-node").ok(t).says(t, "VERIFIED", "only as good as the node")
	var v struct {
		Anchored bool `json:"anchored"`
		Anchor   struct {
			Signer string `json:"signer"`
		} `json:"anchor"`
	}
	e.runJSON(t, &v, "verify", file, "--genesis", genesis)
	if !v.Anchored || v.Anchor.Signer != "northside-hospital/dr-chen" {
		t.Fatalf("verify -o json = %+v, want anchored by northside-hospital/dr-chen", v)
	}
	e.run(t, "query", "anchor", file).ok(t).says(t, "northside-hospital/dr-chen", "lab-report")
	e.run(t, "anchor", file, "--as", "lakeside-clinic/dr-patel").refused(t, "already-anchored")

	if err := os.WriteFile(file, []byte("potassium 5.1 mmol/L\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(t, "verify", file, "--genesis", genesis).refused(t, "never anchored")
	if r.code != 1 {
		t.Fatalf("verify of a changed file: exit %d, want 1", r.code)
	}
	r.says(t, "NOT ANCHORED")
	r = e.run(t, "-o", "json", "verify", file, "--genesis", genesis)
	if r.code != 1 {
		t.Fatalf("verify -o json of a changed file: exit %d, want 1", r.code)
	}
	var nv struct {
		Anchored *bool `json:"anchored"`
	}
	r.json(t, &nv)
	if nv.Anchored == nil || *nv.Anchored {
		t.Fatalf("verify -o json of a changed file = %s, want anchored false", r.stdout)
	}
	e.run(t, "query", "anchor", file).refused(t, "not-anchored")

	// -o json for anchor and status.
	other := filepath.Join(t.TempDir(), "discharge.pdf")
	if err := os.WriteFile(other, []byte("discharged home\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var a struct {
		Digest string `json:"digest"`
		Height int64  `json:"height"`
		TxHash string `json:"tx_hash"`
	}
	e.runJSON(t, &a, "anchor", other, "--as", "lakeside-clinic/dr-patel")
	if len(a.Digest) != 64 || a.Height < 1 || len(a.TxHash) != 64 {
		t.Fatalf("anchor -o json = %+v", a)
	}
	var st struct {
		ChainID string `json:"chain_id"`
	}
	e.runJSON(t, &st, "status")
	if st.ChainID != "medledger-dev" {
		t.Fatalf("status chain_id = %q, want medledger-dev", st.ChainID)
	}
}

// TestOutputUnknown: an unknown -o is refused before the command acts.
func TestOutputUnknown(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	file := filepath.Join(t.TempDir(), "report.txt")
	if err := os.WriteFile(file, []byte("report\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"status"},
		{"keys", "list"},
		{"query", "orgs"},
		{"anchor", file, "--as", "northside-hospital/dr-chen"},
		{"tx", "identity", "propose-suspend-org", "drug-regulator", "--as", "northside-hospital/admin"},
	} {
		e.run(t, append([]string{"-o", "yaml"}, args...)...).refused(t, `unknown output format "yaml"`)
	}
	// Nothing was sent.
	e.run(t, "query", "anchor", file).refused(t, "not-anchored")
	e.run(t, "query", "proposals").ok(t).says(t, "no proposals")

	home := filepath.Join(t.TempDir(), "node")
	run(t, "init", "--demo", "--home", home, "-o", "yaml").refused(t, "unknown output format")
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Fatalf("init -o yaml created %s", home)
	}
}
