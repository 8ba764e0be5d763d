package custodian_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault/disk"
)

// hivDoc is a laboratory result labelled, as FHIR labels it, with the HL7
// ActCode sensitivity HIV (meta.security): the custodian sees the label.
func hivDoc(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	label := `"meta": {
    "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV", "display": "HIV/AIDS information sensitivity"}],`
	out := bytes.Replace(doc, []byte(`"meta": {`), []byte(label), 1)
	return bytes.Replace(out, []byte(`"id": "obs-potassium-alice-1"`), []byte(`"id": "obs-hiv-alice-1"`), 1)
}

// TestSensitiveRecords (issue 10): a record labelled HIV is restricted on
// chain (category "restricted", confidentiality R, an opaque tag); a
// general consent does not open it, a consent naming its tag does; break
// glass on it is flagged for review; and no file of the node, its chain
// or its vault, holds the sensitive category in plain text.
func TestSensitiveRecords(t *testing.T) {
	ctx := context.Background()
	vdir := filepath.Join(t.TempDir(), "vault")
	v, closeVault, err := disk.OpenVault(ctx, vdir, filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("node key of the sensitive test"))
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault, NodeKey: ed25519.NewKeyFromSeed(seed[:])}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins, Services: []daemon.Service{svc}})
	chen, patel, alice := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("patient/alice")
	aliceID := alice.Key.ID

	plain, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := n.Client.AddRecord(ctx, chen, aliceID, plain)
	if err != nil {
		t.Fatal(err)
	}
	hiv, err := n.Client.AddRecord(ctx, chen, aliceID, hivDoc(t)) // labelled in the document
	if err != nil {
		t.Fatal(err)
	}
	psy, err := n.Client.AddSensitiveRecord(ctx, chen, aliceID, plain, "PSY") // labelled by the clinician
	if err != nil {
		t.Fatal(err)
	}
	rec, err := n.Client.Record(ctx, alice, hiv)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Category != records.CategoryRestricted || rec.Confidentiality != records.ConfidentialityRestricted || len(rec.Sensitivity) != 64 {
		t.Fatalf("the HIV record on chain: %+v", rec)
	}
	psyRec, _ := n.Client.Record(ctx, alice, psy)
	if psyRec.Sensitivity == rec.Sensitivity || psyRec.Category != records.CategoryRestricted {
		t.Fatalf("two sensitivities, one tag: %+v %+v", rec, psyRec)
	}

	// A general consent: the laboratory record opens, the restricted ones do not.
	if _, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		NotAfter: time.Now().Add(time.Hour)}, "commit"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.ReadRecord(ctx, patel, lab, records.PurposeTreatment, ""); err != nil {
		t.Fatalf("general consent, laboratory record: %v", err)
	}
	_, err = n.Client.ReadRecord(ctx, patel, hiv, records.PurposeTreatment, "")
	if !client.IsCode(err, "records", "no-consent") || !strings.Contains(err.Error(), "must name its sensitivity") {
		t.Fatalf("general consent, HIV record: %v", err)
	}
	if recs, err := n.Client.PatientRecords(ctx, patel, aliceID); err != nil || len(recs) != 1 || recs[0].ID != lab {
		t.Fatalf("under a general consent the clinic lists %+v (%v), want only %s", recs, err, lab)
	}

	// A consent names a sensitive category only by its tag, never in clear.
	if _, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		Scope: records.Scope{Sensitivities: []string{"HIV"}}, NotAfter: time.Now().Add(time.Hour)}, "commit"); !client.IsCode(err, "records", "invalid") {
		t.Fatalf("a consent naming HIV in clear: %v", err)
	}
	if _, err := n.Client.SensitivityTags(ctx, patel, aliceID); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("another organization's clinician reads alice's tags: %v", err)
	}
	tags, err := n.Client.SensitivityTags(ctx, alice, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	var hivTag string
	for _, tg := range tags {
		if tg.Code == "HIV" {
			hivTag = tg.Tag
		}
	}
	if hivTag != rec.Sensitivity {
		t.Fatalf("alice's HIV tag %q, the record's %q", hivTag, rec.Sensitivity)
	}
	if _, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		Scope: records.Scope{Sensitivities: []string{hivTag}}, NotAfter: time.Now().Add(time.Hour)}, "commit"); err != nil {
		t.Fatal(err)
	}
	if got, err := n.Client.ReadRecord(ctx, patel, hiv, records.PurposeTreatment, ""); err != nil || !bytes.Equal(got.Document, hivDoc(t)) {
		t.Fatalf("a consent naming the HIV tag: %v", err)
	}
	if _, err := n.Client.ReadRecord(ctx, patel, psy, records.PurposeTreatment, ""); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("the HIV consent opens the PSY record: %v", err)
	}

	// Break glass on a restricted record: granted, flagged for review.
	bg, err := n.Client.ReadRecord(ctx, patel, psy, records.PurposeEmergencyTreatment, "unconscious-patient")
	if err != nil {
		t.Fatal(err)
	}
	review, err := n.Client.OrgDisclosures(ctx, n.Signer("lakeside-clinic/admin"), "lakeside-clinic", true)
	if err != nil || len(review) != 1 || review[0].Seq != bg.Disclosure || !review[0].Review {
		t.Fatalf("break-glass on a restricted record, for review: %v %+v", err, review)
	}

	// No file of the node holds a sensitive category in clear. The search
	// is shown to work: the document it looks for is written to a control
	// file in the home first, and found there.
	control := filepath.Join(string(n.Home), "control.json")
	if err := os.WriteFile(control, hivDoc(t), 0o600); err != nil {
		t.Fatal(err)
	}
	needles := [][]byte{[]byte(`"HIV"`), []byte(`"PSY"`), []byte("HIV/AIDS"), []byte("sensitivity=HIV"), []byte("sensitivity=PSY")}
	found := map[string]bool{}
	for _, dir := range []string{string(n.Home), vdir} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, nd := range needles {
				if bytes.Contains(b, nd) {
					found[p] = true
					if p != control {
						t.Errorf("%s holds %q in plain text", p, nd)
					}
				}
			}
			return nil
		})
	}
	if !found[control] {
		t.Fatal("the storage search does not find the control file: it proves nothing")
	}
}

