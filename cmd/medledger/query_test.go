package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuery runs every query command in text and in JSON, and their
// refusals.
func TestQuery(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	file := filepath.Join(t.TempDir(), "consent.pdf")
	if err := os.WriteFile(file, []byte("consent form\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var a struct {
		Digest string `json:"digest"`
		Height int64  `json:"height"`
		TxHash string `json:"tx_hash"`
	}
	e.runJSON(t, &a, "anchor", file, "--as", "northside-hospital/dr-chen")
	e.tx(t, "propose-suspend-org", "drug-regulator", "--as", "northside-hospital/admin")
	alice := e.n.Keys["patient/alice"].ID

	for _, c := range []struct {
		args []string
		text []string // what the text output says
	}{
		{[]string{"orgs"}, []string{"northside-hospital", "hospital", "drug-regulator", "regulator"}},
		{[]string{"org", "northside-hospital"}, []string{"Northside Hospital", "northside-hospital/dr-chen", "clinician"}},
		{[]string{"member", "northside-hospital/dr-chen"}, []string{"clinician", e.n.Keys["northside-hospital/dr-chen"].KeyID(), b64(e.n.Keys["northside-hospital/dr-chen"].SignPub())}},
		{[]string{"patient", alice}, []string{alice, "northside-hospital"}},
		{[]string{"patient", "patient/alice"}, []string{alice}},
		{[]string{"proposals"}, []string{"suspend-org", "drug-regulator", "open"}},
		{[]string{"proposal", "1"}, []string{"suspend-org", "drug-regulator", "open", "northside-hospital/admin"}},
		{[]string{"tx", a.TxHash}, []string{a.TxHash, "notary/anchor", "northside-hospital/dr-chen", a.Digest, "result   ok"}},
		{[]string{"tx", strings.ToLower(a.TxHash), "--prove"}, []string{a.TxHash, "proof"}},
		{[]string{"block"}, []string{"app hash"}},
		{[]string{"block", "1"}, []string{"height   1"}},
		{[]string{"state", "identity/org/northside-hospital"}, []string{`"kind": "hospital"`}},
		{[]string{"state", "identity/org/northside-hospital", "--height", "1"}, []string{"height 1", `"kind": "hospital"`}},
		{[]string{"state", "identity/org/northside-hospital", "--prove", "--trust-node"}, []string{`"kind": "hospital"`, "proof  checked", "the node's own genesis"}},
		{[]string{"state", "identity/org/northside-hospital", "--prove", "--genesis", e.n.Home.GenesisFile()}, []string{"proof  checked", e.n.Home.GenesisFile()}},
		{[]string{"state", "identity/org/nowhere", "--prove", "--genesis", e.n.Home.GenesisFile()}, []string{"(absent)", "proof  checked"}},
		{[]string{"anchor", a.Digest}, []string{"northside-hospital/dr-chen", a.TxHash}},
		{[]string{"anchor", file}, []string{a.Digest}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			e.run(t, append([]string{"query"}, c.args...)...).ok(t).says(t, c.text...)
			e.runJSON(t, nil, append([]string{"query"}, c.args...)...)
		})
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"org", "nowhere"}, "org-not-found"},
		{[]string{"member", "northside-hospital/nobody"}, "member-not-found"},
		{[]string{"member", "dr-chen"}, "not ORG/NAME"},
		{[]string{"patient", "pat-nobody"}, "patient-not-found"},
		{[]string{"patient", "alice"}, "not a patient id"},
		{[]string{"patient", "patient/zoe"}, "no such key"},
		{[]string{"proposal", "9"}, "proposal-not-found"},
		{[]string{"proposal", "first"}, "not a number"},
		{[]string{"tx", strings.Repeat("0", 64)}, "no committed transaction"},
		{[]string{"tx", "xyz"}, "not a transaction hash"},
		{[]string{"block", "100000"}, "no block at height"},
		{[]string{"block", "0"}, "not a block height"},
		{[]string{"anchor", strings.Repeat("a", 64)}, "not-anchored"},
		{[]string{"anchor", "no-such-file"}, "neither a SHA-256 digest nor a file"},
	} {
		t.Run("refused "+strings.Join(c.args, " "), func(t *testing.T) {
			e.run(t, append([]string{"query"}, c.args...)...).refused(t, c.want)
		})
	}
	run(t, "--node", "http://127.0.0.1:1", "query", "orgs").refused(t, "unreachable")
}
