package site_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/site"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

// restart starts a node on an existing home, with the trials service when
// withService, as startNode does.
func restart(t *testing.T, home string, withService bool) *node {
	t.Helper()
	plugins := append(daemontest.Core(), trialsPlugin())
	o := daemontest.Options{Home: home, Plugins: plugins}
	n := &node{ctx: context.Background()}
	if withService {
		v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(home, "data", "vault"), filepath.Join(home, "data", "vault_key.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		n.svc = &site.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, Dir: filepath.Join(home, "data", "trials"), CloseVault: closeVault}
		n.vault = v
		o.Services = []daemon.Service{n.svc}
	}
	n.Node = daemontest.Start(t, o)
	return n
}

func trialsPlugin() daemon.Plugin {
	return daemon.Plugin{Module: trials.Module{}, Routes: trials.HTTPRoutes, Codes: trials.Codes}
}

// TestRemovalSurvivesRestart: what a crash or an outage leaves undone is
// done at the next start. A withdrawal with removal that committed while
// the node ran without its trials service is carried out when the service
// starts; a replaced document the index still names as to shred (a crash
// between the rewrite and the shredding) is shredded.
func TestRemovalSurvivesRestart(t *testing.T) {
	n := startNode(t)
	home := string(n.Home)
	const trial = "NCT09990001"
	n.register(t, trial)
	bob := n.enrol(t, trial, "patient/bob", "lakeside-clinic/dr-patel")
	n.send(t, bob, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: "lakeside-clinic"})
	up := n.addData(t, "lakeside-clinic/dr-patel", trial, records(bob.Key.ID, "BOB-7", 3))
	// A document that stands for a replaced one, still to be shredded.
	leftover, err := n.Client.UploadTrialDocument(n.ctx, n.Signer("heartwell-trials/coordinator"), []byte("a replaced batch document"))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	// The withdrawal commits while no trials service runs.
	down := restart(t, home, false)
	down.send(t, bob, trials.TypeWithdraw, trials.WithdrawBody{Trial: trial, RemoveData: true})
	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	// A crash left the index naming a replaced document as still to shred.
	p := filepath.Join(home, "data", "trials", up.Ref+".json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	json.Unmarshal(b, &e)
	e["shred"] = []string{leftover.Ref}
	b, _ = json.Marshal(e)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}

	up2 := restart(t, home, true)
	oldDoc, _ := vault.ParseDocID(up.Ref)
	leftDoc, _ := vault.ParseDocID(leftover.Ref)
	waitFor(t, "the removal and shredding at start", func() bool {
		b, _ := os.ReadFile(p)
		has, _ := up2.vault.Has(up2.ctx, oldDoc)
		left, _ := up2.vault.Has(up2.ctx, leftDoc)
		return bytes.Contains(b, []byte(bob.Key.ID)) && !bytes.Contains(b, []byte(`"shred"`)) && !has && !left
	})
	read, err := up2.Client.TrialBatchData(up2.ctx, up2.Signer("heartwell-trials/coordinator"), trial, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range read.Entries {
		if e.Leaf != nil {
			t.Fatal("bob's record kept its leaf after the restart")
		}
	}
}
