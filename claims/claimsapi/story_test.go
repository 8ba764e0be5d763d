package claimsapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/internal/fhircheck"
)

// TestReads: a claim's details go to its payer, its provider and its
// patient (under their pseudonym for the payer), on signed requests, and to
// no one else; lists give each signer their own claims and anyone the
// counts; prior authorizations, a member's coverage and a remittance
// follow the same rule.
func TestReads(t *testing.T) {
	cl := node.Client
	for _, who := range []client.Signer{node.Signer(claimstest.Biller), node.Signer("northside-hospital/dr-chen"), node.Signer(claimstest.Adjudicator), node.Signer(claimstest.Admin), story.aliceKey} {
		c, err := cl.Claim(ctx, who, story.visit)
		if err != nil || c.ID != story.visit || c.Status != claims.StatusPaid || c.Lines[0].PaidCents != 7000 {
			t.Errorf("%s reads %s: %+v %v", who.Key.ID, story.visit, c.Status, err)
		}
	}
	for _, who := range []client.Signer{node.Signer("lakeside-clinic/dr-patel"), node.Signer("cityrx-pharmacy/pharmacist"), node.Signer("patient/alice"), story.bobKey} {
		if _, err := cl.Claim(ctx, who, story.visit); !client.IsCode(err, "claims", "not-entitled") {
			t.Errorf("%s reads alice's claim: %v, want claims/not-entitled", who.Key.ID, err)
		}
		if list, err := cl.Claims(ctx, who, ""); err != nil || (who.Key.ID != story.bob && len(list) != 0) {
			t.Errorf("%s lists %d claims (%v)", who.Key.ID, len(list), err)
		}
	}
	// Unsigned: refused, and the answer says how to sign.
	var out json.RawMessage
	if err := cl.Get(ctx, "/v1/claims/"+story.visit, &out); !client.IsCode(err, "httpsig", "missing-signature") {
		t.Fatalf("an unsigned read: %v", err)
	}
	counts, err := cl.ClaimCounts(ctx)
	if err != nil || len(counts) != 1 || counts[0].Claims != 4 || counts[0].Paid != 1 || counts[0].Pended != 1 {
		t.Fatalf("counts %+v %v", counts, err)
	}
	mine, err := cl.Claims(ctx, story.aliceKey, "")
	if err != nil || len(mine) != 3 {
		t.Fatalf("alice lists %d claims (%v)", len(mine), err)
	}
	pended, err := cl.Claims(ctx, node.Signer(claimstest.Adjudicator), claims.StatusPended)
	if err != nil || len(pended) != 1 || pended[0].ID != story.panels {
		t.Fatalf("the payer's pended claims: %+v %v", pended, err)
	}
	if a, err := cl.PriorAuth(ctx, story.aliceKey, story.auth); err != nil || a.Status != claims.AuthApproved {
		t.Fatalf("alice reads her prior authorization: %+v %v", a, err)
	}
	if _, err := cl.PriorAuth(ctx, story.bobKey, story.auth); !client.IsCode(err, "claims", "not-entitled") {
		t.Fatalf("bob reads alice's prior authorization: %v", err)
	}
	m, err := cl.ClaimMember(ctx, story.aliceKey, claimstest.Payer, story.alice)
	if err != nil || m.Coverage[0].Plan != "gold" {
		t.Fatalf("alice reads her coverage: %+v %v", m, err)
	}
	if _, err := cl.ClaimMember(ctx, node.Signer(claimstest.Biller), claimstest.Payer, story.alice); !client.IsCode(err, "claims", "not-entitled") {
		t.Fatalf("the provider reads alice's coverage: %v", err)
	}
	if rem, err := cl.Remittance(ctx, node.Signer(claimstest.Biller), claimstest.Payer, "EFT-1"); err != nil || rem.Total != 7000 {
		t.Fatalf("the provider's remittance: %+v %v", rem, err)
	}
	if _, err := cl.Remittance(ctx, node.Signer("lakeside-clinic/admin"), claimstest.Payer, "EFT-1"); !client.IsCode(err, "claims", "not-entitled") {
		t.Fatalf("another provider reads the remittance: %v", err)
	}
	if rec, err := cl.ClaimPolicy(ctx, claimstest.Payer, 0); err != nil || rec.Policy.Version != 1 {
		t.Fatalf("the policy (public): %+v %v", rec, err)
	}
}

// TestReplayedRead: a signed read cannot be sent twice, nor after its
// signature's freshness passed.
func TestReplayedRead(t *testing.T) {
	s := node.Signer(claimstest.Biller)
	req, _ := http.NewRequest("GET", node.URL()+"/v1/claims/"+story.visit, nil)
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{200, 409} {
		res, err := http.DefaultClient.Do(req.Clone(ctx))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("send %d: HTTP %d, want %d", i+1, res.StatusCode, want)
		}
	}
	old, _ := http.NewRequest("GET", node.URL()+"/v1/claims/"+story.visit, nil)
	httpsig.Sign(old, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now().Add(-10*time.Minute))
	res, err := http.DefaultClient.Do(old)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("a stale signature: HTTP %d", res.StatusCode)
	}
}

