package custodian_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

// startCustodian runs a real node operated by northside-hospital from
// home, with the records module and its custodian on a vault in the home,
// keeping erasure receipts signed by the node key, as a real node does.
func startCustodian(t *testing.T, home node.Home) (*daemontest.Node, *custodian.Service) {
	t.Helper()
	v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(string(home), "vault"), filepath.Join(string(home), "vault_key.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !home.Exists() {
		keys, err := demo.NewKeys([]byte("daemontest")) // daemontest's keys
		if err != nil {
			t.Fatal(err)
		}
		if err := node.Init(home, node.Options{ChainID: demo.ChainID, Moniker: "northside-hospital", AppState: keys.AppState(),
			APIListen: daemontest.FreeAddr(t), P2PListen: daemontest.FreeAddr(t), BlockTime: daemontest.BlockTime}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := custodian.LoadNodeKey(home)
	if err != nil {
		t.Fatal(err)
	}
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault, Receipts: custodian.ReceiptsDir(home), NodeKey: key}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})
	return daemontest.Start(t, daemontest.Options{Home: string(home), Plugins: plugins, Services: []daemon.Service{svc}}), svc
}

const erasureChildEnv = "MEDLEDGER_ERASURE_CRASH_CHILD"

// TestErasureCrashChild is the child process of TestErasureSurvivesCrash:
// it adds a record, erases it, and stops dead before the shredder destroys
// the document, printing the record's id and document ref.
func TestErasureCrashChild(t *testing.T) {
	home := os.Getenv(erasureChildEnv)
	if home == "" {
		t.Skip("only run as the child of TestErasureSurvivesCrash")
	}
	custodian.SetBeforeShred(func(rec string) {
		fmt.Printf("SHRED %s\n", rec)
		os.Stdout.Sync()
		select {} // the parent kills this process here
	})
	ctx := context.Background()
	n, _ := startCustodian(t, node.Home(home))
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	alice := n.Signer("patient/alice")
	rec, err := n.Client.AddRecord(ctx, n.Signer("northside-hospital/dr-chen"), alice.Key.ID, doc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := n.Client.Record(ctx, alice, rec)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("RECORD %s %s\n", rec, r.Ref)
	if _, err := n.Client.Send(ctx, alice, records.TypeErase, records.RecordRef{Record: rec}, "commit"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute)
	t.Fatal("the shredder never ran")
}

// TestErasureSurvivesCrash kills the node between the commit of a
// patient's erasure and the destruction of the document (SIGKILL, in the
// shredder, before it touches the vault), restarts it from the same home,
// and finds the document destroyed, unreadable through the chain, and the
// patient's receipt signed by the node. It fails if the node shreds only
// what it was told after the commit (the document would survive).
func TestErasureSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a node process")
	}
	home := filepath.Join(t.TempDir(), "home")
	cmd := exec.Command(os.Args[0], "-test.run=^TestErasureCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), erasureChildEnv+"="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var rec, ref string
	sc := bufio.NewScanner(out)
	deadline := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "RECORD" {
			rec, ref = f[1], f[2]
		}
		if len(f) == 2 && f[0] == "SHRED" {
			if f[1] != rec {
				t.Fatalf("the shredder was about to destroy %s, not %s", f[1], rec)
			}
			break
		}
	}
	deadline.Stop()
	if rec == "" {
		t.Fatalf("the child did not reach the shredder:\n%s", tail(stderr.String()))
	}
	// Killed after the erasure committed, before the shred.
	cmd.Process.Kill()
	cmd.Wait()
	go io.Copy(io.Discard, out)

	id, err := vault.ParseDocID(ref)
	if err != nil {
		t.Fatal(err)
	}
	n, svc := startCustodian(t, node.Home(home))
	ctx := context.Background()
	alice := n.Signer("patient/alice")
	r, err := n.Client.ErasureReceipt(ctx, alice, rec, 20*time.Second)
	if err != nil {
		t.Fatalf("the receipt after the restart: %v", err)
	}
	if _, err := svc.Vault.Get(ctx, id); !medledger.HasCode(err, vault.ErrGone) {
		t.Fatalf("the document of %s after the restart: %v, want it destroyed", rec, err)
	}
	if r.Record != rec || r.Ref != ref || r.Patient != alice.Key.ID || r.Custodian != "northside-hospital" || r.ErasedHeight == 0 || r.ChainID == "" ||
		r.Node != records.NodeID(svc.NodeKey.Public().(ed25519.PublicKey)) {
		t.Errorf("receipt %+v", r)
	}
	if _, err := n.Client.ReadRecord(ctx, n.Signer("northside-hospital/dr-chen"), rec, records.PurposeTreatment, ""); !client.IsCode(err, "records", "record-erased") {
		t.Errorf("a read of the erased record: %v, want records/record-erased", err)
	}
}

