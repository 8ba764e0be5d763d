package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// childEnv makes this test binary act as the medledger command: the
// validators `bench --testnet` starts are os.Executable(), which in a test
// is the test binary.
const childEnv = "MEDLEDGER_TEST_AS_MEDLEDGER"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestBenchTestnet: bench --testnet 4 starts four validators in processes
// of their own, drives them, reports each one's CPU per transaction, and
// stops them.
func TestBenchTestnet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 4-validator network")
	}
	t.Setenv(childEnv, "1")
	var rep benchReport
	run(t, "bench", "--testnet", "4", "--block-time", "100ms", "--duration", "3s", "--presign", "3000", "-o", "json").ok(t).json(t, &rep)
	if rep.Committed == 0 || rep.Rejected != 0 || rep.FailedInBlock != 0 {
		t.Errorf("%+v: want commits and no refusals", rep.Result)
	}
	if len(rep.ProcessCPUs) != 4 || len(rep.ProcessCPUMicrosPerTx) != 4 {
		t.Fatalf("per-validator CPU %v, %v: want 4 of each", rep.ProcessCPUs, rep.ProcessCPUMicrosPerTx)
	}
	for i, c := range rep.ProcessCPUs {
		if c <= 0 || rep.ProcessCPUMicrosPerTx[i] <= 0 {
			t.Errorf("validator %d: %.2f s of CPU, %.0f µs a transaction: want both positive", i, c, rep.ProcessCPUMicrosPerTx[i])
		}
	}
	if !strings.Contains(rep.Target, "4 validators") {
		t.Errorf("target %q, want the network named", rep.Target)
	}
}

// TestBenchRate: --rate offers that many transactions a second, one per
// request, and says so.
func TestBenchRate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node")
	}
	var rep benchReport
	run(t, "bench", "--local", "--rate", "200", "--duration", "2s", "--presign", "1000", "-o", "json").ok(t).json(t, &rep)
	if sent := rep.Submitted + rep.Rejected; sent < 300 || sent > 401 || rep.Rate != 200 || rep.Batch != 1 {
		t.Errorf("offered 200/s for 2 s: sent %d (rate %v, batch %d), want 300 to 401, one per request", sent, rep.Rate, rep.Batch)
	}
	if rep.Committed == 0 || rep.P99ms <= 0 {
		t.Errorf("%+v: want commits and a latency", rep.Result)
	}
}
