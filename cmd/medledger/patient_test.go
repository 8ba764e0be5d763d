package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	identitycli "github.com/medledger/medledger/identity/cli"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault/disk"
)

// TestPatientCommands runs docs/patients.md through the command line, as
// a patient and their guardians type it: a rotation (and one finished
// after an interruption), guardians, a recovery from a new device that the
// old key cancels, one that takes effect after the waiting period, a
// freeze, the log; and the mistakes a person makes, refused with a hint.
func TestPatientCommands(t *testing.T) {
	t.Parallel()
	v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(t.TempDir(), "vault"), filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault}
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins(), Services: []daemon.Service{svc}, RecoveryWait: 2 * time.Second})
	home := filepath.Join(t.TempDir(), "cli")
	ks := keystore.Store{Dir: node.Home(home).KeysDir()}
	if err := n.Keys.Save(ks); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{n: n, home: home}
	alice := n.Keys["patient/alice"].ID
	const src = "../../fhir/testdata/valid/observation-potassium-alice.json"
	var added struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &added, "records", "add", src, "--patient", "patient/alice", "--as", "northside-hospital/dr-chen")

	// A rotation: the new key in force, the old one kept retired and refused.
	first := n.Keys["patient/alice"].KeyID()
	e.run(t, "patient", "rotate", "--as", "patient/alice").ok(t).says(t, "your new key", "you are still "+alice, "signs nothing any more")
	retired := keystore.RetiredName("patient/alice", first)
	e.run(t, "keys", "list").ok(t).says(t, retired, "retired (replaced by")
	e.run(t, "consent", "grant", "--as", retired, "--to", "lakeside-clinic").refused(t, "key-mismatch")
	e.run(t, "records", "get", added.ID, "--as", "patient/alice", "--out", filepath.Join(t.TempDir(), "mine.json")).ok(t)
	var rot struct {
		Patient  string `json:"patient"`
		KeyID    string `json:"key_id"`
		OldKeyID string `json:"old_key_id"`
		Retired  string `json:"retired_key"`
	}
	e.runJSON(t, &rot, "patient", "rotate", "--as", "patient/alice")
	if rot.Patient != alice || rot.KeyID == rot.OldKeyID || !strings.Contains(rot.Retired, "~retired-") {
		t.Fatalf("patient rotate -o json = %+v", rot)
	}

	// Interrupted after the chain took the new key: run again, it finishes.
	cur, err := ks.Load("patient/alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := keystore.Generate("patient/alice")
	next.ID = alice
	if err := ks.SaveNext(next, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.Send(context.Background(), client.Signer{Key: cur}, identity.TypePatientRotate, identity.RotateBody{SignKey: next.SignPub(), EncKey: next.EncPub()}, "commit"); err != nil {
		t.Fatal(err)
	}
	e.run(t, "patient", "rotate", "--as", "patient/alice").ok(t).says(t, "finished the rotation you started", next.KeyID())

	// Guardians; no guardian alone.
	e.run(t, "patient", "guardians", "set", "--guardians", "northside-hospital,patient/dana", "--threshold", "1", "--as", "patient/alice").refused(t, "invalid")
	e.run(t, "patient", "guardians", "set", "--guardians", "northside-hospital", "--as", "patient/alice").refused(t, "--threshold")
	e.run(t, "patient", "guardians", "set", "--guardians", "northside-hospital,patient/dana,lakeside-clinic/dr-patel", "--threshold", "2", "--as", "patient/alice").
		ok(t).says(t, "any 2 of them")
	e.run(t, "query", "patient", "patient/alice").ok(t).says(t, "guardians   northside-hospital, "+n.Keys["patient/dana"].ID+", lakeside-clinic/dr-patel (2 must agree)")
	// Her guardians are a signed read: a guardian or an inspector, not
	// anyone, nor an unsigned read.
	e.run(t, "query", "patient", alice).ok(t).says(t, "guardians   not shown", "--as")
	e.run(t, "query", "patient", alice, "--as", "patient/dana").ok(t).says(t, "guardians   northside-hospital")
	e.run(t, "query", "patient", alice, "--as", "drug-regulator/inspector").ok(t).says(t, "(2 must agree)")
	e.run(t, "query", "patient", alice, "--as", "cityrx-pharmacy/pharmacist").refused(t, "not-guardian")

	// A new device: a key for alice's id, its public part in a file.
	newHome := filepath.Join(t.TempDir(), "new-phone")
	newEnv := &testEnv{n: n, home: newHome}
	newEnv.run(t, "keys", "add", "patient/alice", "--id", alice, "--insecure-keystore").ok(t).says(t, "patient recover request --patient "+alice)
	keyFile := filepath.Join(t.TempDir(), "new-key.json")
	show := newEnv.run(t, "-o", "json", "keys", "show", "patient/alice").ok(t)
	if err := os.WriteFile(keyFile, []byte(show.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	// Mistakes: no file, a key made for someone else, not a recovery id.
	e.run(t, "patient", "recover", "request", "--patient", alice, "--as", "northside-hospital/admin").refused(t, "--new-key")
	bobKey := filepath.Join(t.TempDir(), "bob.json")
	os.WriteFile(bobKey, []byte(e.run(t, "-o", "json", "keys", "show", "patient/bob").ok(t).stdout), 0o600)
	e.run(t, "patient", "recover", "request", "--patient", alice, "--new-key", bobKey, "--as", "northside-hospital/admin").refused(t, "made for")
	e.run(t, "patient", "recover", "approve", "7", "--as", "patient/dana").refused(t, "recovery id")
	e.run(t, "patient", "recover", "request", "--patient", alice, "--new-key", keyFile, "--as", "lakeside-clinic/admin").refused(t, "not-guardian")

	// Asked, approved, cancelled by alice's key within the waiting period.
	var rec struct {
		Recovery, Status string
		Approvals        []string
		Due              time.Time
	}
	e.runJSON(t, &rec, "patient", "recover", "request", "--patient", alice, "--new-key", keyFile, "--as", "northside-hospital/admin")
	if rec.Recovery != "rcv-1" || rec.Status != identity.RecoveryOpen {
		t.Fatalf("recover request -o json = %+v", rec)
	}
	e.run(t, "patient", "recover", "approve", "rcv-1", "--as", "patient/dana").ok(t).says(t, "waiting", "takes effect at", "patient recover cancel rcv-1")
	e.run(t, "patient", "recover", "approve", "rcv-1", "--as", "northside-hospital/dr-chen").refused(t, "recovery-closed")
	e.run(t, "disclosures", "--as", "patient/alice").ok(t).says(t, "recovery-approved", "takes effect at")
	e.run(t, "patient", "recover", "cancel", "rcv-1", "--as", "patient/alice").ok(t).says(t, "cancelled")

	// Again, and this time it takes effect after the period.
	e.runJSON(t, &rec, "patient", "recover", "request", "--patient", alice, "--new-key", keyFile, "--as", "patient/dana")
	e.runJSON(t, &rec, "patient", "recover", "approve", rec.Recovery, "--as", "lakeside-clinic/dr-patel")
	if rec.Status != identity.RecoveryWaiting || rec.Due.IsZero() {
		t.Fatalf("recover approve -o json = %+v", rec)
	}
	newKey, err := keystore.Store{Dir: node.Home(newHome).KeysDir()}.Info("patient/alice")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var p identity.Patient
		e.runJSON(t, &p, "query", "patient", alice)
		if p.KeyID == newKey.KeyID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recovery did not take effect")
		}
	}
	e.run(t, "consent", "grant", "--as", "patient/alice", "--to", "lakeside-clinic").refused(t, "key-mismatch")
	newEnv.run(t, "consent", "grant", "--as", "patient/alice", "--to", "lakeside-clinic").ok(t)
	newEnv.run(t, "disclosures", "--as", "patient/alice").ok(t).says(t, "key-rotated", "guardians-set", "recovery-cancelled", "recovery-completed")

	// Frozen: no grant; the guardians' votes count towards theirs.
	newEnv.run(t, "patient", "freeze", "--as", "patient/alice").ok(t).says(t, "is frozen (by the patient)", "patient rotate")
	newEnv.run(t, "consent", "grant", "--as", "patient/alice", "--to", "cityrx-pharmacy").refused(t, "patient-frozen")
	var fr struct {
		Frozen           bool
		Votes, Threshold int
	}
	e.runJSON(t, &fr, "patient", "freeze", "--patient", alice, "--as", "patient/dana")
	if fr.Frozen || fr.Votes != 1 || fr.Threshold != 2 {
		t.Fatalf("a guardian's freeze -o json = %+v", fr)
	}
	e.run(t, "patient", "freeze", "--patient", alice, "--as", "northside-hospital/admin").ok(t).says(t, "by the guardians", "only a recovery")
	newEnv.run(t, "patient", "rotate", "--as", "patient/alice").refused(t, "patient-frozen")
	newKS := keystore.Store{Dir: node.Home(newHome).KeysDir()}
	if _, err := newKS.Info(keystore.NextName("patient/alice")); err == nil {
		t.Fatal("a rotation the chain refused left its next key behind")
	}
	e.run(t, "patient", "freeze", "--as", "northside-hospital/admin").refused(t, "--patient")

	checkDocLines(t, "../../docs/patients.md", string(must(os.ReadFile("../../docs/patients.md"))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDevSeedsGuardians: the first run of dev names alice's guardians, the
// hospital that enrolled her and her relative dana (a demo patient with a
// key of her own), both needed; dev's chain waits minutes for a recovery.
func TestDevSeedsGuardians(t *testing.T) {
	home, url, startDev := devHome(t)
	stop := startDev()
	waitSeeded(t, stop, filepath.Join(home, "data", identitycli.Module.Seed.Marker), "demo guardians")
	var p struct {
		Guardians *identity.Guardians `json:"guardians"`
	}
	run(t, "--home", home, "--node", url, "-o", "json", "query", "patient", "patient/alice").ok(t).json(t, &p)
	dana, err := keystore.Store{Dir: node.Home(home).KeysDir()}.Info("patient/dana")
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Guardians; g == nil || g.Threshold != 2 || len(g.Guardians) != 2 || g.Guardians[0] != "northside-hospital" || g.Guardians[1] != dana.ID {
		t.Fatalf("alice's guardians on the dev chain: %+v", p.Guardians)
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("dev exited %d: %s", r.code, r.stderr)
	}
}
