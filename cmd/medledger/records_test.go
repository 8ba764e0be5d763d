package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault/disk"
)

// startRecordsEnv is startEnv with the records custodian of
// northside-hospital on a vault in a temp folder.
func startRecordsEnv(t *testing.T) *testEnv {
	t.Helper()
	v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(t.TempDir(), "vault"), filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("records env node key"))
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault, NodeKey: ed25519.NewKeyFromSeed(seed[:])}
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins(), Services: []daemon.Service{svc}})
	home := filepath.Join(t.TempDir(), "cli")
	if err := n.Keys.Save(keystore.Store{Dir: node.Home(home).KeysDir()}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{n: n, home: home}
}

// TestRecordsStory runs the records story through the command line: add,
// refused read, grant, read the exact bytes, accounting, revoke, refused
// again, break glass, erase, read fails.
func TestRecordsStory(t *testing.T) {
	t.Parallel()
	e := startRecordsEnv(t)
	const src = "../../fhir/testdata/valid/observation-potassium-alice.json"
	doc, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	alice := e.n.Keys["patient/alice"].ID
	dir := t.TempDir()

	var added struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &added, "records", "add", src, "--patient", "patient/alice", "--as", "northside-hospital/dr-chen")
	rec := added.ID
	if !strings.HasPrefix(rec, "rec-") {
		t.Fatalf("records add -o json id = %q", rec)
	}
	e.run(t, "records", "list", "--as", "patient/alice").ok(t).says(t, rec, "laboratory", "Observation", "northside-hospital/dr-chen")
	var list []records.Record
	// A member reads too, signed with --as; the read is on alice's log.
	e.run(t, "records", "list", "--patient", alice).refused(t, "--as is required")
	e.runJSON(t, &list, "records", "list", "--patient", alice, "--as", "northside-hospital/dr-chen")
	if len(list) != 1 || list[0].ID != rec || list[0].Patient != alice {
		t.Fatalf("records list -o json = %+v", list)
	}

	// Without consent: refused, saying what is missing and how to fix it.
	out := filepath.Join(dir, "read.json")
	r := e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel", "--out", out).refused(t, "no-consent")
	if !strings.Contains(r.stderr, "granted no consent") || !strings.Contains(r.stderr, "medledger consent grant") {
		t.Fatalf("refusal does not say what is missing and how to fix it:\n%s", r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("a refused read wrote --out")
	}

	// A consent longer than the maximum term is refused by the node.
	e.run(t, "consent", "grant", "--as", "patient/alice", "--to", "lakeside-clinic", "--until", "2199-01-01").refused(t, "invalid")

	var granted struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &granted, "consent", "grant", "--as", "patient/alice", "--to", "lakeside-clinic", "--scope", "Observation", "--purpose", "TREAT,HOPERAT", "--jurisdictions", "DE")
	consent := granted.ID
	if !strings.HasPrefix(consent, "con-") {
		t.Fatalf("consent grant -o json id = %q", consent)
	}
	e.run(t, "consent", "list", "--as", "patient/alice").ok(t).says(t, consent, "lakeside-clinic", "TREAT,HOPERAT", "types=Observation", "active")

	e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel", "--out", out).ok(t).says(t, "wrote "+out)
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("records get --out wrote different bytes (%v)", err)
	}
	if r := e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel").ok(t); r.stdout != string(doc) {
		t.Fatal("records get to stdout printed different bytes")
	}

	var ds []records.Disclosure
	e.runJSON(t, &ds, "disclosures", "--as", "patient/alice")
	if len(ds) != 4 || ds[0].Reader != "northside-hospital/dr-chen" || ds[0].View != records.ViewRecords || ds[0].Ground != records.GroundCustodian ||
		ds[1].Outcome != records.OutcomeRefused || ds[2].Reader != "lakeside-clinic/dr-patel" ||
		ds[2].Outcome != records.OutcomeGranted || ds[2].Consent != consent || ds[2].Record != rec || ds[2].Purpose != records.PurposeTreatment {
		t.Fatalf("disclosures -o json = %+v", ds)
	}
	e.run(t, "disclosures", "--patient", "patient/alice").ok(t).says(t, "lakeside-clinic/dr-patel", rec, "refused", "granted", consent, "list (records)")

	e.run(t, "consent", "revoke", consent, "--as", "patient/alice").ok(t).says(t, "revoked "+consent)
	e.run(t, "consent", "revoke", consent, "--as", "patient/alice").refused(t, "consent-revoked")
	e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel").refused(t, "no-consent")

	bgOut := filepath.Join(dir, "bg.json")
	r = e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel", "--break-glass", "unconscious-patient", "--out", bgOut).ok(t)
	if !strings.Contains(r.stderr, "break-glass") {
		t.Fatalf("break-glass read does not warn on stderr:\n%s", r.stderr)
	}
	if got, err := os.ReadFile(bgOut); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("break-glass read wrote different bytes (%v)", err)
	}
	e.run(t, "disclosures", "--org", "lakeside-clinic", "--break-glass", "--as", "northside-hospital/dr-chen").refused(t, "only members of")
	e.runJSON(t, &ds, "disclosures", "--org", "lakeside-clinic", "--break-glass", "--as", "lakeside-clinic/admin")
	if len(ds) != 1 || !ds[0].BreakGlass || ds[0].Reason != "unconscious-patient" || ds[0].Purpose != records.PurposeEmergencyTreatment {
		t.Fatalf("break-glass review = %+v", ds)
	}
	e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel", "--break-glass", "bored").refused(t, "bored")

	if r := e.run(t, "records", "erase", rec, "--as", "lakeside-clinic/dr-patel").refused(t, "unauthorized"); !strings.Contains(r.stderr, "--as patient/NAME") {
		t.Fatalf("erase by a clinician: hint does not say to sign as the patient:\n%s", r.stderr)
	}
	e.run(t, "records", "add", src, "--patient", "patient/alice", "--as", "lakeside-clinic/dr-patel").refused(t, "store documents")
	var erased struct {
		Record string `json:"record"`
		Status string `json:"status"`
	}
	e.runJSON(t, &erased, "records", "erase", rec, "--as", "patient/alice")
	if erased.Record != rec || erased.Status != records.StatusErased {
		t.Fatalf("records erase -o json = %+v", erased)
	}
	e.run(t, "records", "get", rec, "--as", "lakeside-clinic/dr-patel", "--break-glass", "unconscious-patient").refused(t, "erased")
	e.run(t, "records", "list", "--as", "patient/alice").ok(t).says(t, rec, records.StatusErased)
}