// TestFHIRTransactionSensitive: POST /fhir marks a sensitive entry as
// POST /v1/records/documents does (issue 10, point 3): an entry labelled
// HIV in its meta.security comes back restricted, with confidentiality R
// and the patient's tag (the one the patient reads for HIV), never the
// code; its records/add commits a restricted record; the unlabelled
// entries keep their category.
func TestFHIRTransactionSensitive(t *testing.T) {
	ctx := context.Background()
	v, closeVault, err := disk.OpenVault(ctx, filepath.Join(t.TempDir(), "vault"), filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("node key of the FHIR transaction test"))
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault, NodeKey: ed25519.NewKeyFromSeed(seed[:])}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins, Services: []daemon.Service{svc}})
	chen, alice := n.Signer("northside-hospital/dr-chen"), n.Signer("patient/alice")

	plain, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	entry := func(doc []byte) string {
		return `{"fullUrl":"urn:uuid:` + fmt.Sprintf("%x", sha256.Sum256(doc))[:8] + `-0000-4000-8000-000000000000","resource":` + string(doc) + `,"request":{"method":"POST","url":"Observation"}}`
	}
	bundle := []byte(`{"resourceType":"Bundle","type":"transaction","entry":[` + entry(plain) + `,` + entry(hivDoc(t)) + `]}`)
	st, b := fhirDo(t, n.URL(), "POST", "/fhir?patient="+alice.Key.ID, bundle, &chen)
	if st != 200 {
		t.Fatalf("transaction: %d %s", st, b)
	}
	if bytes.Contains(b, []byte("HIV")) {
		t.Fatalf("the answer names the sensitivity: %s", b)
	}
	tr := validBundle(t, "transaction-response", b)
	if len(tr.Entry) != 2 {
		t.Fatalf("%d entries: %s", len(tr.Entry), b)
	}
	tags, err := n.Client.SensitivityTags(ctx, alice, alice.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	var hivTag string
	for _, tg := range tags {
		if tg.Code == "HIV" {
			hivTag = tg.Tag
		}
	}
	for i, e := range tr.Entry {
		ext := map[string]string{}
		for _, x := range e.Extension {
			ext[x.URL] = x.ValueString
		}
		sensitive := i == 1
		if sensitive != (ext[custodian.ExtCategory] == records.CategoryRestricted) ||
			sensitive != (ext[custodian.ExtConfidentiality] == records.ConfidentialityRestricted) ||
			sensitive != (ext[custodian.ExtSensitivity] == hivTag && hivTag != "") {
			t.Fatalf("entry %d (sensitive %v): %v", i, sensitive, ext)
		}
		res, err := n.Client.Send(ctx, chen, records.TypeAdd, records.AddBody{Patient: alice.Key.ID, ResourceTypes: []string{"Observation"},
			Category: ext[custodian.ExtCategory], Confidentiality: ext[custodian.ExtConfidentiality], Sensitivity: ext[custodian.ExtSensitivity],
			Digest: ext[custodian.ExtDigest], Ref: strings.TrimPrefix(e.Response.Location, custodian.VaultLocation)}, "commit")
		if err != nil {
			t.Fatalf("add entry %d: %v", i, err)
		}
		if sensitive {
			rec, err := n.Client.Record(ctx, alice, eventAttr(res.Events, records.EventAdded, "record"))
			if err != nil || rec.Confidentiality != records.ConfidentialityRestricted || rec.Sensitivity != hivTag {
				t.Fatalf("the HIV entry's record: %v %+v", err, rec)
			}
		}
	}
}
