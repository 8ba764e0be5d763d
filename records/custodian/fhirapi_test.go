package custodian_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/internal/fhircheck"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
)

// fhirDo sends a request to the facade, signed by s unless s is nil, and
// returns the status and body after checking the FHIR content type.
func fhirDo(t *testing.T, n string, method, path string, body []byte, s *client.Signer, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, n+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if s != nil {
		if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	return resp.StatusCode, b
}

type testBundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		Extension []struct {
			URL         string `json:"url"`
			ValueString string `json:"valueString"`
		} `json:"extension"`
		Resource json.RawMessage `json:"resource"`
		Search   *struct {
			Mode string `json:"mode"`
		} `json:"search"`
		Response *struct {
			Status   string `json:"status"`
			Location string `json:"location"`
		} `json:"response"`
	} `json:"entry"`
}

func validBundle(t *testing.T, what string, b []byte) testBundle {
	t.Helper()
	if _, err := fhir.Validate(b); err != nil {
		t.Fatalf("%s: invalid FHIR: %v\n%s", what, err, b)
	}
	var tb testBundle
	if err := json.Unmarshal(b, &tb); err != nil || tb.ResourceType != "Bundle" {
		t.Fatalf("%s: not a Bundle: %v\n%s", what, err, b)
	}
	return tb
}

func resourceID(raw json.RawMessage) (typ, id string) {
	var r struct{ ResourceType, ID string }
	json.Unmarshal(raw, &r)
	return r.ResourceType, r.ID
}

