package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
)

// TestGuardianReads: whom a patient trusts to recover their identity, and
// the recoveries under way, are about the patient (issue 10): the three
// routes answer 401 unsigned; signed, the patient, each guardian (a
// patient or member named, an admin or clinician of an organization
// named) and a regulator's inspector read them; any other member or
// patient gets 403 identity/not-guardian. A guardian who asked for a
// recovery still reads it after the patient named others, not their list.
func TestGuardianReads(t *testing.T) {
	ctx := context.Background()
	bob, dana := node.Signer("patient/bob"), node.Signer("patient/dana")
	send := func(s client.Signer, typ string, body any) api.TxResponse {
		t.Helper()
		res, err := node.Client.Send(ctx, s, typ, body, "commit")
		if err != nil {
			t.Fatalf("%s by %s: %v", typ, s.Key.ID, err)
		}
		return res
	}
	named := send(bob, identity.TypePatientGuardians, identity.GuardiansBody{Guardians: []string{"northside-hospital", dana.Key.ID, "lakeside-clinic/dr-patel"}, Threshold: 2})
	next, err := keystore.Generate("patient/bob")
	if err != nil {
		t.Fatal(err)
	}
	send(dana, identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: bob.Key.ID, SignKey: next.SignPub(), EncKey: next.EncPub()})
	open, err := node.Client.OpenRecoveries(ctx, bob, bob.Key.ID)
	if err != nil || len(open) != 1 {
		t.Fatalf("bob's open recoveries, read by bob: %v, %+v", err, open)
	}
	rcv := open[0].ID

	guardians, recoveries, one := "/v1/patients/"+bob.Key.ID+"/guardians", "/v1/patients/"+bob.Key.ID+"/recoveries", "/v1/recoveries/"+rcv
	// Each read as a client makes it: signed, and by anyone but the
	// patient with the identity/lookup that logs it.
	read := func(who, path string, want int) {
		t.Helper()
		s := node.Signer(who)
		var err error
		switch path {
		case guardians:
			_, err = node.Client.Guardians(ctx, s, bob.Key.ID)
		case recoveries:
			_, err = node.Client.OpenRecoveries(ctx, s, bob.Key.ID)
		default:
			_, err = node.Client.Recovery(ctx, s, strings.TrimPrefix(path, "/v1/recoveries/"))
		}
		switch {
		case want == 200 && err != nil:
			t.Errorf("GET %s as %s: %v, want it served", path, who, err)
		case want == 403 && !client.IsCode(err, identity.Codespace, identity.ErrNotGuardian.Slug):
			t.Errorf("GET %s as %s: %v, want identity/not-guardian", path, who, err)
		case want == 403 && !strings.Contains(err.Error(), "may not read"):
			t.Errorf("GET %s as %s: %v, want a detail that says who may", path, who, err)
		}
	}
	// Signed but without the lookup: a guardian is told to send it; the
	// patient needs none.
	for _, path := range []string{guardians, recoveries, one} {
		if res, b := node.GetAs(t, dana, path); res.StatusCode != 400 || !strings.Contains(string(b), identity.TypeLookup) {
			t.Errorf("GET %s as dana without a lookup: %d %s, want identity/lookup-required", path, res.StatusCode, b)
		}
		if res, b := node.GetAs(t, bob, path); res.StatusCode != 200 {
			t.Errorf("GET %s as bob: %d %s", path, res.StatusCode, b)
		}
	}
	for _, path := range []string{guardians, recoveries, one} {
		if res, b := node.Get(t, path); res.StatusCode != 401 {
			t.Errorf("GET %s unsigned: %d, want 401: %s", path, res.StatusCode, b)
		}
		for _, c := range []struct {
			who    string
			status int
		}{
			{"patient/bob", 200},                // the patient
			{"patient/dana", 200},               // a patient named
			{"lakeside-clinic/dr-patel", 200},   // a member named
			{"northside-hospital/dr-chen", 200}, // a clinician of an organization named
			{"northside-hospital/admin", 200},   // its admin
			{"drug-regulator/inspector", 200},   // an auditor
			{"northside-hospital/biller", 403},  // a member of an organization named, who may not act for it
			{"lakeside-clinic/admin", 403},      // dr-patel was named, not her clinic
			{"cityrx-pharmacy/pharmacist", 403},
			{"drug-regulator/admin", 403},
			{"patient/alice", 403},
		} {
			read(c.who, path, c.status)
		}
	}
	if g, err := node.Client.Guardians(ctx, dana, bob.Key.ID); err != nil || g.Threshold != 2 || len(g.Guardians) != 3 {
		t.Fatalf("bob's guardians, read by dana: %v, %+v", err, g)
	}
	if r, err := node.Client.Recovery(ctx, node.Signer("drug-regulator/inspector"), rcv); err != nil || r.RequestedBy != dana.Key.ID {
		t.Fatalf("%s, read by the inspector: %v, %+v", rcv, err, r)
	}
	if _, err := node.Client.Guardians(ctx, node.Signer("cityrx-pharmacy/pharmacist"), bob.Key.ID); !client.IsCode(err, identity.Codespace, identity.ErrNotGuardian.Slug) {
		t.Fatalf("bob's guardians, read by an outsider: %v", err)
	}

	// Bob names others: dana's recovery is cancelled; she reads it still,
	// as the one who asked, but no longer his guardians.
	send(bob, identity.TypePatientGuardians, identity.GuardiansBody{Guardians: []string{"northside-hospital", "lakeside-clinic/dr-patel"}, Threshold: 2})
	read("patient/dana", one, 200)
	read("patient/dana", guardians, 403)
	read("patient/dana", recoveries, 403)
	read("lakeside-clinic/dr-patel", guardians, 200)
	read("patient/alice", one, 403)

	// The same data raw: the state only to an auditor, a transaction's
	// body and events only to its signer and auditors.
	for _, key := range []string{"identity/guardians/" + bob.Key.ID, "identity/recovery/" + rcv} {
		if res, _ := node.Get(t, "/v1/state/"+key); res.StatusCode != 401 {
			t.Errorf("GET /v1/state/%s unsigned: %d, want 401", key, res.StatusCode)
		}
		if res, _ := node.GetAs(t, bob, "/v1/state/"+key); res.StatusCode != 403 {
			t.Errorf("GET /v1/state/%s as bob: %d, want 403 (raw, for auditors)", key, res.StatusCode)
		}
		if res, b := node.GetAs(t, node.Signer("drug-regulator/inspector"), "/v1/state/"+key); res.StatusCode != 200 {
			t.Errorf("GET /v1/state/%s as the inspector: %d: %s", key, res.StatusCode, b)
		}
	}
	var tr api.TxResponse
	if err := node.Client.Get(ctx, "/v1/tx/"+named.Hash, &tr); err != nil || !tr.Redacted || tr.Tx != nil || tr.Events != nil || !tr.Committed {
		t.Errorf("bob's identity/patient-guardians by hash, unsigned: %v, %+v; want it redacted", err, tr)
	}
	var full api.TxResponse
	if err := node.Client.GetAs(ctx, bob, "/v1/tx/"+named.Hash, &full); err != nil || full.Redacted || len(full.Events) == 0 {
		t.Errorf("bob's identity/patient-guardians by hash, as bob: %v, %+v", err, full)
	}
	// An enrolment that names the first guardians, likewise.
	erin, err := keystore.Generate("patient/erin")
	if err != nil {
		t.Fatal(err)
	}
	chen := node.Signer("northside-hospital/dr-chen")
	enrolled := send(chen, identity.TypeEnrollPatient, identity.EnrollBody{SignKey: erin.SignPub(), EncKey: erin.EncPub(), Guardians: []string{"northside-hospital", dana.Key.ID}, Threshold: 2})
	var en api.TxResponse
	if err := node.Client.Get(ctx, "/v1/tx/"+enrolled.Hash, &en); err != nil || !en.Redacted || en.Events != nil {
		t.Errorf("an identity/enroll-patient naming guardians, by hash, unsigned: %v, %+v; want it redacted", err, en)
	}
	var enFull api.TxResponse
	if err := node.Client.GetAs(ctx, chen, "/v1/tx/"+enrolled.Hash, &enFull); err != nil || enFull.Redacted || len(enFull.Events) == 0 {
		t.Errorf("an identity/enroll-patient by hash, as its signer: %v, %+v", err, enFull)
	}
	if res, _ := node.GetAs(t, bob, "/v1/recoveries/rcv-999999"); res.StatusCode != 404 {
		t.Errorf("an unknown recovery, signed: %d, want 404", res.StatusCode)
	}
}