// TestSensitiveRecordsCLI: a clinician marks a record sensitive; the
// patient's list shows it restricted; a general consent does not open it,
// and consent grant --sensitive names its category by the custodian's tag
// (issue 10).
func TestSensitiveRecordsCLI(t *testing.T) {
	t.Parallel()
	e := startRecordsEnv(t)
	const src = "../../fhir/testdata/valid/observation-potassium-alice.json"
	var added struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &added, "records", "add", src, "--patient", "patient/alice", "--sensitivity", "HIV", "--as", "northside-hospital/dr-chen")
	e.run(t, "records", "add", src, "--patient", "patient/alice", "--sensitivity", "FLU", "--as", "northside-hospital/dr-chen").refused(t, "is not one")
	e.run(t, "records", "list", "--as", "patient/alice").ok(t).says(t, added.ID, "restricted")
	e.run(t, "consent", "grant", "--to", "lakeside-clinic", "--as", "patient/alice").ok(t)
	e.run(t, "records", "get", added.ID, "--as", "lakeside-clinic/dr-patel").refused(t, "no-consent")
	var grant struct {
		Scope records.Scope `json:"scope"`
	}
	e.runJSON(t, &grant, "consent", "grant", "--to", "lakeside-clinic", "--sensitive", "HIV", "--as", "patient/alice")
	if len(grant.Scope.Sensitivities) != 1 || len(grant.Scope.Sensitivities[0]) != 64 {
		t.Fatalf("consent grant --sensitive HIV: scope %+v", grant.Scope)
	}
	e.run(t, "records", "get", added.ID, "--as", "lakeside-clinic/dr-patel").ok(t)
}