func TestFHIRFacade(t *testing.T) {
	ctx := context.Background()
	n, _ := startNode(t)
	base := n.Client.Base
	chen, patel, alice := n.Signer("northside-hospital/dr-chen"), n.Signer("lakeside-clinic/dr-patel"), n.Signer("patient/alice")
	aliceID := alice.Key.ID
	// Every resource the facade returns, checked at the end by a validator
	// that evaluates FHIR's invariants (internal/fhircheck).
	var outputs [][]byte
	do := func(method, path string, body []byte, s *client.Signer) (int, []byte) {
		t.Helper()
		st, b := fhirDo(t, base, method, path, body, s)
		outputs = append(outputs, b)
		return st, b
	}

	// metadata
	st, b := do("GET", "/fhir/metadata", nil, nil)
	if st != 200 {
		t.Fatalf("metadata: %d %s", st, b)
	}
	if p, err := fhir.Validate(b); err != nil || p.ResourceType != "CapabilityStatement" {
		t.Fatalf("metadata: %v %+v", err, p)
	}

	// POST /fhir: one entry per resource, each with a vault location and digest.
	bundle, err := os.ReadFile("../../fhir/testdata/valid/bundle-transaction-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := fhir.SplitTransaction(bundle)
	if err != nil {
		t.Fatal(err)
	}
	st, b = do("POST", "/fhir?patient="+aliceID, bundle, &chen)
	if st != 200 {
		t.Fatalf("transaction: %d %s", st, b)
	}
	tr := validBundle(t, "transaction-response", b)
	if tr.Type != fhir.BundleTransactionResponse || len(tr.Entry) != len(want) || len(want) == 0 {
		t.Fatalf("transaction-response: %d entries for %d resources\n%s", len(tr.Entry), len(want), b)
	}
	var recIDs []string
	for i, e := range tr.Entry {
		ext := map[string]string{}
		var types []string
		for _, x := range e.Extension {
			if x.URL == custodian.ExtResourceTypes {
				types = append(types, x.ValueString)
			} else {
				ext[x.URL] = x.ValueString
			}
		}
		if e.Response == nil || !strings.HasPrefix(e.Response.Location, custodian.VaultLocation) || ext[custodian.ExtDigest] == "" {
			t.Fatalf("entry %d: %s", i, b)
		}
		// The clinician signs the records/add the node cannot.
		res, err := n.Client.Send(ctx, chen, records.TypeAdd, records.AddBody{Patient: aliceID, ResourceTypes: types, Category: ext[custodian.ExtCategory],
			Digest: ext[custodian.ExtDigest], Ref: strings.TrimPrefix(e.Response.Location, custodian.VaultLocation)}, "commit")
		if err != nil {
			t.Fatalf("add entry %d: %v", i, err)
		}
		recIDs = append(recIDs, eventAttr(res.Events, records.EventAdded, "record"))
	}

	// Unsigned, and signed by another org's clinician: refused with an OperationOutcome.
	for _, s := range []*client.Signer{nil, &patel} {
		st, b = do("POST", "/fhir?patient="+aliceID, bundle, s)
		if st != 401 && st != 403 {
			t.Fatalf("refused transaction: status %d %s", st, b)
		}
		if p, err := fhir.Validate(b); err != nil || p.ResourceType != "OperationOutcome" {
			t.Fatalf("refused transaction: %v %s", err, b)
		}
	}

	// A grant, then $everything: one granted read, one refused (research is not consented).
	grant, err := n.Client.Send(ctx, alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment},
		NotAfter: time.Now().Add(24 * time.Hour)}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	consent := eventAttr(grant.Events, records.EventGranted, "consent")
	status, err := n.Client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	patel.ChainID = status.ChainID
	accessTxs := func() [][]byte {
		var txs [][]byte
		for i, purpose := range []string{records.PurposeTreatment, records.PurposeResearch} {
			raw, err := patel.Build(records.TypeAccess, records.AccessBody{Record: recIDs[i%len(recIDs)], Purpose: purpose}, status.LatestHeight)
			if err != nil {
				t.Fatal(err)
			}
			txs = append(txs, raw)
		}
		return txs
	}
	body, _ := json.Marshal(custodian.EverythingRequest{Txs: accessTxs()})
	st, b = do("POST", "/fhir/Patient/"+aliceID+"/$everything", body, nil)
	checkEverything(t, st, b, recIDs[0])
	// The same as FHIR's GET, the signed transactions as access= parameters.
	q := url.Values{}
	for _, raw := range accessTxs() {
		q.Add("access", base64.RawURLEncoding.EncodeToString(raw))
	}
	st, b = do("GET", "/fhir/Patient/"+aliceID+"/$everything?"+q.Encode(), nil, nil)
	checkEverything(t, st, b, recIDs[0])
	if st, b = do("GET", "/fhir/Patient/"+aliceID+"/$everything", nil, nil); st != 400 || !bytes.Contains(b, []byte("access=")) {
		t.Fatalf("$everything without access parameters: %d %s", st, b)
	}

	// Consent and AuditEvent bundles.
	// Patient-scoped reads are signed: alice reads her own.
	if st, b = do("GET", "/fhir/Consent?patient="+aliceID, nil, nil); st != 401 {
		t.Fatalf("unsigned Consent search: %d %s", st, b)
	}
	st, b = do("GET", "/fhir/Consent?patient="+aliceID, nil, &alice)
	if st != 200 {
		t.Fatalf("Consent: %d %s", st, b)
	}
	cb := validBundle(t, "Consent", b)
	if len(cb.Entry) != 1 {
		t.Fatalf("Consent: %s", b)
	}
	if typ, id := resourceID(cb.Entry[0].Resource); typ != "Consent" || id != consent {
		t.Fatalf("Consent: %s %s, want %s", typ, id, consent)
	}
	st, b = do("GET", "/fhir/AuditEvent?patient="+aliceID, nil, &alice)
	if st != 200 {
		t.Fatalf("AuditEvent: %d %s", st, b)
	}
	ab := validBundle(t, "AuditEvent", b)
	var ids []string
	for _, e := range ab.Entry {
		typ, id := resourceID(e.Resource)
		if typ != "AuditEvent" {
			t.Fatalf("AuditEvent: %s", e.Resource)
		}
		ids = append(ids, id)
	}
	// Two reads by POST and two by GET: every one logged, refusals too.
	if len(ids) != 4 || !bytes.Contains(b, []byte(consent)) || !bytes.Contains(b, []byte(recIDs[0])) {
		t.Fatalf("AuditEvent: ids %v\n%s", ids, b)
	}

	// Missing patient: an OperationOutcome with 400.
	if st, b = do("GET", "/fhir/Consent", nil, &alice); st != 400 {
		t.Fatalf("Consent without patient: %d %s", st, b)
	}

	// The read interaction: each resource a search gave, by its id.
	for _, e := range append(cb.Entry, ab.Entry...) {
		typ, id := resourceID(e.Resource)
		st, b = do("GET", "/fhir/"+typ+"/"+id, nil, &alice)
		if st != 200 || !bytes.Equal(b, e.Resource) {
			t.Fatalf("read %s/%s: %d\n%s\nwant\n%s", typ, id, st, b, e.Resource)
		}
	}
	// Errors under /fhir, unknown routes too, are OperationOutcomes.
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/fhir/Consent/con-999", 401, ""}, // unsigned: nothing is said of what exists
		{"GET", "/fhir/AuditEvent/dis-1", 401, ""},
		{"GET", "/fhir/AuditEvent/dis-999-" + aliceID, 401, ""},
		{"GET", "/fhir/Observation", 404, ""},
		{"GET", "/fhir/Observation/1/_history", 404, ""},
		{"GET", "/fhir", 405, "POST"},
		{"GET", "/fhir/Patient/" + aliceID + "/$summary", 404, ""},
		{"DELETE", "/fhir/metadata", 405, "GET"},
		{"PUT", "/fhir/Consent/" + consent, 405, "GET"},
		{"PATCH", "/fhir", 405, "POST"},
		{"DELETE", "/fhir/Patient/" + aliceID + "/$everything", 405, "GET, POST"},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		outputs = append(outputs, b)
		p, err := fhir.Validate(b)
		if resp.StatusCode != c.status || err != nil || p.ResourceType != "OperationOutcome" || resp.Header.Get("Allow") != c.allow ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") {
			t.Errorf("%s %s: %d (Allow %q, %s) %s, want %d OperationOutcome (Allow %q)", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Content-Type"), b, c.status, c.allow)
		}
	}
	fhircheck.Require(t, outputs...)
}

// checkEverything checks a $everything answer: one granted Binary (record
// granted) and one refusal naming the missing consent.
func checkEverything(t *testing.T, st int, b []byte, granted string) {
	t.Helper()
	if st != 200 {
		t.Fatalf("$everything: %d %s", st, b)
	}
	ev := validBundle(t, "$everything", b)
	var matches, outcomes int
	for _, e := range ev.Entry {
		typ, id := resourceID(e.Resource)
		switch {
		case e.Search != nil && e.Search.Mode == "match" && typ == "Binary" && id == granted:
			matches++
		case e.Search != nil && e.Search.Mode == "outcome" && typ == "OperationOutcome" && bytes.Contains(e.Resource, []byte("no-consent")):
			outcomes++
		default:
			t.Fatalf("$everything: unexpected entry %s", e.Resource)
		}
	}
	if matches != 1 || outcomes != 1 {
		t.Fatalf("$everything: %d granted, %d refused\n%s", matches, outcomes, b)
	}

}
