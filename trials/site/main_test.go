package site_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/site"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

// node is a real node operated by northside-hospital with the trials
// module and its service, the vault and the batch index under the node's
// home (so that a test can search every file the node keeps).
type node struct {
	*daemontest.Node
	svc   *site.Service
	vault *vault.Vault
	ctx   context.Context
}

func startNode(t testing.TB) *node {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(home, "data", "vault"), filepath.Join(home, "data", "vault_key.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &site.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, Dir: filepath.Join(home, "data", "trials"), CloseVault: closeVault}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: trials.Module{}, Routes: trials.HTTPRoutes, Codes: trials.Codes})
	n := daemontest.Start(t, daemontest.Options{Home: home, Plugins: plugins, Services: []daemon.Service{svc}})
	return &node{Node: n, svc: svc, vault: v, ctx: context.Background()}
}

// send sends a transaction and fails the test unless it commits.
func (n *node) send(t testing.TB, s client.Signer, typ string, body any) api.TxResponse {
	t.Helper()
	res, err := n.Client.Send(n.ctx, s, typ, body, "commit")
	if err != nil {
		t.Fatalf("%s by %s: %v", typ, s.Key.ID, err)
	}
	return res
}

// refused sends a transaction and fails the test unless the chain refuses
// it with code c.
func (n *node) refused(t testing.TB, s client.Signer, typ string, body any, codespace, slug string) {
	t.Helper()
	_, err := n.Client.Send(n.ctx, s, typ, body, "commit")
	if !client.IsCode(err, codespace, slug) {
		t.Fatalf("%s by %s: got %v, want %s/%s", typ, s.Key.ID, err, codespace, slug)
	}
}

var outcomes = []trials.Outcome{
	{Code: "HBA1C", Kind: trials.Primary, Measure: "Change in HbA1c from baseline", TimeFrame: "26 weeks"},
	{Code: "WEIGHT", Kind: trials.Secondary, Measure: "Change in body weight", TimeFrame: "26 weeks"},
}

// register uploads a protocol and registers trial id with both demo sites.
func (n *node) register(t testing.TB, id string) {
	t.Helper()
	coord := n.Signer("heartwell-trials/coordinator")
	up, err := n.Client.UploadTrialDocument(n.ctx, coord, []byte("Protocol of "+id+", version 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	n.send(t, coord, trials.TypeRegister, trials.RegisterBody{ID: id, Title: "HbA1c in type 2 diabetes", Phase: "3",
		Sites: []string{"northside-hospital", "lakeside-clinic"}, Enrolment: 200, Protocol: trials.Document{Digest: up.Digest, Ref: up.Ref}, Outcomes: outcomes})
}

// participant is a demo patient's pseudonym for a trial, as a signer.
func (n *node) participant(t testing.TB, patient, trial string) client.Signer {
	t.Helper()
	master := n.Keys[patient]
	k, err := pseudonym.Derive(master.Sign, trials.Context(trial))
	if err != nil {
		t.Fatal(err)
	}
	return client.Signer{Key: &keystore.Key{Name: patient, ID: k.ID(), Sign: k.Sign, Enc: k.Enc}}
}

// enrol enrols patient in trial at the site of member: the participant
// proves to the site that the pseudonym is theirs, the site checks it
// against the patient's key on chain and sends trials/enroll.
func (n *node) enrol(t testing.TB, trial, patient, member string) client.Signer {
	t.Helper()
	master := n.Keys[patient]
	k, err := pseudonym.Derive(master.Sign, trials.Context(trial))
	if err != nil {
		t.Fatal(err)
	}
	siteOrg, _, _ := strings.Cut(member, "/")
	proof, err := pseudonym.Own(master.Sign, master.ID, k, siteOrg, "nonce-"+trial)
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.Client.Patient(n.ctx, master.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(ed25519.PublicKey(p.SignKey), k.SignPub(), siteOrg, "nonce-"+trial); err != nil {
		t.Fatal(err)
	}
	n.send(t, n.Signer(member), trials.TypeEnroll, trials.EnrollBody{Trial: trial, SignKey: k.SignPub(), EncKey: k.EncPub()})
	return n.participant(t, patient, trial)
}

// records makes n JSON lines of records of subject, each holding marker.
func records(subject, marker string, n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"subject":%q,"visit":"week-%d","data":{"hba1c":%d.%d,"note":%q}}`+"\n", subject, i, 7+i%3, i%10, marker)
	}
	return b.Bytes()
}

// addData uploads records and anchors them, returning the upload.
func (n *node) addData(t testing.TB, member, trial string, recs []byte) site.DataUpload {
	t.Helper()
	s := n.Signer(member)
	up, err := n.Client.UploadTrialData(n.ctx, s, trial, recs, "")
	if err != nil {
		t.Fatal(err)
	}
	n.send(t, s, trials.TypeData, client.TrialDataBody(up))
	return up
}

// filesContaining lists the files under dir whose bytes contain needle.
func filesContaining(t testing.TB, dir string, needle []byte) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, needle) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func asJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}
