package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/node"
)

// TestVaultOnS3: a node whose config puts its vault in an S3 bucket stores
// a record's document there, encrypted, and serves it back under consent;
// nothing goes to the home's data/vault folder. (Not parallel: the
// credentials come from the environment.)
func TestVaultOnS3(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	if err := backend.CreateBucket("hospital-documents"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MEDLEDGER_S3_ACCESS_KEY", "test")
	t.Setenv("MEDLEDGER_S3_SECRET_KEY", "test-secret")

	home := filepath.Join(t.TempDir(), "node")
	api := daemontest.FreeAddr(t)
	run(t, "init", "--demo", "--home", home, "--moniker", "northside-hospital", "--listen", api, "--p2p", daemontest.FreeAddr(t), "--block-time", "100ms").ok(t)
	h := node.Home(home)
	var ac map[string]any
	b, err := os.ReadFile(h.AppConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &ac)
	ac["vault"] = map[string]any{"driver": "s3", "s3": map[string]any{"endpoint": strings.TrimPrefix(srv.URL, "http://"), "bucket": "hospital-documents", "prefix": "northside/", "insecure": true}}
	b, _ = json.Marshal(ac)
	if err := os.WriteFile(h.AppConfigFile(), b, 0o600); err != nil {
		t.Fatal(err)
	}

	stopNode := startNode(t, home, "http://"+api)
	var once sync.Once
	var res result
	stop := func() result { once.Do(func() { res = stopNode() }); return res }
	defer stop()
	doc := demo.Documents()[0]
	file := filepath.Join(t.TempDir(), "doc.json")
	os.WriteFile(file, doc.JSON, 0o600)
	var added struct {
		ID string `json:"id"`
	}
	run(t, "--home", home, "-o", "json", "records", "add", file, "--patient", doc.Patient, "--as", "northside-hospital/dr-chen").ok(t).json(t, &added)
	out := filepath.Join(t.TempDir(), "read.json")
	run(t, "--home", home, "records", "get", added.ID, "--as", doc.Patient, "--out", out).ok(t)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, doc.JSON) {
		t.Fatal("the document read back differs from the one stored")
	}
	list, err := backend.ListBucket("hospital-documents", nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) < 2 {
		t.Fatalf("the bucket holds %d objects, want the document's blob and keys", len(list.Contents))
	}
	for _, o := range list.Contents {
		if !strings.HasPrefix(o.Key, "northside/") {
			t.Errorf("object %s is outside the configured prefix", o.Key)
		}
		obj, err := backend.GetObject("hospital-documents", o.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		data := make([]byte, obj.Size)
		obj.Contents.Read(data)
		if bytes.Contains(data, []byte("Observation")) || bytes.Contains(data, []byte("resourceType")) {
			t.Fatalf("object %s holds the document in the clear", o.Key)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(home, "data", "vault")); len(entries) > 0 {
		t.Fatalf("the local vault folder has %d entries; the vault is on S3", len(entries))
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("start exited %d: %s", r.code, r.stderr)
	}

	// A bucket that is not there stops the start with a hint.
	ac["vault"] = map[string]any{"driver": "s3", "s3": map[string]any{"endpoint": strings.TrimPrefix(srv.URL, "http://"), "bucket": "missing", "insecure": true}}
	b, _ = json.Marshal(ac)
	os.WriteFile(h.AppConfigFile(), b, 0o600)
	run(t, "start", "--home", home).refused(t, "no bucket missing")
}
