package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/tx"
)

// TestBatchRefused checks the problem documents of bad POST /v1/txs
// requests, and the per-transaction problems of a batch that mixes good
// and bad transactions.
func TestBatchRefused(t *testing.T) {
	one := `"` + b64([]byte{tx.Version, 1, 2, 3}) + `"`
	for _, tc := range []struct {
		name, query, body string
		status            int
		codespace, slug   string
	}{
		{"not json", "", "txs=1", 400, "api", "bad-request"},
		{"unknown field", "", `{"txs":[` + one + `],"fee":1}`, 400, "api", "bad-request"},
		{"txs not a list", "", `{"txs":` + one + `}`, 400, "api", "bad-request"},
		{"empty batch", "", `{"txs":[]}`, 400, "api", "bad-request"},
		{"no txs", "", `{}`, 400, "api", "bad-request"},
		{"too many", "", `{"txs":[` + strings.Repeat(one+",", api.MaxBatch) + one + `]}`, 400, "api", "bad-request"},
		{"bad mode", "?mode=later", `{"txs":[` + one + `]}`, 400, "api", "bad-request"},
		{"commit mode", "", `{"txs":[` + one + `],"mode":"commit"}`, 400, "api", "bad-request"},
		{"oversize body", "", `{"txs":["` + strings.Repeat("A", api.MaxBatchBodyBytes) + `"]}`, 413, "tx", "oversize"},
	} {
		res, b := call(t, "POST", "/v1/txs"+tc.query, "application/json", []byte(tc.body))
		wantProblem(t, tc.name, res, b, tc.status, tc.codespace, tc.slug)
	}

	chen := node.Keys["northside-hospital/dr-chen"]
	alice := node.Keys["patient/alice"]
	good := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
	badSig := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
	badSig[20] ^= 0x80
	patient := sign(t, alice, anchorPayload(t, alice, newDigest(t)))
	txs := [][]byte{good, {0x02, 1, 2}, badSig, patient, good}
	body, _ := json.Marshal(api.BatchRequest{Txs: txs})
	res, b := call(t, "POST", "/v1/txs", "application/json", body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("mixed batch: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	var out api.BatchResponse
	if err := json.Unmarshal(b, &out); err != nil || len(out.Results) != len(txs) {
		t.Fatalf("mixed batch: %v %s", err, b)
	}
	want := []struct{ codespace, slug string }{{"", ""}, {"tx", "malformed"}, {"tx", "bad-signature"}, {"tx", "unauthorized"}, {"tx", "replayed"}}
	for i, r := range out.Results {
		if r.Hash != hashOf(txs[i]) {
			t.Errorf("result %d: hash %s, want %s", i, r.Hash, hashOf(txs[i]))
		}
		if want[i].slug == "" {
			if r.Problem != nil {
				t.Errorf("result %d: refused %+v", i, r.Problem)
			}
			continue
		}
		if r.Problem == nil || r.Problem.Codespace != want[i].codespace || r.Problem.Title != want[i].slug ||
			r.Problem.Type != api.ProblemType(want[i].codespace, want[i].slug) || r.Problem.Status == 0 || r.Problem.Detail == "" {
			t.Errorf("result %d: got %+v, want %s/%s", i, r.Problem, want[i].codespace, want[i].slug)
		}
	}
	waitTx(t, hashOf(good))
}

// TestBatchStopOnError: with stop_on_error, nothing after the first refused
// transaction is sent: the rest answer api/not-sent and never commit.
func TestBatchStopOnError(t *testing.T) {
	chen := node.Keys["northside-hospital/dr-chen"]
	alice := node.Keys["patient/alice"]
	first := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
	refused := sign(t, alice, anchorPayload(t, alice, newDigest(t))) // patients may not anchor
	after := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
	body, _ := json.Marshal(api.BatchRequest{Txs: [][]byte{first, refused, after}, StopOnError: true})
	res, b := call(t, "POST", "/v1/txs", "application/json", body)
	var out api.BatchResponse
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != 200 || len(out.Results) != 3 {
		t.Fatalf("batch: %d %v %s", res.StatusCode, err, b)
	}
	if out.Results[0].Problem != nil || out.Results[1].Problem == nil || out.Results[1].Problem.Title != "unauthorized" ||
		out.Results[2].Problem == nil || out.Results[2].Problem.Title != "not-sent" {
		t.Fatalf("stop_on_error results: %s", b)
	}
	waitTx(t, hashOf(first))
	// Two more blocks: the transaction after the refusal was never sent.
	h := node.Store.Version()
	node.WaitHeight(t, h+2)
	if _, err := node.Client.Tx(context.Background(), hashOf(after), false); err == nil {
		t.Fatal("the transaction after the refusal committed")
	}
}

// TestCommitStream subscribes to GET /v1/stream/commits, commits a
// transaction and waits for the event that names it.
func TestCommitStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", node.URL()+"/v1/stream/commits", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}

	chen := node.Keys["northside-hospital/dr-chen"]
	raw := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
	r, b := call(t, "POST", "/v1/tx?mode=sync", "application/json", txBody(t, raw))
	if r.StatusCode != 200 {
		t.Fatalf("submit: %d %s", r.StatusCode, b)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	var event string
	var lastHeight int64
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if event != "commit" {
				t.Fatalf("event %q: %s", event, line)
			}
			var ev api.CommitEvent
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
				t.Fatalf("commit event: %v: %s", err, line)
			}
			if lastHeight != 0 && ev.Height != lastHeight+1 {
				t.Errorf("commit events of heights %d then %d", lastHeight, ev.Height)
			}
			lastHeight = ev.Height
			for _, c := range ev.Txs {
				if c.Hash == hashOf(raw) {
					if c.Code != 0 {
						t.Errorf("committed with code %d %s", c.Code, c.Codespace)
					}
					return
				}
			}
		}
	}
	t.Fatalf("the stream ended without the transaction: %v", sc.Err())
}
