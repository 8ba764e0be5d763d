package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/notary"
)

// TestBatchAndCommitStream submits a batch of two good anchors and one
// malformed transaction to POST /v1/txs, checks the per-transaction
// answers, and sees both anchors in GET /v1/stream/commits.
func TestBatchAndCommitStream(t *testing.T) {
	n := daemontest.Start(t, daemontest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL()+"/v1/stream/commits", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if ct := stream.Header.Get("Content-Type"); stream.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("stream: HTTP %d, %s", stream.StatusCode, ct)
	}

	st, err := n.Client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := n.Signer("northside-hospital/dr-chen")
	var txs [][]byte
	want := map[string]bool{}
	for i := range 2 {
		d := sha256.Sum256([]byte{byte(i), 'b', 'a', 't', 'c', 'h'})
		raw, err := s.Build(notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(d[:]), Kind: "batch-test"}, st.LatestHeight)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, raw)
		h := sha256.Sum256(raw)
		want[strings.ToUpper(hex.EncodeToString(h[:]))] = true
	}
	txs = append(txs, []byte("not a transaction"))
	body, _ := json.Marshal(api.BatchRequest{Txs: txs})
	res, err := http.Post(n.URL()+"/v1/txs", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var br api.BatchResponse
	if err := json.NewDecoder(res.Body).Decode(&br); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/txs: HTTP %d, %v", res.StatusCode, err)
	}
	if len(br.Results) != 3 {
		t.Fatalf("got %d results, want 3: %+v", len(br.Results), br)
	}
	for i, r := range br.Results[:2] {
		if r.Problem != nil || !want[r.Hash] {
			t.Errorf("result %d: %+v, want accepted with one of the sent hashes", i, r)
		}
	}
	if p := br.Results[2].Problem; p == nil || p.Codespace != "tx" || p.Title != "malformed" {
		t.Errorf("result 2: %+v, want problem tx/malformed", br.Results[2])
	}

	sc := bufio.NewScanner(stream.Body)
	sc.Buffer(nil, 1<<20)
	event := ""
	for len(want) > 0 && sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || event != "commit" {
			continue
		}
		var ev api.CommitEvent
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("commit event %q: %v", data, err)
		}
		for _, c := range ev.Txs {
			if want[c.Hash] {
				if c.Code != 0 {
					t.Errorf("tx %s committed with code %s/%d", c.Hash, c.Codespace, c.Code)
				}
				delete(want, c.Hash)
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("stream ended (%v) before the commits of %v", sc.Err(), want)
	}
}

// TestBatchRefusesBadRequests: an empty batch, an oversized one and the
// commit mode are refused whole.
func TestBatchRefusesBadRequests(t *testing.T) {
	n := daemontest.Start(t, daemontest.Options{})
	for name, body := range map[string]string{
		"empty":       `{"txs": []}`,
		"too many":    `{"txs": [` + strings.Repeat(`"AQ==",`, api.MaxBatch) + `"AQ=="]}`,
		"commit mode": `{"txs": ["AQ=="], "mode": "commit"}`,
		"not json":    `txs`,
	} {
		res, err := http.Post(n.URL()+"/v1/txs", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var p api.Problem
		json.NewDecoder(res.Body).Decode(&p)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || p.Title != "bad-request" {
			t.Errorf("%s: HTTP %d %+v, want 400 bad-request", name, res.StatusCode, p)
		}
	}
}
