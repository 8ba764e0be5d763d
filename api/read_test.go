package api_test

import (
	"bytes"
	"encoding/json"
	"testing"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/state"
)

// TestReadRefused checks the problem document of every bad read.
func TestReadRefused(t *testing.T) {
	for _, tc := range []struct {
		method, path     string
		status           int
		codespace, title string
	}{
		{"GET", "/v1/blocks/abc", 400, "api", "bad-request"},
		{"GET", "/v1/blocks/0", 400, "api", "bad-request"},
		{"GET", "/v1/blocks/-3", 400, "api", "bad-request"},
		{"GET", "/v1/blocks/1e3", 400, "api", "bad-request"},
		{"GET", "/v1/blocks/999999", 404, "api", "not-found"},
		{"GET", "/v1/validators/abc", 400, "api", "bad-request"},
		{"GET", "/v1/validators/999999", 404, "api", "not-found"},
		{"GET", "/v1/state/", 400, "api", "bad-request"},
		{"GET", "/v1/state/identity/org/northside-hospital?height=abc", 400, "api", "bad-request"},
		{"GET", "/v1/state/identity/org/northside-hospital?height=-1", 400, "api", "bad-request"},
		{"GET", "/v1/state/identity/org/northside-hospital?height=999999", 404, "api", "not-found"},
		{"GET", "/v1/state/identity/org/northside-hospital?height=999999&prove=true", 404, "api", "not-found"},
		{"GET", "/v1/orgs?height=abc", 400, "api", "bad-request"},
		{"GET", "/v1/orgs?height=999999", 404, "api", "not-found"},
		{"GET", "/v1/nothing", 404, "api", "not-found"},
		{"GET", "/v2/status", 404, "api", "not-found"},
		{"GET", "/nothing", 404, "api", "not-found"}, // "/" is the web app's (package web)
		{"DELETE", "/v1/orgs", 405, "api", "method-not-allowed"},
		{"PUT", "/v1/tx", 405, "api", "method-not-allowed"},
		{"POST", "/openapi.json", 405, "api", "method-not-allowed"},
		{"DELETE", "/v1/nothing", 404, "api", "not-found"},
	} {
		res, b := call(t, tc.method, tc.path, "", nil)
		wantProblem(t, tc.method+" "+tc.path, res, b, tc.status, tc.codespace, tc.title)
		if tc.status == 405 && res.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without an Allow header", tc.method, tc.path)
		}
	}
}

func TestBlocks(t *testing.T) {
	var latest api.BlockResponse
	getJSON(t, "/v1/blocks/latest", &latest)
	if latest.Height < 2 || latest.Hash == "" || latest.AppHash == "" || latest.Txs == nil {
		t.Fatalf("latest block: %+v", latest)
	}
	for _, h := range []int64{1, latest.Height} {
		var b api.BlockResponse
		getJSON(t, "/v1/blocks/"+itoa(h), &b)
		var sh types.SignedHeader
		if err := cmtjson.Unmarshal(b.SignedHeader, &sh); err != nil {
			t.Fatalf("block %d: decode signed header: %v", h, err)
		}
		if err := sh.ValidateBasic(demo.ChainID); err != nil {
			t.Errorf("block %d: signed header: %v", h, err)
		}
		if sh.Height != h || b.Height != h || sh.Hash().String() != b.Hash || sh.AppHash.String() != b.AppHash || !sh.Time.Equal(b.Time) {
			t.Errorf("block %d: response %+v disagrees with its signed header", h, b)
		}
	}

	var vals api.ValidatorsResponse
	getJSON(t, "/v1/validators/latest", &vals)
	var set []*types.Validator
	if err := cmtjson.Unmarshal(vals.Validators, &set); err != nil || len(set) != 1 {
		t.Fatalf("validators: %v %s", err, vals.Validators)
	}
	var st api.StatusResponse
	getJSON(t, "/v1/status", &st)
	if st.ChainID != demo.ChainID || st.LatestHeight < latest.Height || len(st.Validators) != 1 || st.Validators[0].Address != set[0].Address.String() {
		t.Errorf("status: %+v", st)
	}
	res, b := call(t, "GET", "/v1/genesis", "", nil)
	var doc types.GenesisDoc
	if res.StatusCode != 200 || cmtjson.Unmarshal(b, &doc) != nil || doc.ChainID != demo.ChainID {
		t.Errorf("genesis: %d %.200s", res.StatusCode, b)
	}
}

// TestStateProofs reads a present and an absent key with prove=true and
// checks both proofs against the app hash of the next block.
func TestStateProofs(t *testing.T) {
	v := node.Store.Version() - 1
	node.WaitHeight(t, v+1)
	var blk api.BlockResponse
	getJSON(t, "/v1/blocks/"+itoa(v+1), &blk)
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(blk.SignedHeader, &sh); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key    string
		exists bool
	}{
		{"identity/org/northside-hospital", true},
		{"identity/org/no-such-hospital", false},
		{"notary/anchor/" + newDigest(t), false},
		{"zzz-after-every-key", false},
		{"!before-every-key", false},
	} {
		var s api.StateResponse
		getJSON(t, "/v1/state/"+tc.key+"?prove=true&height="+itoa(v), &s)
		if s.Key != tc.key || s.Exists != tc.exists || s.Height != v || (s.Value != nil) != tc.exists || len(s.Proof) == 0 {
			t.Errorf("%s: got %+v, want exists=%t at %d with a proof", tc.key, s, tc.exists, v)
			continue
		}
		var p ics23.CommitmentProof
		if err := p.Unmarshal(s.Proof); err != nil {
			t.Errorf("%s: decode proof: %v", tc.key, err)
			continue
		}
		if err := state.VerifyProof(sh.AppHash, &p, []byte(tc.key), s.Value); err != nil {
			t.Errorf("%s: proof does not verify against block %d's app hash: %v", tc.key, v+1, err)
		}
		if tc.exists {
			var org struct{ ID string }
			if err := json.Unmarshal(s.Value, &org); err != nil || org.ID != "northside-hospital" {
				t.Errorf("%s: value %s", tc.key, s.Value)
			}
			if state.VerifyProof(sh.AppHash, &p, []byte(tc.key), append(bytes.Clone(s.Value), ' ')) == nil {
				t.Errorf("%s: the proof also verifies another value", tc.key)
			}
		}
	}

	var plain api.StateResponse
	getJSON(t, "/v1/state/identity/org/northside-hospital", &plain)
	if plain.Proof != nil || !plain.Exists {
		t.Errorf("without prove: %+v", plain)
	}
}
