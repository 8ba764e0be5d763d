package custodian_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault/disk"
)

// startNode runs a real node operated by northside-hospital, with the
// records module and its custodian service on a real vault folder.
func startNode(t *testing.T) (*daemontest.Node, string) {
	t.Helper()
	vdir := filepath.Join(t.TempDir(), "vault")
	v, closeVault, err := disk.OpenVault(context.Background(), vdir, filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})
	return daemontest.Start(t, daemontest.Options{Plugins: plugins, Services: []daemon.Service{svc}}), vdir
}

// TestRecordStory is the story against a real node, vault and API:
// add, refuse, grant, read the exact bytes, accounting, revoke, refuse,
// break glass, erase (documents and keys gone from disk, reads 410), and no
// document content anywhere in the chain's storage.
func TestRecordStory(t *testing.T) {
	ctx := context.Background()
	n, vdir := startNode(t)
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	chen, patel, alice := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("patient/alice")
	aliceID := alice.Key.ID

	rec, err := n.Client.AddRecord(ctx, chen, aliceID, doc)
	if err != nil {
		t.Fatal(err)
	}

	// Without consent: refused, and the refusal says what is missing.
	_, err = n.Client.ReadRecord(ctx, patel, rec, records.PurposeTreatment, "")
	if !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("read without consent: got %v, want records/no-consent", err)
	}

	// A clinician's invalid FHIR is refused before anything is stored.
	if _, err := n.Client.UploadDocument(ctx, chen, []byte(`{"resourceType":"Observation","status":"bogus"}`)); err == nil {
		t.Fatal("invalid FHIR was stored")
	}
	// Only the custodian's clinicians upload.
	if _, err := n.Client.UploadDocument(ctx, patel, doc); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("upload by another org's clinician: %v", err)
	}

	grant, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		NotAfter: time.Now().Add(24 * time.Hour)}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	consent := eventAttr(grant.Events, records.EventGranted, "consent")

	got, err := n.Client.ReadRecord(ctx, patel, rec, records.PurposeTreatment, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Document, doc) {
		t.Fatal("the clinician read different bytes from those stored")
	}

	ds, err := n.Client.PatientDisclosures(ctx, alice, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[1].Reader != "lakeside-clinic/dr-patel" || ds[1].Outcome != records.OutcomeGranted || ds[1].Consent != consent {
		t.Fatalf("alice's accounting: %+v", ds)
	}

	if _, err := n.Client.Send(ctx, alice, records.TypeRevoke, records.ConsentRef{Consent: consent}, "commit"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.ReadRecord(ctx, patel, rec, records.PurposeTreatment, ""); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("read after revocation: %v", err)
	}

	bg, err := n.Client.ReadRecord(ctx, patel, rec, records.PurposeEmergencyTreatment, "unconscious-patient")
	if err != nil {
		t.Fatal(err)
	}
	if !bg.BreakGlass || !bytes.Equal(bg.Document, doc) {
		t.Fatalf("break-glass read: %+v", bg.ReadResponse)
	}

	if _, err := n.Client.Send(ctx, alice, records.TypeErase, records.RecordRef{Record: rec}, "commit"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for containsFile(t, vdir, func(b []byte) bool { return len(b) > 0 }) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if containsFile(t, vdir, func(b []byte) bool { return len(b) > 64 }) || containsFile(t, vdir, func(b []byte) bool { return bytes.Contains(b, doc[:64]) }) {
		t.Fatal("the vault still holds document data after erasure")
	}
	_, err = n.Client.ReadRecord(ctx, patel, rec, records.PurposeEmergencyTreatment, "unconscious-patient")
	var ce *client.Error
	if !asErr(err, &ce) || ce.Status != 410 {
		t.Fatalf("read after erasure: %v, want HTTP 410", err)
	}

	// No PHI on the chain: nothing of the document reaches CometBFT's
	// stores, the app state or the transaction index.
	for _, needle := range []string{"ZX-ALICE", "Alice Example", "Potassium [Moles", "2823-3"} {
		if containsFile(t, filepath.Join(string(n.Home), "data"), func(b []byte) bool { return bytes.Contains(b, []byte(needle)) }) {
			t.Errorf("the chain's storage contains %q", needle)
		}
	}
}

func eventAttr(evs []abciEvent, typ, key string) string {
	for _, ev := range evs {
		if ev.Type == typ {
			for _, a := range ev.Attributes {
				if a.Key == key {
					return a.Value
				}
			}
		}
	}
	return ""
}

func containsFile(t *testing.T, dir string, match func([]byte) bool) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && match(b) && !isLockOrMeta(p) {
			found = true
		}
		return nil
	})
	return found
}

type abciEvent = abci.Event

func asErr(err error, target **client.Error) bool { return errors.As(err, target) }

// isLockOrMeta: the vault's lock file and custodian key record hold no
// document data.
func isLockOrMeta(p string) bool {
	b := filepath.Base(p)
	return b == ".lock" || b == "LOCK" || filepath.Ext(b) == ".pub" || strings.HasPrefix(b, "custodian")
}
