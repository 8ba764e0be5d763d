package custodian_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/records"
)

// TestSignedReads: who may see which of a patient's metadata (issue 10),
// on a real node. Unsigned reads answer 401; the patient reads everything
// of theirs, unlogged; a member's read carries their records/lookup, which
// commits on the patient's log, granted or refused, before the answer; a
// consent shows only what it covers; a custodian sees what it holds; an
// auditor sees everything; the raw state and transactions behind them
// are not served to anyone who asks.
func TestSignedReads(t *testing.T) {
	ctx := context.Background()
	n, _ := startNode(t)
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	chen, patel, alice, inspector := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("patient/alice"), n.Signer("drug-regulator/inspector")
	aliceID := alice.Key.ID
	rec, err := n.Client.AddRecord(ctx, chen, aliceID, doc)
	if err != nil {
		t.Fatal(err)
	}

	// Unsigned: 401, whatever the route.
	for _, p := range []string{"/v1/patients/" + aliceID + "/records", "/v1/patients/" + aliceID + "/consents", "/v1/patients/" + aliceID + "/disclosures",
		"/v1/records/" + rec, "/v1/orgs/northside-hospital/disclosures", "/fhir/AuditEvent?patient=" + aliceID} {
		if r, b := n.Get(t, p); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s unsigned: %d %s, want 401", p, r.StatusCode, b)
		}
	}

	// The patient: everything, not logged.
	if recs, err := n.Client.PatientRecords(ctx, alice, aliceID); err != nil || len(recs) != 1 || recs[0].ID != rec {
		t.Fatalf("alice lists her records: %v %+v", err, recs)
	}
	logOf := func() []records.Disclosure {
		t.Helper()
		ds, err := n.Client.PatientDisclosures(ctx, alice, aliceID)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if ds := logOf(); len(ds) != 0 {
		t.Fatalf("alice's own reads are on her log: %+v", ds)
	}

	// A member with no consent: refused, and the refusal is on the log.
	if _, err := n.Client.PatientRecords(ctx, patel, aliceID); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("patel lists alice's records without consent: %v", err)
	}
	// A signed read without the lookup that logs it: refused.
	var out json.RawMessage
	if err := n.Client.GetAs(ctx, patel, "/v1/patients/"+aliceID+"/records", &out); !client.IsCode(err, "records", "lookup-required") {
		t.Fatalf("patel's read without a lookup: %v %s", err, out)
	}
	ds := logOf()
	if len(ds) != 1 || ds[0].Reader != "lakeside-clinic/dr-patel" || ds[0].View != records.ViewRecords || ds[0].Outcome != records.OutcomeRefused {
		t.Fatalf("alice's log after patel's refused read: %+v", ds)
	}

	// A consent to the clinic for imaging only: patel sees the list, but
	// not the laboratory record it does not cover.
	if _, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		Scope: records.Scope{Categories: []string{"imaging"}}, NotAfter: time.Now().Add(time.Hour)}, "commit"); err != nil {
		t.Fatal(err)
	}
	if recs, err := n.Client.PatientRecords(ctx, patel, aliceID); err != nil || len(recs) != 0 {
		t.Fatalf("patel, consented for imaging, lists alice's records: %v %+v", err, recs)
	}
	if _, err := n.Client.Record(ctx, patel, rec); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("patel reads the laboratory record's fingerprint under an imaging consent: %v", err)
	}
	if cs, err := n.Client.PatientConsents(ctx, patel, aliceID); err != nil || len(cs) != 1 || cs[0].Grantee != "lakeside-clinic" {
		t.Fatalf("patel lists the consents granted to the clinic: %v %+v", err, cs)
	}
	// A grantee never reads the patient's log.
	if _, err := n.Client.PatientDisclosures(ctx, patel, aliceID); !client.IsCode(err, "records", "no-consent") {
		t.Fatalf("patel reads alice's log: %v", err)
	}

	// The custodian sees the records it holds; an auditor sees everything.
	if recs, err := n.Client.PatientRecords(ctx, chen, aliceID); err != nil || len(recs) != 1 {
		t.Fatalf("the custodian's clinician lists alice's records: %v %+v", err, recs)
	}
	all, err := n.Client.PatientDisclosures(ctx, inspector, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	var granted, refused, audit int
	for _, d := range all {
		if d.View == "" {
			continue
		}
		switch {
		case d.Ground == records.GroundAudit:
			audit++
		case d.Outcome == records.OutcomeGranted:
			granted++
		default:
			refused++
		}
	}
	// patel: refused list, list, record, consents (granted 2: list and
	// consents; the record's lookup was granted by consent ground but the
	// node showed nothing), refused log; chen: list; inspector: log.
	if audit != 1 || refused != 2 || granted != 4 {
		t.Fatalf("alice's log, as the inspector reads it: %d audit, %d refused, %d granted lookups: %+v", audit, refused, granted, all)
	}
	if got := logOf(); len(got) != len(all) {
		t.Fatalf("alice sees %d entries on her log, the inspector %d", len(got), len(all))
	}

	// The raw state behind it: only for auditors.
	key := "/v1/state/records/rec/" + rec
	if r, b := n.Get(t, key); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET %s unsigned: %d %s", key, r.StatusCode, b)
	}
	var st api.StateResponse
	if err := n.Client.GetAs(ctx, chen, key, &st); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("GET %s by a clinician: %v", key, err)
	}
	if err := n.Client.GetAs(ctx, inspector, key, &st); err != nil || !st.Exists {
		t.Fatalf("GET %s by an inspector: %v %+v", key, err, st)
	}
	if r, _ := n.Get(t, "/v1/state/identity/org/northside-hospital"); r.StatusCode != http.StatusOK {
		t.Fatalf("public state: %d", r.StatusCode)
	}

	// A records transaction by hash: redacted unless asked by its signer.
	res, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeResearch},
		NotAfter: time.Now().Add(time.Hour)}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	var tr api.TxResponse
	if err := n.Client.Get(ctx, "/v1/tx/"+res.Hash, &tr); err != nil || !tr.Redacted || tr.Tx != nil || tr.Events != nil || !tr.Committed {
		t.Fatalf("a grant by hash, unsigned: %v %+v", err, tr)
	}
	var full api.TxResponse
	if err := n.Client.GetAs(ctx, alice, "/v1/tx/"+res.Hash, &full); err != nil || full.Redacted || full.Tx == nil || len(full.Events) == 0 {
		t.Fatalf("a grant by hash, to its signer: %v %+v", err, full)
	}
}
