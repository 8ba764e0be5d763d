package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

const anchorKey = "notary/anchor/"

// TestSubmitRefused sends bad input of every kind to POST /v1/tx and checks
// each answer is the right problem document; then that none of the refused
// transactions wrote anything.
func TestSubmitRefused(t *testing.T) {
	chen := node.Keys["northside-hospital/dr-chen"]
	alice := node.Keys["patient/alice"]
	stranger := keystore.FromSeed("northside-hospital/stranger", []byte("not in genesis"))

	// digests of the transactions that a valid node MUST NOT anchor.
	var refused []string
	// signed returns a dr-chen anchor of a fresh digest, changed by edit.
	signed := func(key *keystore.Key, edit func(*tx.Payload)) []byte {
		d := newDigest(t)
		refused = append(refused, d)
		p := anchorPayload(t, key, d)
		if edit != nil {
			edit(&p)
		}
		return sign(t, key, p)
	}
	before := map[string]api.StateResponse{}

	badVersion := signed(chen, nil)
	badVersion[0] = 0x02
	badSig := signed(chen, nil)
	badSig[10] ^= 0x01
	oversizeTx := append([]byte{tx.Version}, bytes.Repeat([]byte{'x'}, tx.MaxBytes)...)

	cases := []struct {
		name        string
		query       string
		contentType string
		body        []byte
		status      int
		codespace   string
		slug        string
		hashed      bool // the problem names the transaction's hash (it reached CheckTx)
	}{
		{name: "not json", contentType: "application/json", body: []byte("tx=AQID"), status: 400, codespace: "api", slug: "bad-request"},
		{name: "no content type, not json", body: []byte{0x01, 0x02}, status: 400, codespace: "api", slug: "bad-request"},
		{name: "json array", contentType: "application/json", body: []byte(`["AQID"]`), status: 400, codespace: "api", slug: "bad-request"},
		{name: "tx not base64", contentType: "application/json", body: []byte(`{"tx":"not base64!"}`), status: 400, codespace: "api", slug: "bad-request"},
		{name: "empty object", contentType: "application/json", body: []byte(`{}`), status: 400, codespace: "api", slug: "bad-request"},
		{name: "empty tx", contentType: "application/json", body: []byte(`{"tx":""}`), status: 400, codespace: "api", slug: "bad-request"},
		{name: "empty raw body", contentType: "application/octet-stream", body: nil, status: 400, codespace: "tx", slug: "malformed"},
		{name: "unknown field", contentType: "application/json", body: []byte(`{"tx":"AQID","fee":1}`), status: 400, codespace: "api", slug: "bad-request"},
		{name: "bad mode in query", query: "?mode=eventually", contentType: "application/json", body: txBody(t, signed(chen, nil)), status: 400, codespace: "api", slug: "bad-request"},
		{name: "bad mode in body", contentType: "application/json", body: []byte(`{"tx":"` + b64(signed(chen, nil)) + `","mode":"SYNC"}`), status: 400, codespace: "api", slug: "bad-request"},
		{name: "oversize body", contentType: "application/octet-stream", body: make([]byte, api.MaxBodyBytes+1), status: 413, codespace: "tx", slug: "oversize"},
		{name: "oversize json body", contentType: "application/json", body: []byte(`{"tx":"` + strings.Repeat("A", api.MaxBodyBytes) + `"}`), status: 413, codespace: "tx", slug: "oversize"},
		{name: "oversize tx", contentType: "application/octet-stream", body: oversizeTx, status: 413, codespace: "tx", slug: "oversize"},
		{name: "oversize tx in json", contentType: "application/json", body: txBody(t, oversizeTx), status: 413, codespace: "tx", slug: "oversize"},
		{name: "short tx", contentType: "application/json", body: txBody(t, []byte{tx.Version, 1, 2, 3}), status: 400, codespace: "tx", slug: "malformed"},
		{name: "bad version byte", contentType: "application/json", body: txBody(t, badVersion), status: 400, codespace: "tx", slug: "malformed"},
		{name: "bad version byte raw", contentType: "application/octet-stream", body: badVersion, status: 400, codespace: "tx", slug: "malformed"},
		{name: "bad signature", contentType: "application/json", body: txBody(t, badSig), status: 403, codespace: "tx", slug: "bad-signature", hashed: true},
		{name: "wrong chain", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.ChainID = "medledger-other" })), status: 400, codespace: "tx", slug: "wrong-chain", hashed: true},
		{name: "unknown type", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.Type = "notary/unanchor" })), status: 400, codespace: "tx", slug: "unknown-type", hashed: true},
		{name: "unknown module", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.Type = "ledger/pay" })), status: 400, codespace: "tx", slug: "unknown-type", hashed: true},
		{name: "unknown signer", contentType: "application/json", body: txBody(t, signed(stranger, nil)), status: 403, codespace: "tx", slug: "unknown-signer", hashed: true},
		{name: "key of another member", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.KeyID = alice.KeyID() })), status: 403, codespace: "tx", slug: "key-mismatch", hashed: true},
		{name: "unauthorized: patient anchors", contentType: "application/json", body: txBody(t, signed(alice, nil)), status: 403, codespace: "tx", slug: "unauthorized", hashed: true},
		{name: "unauthorized in commit mode", query: "?mode=commit", contentType: "application/json", body: txBody(t, signed(alice, nil)), status: 403, codespace: "tx", slug: "unauthorized", hashed: true},
		{name: "expired", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.Expires = 1 })), status: 400, codespace: "tx", slug: "expired", hashed: true},
		{name: "expiry too far", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.Expires += 2 * app.MaxTTL })), status: 400, codespace: "tx", slug: "expiry-too-far", hashed: true},
		{name: "invalid body", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) { p.Body = json.RawMessage(`{"digest":"ABC","kind":"lab-report"}`) })), status: 400, codespace: "notary", slug: "invalid", hashed: true},
		{name: "unknown body field", contentType: "application/json", body: txBody(t, signed(chen, func(p *tx.Payload) {
			p.Body = json.RawMessage(`{"digest":"` + refused[len(refused)-1] + `","kind":"lab-report","patient":"alice"}`)
		})), status: 400, codespace: "tx", slug: "malformed", hashed: true},
	}
	for _, d := range refused {
		before[d] = stateOf(t, anchorKey+d)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, b := call(t, "POST", "/v1/tx"+tc.query, tc.contentType, tc.body)
			p := wantProblem(t, tc.name, res, b, tc.status, tc.codespace, tc.slug)
			if tc.hashed && len(p.Hash) != 64 {
				t.Errorf("the problem does not name the transaction's hash: %+v", p)
			}
			if p.Detail == "" || strings.HasPrefix(p.Detail, "internal") {
				t.Errorf("the detail does not say what was wrong: %q", p.Detail)
			}
		})
	}

	// The same refused transactions, sent in async mode, are accepted for
	// broadcast (async checks only the envelope's form) but never land.
	for _, raw := range [][]byte{badSig, signed(alice, nil), signed(chen, func(p *tx.Payload) { p.Expires = 1 })} {
		res, b := call(t, "POST", "/v1/tx?mode=async", "application/json", txBody(t, raw))
		if res.StatusCode != http.StatusAccepted && res.StatusCode != http.StatusConflict {
			t.Errorf("async refused tx: %d %s", res.StatusCode, b)
		}
	}

	// Nothing was written: wait for blocks past every submission, then the
	// notary key of every refused digest reads as before (absent).
	node.WaitHeight(t, node.Store.Version()+3)
	for _, d := range refused {
		after := stateOf(t, anchorKey+d)
		if after.Exists || before[d].Exists && !bytes.Equal(before[d].Value, after.Value) {
			t.Errorf("refused anchor of %s changed the state: before %+v, after %+v", d, before[d], after)
		}
		res, b := call(t, "GET", "/v1/anchors/"+d, "", nil)
		wantProblem(t, "anchor of a refused tx", res, b, 404, "notary", "not-anchored")
	}
}

