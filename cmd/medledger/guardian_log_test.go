package main

import (
	"context"
	"testing"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/identity"
)

// TestGuardianReadsLogged: a read of a patient's guardians by anyone but
// the patient is on the patient's log, granted or refused (issue 10,
// point 1), as a read of their records is; the patient's own is not; and
// the patient sees them in plain words.
func TestGuardianReadsLogged(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	ctx := context.Background()
	bob, dana := e.n.Signer("patient/bob"), e.n.Signer("patient/dana")
	if _, err := e.n.Client.Send(ctx, bob, identity.TypePatientGuardians, identity.GuardiansBody{Guardians: []string{"northside-hospital", dana.Key.ID}, Threshold: 2}, "commit"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.n.Client.Guardians(ctx, bob, bob.Key.ID); err != nil {
		t.Fatalf("bob reads his guardians: %v", err)
	}
	if _, err := e.n.Client.Guardians(ctx, e.n.Signer("northside-hospital/dr-chen"), bob.Key.ID); err != nil {
		t.Fatalf("a guardian organization's clinician reads them: %v", err)
	}
	if _, err := e.n.Client.OpenRecoveries(ctx, dana, bob.Key.ID); err != nil {
		t.Fatalf("a guardian patient reads the recoveries: %v", err)
	}
	if _, err := e.n.Client.Guardians(ctx, e.n.Signer("cityrx-pharmacy/pharmacist"), bob.Key.ID); !client.IsCode(err, identity.Codespace, identity.ErrNotGuardian.Slug) {
		t.Fatalf("an outsider reads them: %v", err)
	}
	ds, err := e.n.Client.PatientDisclosures(ctx, bob, bob.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]string{}
	for _, d := range ds {
		if d.Identity != nil && d.Identity.Event == app.PatientGuardiansRead {
			reads[d.Identity.Actor] = d.Identity.Reason
		}
	}
	want := map[string]string{"northside-hospital/dr-chen": identity.LookupGranted, dana.Key.ID: identity.LookupGranted, "cityrx-pharmacy/pharmacist": identity.LookupRefused}
	if len(reads) != len(want) {
		t.Errorf("bob's log of guardian reads: %v, want %v (not his own)", reads, want)
	}
	for who, outcome := range want {
		if reads[who] != outcome {
			t.Errorf("bob's log: %s's read %q, want %q", who, reads[who], outcome)
		}
	}
	e.run(t, "disclosures", "--as", "patient/bob").ok(t).says(t, "northside-hospital/dr-chen asked to read the guardians and recoveries: granted",
		"cityrx-pharmacy/pharmacist asked to read the guardians and recoveries: refused")
}
