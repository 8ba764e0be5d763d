package site_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/vault"
)

// TestTrialStory is issue 12's story against a real node, its vault and
// the trials service: register, enrol, consent, data, amend with
// re-consent (data refused until re-consent, then accepted), withdrawal
// with removal (the service rewrites the batch, shreds the old document,
// and the subject's records are unreadable on disk and out of every
// export), results, export, audit ok; and who may do what at the
// service.
func TestTrialStory(t *testing.T) {
	n := startNode(t)
	const trial = "NCT09990001"
	n.register(t, trial)
	chen, patel, coord := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("heartwell-trials/coordinator")

	alice := n.enrol(t, trial, "patient/alice", "northside-hospital/dr-chen")
	bob := n.enrol(t, trial, "patient/bob", "lakeside-clinic/dr-patel")
	for _, p := range []struct {
		s    client.Signer
		site string
	}{{alice, "northside-hospital"}, {bob, "lakeside-clinic"}} {
		n.send(t, p.s, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: p.site})
	}

	// Data: one batch per site.
	const aliceMarker, bobMarker = "ALICE-CRF-MARKER-51c2", "BOB-CRF-MARKER-9e7d"
	aliceUp := n.addData(t, "northside-hospital/dr-chen", trial, records(alice.Key.ID, aliceMarker, 5))
	bobUp := n.addData(t, "lakeside-clinic/dr-patel", trial, records(bob.Key.ID, bobMarker, 3))
	if aliceUp.Count != 5 || bobUp.Count != 3 || len(bobUp.Subjects) != 1 || bobUp.Subjects[0] != bob.Key.ID {
		t.Fatalf("uploads: %+v %+v", aliceUp, bobUp)
	}

	// Who may store and read data.
	if _, err := n.Client.UploadTrialData(n.ctx, n.Signer("cityrx-pharmacy/pharmacist"), trial, records(alice.Key.ID, "x", 1), ""); !client.IsCode(err, "trials", "not-site") {
		t.Fatalf("upload by a pharmacy: %v", err)
	}
	if _, err := n.Client.UploadTrialData(n.ctx, alice, trial, records(alice.Key.ID, "x", 1), ""); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("upload by a participant: %v", err)
	}
	if _, err := n.Client.TrialBatchData(n.ctx, n.Signer("unity-health-plan/adjudicator"), trial, 1); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("a payer read a batch: %v", err)
	}
	if _, err := n.Client.UploadTrialData(n.ctx, chen, trial, []byte(`{"subject":"pat-1234","visit":"v","data":{}}`), ""); !client.IsCode(err, "trials", "invalid") {
		t.Fatalf("a record of a patient id: %v", err)
	}
	// Data for bob by alice's site: stored, but the chain refuses to anchor
	// it (the orphan document is harmless: nothing refers to it).
	up, err := n.Client.UploadTrialData(n.ctx, chen, trial, records(bob.Key.ID, "x", 1), "")
	if err != nil {
		t.Fatal(err)
	}
	n.refused(t, chen, trials.TypeData, client.TrialDataBody(up), "trials", "not-site")

	read, err := n.Client.TrialBatchData(n.ctx, coord, trial, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Entries) != 3 || !bytes.Contains(read.Entries[0].Leaf, []byte(bobMarker)) {
		t.Fatalf("the sponsor read batch 2: %+v", read.Entries)
	}

	// Amendment with re-consent: alice's new data is refused until she
	// consents to version 2.
	up2, err := n.Client.UploadTrialDocument(n.ctx, coord, []byte("Protocol version 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	n.send(t, coord, trials.TypeAmend, trials.AmendBody{Trial: trial, Protocol: trials.Document{Digest: up2.Digest, Ref: up2.Ref}, Reconsent: true})
	more, err := n.Client.UploadTrialData(n.ctx, chen, trial, records(alice.Key.ID, aliceMarker, 2), "")
	if err != nil {
		t.Fatal(err)
	}
	n.refused(t, chen, trials.TypeData, client.TrialDataBody(more), "trials", "no-consent")
	n.send(t, alice, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: "northside-hospital", Version: 2})
	n.send(t, chen, trials.TypeData, client.TrialDataBody(more))

	// Bob withdraws and asks for his data to be removed.
	if len(filesContaining(t, string(n.Home), []byte(bobMarker))) > 0 {
		t.Fatal("bob's records are in the clear on disk before removal")
	}
	oldDoc, _ := vault.ParseDocID(bobUp.Ref)
	n.send(t, bob, trials.TypeWithdraw, trials.WithdrawBody{Trial: trial, RemoveData: true})
	waitFor(t, "the removal of bob's data", func() bool {
		b, _ := os.ReadFile(filepath.Join(string(n.Home), "data", "trials", bobUp.Ref+".json"))
		return bytes.Contains(b, []byte(bob.Key.ID)) && !bytes.Contains(b, []byte(`"shred"`))
	})
	if has, err := n.vault.Has(n.ctx, oldDoc); err != nil || has {
		t.Fatalf("bob's original batch document is still in the vault (%v)", err)
	}
	if _, err := n.vault.Get(n.ctx, oldDoc); err == nil {
		t.Fatal("the shredded document still reads")
	}
	read, err = n.Client.TrialBatchData(n.ctx, coord, trial, 2)
	if err != nil {
		t.Fatal(err)
	}
	if read.Doc == bobUp.Ref || !slices.Equal(read.Removed, []string{bob.Key.ID}) {
		t.Fatalf("batch 2 after removal: doc %s removed %v", read.Doc, read.Removed)
	}
	for _, e := range read.Entries {
		if e.Leaf != nil || e.Subject != bob.Key.ID || len(e.Hash) != 32 {
			t.Fatalf("a record of bob's kept its leaf: %+v", e)
		}
	}
	for _, p := range filesContaining(t, string(n.Home), []byte(bobMarker)) {
		t.Errorf("%s holds bob's data in the clear after removal", p)
	}
	// Of the shredded document only a tombstone is left on disk: no blob,
	// no wrapped key.
	tombstone := false
	filepath.WalkDir(filepath.Join(string(n.Home), "data", "vault"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.Base(p), bobUp.Ref) {
			return nil
		}
		if filepath.Ext(p) != ".gone" {
			t.Errorf("the shredded document left %s", p)
		}
		tombstone = true
		return nil
	})
	if !tombstone {
		t.Error("no tombstone of the shredded document: the search does not find the vault's files")
	}
	// Bob can no longer act, and no site can add his data.
	n.refused(t, bob, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: "lakeside-clinic"}, "trials", "withdrawn")
	late, err := n.Client.UploadTrialData(n.ctx, patel, trial, records(bob.Key.ID, bobMarker, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	n.refused(t, patel, trials.TypeData, client.TrialDataBody(late), "trials", "withdrawn")

	// Results, then the export and its audit.
	n.send(t, coord, trials.TypeResults, trials.ResultsBody{Trial: trial, Results: []trials.ResultOfBody{{Outcome: "HBA1C", Summary: "HbA1c fell by 1.1 points against 0.3 on placebo."}}})
	var export bytes.Buffer
	sum, err := n.Client.ExportTrial(n.ctx, coord, trial, &export, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Batches != 3 || sum.Records != 10 || sum.Excluded != 3 {
		t.Fatalf("export: %+v", sum)
	}
	if bytes.Contains(export.Bytes(), []byte(bobMarker)) || !bytes.Contains(export.Bytes(), []byte(aliceMarker)) {
		t.Fatal("the export holds bob's removed data, or lacks alice's")
	}
	// A regulator's inspector audits it (the audit reads the subjects,
	// which are signed reads).
	rep, err := n.Client.AuditTrial(n.ctx, n.Signer("drug-regulator/inspector"), trial, bytes.NewReader(export.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Records != 10 || len(rep.Excluded) != 3 || !slices.Equal(rep.UnreportedOutcomes, []string{"WEIGHT"}) {
		t.Fatalf("audit of an honest export:\n%s", asJSON(rep))
	}
	// A site's export is the same data; one record proven on its own.
	var siteExport bytes.Buffer
	if _, err := n.Client.ExportTrial(n.ctx, patel, trial, &siteExport, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(siteExport.String()), "\n")
	if len(lines) != 11 {
		t.Fatalf("site export has %d lines", len(lines))
	}
	// Tampering: a record changed is found.
	tampered := strings.Replace(export.String(), `"hba1c":7.0`, `"hba1c":6.0`, 1)
	if rep, err := n.Client.AuditTrial(n.ctx, coord, trial, strings.NewReader(tampered)); err != nil || rep.OK || len(rep.Changed) != 1 {
		t.Fatalf("audit of a changed record: %v\n%s", err, asJSON(rep))
	}
}