// TestSubmitReplayed sends the same transaction twice, in every mode, and
// a new transaction that reuses a committed one's nonce: each is refused
// with 409 tx/replayed, whether the mempool cache or the app catches it.
func TestSubmitReplayed(t *testing.T) {
	chen := node.Keys["northside-hospital/dr-chen"]
	d := newDigest(t)
	p := anchorPayload(t, chen, d)
	raw := sign(t, chen, p)
	res, b := call(t, "POST", "/v1/tx?mode=commit", "application/json", txBody(t, raw))
	if res.StatusCode != 200 {
		t.Fatalf("first submit: %d %s", res.StatusCode, b)
	}
	for _, mode := range []string{"sync", "commit", "async"} {
		res, b := call(t, "POST", "/v1/tx?mode="+mode, "application/json", txBody(t, raw))
		wantProblem(t, "same tx again, "+mode, res, b, 409, "tx", "replayed")
	}

	// Another transaction (another digest, so another hash) with the
	// committed one's nonce and expiry: not in the mempool cache, so the
	// app's replay guard refuses it.
	d2 := newDigest(t)
	p2 := anchorPayload(t, chen, d2)
	p2.Nonce, p2.Expires = p.Nonce, p.Expires
	raw2 := sign(t, chen, p2)
	res, b = call(t, "POST", "/v1/tx", "application/json", txBody(t, raw2))
	pr := wantProblem(t, "reused nonce", res, b, 409, "tx", "replayed")
	if pr.Hash != hashOf(raw2) {
		t.Errorf("problem hash %s, want %s", pr.Hash, hashOf(raw2))
	}

	// Twice before the first is committed: the second hits the mempool cache.
	d3 := newDigest(t)
	raw3 := sign(t, chen, anchorPayload(t, chen, d3))
	res, b = call(t, "POST", "/v1/tx?mode=sync", "application/json", txBody(t, raw3))
	if res.StatusCode != 200 {
		t.Fatalf("sync submit: %d %s", res.StatusCode, b)
	}
	res, b = call(t, "POST", "/v1/tx?mode=sync", "application/octet-stream", raw3)
	wantProblem(t, "same tx while in the mempool", res, b, 409, "tx", "replayed")
	waitTx(t, hashOf(raw3))

	node.WaitHeight(t, node.Store.Version()+2)
	for _, c := range []struct {
		digest string
		raw    []byte
	}{{d, raw}, {d3, raw3}} {
		var a notary.Anchor
		getJSON(t, "/v1/anchors/"+c.digest, &a)
		if a.TxHash != hashOf(c.raw) {
			t.Errorf("anchor of %s names tx %s, want %s", c.digest, a.TxHash, hashOf(c.raw))
		}
	}
	if s := stateOf(t, anchorKey+d2); s.Exists {
		t.Errorf("the replayed transaction anchored %s: %+v", d2, s)
	}
}