// TestErasureReceipt: the receipt goes to the record's patient only, on a
// signed request; a changed receipt does not verify.
func TestErasureReceipt(t *testing.T) {
	ctx := context.Background()
	n, _ := startCustodian(t, node.Home(filepath.Join(t.TempDir(), "home")))
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := n.Signer("patient/alice"), n.Signer("patient/bob")
	rec, err := n.Client.AddRecord(ctx, n.Signer("northside-hospital/dr-chen"), alice.Key.ID, doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.ErasureReceipt(ctx, alice, rec, 0); !client.IsCode(err, "api", "not-found") {
		t.Errorf("receipt of a record not erased: %v", err)
	}
	if _, err := n.Client.Send(ctx, alice, records.TypeErase, records.RecordRef{Record: rec}, "commit"); err != nil {
		t.Fatal(err)
	}
	r, err := n.Client.ErasureReceipt(ctx, alice, rec, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.ErasureReceipt(ctx, bob, rec, 0); !client.IsCode(err, "records", "record-not-found") {
		t.Errorf("another patient asks for the receipt: %v", err)
	}
	var unsigned struct{}
	if err := n.Client.Get(ctx, "/v1/records/"+rec+"/erasure-receipt", &unsigned); err == nil {
		t.Error("an unsigned request got the receipt")
	}
	forged := r
	forged.Destroyed = forged.Destroyed.Add(-time.Hour)
	if forged.Verify() == nil {
		t.Error("a receipt with its time changed verifies")
	}
	forged = r
	forged.Record = "rec-999"
	if forged.Verify() == nil {
		t.Error("a receipt with its record changed verifies")
	}
}

// TestSignedUploadNotReplayed: a captured signed upload, sent again while
// its signature is fresh, is refused (httpsig's replay guard).
func TestSignedUploadNotReplayed(t *testing.T) {
	n, _ := startCustodian(t, node.Home(filepath.Join(t.TempDir(), "home")))
	doc, err := os.ReadFile("../../fhir/testdata/valid/observation-potassium-alice.json")
	if err != nil {
		t.Fatal(err)
	}
	chen := n.Signer("northside-hospital/dr-chen")
	req, err := http.NewRequest(http.MethodPost, n.URL()+"/v1/records/documents", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	if err := httpsig.Sign(req, httpsig.JoinKeyID(chen.Key.ID, chen.Key.KeyID()), chen.Key.Sign, time.Now()); err != nil {
		t.Fatal(err)
	}
	send := func() (int, string) {
		r2, _ := http.NewRequest(http.MethodPost, req.URL.String(), bytes.NewReader(doc))
		r2.Header = req.Header.Clone()
		res, err := http.DefaultClient.Do(r2)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := send(); code != 200 {
		t.Fatalf("first upload: %d %s", code, body)
	}
	if code, body := send(); code == 200 || !strings.Contains(body, "replayed") && !strings.Contains(body, "used before") {
		t.Fatalf("the replayed upload: %d %s, want refused as replayed", code, body)
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

var _ = errors.New
