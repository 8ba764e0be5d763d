package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/records"
)

// TestRecordsPseudonymCLI: a patient known to a custodian under a
// pseudonym, through the command line (issue 10, point 2). Alice writes a
// request (records join), the custodian checks it and enrolls the
// pseudonym (records enroll), adds her record for it; with --at she lists,
// reads, grants and reads her log under it; lakeside reads under her
// consent; a tampered request is refused; her link proof of two
// pseudonyms checks for its organization and nonce only.
func TestRecordsPseudonymCLI(t *testing.T) {
	t.Parallel()
	e := startRecordsEnv(t)
	const src = "../../fhir/testdata/valid/observation-potassium-alice.json"
	dir := t.TempDir()
	alice := e.n.Keys["patient/alice"].ID
	req := filepath.Join(dir, "req.json")

	var joined struct {
		Pseudonym string `json:"pseudonym"`
	}
	e.runJSON(t, &joined, "records", "join", "--at", "northside-hospital", "--out", req, "--as", "patient/alice")
	psn := joined.Pseudonym
	if !strings.HasPrefix(psn, "psn-") || psn == alice {
		t.Fatalf("records join: pseudonym %q", psn)
	}
	// Acting under it before the custodian enrolled it says what to do.
	e.run(t, "records", "list", "--at", "northside-hospital", "--as", "patient/alice").refused(t, "records join")
	// Wrong input: a member's key, a request for another custodian, a
	// tampered request.
	e.run(t, "records", "join", "--at", "northside-hospital", "--out", filepath.Join(dir, "x.json"), "--as", "northside-hospital/dr-chen").refused(t, "--as patient/NAME")
	e.run(t, "records", "enroll", "--request", req, "--as", "lakeside-clinic/dr-patel").refused(t, "the request is for northside-hospital")
	b, err := os.ReadFile(req)
	if err != nil {
		t.Fatal(err)
	}
	bob := e.n.Keys["patient/bob"].ID
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, []byte(strings.Replace(string(b), alice, bob, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "records", "enroll", "--request", tampered, "--as", "northside-hospital/dr-chen").refused(t, "does not verify")

	e.run(t, "records", "enroll", "--request", req, "--as", "northside-hospital/dr-chen").ok(t).says(t, "enrolled "+psn)
	var added struct {
		ID      string `json:"id"`
		Patient string `json:"patient"`
	}
	e.runJSON(t, &added, "records", "add", src, "--patient", psn, "--as", "northside-hospital/dr-chen")
	if added.Patient != psn {
		t.Fatalf("records add for %s: %+v", psn, added)
	}
	var list []records.Record
	e.runJSON(t, &list, "records", "list", "--at", "northside-hospital", "--as", "patient/alice")
	if len(list) != 1 || list[0].ID != added.ID || list[0].Patient != psn {
		t.Fatalf("alice's records at northside: %+v", list)
	}
	e.run(t, "records", "list", "--as", "patient/alice").ok(t).says(t, "no records")
	e.run(t, "records", "get", added.ID, "--at", "northside-hospital", "--as", "patient/alice", "--out", filepath.Join(dir, "mine.json")).ok(t)
	var granted struct {
		ID   string `json:"id"`
		Hash string `json:"tx_hash"`
	}
	e.runJSON(t, &granted, "consent", "grant", "--to", "lakeside-clinic", "--at", "northside-hospital", "--as", "patient/alice")
	// The grant by hash: unsigned, only that it committed; signed by an
	// auditor, its body (the pseudonym's consent).
	e.run(t, "query", "tx", granted.Hash).ok(t).says(t, "redacted")
	e.run(t, "query", "tx", granted.Hash, "--as", "drug-regulator/inspector").ok(t).says(t, "records/grant", psn, "lakeside-clinic")
	e.run(t, "records", "get", added.ID, "--as", "lakeside-clinic/dr-patel", "--out", filepath.Join(dir, "patel.json")).ok(t)
	e.run(t, "disclosures", "--at", "northside-hospital", "--as", "patient/alice").ok(t).says(t, "lakeside-clinic/dr-patel", "granted")
	e.run(t, "consent", "list", "--at", "northside-hospital", "--as", "patient/alice").ok(t).says(t, "lakeside-clinic")

	// The link proof: alice's pseudonyms at northside and lakeside, for
	// lakeside with its nonce.
	link := filepath.Join(dir, "link.json")
	e.run(t, "records", "link", "--at", "northside-hospital", "--at", "lakeside-clinic", "--to", "lakeside-clinic", "--nonce", "n-42", "--out", link, "--as", "patient/alice").ok(t)
	e.run(t, "records", "link", "--check", link, "--nonce", "n-42", "--as", "lakeside-clinic/dr-patel").ok(t).says(t, "verified", psn)
	e.run(t, "records", "link", "--check", link, "--nonce", "n-43", "--as", "lakeside-clinic/dr-patel").refused(t, "does not hold")
	e.run(t, "records", "link", "--check", link, "--as", "northside-hospital/dr-chen").refused(t, "does not hold")
	lb, err := os.ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(dir, "forged.json")
	if err := os.WriteFile(forged, []byte(strings.Replace(string(lb), psn, "psn-aaaaaaaaaaaaaaaaaaaaaaaa", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "records", "link", "--check", forged, "--nonce", "n-42", "--as", "lakeside-clinic/dr-patel").refused(t, "does not hold")
	e.run(t, "records", "link", "--at", "northside-hospital", "--to", "lakeside-clinic", "--nonce", "n", "--out", link, "--as", "patient/alice").refused(t, "--at is needed twice")

	// After alice rotates her key, --at finds the pseudonym her retired
	// key gives, which northside enrolled.
	e.run(t, "patient", "rotate", "--as", "patient/alice").ok(t)
	list = nil
	e.runJSON(t, &list, "records", "list", "--at", "northside-hospital", "--as", "patient/alice")
	if len(list) != 1 || list[0].Patient != psn {
		t.Fatalf("alice's records at northside after her rotation: %+v", list)
	}
	e.run(t, "consent", "grant", "--to", "lakeside-clinic/dr-patel", "--at", "northside-hospital", "--as", "patient/alice").ok(t)
}
