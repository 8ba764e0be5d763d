package site_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/tx"
)

// TestBatchesSignedReads: a trial's data batches name the participants
// whose records each holds and the site that sent them, which is about
// patients even under pseudonyms (issue 10). GET /v1/trials/{id}/batches
// answers 401 unsigned; signed, members of the sponsor and of the sites
// and a regulator's inspector read every batch whole, a participant
// (signing with their pseudonym for the trial) reads the batches holding
// their records, each naming them only, and anyone else gets 403. The raw
// state of a batch is for an auditor only, a trials/data transaction by
// hash for its signer and auditors. The audit (issue 12), which reads the
// batches, still works for the sponsor, a site and the inspector.
func TestBatchesSignedReads(t *testing.T) {
	n := startNode(t)
	const t1, t2 = "NCT09990001", "NCT09990002"
	n.register(t, t1)
	n.register(t, t2)
	alice := n.enrol(t, t1, "patient/alice", "northside-hospital/dr-chen")
	dana := n.enrol(t, t1, "patient/dana", "northside-hospital/dr-chen")
	bob := n.enrol(t, t1, "patient/bob", "lakeside-clinic/dr-patel")
	aliceInT2 := n.enrol(t, t2, "patient/alice", "lakeside-clinic/dr-patel")
	for _, p := range []struct {
		who   client.Signer
		trial string
		site  string
	}{{alice, t1, "northside-hospital"}, {dana, t1, "northside-hospital"}, {bob, t1, "lakeside-clinic"}, {aliceInT2, t2, "lakeside-clinic"}} {
		n.send(t, p.who, trials.TypeConsent, trials.ConsentBody{Trial: p.trial, Site: p.site})
	}
	// Batch 1: alice's; 2: bob's; 3: alice's and dana's.
	n.addData(t, "northside-hospital/dr-chen", t1, records(alice.Key.ID, "a", 2))
	n.addData(t, "lakeside-clinic/dr-patel", t1, records(bob.Key.ID, "b", 2))
	chen := n.Signer("northside-hospital/dr-chen")
	up, err := n.Client.UploadTrialData(n.ctx, chen, t1, append(records(alice.Key.ID, "a3", 1), records(dana.Key.ID, "d3", 2)...), "")
	if err != nil {
		t.Fatal(err)
	}
	data := n.send(t, chen, trials.TypeData, client.TrialDataBody(up))
	n.addData(t, "lakeside-clinic/dr-patel", t2, records(aliceInT2.Key.ID, "a", 1))

	list := "/v1/trials/" + t1 + "/batches"
	for _, path := range []string{list, "/v1/trials/NCT-NONE/batches"} {
		if res, b := n.Get(t, path); res.StatusCode != 401 {
			t.Errorf("GET %s unsigned: %d, want 401: %s", path, res.StatusCode, b)
		}
	}
	// read reads list as s and returns the batches it serves.
	read := func(s client.Signer, want int) []trials.Batch {
		t.Helper()
		res, b := n.GetAs(t, s, list)
		if res.StatusCode != want {
			t.Errorf("GET %s as %s: %d, want %d: %s", list, s.Key.ID, res.StatusCode, want, b)
			return nil
		}
		if want != 200 {
			var p api.Problem
			json.Unmarshal(b, &p)
			if p.Codespace != tx.Codespace || p.Title != tx.ErrUnauthorized.Slug || !strings.Contains(p.Detail, "heartwell-trials") || !strings.Contains(p.Detail, "batches") {
				t.Errorf("GET %s as %s: %+v, want tx/unauthorized naming who may read", list, s.Key.ID, p)
			}
			return nil
		}
		var page api.Page[trials.Batch]
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatalf("GET %s as %s: %v: %s", list, s.Key.ID, err, b)
		}
		return page.Items
	}
	whole := []string{alice.Key.ID, dana.Key.ID}
	slices.Sort(whole)
	for _, who := range []string{"heartwell-trials/coordinator", "heartwell-trials/admin", "northside-hospital/dr-chen", "lakeside-clinic/admin", "drug-regulator/inspector"} {
		got := read(n.Signer(who), 200)
		if len(got) != 3 || got[0].Site != "northside-hospital" || got[1].Site != "lakeside-clinic" || !slices.Equal(got[1].Subjects, []string{bob.Key.ID}) || !slices.Equal(got[2].Subjects, whole) {
			t.Errorf("%s reads the batches %s, want all 3 whole", who, asJSON(got))
		}
	}
	for _, who := range []string{"cityrx-pharmacy/pharmacist", "unity-health-plan/adjudicator", "drug-regulator/admin", "patient/alice"} {
		read(n.Signer(who), 403)
	}
	// A participant: the batches holding their records, naming them only;
	// their pseudonym for another trial reads nothing of this one.
	if got := read(alice, 200); len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 3 || !slices.Equal(got[0].Subjects, []string{alice.Key.ID}) ||
		!slices.Equal(got[1].Subjects, []string{alice.Key.ID}) || got[1].Count != 3 || got[1].Root != up.Root {
		t.Errorf("alice's pseudonym reads %s, want batches 1 and 3 naming her only", asJSON(got))
	}
	if got := read(bob, 200); len(got) != 1 || got[0].Seq != 2 || !slices.Equal(got[0].Subjects, []string{bob.Key.ID}) {
		t.Errorf("bob's pseudonym reads %s, want batch 2", asJSON(got))
	}
	read(aliceInT2, 403)
	if res, _ := n.GetAs(t, chen, "/v1/trials/NCT-NONE/batches"); res.StatusCode != 404 {
		t.Errorf("an unknown trial's batches, signed: %d, want 404", res.StatusCode)
	}
	if got, err := n.Client.TrialBatches(n.ctx, dana, t1, 0); err != nil || len(got) != 1 || got[0].Seq != 3 || !slices.Equal(got[0].Subjects, []string{dana.Key.ID}) {
		t.Errorf("TrialBatches as dana's pseudonym: %v, %s", err, asJSON(got))
	}
	if _, err := n.Client.TrialBatches(n.ctx, n.Signer("unity-health-plan/adjudicator"), t1, 0); !client.IsCode(err, tx.Codespace, tx.ErrUnauthorized.Slug) {
		t.Errorf("TrialBatches as a payer: %v, want tx/unauthorized", err)
	}

	// The same data raw: a batch's state only to an auditor, a trials/data
	// transaction by hash only to its signer and auditors.
	key := "/v1/state/" + url.PathEscape(string(trials.BatchKey(t1, 3)))
	if res, _ := n.Get(t, key); res.StatusCode != 401 {
		t.Errorf("GET %s unsigned: %d, want 401", key, res.StatusCode)
	}
	for _, who := range []string{"heartwell-trials/coordinator", "northside-hospital/dr-chen"} {
		if res, _ := n.GetAs(t, n.Signer(who), key); res.StatusCode != 403 {
			t.Errorf("GET %s as %s: %d, want 403 (raw, for auditors)", key, who, res.StatusCode)
		}
	}
	var raw api.StateResponse
	if err := n.Client.GetAs(n.ctx, n.Signer("drug-regulator/inspector"), key, &raw); err != nil || !raw.Exists || !bytes.Contains(raw.Value, []byte(dana.Key.ID)) {
		t.Errorf("GET %s as the inspector: %v, %+v", key, err, raw)
	}
	redacted := func(r api.TxResponse) bool { return r.Redacted && r.Tx == nil && r.Events == nil && r.Committed }
	if r, err := n.Client.Tx(n.ctx, data.Hash, false); err != nil || !redacted(r) {
		t.Errorf("a trials/data by hash, unsigned: %v, %+v; want it redacted", err, r)
	}
	if r, err := n.Client.TxAs(n.ctx, n.Signer("heartwell-trials/coordinator"), data.Hash, false); err != nil || !redacted(r) {
		t.Errorf("a trials/data by hash, as the sponsor: %v, %+v; want it redacted (raw, for its signer and auditors)", err, r)
	}
	for _, s := range []client.Signer{chen, n.Signer("drug-regulator/inspector")} {
		r, err := n.Client.TxAs(n.ctx, s, data.Hash, false)
		if err != nil || r.Redacted || len(r.Events) == 0 || !bytes.Contains(r.Tx, []byte(dana.Key.ID)) {
			t.Errorf("a trials/data by hash, as %s: %v, %+v", s.Key.ID, err, r)
		}
	}

	// The audit reads the batches: the sponsor, a site and the inspector
	// run it; a payer is refused.
	var export bytes.Buffer
	if _, err := n.Client.ExportTrial(n.ctx, n.Signer("heartwell-trials/coordinator"), t1, &export, nil); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"heartwell-trials/coordinator", "lakeside-clinic/dr-patel", "drug-regulator/inspector"} {
		rep, err := n.Client.AuditTrial(n.ctx, n.Signer(who), t1, bytes.NewReader(export.Bytes()))
		if err != nil || !rep.OK || rep.Batches != 3 {
			t.Errorf("audit as %s: %v, %s", who, err, asJSON(rep))
		}
	}
	if _, err := n.Client.AuditTrial(n.ctx, n.Signer("unity-health-plan/adjudicator"), t1, bytes.NewReader(export.Bytes())); !client.IsCode(err, tx.Codespace, tx.ErrUnauthorized.Slug) {
		t.Errorf("audit as a payer: %v, want tx/unauthorized", err)
	}
}
