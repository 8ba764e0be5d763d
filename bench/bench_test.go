package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/medledger/medledger/bench"
)

// TestKVStoreBaseline runs the harness for a second against the kvstore
// baseline and checks that it counts commits. No speed is asserted.
func TestKVStoreBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load")
	}
	kv, err := bench.StartKVStore(t.TempDir(), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := kv.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	for _, batch := range []int{1, 50} {
		src := bench.KVStoreSource(fmt.Sprint("test", batch), 300)
		pool, err := bench.Presign(src, 1000)
		if err != nil {
			t.Fatal(err)
		}
		res, err := bench.Run(context.Background(), bench.Config{Node: kv.URL, Duration: time.Second, Concurrency: 2, Batch: batch, Pool: pool, Source: src})
		if err != nil {
			t.Fatal(err)
		}
		if res.Committed == 0 || res.Rejected != 0 || res.P50ms <= 0 {
			t.Errorf("batch %d: %+v, want commits, no rejections and a latency", batch, res)
		}
	}
}

// TestKVStoreSource: distinct transactions of the asked size in kvstore's
// key=value form.
func TestKVStoreSource(t *testing.T) {
	src := bench.KVStoreSource("r", 200)
	a, _ := src(1)
	b, _ := src(2)
	if len(a) != 200 || string(a) == string(b) {
		t.Fatalf("got %q and %q", a, b)
	}
	eq := 0
	for _, c := range a {
		if c == '=' {
			eq++
		}
	}
	if eq != 1 {
		t.Fatalf("%q has %d '=', want 1", a, eq)
	}
}

// TestOpenLoopRate: with Rate, the harness offers that many transactions a
// second, not as many as the node takes (a closed loop sends thousands to
// kvstore in this window), one per request.
func TestOpenLoopRate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load")
	}
	kv, err := bench.StartKVStore(t.TempDir(), 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Stop()
	src := bench.KVStoreSource("rate", 200)
	pool, err := bench.Presign(src, 5000)
	if err != nil {
		t.Fatal(err)
	}
	res, err := bench.Run(context.Background(), bench.Config{Node: kv.URL, Duration: 2 * time.Second, Concurrency: 8, Batch: 50, Pool: pool, Source: src, Rate: 200})
	if err != nil {
		t.Fatal(err)
	}
	sent := res.Submitted + res.Rejected
	if sent < 300 || sent > 401 || res.Batch != 1 || res.Rate != 200 {
		t.Errorf("offered 200/s for 2 s: sent %d (batch %d, rate %v), want 300 to 401, one per request", sent, res.Batch, res.Rate)
	}
	if res.Committed == 0 || res.Rejected != 0 || res.P99ms <= 0 {
		t.Errorf("%+v: want commits, no rejections and a latency", res)
	}
}
