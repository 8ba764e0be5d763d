package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger/internal/damage"
	"github.com/medledger/medledger/notary"
)

// TestCheckCommand: medledger check refuses a running node's home (exit
// 2), passes an intact stopped one (exit 0), and names an edited value
// and the way to recover (exit 1), in text and in -o json.
func TestCheckCommand(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	file := filepath.Join(t.TempDir(), "report.pdf")
	os.WriteFile(file, []byte("a report to edit\n"), 0o600)
	e.run(t, "anchor", file, "--as", "northside-hospital/dr-chen").ok(t)
	home := string(e.n.Home)

	r := run(t, "check", "--home", home)
	r.refused(t, "running")
	if r.code != 2 {
		t.Errorf("check of a running node: exit %d, want 2", r.code)
	}
	if err := e.n.Stop(); err != nil {
		t.Fatal(err)
	}
	run(t, "check", "--home", home).ok(t).says(t, "0 problem(s)", "every one of its", "commit verified")

	sum := sha256.Sum256([]byte("a report to edit\n"))
	if _, err := damage.EditValue(e.n.Home.AppDataDir(), notary.Key(hex.EncodeToString(sum[:])), []byte(`{"signer":"someone-else"}`)); err != nil {
		t.Fatal(err)
	}
	r = run(t, "check", "--home", home)
	r.refused(t, "damaged").says(t, "DAMAGED  state", "notary/anchor/", "move data/app aside")
	if r.code != 1 {
		t.Errorf("check of an edited home: exit %d, want 1", r.code)
	}
	var rep struct {
		Findings []struct{ Part, Problem, Fix string } `json:"findings"`
	}
	run(t, "-o", "json", "check", "--home", home).json(t, &rep)
	if len(rep.Findings) == 0 || rep.Findings[0].Part != "state" {
		t.Errorf("check -o json: %+v", rep)
	}
}
