package site_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/tx"
)

// TestSubjectsSignedReads: who takes part in a trial is about patients,
// even under pseudonyms (issue 10). GET /v1/trials/{id}/subjects and the
// ResearchSubject search and read answer 401 unsigned; signed, members of
// the sponsor and of the sites and a regulator's inspector read every
// participant, a participant (signing with their pseudonym for the trial)
// reads their own entry only, and anyone else gets 403.
func TestSubjectsSignedReads(t *testing.T) {
	n := startNode(t)
	const t1, t2 = "NCT09990001", "NCT09990002"
	n.register(t, t1)
	n.register(t, t2)
	alice := n.enrol(t, t1, "patient/alice", "northside-hospital/dr-chen")
	bob := n.enrol(t, t1, "patient/bob", "lakeside-clinic/dr-patel")
	aliceInT2 := n.enrol(t, t2, "patient/alice", "lakeside-clinic/dr-patel")

	list, search, read := "/v1/trials/"+t1+"/subjects", "/fhir/ResearchSubject?study="+t1, "/fhir/ResearchSubject/"+alice.Key.ID
	for _, path := range []string{list, search, read} {
		if res, b := n.Get(t, path); res.StatusCode != 401 {
			t.Errorf("GET %s unsigned: %d, want 401: %s", path, res.StatusCode, b)
		}
	}
	// count reads path as s and returns how many participants it lists.
	count := func(s client.Signer, path string, want int) int {
		t.Helper()
		res, b := n.GetAs(t, s, path)
		if res.StatusCode != want {
			t.Errorf("GET %s as %s: %d, want %d: %s", path, s.Key.ID, res.StatusCode, want, b)
			return -1
		}
		if want != 200 {
			if strings.HasPrefix(path, "/fhir/") && !strings.Contains(string(b), `"OperationOutcome"`) {
				t.Errorf("GET %s as %s: not an OperationOutcome: %s", path, s.Key.ID, b)
			}
			if !strings.HasPrefix(path, "/fhir/") {
				var p api.Problem
				json.Unmarshal(b, &p)
				if p.Codespace != tx.Codespace || p.Title != tx.ErrUnauthorized.Slug || !strings.Contains(p.Detail, "heartwell-trials") {
					t.Errorf("GET %s as %s: %+v, want tx/unauthorized naming who may read", path, s.Key.ID, p)
				}
			}
			return -1
		}
		var m struct {
			Items []trials.Subject `json:"items"`
			Total *int             `json:"total"`
			Type  string           `json:"resourceType"`
		}
		json.Unmarshal(b, &m)
		switch {
		case m.Type == "ResearchSubject":
			return 1
		case m.Total != nil:
			return *m.Total
		}
		return len(m.Items)
	}
	for _, who := range []string{"heartwell-trials/coordinator", "heartwell-trials/admin", "northside-hospital/dr-chen", "lakeside-clinic/admin", "drug-regulator/inspector"} {
		s := n.Signer(who)
		if got := count(s, list, 200); got != 2 {
			t.Errorf("%s lists %d subjects, want 2", who, got)
		}
		if got := count(s, search, 200); got != 2 {
			t.Errorf("%s finds %d ResearchSubjects, want 2", who, got)
		}
		count(s, read, 200)
	}
	for _, who := range []string{"cityrx-pharmacy/pharmacist", "unity-health-plan/adjudicator", "drug-regulator/admin", "patient/alice"} {
		for _, path := range []string{list, search, read} {
			count(n.Signer(who), path, 403)
		}
	}
	// A participant: their own entry, nobody else's; their pseudonym for
	// another trial reads nothing of this one.
	if got := count(alice, list, 200); got != 1 {
		t.Errorf("alice's pseudonym lists %d subjects, want her own", got)
	}
	if got := count(alice, search, 200); got != 1 {
		t.Errorf("alice's pseudonym finds %d ResearchSubjects, want her own", got)
	}
	count(alice, read, 200)
	count(bob, read, 403)
	for _, path := range []string{list, search, read} {
		count(aliceInT2, path, 403)
	}
	// The same data raw: a subject's state only to an auditor, an
	// enrolment or consent by hash only to its signer and auditors.
	key := "/v1/state/trials/subject/" + t1 + "/" + alice.Key.ID
	if res, _ := n.Get(t, key); res.StatusCode != 401 {
		t.Errorf("GET %s unsigned: %d, want 401", key, res.StatusCode)
	}
	if res, _ := n.GetAs(t, n.Signer("heartwell-trials/coordinator"), key); res.StatusCode != 403 {
		t.Errorf("GET %s as the sponsor: %d, want 403 (raw, for auditors)", key, res.StatusCode)
	}
	if res, b := n.GetAs(t, n.Signer("drug-regulator/inspector"), key); res.StatusCode != 200 {
		t.Errorf("GET %s as the inspector: %d: %s", key, res.StatusCode, b)
	}
	consent := n.send(t, alice, trials.TypeConsent, trials.ConsentBody{Trial: t1, Site: "northside-hospital"})
	var tr api.TxResponse
	if err := n.Client.Get(n.ctx, "/v1/tx/"+consent.Hash, &tr); err != nil || !tr.Redacted || tr.Tx != nil || tr.Events != nil {
		t.Errorf("a trials/consent by hash, unsigned: %v, %+v; want it redacted", err, tr)
	}
	var full api.TxResponse
	if err := n.Client.GetAs(n.ctx, alice, "/v1/tx/"+consent.Hash, &full); err != nil || full.Redacted || len(full.Events) == 0 {
		t.Errorf("a trials/consent by hash, as its signer: %v, %+v", err, full)
	}

	if subs, err := n.Client.TrialSubjects(n.ctx, alice, t1, 0); err != nil || len(subs) != 1 || subs[0].ID != alice.Key.ID {
		t.Errorf("TrialSubjects as alice's pseudonym: %v, %+v", err, subs)
	}
	if _, err := n.Client.TrialSubjects(n.ctx, n.Signer("unity-health-plan/adjudicator"), t1, 0); !client.IsCode(err, tx.Codespace, tx.ErrUnauthorized.Slug) {
		t.Errorf("TrialSubjects as a payer: %v, want tx/unauthorized", err)
	}
}
