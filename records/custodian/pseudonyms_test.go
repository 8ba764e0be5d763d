package custodian_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/records"
)

// asPseudonym is the signer of patient under their pseudonym at custodian.
func asPseudonym(t *testing.T, patient client.Signer, custodian string) (client.Signer, pseudonym.Key) {
	t.Helper()
	k, err := pseudonym.Derive(patient.Key.Sign, records.Context(custodian))
	if err != nil {
		t.Fatal(err)
	}
	return client.Signer{Key: &keystore.Key{Name: patient.Key.Name + "@" + custodian, ID: k.ID(), Sign: k.Sign, Enc: k.Enc}}, k
}

// TestPseudonymPerCustodian: one patient is a different pseudonym to each
// organization that holds their records (issue 10, point 2), on a real
// node. Each custodian enrolls the pseudonym the patient shows it; the
// records of each are under a different id, neither the patient's
// chain-wide one; under each the patient reads, grants and reads their log
// as under their own id; a custodian cannot add records for another's
// pseudonym, nor a trial's pseudonym act on records; and the patient's
// link proof of the two verifies, a forged one does not.
func TestPseudonymPerCustodian(t *testing.T) {
	ctx := context.Background()
	n, _ := startNode(t)
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	chen, patel, alice := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("patient/alice")
	atNorth, kNorth := asPseudonym(t, alice, "northside-hospital")
	atLake, kLake := asPseudonym(t, alice, "lakeside-clinic")
	if atNorth.Key.ID == atLake.Key.ID || atNorth.Key.ID == alice.Key.ID {
		t.Fatalf("one pseudonym for two custodians: %s %s (patient %s)", atNorth.Key.ID, atLake.Key.ID, alice.Key.ID)
	}

	// Before enrolment, no record for the pseudonym.
	if _, err := n.Client.AddRecord(ctx, chen, atNorth.Key.ID, doc); !client.IsCode(err, "records", "patient-not-found") {
		t.Fatalf("a record for a pseudonym not enrolled: %v", err)
	}
	// Each custodian enrolls the pseudonym the patient showed it (after
	// checking her ownership proof, off the chain: see
	// TestOwnershipForCustodian in records/cli).
	enroll := func(by client.Signer, k pseudonym.Key) {
		t.Helper()
		if _, err := n.Client.Send(ctx, by, records.TypeEnroll, records.EnrollBody{Pseudonym: k.ID(), SignKey: k.SignPub(), EncKey: k.EncPub()}, "commit"); err != nil {
			t.Fatal(err)
		}
	}
	enroll(chen, kNorth)
	enroll(patel, kLake)
	if _, err := n.Client.Send(ctx, patel, records.TypeEnroll, records.EnrollBody{Pseudonym: kLake.ID(), SignKey: kLake.SignPub(), EncKey: kLake.EncPub()}, "commit"); !client.IsCode(err, "identity", "pseudonym-exists") {
		t.Fatalf("a second enrolment of one pseudonym: %v", err)
	}
	// A patient cannot enroll herself: the custodian vouches.
	if _, err := n.Client.Send(ctx, alice, records.TypeEnroll, records.EnrollBody{Pseudonym: kNorth.ID(), SignKey: kNorth.SignPub(), EncKey: kNorth.EncPub()}, "commit"); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("a patient's own enrolment: %v", err)
	}

	rec, err := n.Client.AddRecord(ctx, chen, atNorth.Key.ID, doc)
	if err != nil {
		t.Fatal(err)
	}
	// Lakeside's record of her (its node would upload the document; the
	// fingerprint is what matters here).
	digest := "ab" + string(bytes.Repeat([]byte("0"), 62))
	res, err := n.Client.Send(ctx, patel, records.TypeAdd, records.AddBody{Patient: atLake.Key.ID, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: digest, Ref: "lake-doc-1"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) == 0 {
		t.Fatal("records/add emitted nothing")
	}
	// Neither custodian adds for the other's pseudonym.
	if _, err := n.Client.Send(ctx, patel, records.TypeAdd, records.AddBody{Patient: atNorth.Key.ID, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: digest, Ref: "lake-doc-2"}, "commit"); !client.IsCode(err, "records", "not-your-record") {
		t.Fatalf("lakeside adds a record for alice's northside pseudonym: %v", err)
	}

	// What each organization sees: a different id, not her own.
	northRecs, err := n.Client.PatientRecords(ctx, atNorth, atNorth.Key.ID)
	if err != nil || len(northRecs) != 1 || northRecs[0].ID != rec || northRecs[0].Patient != atNorth.Key.ID || northRecs[0].Custodian != "northside-hospital" {
		t.Fatalf("alice's records at northside, read as her pseudonym there: %v %+v", err, northRecs)
	}
	lakeRecs, err := n.Client.PatientRecords(ctx, atLake, atLake.Key.ID)
	if err != nil || len(lakeRecs) != 1 || lakeRecs[0].Patient != atLake.Key.ID || lakeRecs[0].Custodian != "lakeside-clinic" {
		t.Fatalf("alice's records at lakeside: %v %+v", err, lakeRecs)
	}
	if recs, err := n.Client.PatientRecords(ctx, alice, alice.Key.ID); err != nil || len(recs) != 0 {
		t.Fatalf("records under alice's chain-wide id: %v %+v", err, recs)
	}
	// One pseudonym does not read the other's records.
	if _, err := n.Client.PatientRecords(ctx, atLake, atNorth.Key.ID); err == nil {
		t.Fatal("alice's lakeside pseudonym lists her northside records without a link")
	}

	// Under her northside pseudonym she reads her document (wrapped to the
	// pseudonym's key), and grants lakeside a consent to read it.
	got, err := n.Client.ReadRecord(ctx, atNorth, rec, records.PurposeTreatment, "")
	if err != nil || !bytes.Equal(got.Document, doc) {
		t.Fatalf("alice reads her record as her pseudonym: %v", err)
	}
	if _, err := n.Client.ReadRecord(ctx, patel, rec, records.PurposeTreatment, ""); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("patel reads before the consent: %v", err)
	}
	if _, err := n.Client.Send(ctx, atNorth, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		NotAfter: time.Now().Add(time.Hour)}, "commit"); err != nil {
		t.Fatal(err)
	}
	if got, err := n.Client.ReadRecord(ctx, patel, rec, records.PurposeTreatment, ""); err != nil || !bytes.Equal(got.Document, doc) {
		t.Fatalf("patel reads under alice's consent: %v", err)
	}
	ds, err := n.Client.PatientDisclosures(ctx, atNorth, atNorth.Key.ID)
	if err != nil || len(ds) != 3 || ds[2].Reader != "lakeside-clinic/dr-patel" || ds[2].Outcome != records.OutcomeGranted || ds[2].Patient != atNorth.Key.ID || ds[1].Outcome != records.OutcomeRefused {
		t.Fatalf("alice's log under her northside pseudonym: %v %+v", err, ds)
	}
	// Her chain-wide key does not act for the pseudonym: the consent's
	// patient is the pseudonym.
	if _, err := n.Client.Send(ctx, alice, records.TypeErase, records.RecordRef{Record: rec}, "commit"); !client.IsCode(err, "records", "not-your-record") {
		t.Fatalf("alice's chain-wide key erases her pseudonym's record: %v", err)
	}

	// A pseudonym no custodian enrolled signs nothing (one of a trial
	// is registered by the trial's site, in its trial's context only).
	trialKey, err := pseudonym.Derive(alice.Key.Sign, "trials/NCT01234567")
	if err != nil {
		t.Fatal(err)
	}
	asTrial := client.Signer{Key: &keystore.Key{Name: "alice@trial", ID: trialKey.ID(), Sign: trialKey.Sign, Enc: trialKey.Enc}}
	if _, err := n.Client.Send(ctx, asTrial, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		NotAfter: time.Now().Add(time.Hour)}, "commit"); err == nil {
		t.Fatal("an unregistered pseudonym granted a consent")
	}

	// Alice proves to lakeside that the two are hers; lakeside checks the
	// proof against the keys the pseudonyms' ids are made from.
	link, err := pseudonym.Prove(kLake, kNorth, "lakeside-clinic", "merge-42")
	if err != nil {
		t.Fatal(err)
	}
	if err := link.Verify(kLake.SignPub(), kNorth.SignPub(), "lakeside-clinic", "merge-42"); err != nil {
		t.Fatalf("alice's link proof: %v", err)
	}
	// Forged: bob's northside pseudonym stands in for alice's, or the proof
	// is shown to another audience.
	_, kBob := asPseudonym(t, n.Signer("patient/bob"), "northside-hospital")
	forged := link
	forged.B = kBob.ID()
	if err := forged.Verify(kLake.SignPub(), kBob.SignPub(), "lakeside-clinic", "merge-42"); err == nil {
		t.Fatal("a link proof naming bob's pseudonym verifies")
	}
	if err := link.Verify(kLake.SignPub(), kNorth.SignPub(), "northside-hospital", "merge-42"); err == nil {
		t.Fatal("a link proof verifies for another audience")
	}

	// What the chain keeps of a pseudonym names its keys, context and
	// the member who vouched, never the patient or her keys.
	for _, k := range []pseudonym.Key{kNorth, kLake} {
		r, b := n.Get(t, "/v1/state/identity/pseudonym/"+k.ID())
		if r.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(k.ID())) {
			t.Fatalf("pseudonym %s in the state: %d %s", k.ID(), r.StatusCode, b)
		}
		pub := base64.StdEncoding.EncodeToString(alice.Key.Sign.Public().(ed25519.PublicKey))
		for _, needle := range []string{alice.Key.ID, pub, strings.TrimPrefix(alice.Key.ID, "pat-")} {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("pseudonym %s's state names alice (%s): %s", k.ID(), needle, b)
			}
		}
	}
}
