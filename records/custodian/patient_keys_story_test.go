package custodian_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/fhircheck"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/tx"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

// storyWait is the waiting period of a recovery on the story's node.
const storyWait = 2 * time.Second

// TestPatientKeyStory is issue 19 against a real node, its vault and its
// API: a patient rotates and keeps reading their records and their log,
// the old key is refused and opens nothing the vault still holds; a
// recovery below the threshold never takes effect, one cancelled by the
// patient's key within the waiting period neither, one approved by the
// threshold does, after the period and not before; a frozen identity
// refuses grants and reads on the patient's key while break-glass goes on;
// the custodian (a guardian itself) cannot recover alone; every step is on
// the patient's log and in FHIR AuditEvent form.
func TestPatientKeyStory(t *testing.T) {
	ctx := context.Background()
	v, closeVault, err := disk.OpenVault(ctx, filepath.Join(t.TempDir(), "vault"), filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins, Services: []daemon.Service{svc}, RecoveryWait: storyWait})
	c := n.Client
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	chen, patel, dana := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("patient/dana")
	hospital := n.Signer("northside-hospital/admin")
	inspector := n.Signer("drug-regulator/inspector") // an auditor reads alice's log whatever her keys
	alice := n.Signer("patient/alice")
	aliceID, firstKey := alice.Key.ID, alice.Key
	send := func(s client.Signer, typ string, body any) error {
		_, err := c.Send(ctx, s, typ, body, "commit")
		return err
	}
	mustSend := func(s client.Signer, typ string, body any, what string) {
		t.Helper()
		if err := send(s, typ, body); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wantCode := func(err error, code medledger.Code, what string) {
		t.Helper()
		if !client.IsCode(err, code.Codespace, code.Slug) {
			t.Fatalf("%s: got %v, want %s/%s", what, err, code.Codespace, code.Slug)
		}
	}
	keyOf := func(seed string) client.Signer {
		k := keystore.FromSeed("patient/alice", []byte(seed))
		k.ID = aliceID
		return client.Signer{Key: k}
	}
	patient := func() identity.Patient {
		t.Helper()
		p, err := c.Patient(ctx, aliceID)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	docID := func(rec string) vault.DocID {
		t.Helper()
		r, err := c.Record(ctx, chen, rec)
		if err != nil {
			t.Fatal(err)
		}
		id, err := vault.ParseDocID(r.Ref)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// opensOnlyWith waits for the custodian to move alice's copy of rec's
	// key to key, and checks that none of before opens it any more.
	opensOnlyWith := func(rec string, key client.Signer, before ...client.Signer) {
		t.Helper()
		id := docID(rec)
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, errNew := v.Open(ctx, id, key.Key.Enc)
			stale := false
			for _, b := range before {
				if _, err := v.Open(ctx, id, b.Key.Enc); err == nil {
					stale = true
				}
			}
			if errNew == nil && !stale {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("record %s: the new key opens it: %v; an old key still does: %v", rec, errNew, stale)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	readOwn := func(s client.Signer, rec string) client.ReadResult {
		t.Helper()
		got, err := c.ReadRecord(ctx, s, rec, records.PurposeTreatment, "")
		if err != nil {
			t.Fatalf("alice reads %s: %v", rec, err)
		}
		if !bytes.Equal(got.Document, doc) || got.Ground != records.GroundPatient {
			t.Fatalf("alice read %s: ground %s, other bytes", rec, got.Ground)
		}
		return got
	}

	rec1, err := c.AddRecord(ctx, chen, aliceID, doc)
	if err != nil {
		t.Fatal(err)
	}
	readOwn(alice, rec1) // the vault now holds alice's first key's copy of rec1's key

	// 1. Rotation: new keys, the same id; the old key is refused; alice
	// reads her records and her log with the new key; the custodian moves
	// her copy of the document key; a document stored after opens only
	// with the new key.
	second := keyOf("second")
	mustSend(alice, identity.TypePatientRotate, identity.RotateBody{SignKey: second.Key.SignPub(), EncKey: second.Key.EncPub()}, "rotate")
	if p := patient(); p.ID != aliceID || p.KeyID != second.Key.KeyID() {
		t.Fatalf("alice after rotating: %+v", p)
	}
	wantCode(send(alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment}, NotAfter: time.Now().Add(time.Hour)}),
		tx.ErrKeyMismatch, "a grant signed with the old key")
	got := readOwn(second, rec1)
	if _, err := vault.OpenBlob(got.Blob, got.WrappedKey, firstKey.Enc); err == nil {
		t.Fatal("the key handed to alice after the rotation opens with her old key")
	}
	opensOnlyWith(rec1, second, alice)
	rec2, err := c.AddRecord(ctx, chen, aliceID, doc)
	if err != nil {
		t.Fatal(err)
	}
	got = readOwn(second, rec2)
	if _, err := vault.OpenBlob(got.Blob, got.WrappedKey, firstKey.Enc); err == nil {
		t.Fatal("a document stored after the rotation opens with the old key")
	}
	if _, err := v.Open(ctx, docID(rec2), firstKey.Enc); !medledger.HasCode(err, vault.ErrNoAccess) {
		t.Fatalf("the vault lets the old key open a document stored after the rotation: %v", err)
	}
	if ds, err := c.PatientDisclosures(ctx, inspector, aliceID); err != nil || !hasEvent(ds, app.PatientKeyRotated) || countReads(ds) != 3 {
		t.Fatalf("alice's log after the rotation: %v, %+v", err, ds)
	}

	// 2. Guardians: the hospital, her relative dana (a patient with a key
	// of her own), dr-patel named personally; 2 of 3.
	mustSend(second, identity.TypePatientGuardians, identity.GuardiansBody{Guardians: []string{"northside-hospital", dana.Key.ID, "lakeside-clinic/dr-patel"}, Threshold: 2}, "guardians")

	// 3. Below the threshold: dana asks, the period passes, nothing.
	third := keyOf("third")
	request := identity.RecoveryRequestBody{Patient: aliceID, SignKey: third.Key.SignPub(), EncKey: third.Key.EncPub()}
	mustSend(dana, identity.TypeRecoveryRequest, request, "dana asks")
	time.Sleep(storyWait + 500*time.Millisecond)
	if p := patient(); p.KeyID != second.Key.KeyID() {
		t.Fatal("a recovery asked by one guardian took effect")
	}
	// No custodian alone: the hospital holds alice's records and is her
	// guardian, but is one guardian whichever of its members signs; the
	// clinic that is no guardian cannot even ask.
	mustSend(chen, identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"}, "dr-chen approves for the hospital")
	r, err := c.Recovery(ctx, inspector, "rcv-1")
	if err != nil || r.Status != identity.RecoveryWaiting {
		t.Fatalf("rcv-1 approved by 2 of 3: %+v (%v)", r, err)
	}
	wantCode(send(hospital, identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"}), identity.ErrRecoveryClosed, "the hospital approves twice")
	wantCode(send(n.Signer("lakeside-clinic/admin"), identity.TypeRecoveryRequest, request), identity.ErrNotGuardian, "a non-guardian asks")

	// 4. Cancelled by the patient's key within the period.
	if ds, _ := c.PatientDisclosures(ctx, inspector, aliceID); !pendingShown(ds, "rcv-1", r.Due) {
		t.Fatalf("alice's log does not show the pending recovery and when it takes effect: %+v", ds)
	}
	mustSend(second, identity.TypeRecoveryCancel, identity.RecoveryRef{Recovery: "rcv-1"}, "alice cancels")
	time.Sleep(time.Until(r.Due) + 500*time.Millisecond)
	if p := patient(); p.KeyID != second.Key.KeyID() {
		t.Fatal("a cancelled recovery took effect")
	}

	// 5. By the threshold, after the waiting period, not before.
	mustSend(dana, identity.TypeRecoveryRequest, request, "dana asks again")
	mustSend(patel, identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-2"}, "dr-patel approves")
	r, _ = c.Recovery(ctx, inspector, "rcv-2")
	if p := patient(); r.Status != identity.RecoveryWaiting || p.KeyID != second.Key.KeyID() {
		t.Fatalf("rcv-2 just approved: %+v; alice's key %s", r, p.KeyID)
	}
	for deadline := time.Now().Add(storyWait + 10*time.Second); patient().KeyID != third.Key.KeyID(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the recovery approved by the threshold did not take effect")
		}
	}
	if r, _ = c.Recovery(ctx, inspector, "rcv-2"); r.Status != identity.RecoveryCompleted {
		t.Fatalf("rcv-2 after taking effect: %+v", r)
	}
	wantCode(send(second, identity.TypePatientFreeze, identity.FreezeBody{}), tx.ErrKeyMismatch, "the key before the recovery")
	readOwn(third, rec1)
	opensOnlyWith(rec1, third, alice, second)

	// 6. Frozen: no grant, no read on her key or consent; break-glass goes on.
	mustSend(third, identity.TypePatientFreeze, identity.FreezeBody{}, "alice freezes")
	wantCode(send(third, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment}, NotAfter: time.Now().Add(time.Hour)}),
		records.ErrFrozen, "a grant while frozen")
	if _, err := c.ReadRecord(ctx, third, rec1, records.PurposeTreatment, ""); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("alice reads while frozen: %v", err)
	}
	if bg, err := c.ReadRecord(ctx, patel, rec1, records.PurposeEmergencyTreatment, "unconscious-patient"); err != nil || !bytes.Equal(bg.Document, doc) {
		t.Fatalf("break-glass while frozen: %v", err)
	}

	// 7. Everything on the log, and as FHIR AuditEvents.
	ds, err := c.PatientDisclosures(ctx, inspector, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{app.PatientKeyRotated, app.PatientGuardiansSet, app.PatientRecoveryRequested, app.PatientRecoveryApproved,
		app.PatientRecoveryCancelled, app.PatientRecoveryCompleted, app.PatientFrozen} {
		if !hasEvent(ds, e) {
			t.Errorf("alice's log lacks %s", e)
		}
	}
	// The inspector's read of the log, as FHIR: signed, with the lookup
	// that puts it on alice's log.
	lookup, err := inspector.Build(records.TypeLookup, records.LookupBody{Patient: aliceID, View: records.ViewDisclosures, Purpose: records.PurposeOperations}, n.Store.Version())
	if err != nil {
		t.Fatal(err)
	}
	status, body := fhirDo(t, n.URL(), "GET", "/fhir/AuditEvent?patient="+aliceID, nil, &inspector, records.LookupHeader, base64.StdEncoding.EncodeToString(lookup))
	if status != 200 {
		t.Fatalf("GET /fhir/AuditEvent: %d %s", status, body)
	}
	var bundle struct {
		Entry []struct {
			Resource struct {
				Subtype []struct{ System, Code string } `json:"subtype"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &bundle); err != nil {
		t.Fatal(err)
	}
	var subtypes []string
	for _, e := range bundle.Entry {
		for _, s := range e.Resource.Subtype {
			if s.System == "urn:medledger:identity-event" {
				subtypes = append(subtypes, s.Code)
			}
		}
	}
	for _, e := range []string{app.PatientKeyRotated, app.PatientRecoveryCompleted, app.PatientFrozen, app.PatientRecoveryCancelled} {
		if !slices.Contains(subtypes, e) {
			t.Errorf("the FHIR AuditEvents of alice lack %s: %v", e, subtypes)
		}
	}
	fhircheck.Require(t, body)
}

func hasEvent(ds []records.Disclosure, event string) bool {
	return slices.ContainsFunc(ds, func(d records.Disclosure) bool { return d.Identity != nil && d.Identity.Event == event })
}

func countReads(ds []records.Disclosure) int {
	n := 0
	for _, d := range ds {
		if d.Identity == nil && d.View == "" { // reads of records, not of the log
			n++
		}
	}
	return n
}

// pendingShown reports whether the log shows recovery id approved by
// enough guardians, with the time it takes effect.
func pendingShown(ds []records.Disclosure, id string, due time.Time) bool {
	return slices.ContainsFunc(ds, func(d records.Disclosure) bool {
		return d.Identity != nil && d.Identity.Event == app.PatientRecoveryApproved && d.Identity.Recovery == id && d.Identity.Due.Equal(due)
	})
}
