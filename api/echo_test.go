package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/tx"
)

// maxDetail is how long a refusal's detail, and the ABCI log it comes
// from, may be however huge the value refused (issue 8).
const maxDetail = 300

// TestHugeValuesNotEchoed sends the node requests and transactions with a
// 10,000-byte path, method, parameter, chain id, type or JSON key, and
// checks that each refusal (the problem document, and for a transaction
// the log of the app's CheckTx) is short, has the right code, says what was
// wrong and how long the value was.
func TestHugeValuesNotEchoed(t *testing.T) {
	huge := strings.Repeat("x", 10_000)
	key := node.Keys["lakeside-clinic/dr-patel"]
	valid := sign(t, key, anchorPayload(t, key, newDigest(t)))
	batch, err := json.Marshal(struct {
		Txs [][]byte `json:"txs"`
	}{[][]byte{valid}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, method, path string
		body               []byte
		status             int
		code               medledger.Code
		says               string
	}{
		{"unknown route", "GET", "/v1/" + huge, nil, 404, api.ErrNotFound, "no route GET"},
		{"method of a route", "POST", "/v1/orgs/" + huge, nil, 405, api.ErrMethod, "is not served on"},
		{"made-up method", huge, "/v1/status", nil, 405, api.ErrMethod, "is not served on \"/v1/status\""},
		{"block height", "GET", "/v1/blocks/" + huge, nil, 400, api.ErrBadRequest, "is not a positive block height"},
		{"state height", "GET", "/v1/orgs?height=" + huge, nil, 400, api.ErrBadRequest, "is not a block height"},
		{"page limit", "GET", "/v1/orgs?limit=" + huge, nil, 400, api.ErrBadRequest, "must be 1 to"},
		{"submit mode", "POST", "/v1/tx?mode=" + huge, txBody(t, valid), 400, api.ErrBadRequest, "is not async, sync or commit"},
		{"batch mode", "POST", "/v1/txs?mode=" + huge, batch, 400, api.ErrBadRequest, "is not async or sync"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, b := call(t, c.method, c.path, "application/json", c.body)
			p := wantProblem(t, c.name, res, b, c.status, c.code.Codespace, c.code.Slug)
			checkEcho(t, "problem", p.Codespace, p.Code, p.Detail, c.code, c.says)
		})
	}

	for _, c := range []struct {
		name string
		edit func(*tx.Payload)
		code medledger.Code
		says string
	}{
		{"chain id", func(p *tx.Payload) { p.ChainID = huge }, tx.ErrWrongChain, "transaction is for chain"},
		{"type", func(p *tx.Payload) { p.Type = "notary/" + huge }, tx.ErrMalformed, "is not of the form module/action"},
		{"body field", func(p *tx.Payload) { p.Body = json.RawMessage(`{"` + huge + `": 1}`) }, tx.ErrMalformed, "unknown field"},
		{"key twice under a huge key", func(p *tx.Payload) { p.Body = json.RawMessage(`{"` + huge + `": {"k": 1, "k": 2}}`) },
			tx.ErrMalformed, `key "k" appears twice in`},
	} {
		t.Run("tx "+c.name, func(t *testing.T) {
			p := anchorPayload(t, key, newDigest(t))
			c.edit(&p)
			raw := sign(t, key, p)
			res, b := call(t, "POST", "/v1/tx?mode=sync", "application/json", txBody(t, raw))
			pr := wantProblem(t, c.name, res, b, http.StatusBadRequest, c.code.Codespace, c.code.Slug)
			checkEcho(t, "problem", pr.Codespace, pr.Code, pr.Detail, c.code, c.says)
			ct, err := node.App.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw})
			if err != nil {
				t.Fatal(err)
			}
			checkEcho(t, "ABCI log", ct.Codespace, ct.Code, ct.Log, c.code, c.says)
		})
	}

	t.Run("ABCI query path", func(t *testing.T) {
		q, err := node.App.Query(context.Background(), &abci.RequestQuery{Path: huge})
		if err != nil {
			t.Fatal(err)
		}
		if q.Code == 0 || len(q.Log) > maxDetail || !strings.Contains(q.Log, "unknown query path") || !strings.Contains(q.Log, " bytes)") {
			t.Errorf("query %d bytes: code %d, log %.300q", len(huge), q.Code, q.Log)
		}
	})
}

// checkEcho checks a refusal's code and detail: short, saying what was
// wrong, and how long the value was (medledger.Quote's "... (N bytes)").
func checkEcho(t *testing.T, what, codespace string, code uint32, detail string, want medledger.Code, says string) {
	t.Helper()
	if codespace != want.Codespace || code != want.Code {
		t.Errorf("%s: code %s/%d, want %s/%d (%s): %.300s", what, codespace, code, want.Codespace, want.Code, want.Slug, detail)
	}
	if len(detail) > maxDetail {
		t.Errorf("%s: the detail is %d bytes, over %d: %.300s...", what, len(detail), maxDetail, detail)
	}
	if !strings.Contains(detail, says) || !strings.Contains(detail, " bytes)") {
		t.Errorf("%s: %.300q does not say %q and how long the value was", what, detail, says)
	}
}