// TestFHIRViews: the ClaimResponse and ExplanationOfBenefit of the story's
// claims are valid FHIR R4 (with FHIR's invariants), for the parties only;
// alice searches her explanations of benefits under her pseudonym; bob
// cannot; every error is an OperationOutcome.
func TestFHIRViews(t *testing.T) {
	cl := node.Client
	var docs [][]byte
	for _, id := range []string{story.visit, story.panels, story.dup} {
		cr, err := cl.ClaimResponse(ctx, node.Signer(claimstest.Biller), id)
		if err != nil {
			t.Fatal(err)
		}
		eob, err := cl.ExplanationOfBenefit(ctx, story.aliceKey, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range [][]byte{cr, eob} {
			if _, err := fhir.Validate(d); err != nil {
				t.Fatalf("%s: %v\n%s", id, err, d)
			}
			if strings.Contains(string(d), "pat-") {
				t.Fatalf("%s: a view names a patient id", id)
			}
		}
		docs = append(docs, cr, eob)
	}
	bundle, err := cl.ExplanationsOfBenefit(ctx, story.aliceKey, story.alice)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Total int `json:"total"`
	}
	json.Unmarshal(bundle, &b)
	if b.Total != 3 {
		t.Fatalf("alice's explanations of benefits: %d", b.Total)
	}
	docs = append(docs, bundle)
	fhircheck.Require(t, docs...)
	// FHIR answers refusals as OperationOutcomes, coded as the API's.
	refused := func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "HTTP 403") && strings.Contains(err.Error(), "claims/not-entitled")
	}
	if _, err := cl.ExplanationsOfBenefit(ctx, story.bobKey, story.alice); !refused(err) {
		t.Fatalf("bob searches alice's: %v", err)
	}
	if _, err := cl.ExplanationsOfBenefit(ctx, node.Signer(claimstest.Biller), story.alice); !refused(err) {
		t.Fatalf("the provider searches a member's: %v", err)
	}
	if _, err := cl.ClaimResponse(ctx, node.Signer("lakeside-clinic/admin"), story.visit); !refused(err) {
		t.Fatalf("another provider reads a ClaimResponse: %v", err)
	}
	res, body := node.Get(t, "/fhir/ExplanationOfBenefit/"+story.visit)
	if res.StatusCode != 401 || !strings.Contains(string(body), `"resourceType":"OperationOutcome"`) || !strings.Contains(string(body), "httpsig/missing-signature") {
		t.Fatalf("an unsigned FHIR read: HTTP %d %s", res.StatusCode, body)
	}
}

// TestOpenAPI: /openapi.json lists every claims route.
func TestOpenAPI(t *testing.T) {
	_, body := node.Get(t, "/openapi.json")
	for _, path := range []string{"/v1/claims", "/v1/claims/counts", "/v1/claims/{id}", "/v1/claims/priorauths", "/v1/claims/priorauths/{id}",
		"/v1/claims/policies/{payer}", "/v1/claims/members/{payer}/{id}", "/v1/claims/remittances/{payer}/{trace}", "/v1/claims/policies/simulate", "/v1/claims/attachments",
		"/fhir/ClaimResponse/{id}", "/fhir/ExplanationOfBenefit/{id}", "/fhir/ExplanationOfBenefit"} {
		if !strings.Contains(string(body), `"`+path+`"`) {
			t.Errorf("/openapi.json does not list %s", path)
		}
	}
}

// TestSimulateRoute: a payer's member simulates a draft over its claims;
// a provider may not.
func TestSimulateRoute(t *testing.T) {
	f, _ := claimstest.Load()
	pol, _ := f.PolicyBody()
	pol.Policy.Version = 2
	pol.Policy.Rules[0].Copay = `member.plan == "gold" ? 1000 : 5000`
	raw, _ := json.Marshal(pol.Policy)
	sim, err := node.Client.SimulatePolicy(ctx, node.Signer(claimstest.Adjudicator), raw)
	if err != nil || len(sim.Changes) != 2 {
		t.Fatalf("simulate: %+v %v", sim, err)
	}
	if _, err := node.Client.SimulatePolicy(ctx, node.Signer(claimstest.Biller), raw); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("a provider simulates: %v", err)
	}
	if _, err := node.Client.SimulatePolicy(ctx, node.Signer(claimstest.Adjudicator), []byte(`{"version":2}`)); !client.IsCode(err, "claims", "bad-policy") {
		t.Fatalf("a bad draft: %v", err)
	}
}

// TestAttachments: a provider's member stores a document in its node's
// vault and names its salted digest in a claim; a member of another
// organization may not store on this node; the chain keeps the digest,
// never the document.
func TestAttachments(t *testing.T) {
	doc := []byte("operative note: synthetic, no person")
	up, err := node.Client.UploadAttachment(ctx, node.Signer(claimstest.Biller), doc)
	if err != nil || len(up.Digest) != 64 || up.Ref == "" {
		t.Fatalf("upload: %+v %v", up, err)
	}
	if _, err := node.Client.UploadAttachment(ctx, node.Signer("lakeside-clinic/admin"), doc); !client.IsCode(err, "tx", "unauthorized") {
		t.Fatalf("another organization's member stores on this node: %v", err)
	}
	body := claims.SubmitBody{Payer: claimstest.Payer, Member: story.alice, Rendering: claimstest.Rendering, Diagnoses: []string{"E11.9"},
		Lines:       []claims.LineIn{{Code: "99214", Pointers: []int{1}, Units: 1, ChargeCents: 20000, Date: "2025-06-02"}},
		Attachments: []claims.Attachment{{Digest: up.Digest, Ref: up.Ref}}}
	res, err := node.Client.Send(ctx, node.Signer(claimstest.Biller), claims.TypeSubmit, body, "commit")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if a.Key == "claim" {
				id = a.Value
			}
		}
	}
	c, err := node.Client.Claim(ctx, story.aliceKey, id)
	if err != nil || len(c.Attachments) != 1 || c.Attachments[0].Digest != up.Digest {
		t.Fatalf("the claim's attachments: %+v %v", c.Attachments, err)
	}
	if strings.Contains(string(res.Tx), "operative") {
		t.Fatal("the document went on chain")
	}
}
