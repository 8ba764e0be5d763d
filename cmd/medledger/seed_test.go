package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/records"
)

// TestDevSeedsDemoRecords: the first run of dev stores the synthetic
// records and Alice's consent, so a lakeside-clinic clinician can read
// Alice's record at once; a second run does not seed again.
func TestDevSeedsDemoRecords(t *testing.T) {
	home := filepath.Join(t.TempDir(), "dev")
	api := daemontest.FreeAddr(t)
	url := "http://" + api
	startDev := func() func() result {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan result, 1)
		go func() {
			done <- runCtx(t, ctx, "dev", "--home", home, "--listen", api, "--p2p", daemontest.FreeAddr(t), "--block-time", "100ms")
		}()
		return func() result { cancel(); return <-done }
	}
	stop := startDev()
	marker := filepath.Join(home, "data", seedMarker)
	deadline := time.Now().Add(60 * time.Second)
	for !fileExists(marker) {
		if time.Now().After(deadline) {
			r := stop()
			t.Fatalf("dev did not seed within 60 s:\n%s\n%s", r.stdout, r.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	common := []string{"--home", home, "--node", url}
	var recs []records.Record
	run(t, append([]string{"records", "list", "--patient", "patient/alice", "-o", "json"}, common...)...).ok(t).json(t, &recs)
	docs := demo.Documents()
	wantAlice := 0
	for _, d := range docs {
		if d.Patient == "patient/alice" {
			wantAlice++
		}
	}
	if len(recs) != wantAlice {
		t.Fatalf("alice has %d records, want %d", len(recs), wantAlice)
	}
	out := filepath.Join(t.TempDir(), "doc.json")
	run(t, append([]string{"records", "get", recs[0].ID, "--as", "lakeside-clinic/dr-patel", "--out", out}, common...)...).ok(t)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range docs {
		found = found || bytes.Equal(got, d.JSON)
	}
	if !found {
		t.Fatal("the clinic read bytes that are none of the demo documents")
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("dev exited %d: %s", r.code, r.stderr)
	}

	// A second run reopens the chain and does not seed twice.
	stop = startDev()
	deadline = time.Now().Add(30 * time.Second)
	for run(t, append([]string{"status"}, common...)...).code != 0 {
		if time.Now().After(deadline) {
			t.Fatal("dev did not restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	run(t, append([]string{"records", "list", "--patient", "patient/alice", "-o", "json"}, common...)...).ok(t).json(t, &recs)
	if len(recs) != wantAlice {
		t.Fatalf("after a restart alice has %d records, want %d", len(recs), wantAlice)
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("second dev exited %d: %s", r.code, r.stderr)
	}
}
