package site_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/trials"
)

// TestSubjectsUnlinkable: one patient in two trials has two subject ids,
// and nothing the node keeps links a participant to their patient id: not
// the chain's state (apart from identity's own record of the patient),
// not a block, transaction or event, not any file under the node's home
// (its vault, the trials service's index, CometBFT's stores), after the
// whole life of a trial (enrolment, consent, data, re-consent, withdrawal
// with removal, results, reads of the data).
func TestSubjectsUnlinkable(t *testing.T) {
	n := startNode(t)
	n.register(t, "NCT09990001")
	n.register(t, "NCT09990002")
	coord := n.Signer("heartwell-trials/coordinator")

	a1 := n.enrol(t, "NCT09990001", "patient/alice", "northside-hospital/dr-chen")
	a2 := n.enrol(t, "NCT09990002", "patient/alice", "lakeside-clinic/dr-patel")
	b1 := n.enrol(t, "NCT09990001", "patient/bob", "lakeside-clinic/dr-patel")
	if a1.Key.ID == a2.Key.ID {
		t.Fatal("alice has the same subject id in two trials")
	}
	n.send(t, a1, trials.TypeConsent, trials.ConsentBody{Trial: "NCT09990001", Site: "northside-hospital"})
	n.send(t, a2, trials.TypeConsent, trials.ConsentBody{Trial: "NCT09990002", Site: "lakeside-clinic"})
	n.send(t, b1, trials.TypeConsent, trials.ConsentBody{Trial: "NCT09990001", Site: "lakeside-clinic"})
	n.addData(t, "northside-hospital/dr-chen", "NCT09990001", records(a1.Key.ID, "a", 4))
	n.addData(t, "lakeside-clinic/dr-patel", "NCT09990002", records(a2.Key.ID, "a", 2))
	n.addData(t, "lakeside-clinic/dr-patel", "NCT09990001", records(b1.Key.ID, "b", 2))
	n.send(t, b1, trials.TypeWithdraw, trials.WithdrawBody{Trial: "NCT09990001", RemoveData: true})
	n.send(t, coord, trials.TypeResults, trials.ResultsBody{Trial: "NCT09990001", Results: []trials.ResultOfBody{{Outcome: "HBA1C", Summary: "No difference."}}})
	var export bytes.Buffer
	if _, err := n.Client.ExportTrial(n.ctx, coord, "NCT09990001", &export, nil); err != nil {
		t.Fatal(err)
	}

	// The subject ids in the two trials are unrelated keys: neither the
	// ids nor the keys the chain holds share anything a member could match.
	subs1, _ := n.Client.TrialSubjects(n.ctx, coord, "NCT09990001", 0)
	subs2, _ := n.Client.TrialSubjects(n.ctx, coord, "NCT09990002", 0)
	if len(subs1) != 2 || len(subs2) != 1 {
		t.Fatalf("subjects: %d and %d", len(subs1), len(subs2))
	}
	for _, s := range subs1 {
		if s.ID == subs2[0].ID {
			t.Fatal("a subject id of one trial is a subject id of the other")
		}
	}

	patients := map[string]string{"alice": n.Keys["patient/alice"].ID, "bob": n.Keys["patient/bob"].ID}
	needles := func(b []byte) []string {
		var found []string
		for name, id := range patients {
			if bytes.Contains(b, []byte(id)) {
				found = append(found, name)
			}
		}
		return found
	}
	// The chain's state, read logically (its files may be compressed).
	patientRecords, subjectSeen := 0, false
	n.Store.Latest().Iterate(nil, nil, func(k, v []byte) bool {
		if strings.HasPrefix(string(k), string(identity.PatientKey(""))) {
			patientRecords++
			return true // identity's record of the patient: their id is its key
		}
		subjectSeen = subjectSeen || bytes.Contains(k, []byte(a1.Key.ID))
		if f := needles(append(append([]byte(nil), k...), v...)); len(f) > 0 {
			t.Errorf("state key %q names patient %v", k, f)
		}
		return true
	})
	if patientRecords < 2 || !subjectSeen {
		t.Fatalf("the state search saw %d patient records and subject %v: it does not search", patientRecords, subjectSeen)
	}
	// Every block, transaction and event, read as a regulator's inspector
	// (unsigned, the transactions about participants are redacted).
	inspector := n.Signer("drug-regulator/inspector")
	st, err := n.Client.Status(n.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= st.LatestHeight; h++ {
		blk, err := n.Client.Block(n.ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(blk)
		if f := needles(b); len(f) > 0 {
			t.Errorf("block %d names patient %v", h, f)
		}
		for _, hash := range blk.Txs {
			res, err := n.Client.TxAs(n.ctx, inspector, hash, false)
			if err != nil || res.Redacted {
				t.Fatalf("transaction %s as the inspector: %v, redacted %v", hash, err, res.Redacted)
			}
			b, _ := json.Marshal(res)
			if f := needles(append(b, res.Tx...)); len(f) > 0 {
				t.Errorf("transaction %s at height %d names patient %v", hash, h, f)
			}
		}
	}
	// Every file under the node's home but the application state, checked
	// above: CometBFT's stores, the vault, the trials service's index.
	filepath.WalkDir(string(n.Home), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p == n.Home.AppDataDir() {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil {
			if f := needles(b); len(f) > 0 {
				t.Errorf("%s names patient %v", p, f)
			}
		}
		return nil
	})
	if f := needles(export.Bytes()); len(f) > 0 {
		t.Errorf("the export names patient %v", f)
	}
}