// TestSubmitModes checks what each mode answers, and that a committed
// transaction's inclusion proof has the block's data hash as its root.
func TestSubmitModes(t *testing.T) {
	chen := node.Keys["northside-hospital/dr-chen"]

	t.Run("async", func(t *testing.T) {
		raw := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
		res, b := call(t, "POST", "/v1/tx?mode=async", "application/json", txBody(t, raw))
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d, want 202: %s", res.StatusCode, b)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		var r api.TxResponse
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Hash != hashOf(raw) || r.Mode != "async" || r.Committed {
			t.Errorf("got %+v, want hash %s, mode async, not committed", r, hashOf(raw))
		}
		if got := waitTx(t, r.Hash); got.Code != 0 {
			t.Errorf("committed with code %d: %s", got.Code, got.Log)
		}
	})

	t.Run("sync", func(t *testing.T) {
		raw := sign(t, chen, anchorPayload(t, chen, newDigest(t)))
		res, b := call(t, "POST", "/v1/tx", "application/octet-stream", raw) // sync is the default
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.StatusCode, b)
		}
		var r api.TxResponse
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Hash != hashOf(raw) || r.Mode != "sync" || r.Committed || r.Height != 0 {
			t.Errorf("got %+v, want hash %s, mode sync, no height", r, hashOf(raw))
		}
		waitTx(t, r.Hash)
	})

	t.Run("commit", func(t *testing.T) {
		d := newDigest(t)
		raw := sign(t, chen, anchorPayload(t, chen, d))
		var r api.TxResponse
		res, b := call(t, "POST", "/v1/tx", "application/json", []byte(`{"tx":"`+b64(raw)+`","mode":"commit"}`))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.StatusCode, b)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Hash != hashOf(raw) || r.Mode != "commit" || !r.Committed || r.Height < 1 {
			t.Fatalf("got %+v, want hash %s, committed, with a height", r, hashOf(raw))
		}
		attrs := map[string]string{}
		for _, e := range r.Events {
			if e.Type == notary.EventAnchored {
				for _, a := range e.Attributes {
					attrs[a.Key] = a.Value
				}
			}
		}
		if attrs["digest"] != d || attrs["signer"] != chen.ID || attrs["kind"] != "lab-report" {
			t.Errorf("events %+v lack %s with digest, signer and kind", r.Events, notary.EventAnchored)
		}

		// GET /v1/tx/{hash} agrees, and its proof is rooted in the block.
		// NOTE: mode=commit answers when the app commits, before CometBFT's
		// indexer has indexed the block, so the lookup may 404 for a moment
		// (reported); wait for it.
		waitTx(t, r.Hash)
		var got api.TxResponse
		getJSON(t, "/v1/tx/"+r.Hash+"?prove=true", &got)
		if got.Height != r.Height || got.Index != r.Index || !got.Committed || got.Code != 0 || !bytes.Equal(got.Tx, raw) {
			t.Errorf("GET /v1/tx: got %+v, want height %d index %d and the tx", got, r.Height, r.Index)
		}
		var proof types.TxProof
		if err := cmtjson.Unmarshal(got.Proof, &proof); err != nil {
			t.Fatalf("decode proof: %v: %s", err, got.Proof)
		}
		var blk api.BlockResponse
		getJSON(t, "/v1/blocks/"+itoa(r.Height), &blk)
		var sh types.SignedHeader
		if err := cmtjson.Unmarshal(blk.SignedHeader, &sh); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(proof.RootHash, sh.DataHash) {
			t.Errorf("proof root %X, block %d data hash %X", proof.RootHash, r.Height, sh.DataHash)
		}
		if err := proof.Validate(sh.DataHash); err != nil {
			t.Errorf("proof does not validate against the data hash: %v", err)
		}
		if !bytes.Equal(proof.Data, raw) {
			t.Error("the proof is of other bytes than the transaction")
		}
		found := false
		for _, h := range blk.Txs {
			found = found || h == r.Hash
		}
		if !found {
			t.Errorf("block %d lists %v, not %s", r.Height, blk.Txs, r.Hash)
		}

		var plain api.TxResponse
		getJSON(t, "/v1/tx/"+r.Hash, &plain)
		if plain.Proof != nil {
			t.Errorf("a proof without prove=true: %s", plain.Proof)
		}
	})
}

func TestGetTxRefused(t *testing.T) {
	for _, tc := range []struct {
		path             string
		status           int
		codespace, title string
	}{
		{"/v1/tx/xyz", 400, "api", "bad-request"},
		{"/v1/tx/" + strings.Repeat("g", 64), 400, "api", "bad-request"},
		{"/v1/tx/" + strings.Repeat("ab", 31), 400, "api", "bad-request"},
		{"/v1/tx/" + strings.Repeat("ab", 33), 400, "api", "bad-request"},
		{"/v1/tx/" + strings.Repeat("AB", 32), 404, "api", "not-found"},
		{"/v1/tx/" + strings.Repeat("ab", 32) + "?prove=true", 404, "api", "not-found"},
	} {
		res, b := call(t, "GET", tc.path, "", nil)
		wantProblem(t, tc.path, res, b, tc.status, tc.codespace, tc.title)
	}
}
