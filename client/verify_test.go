package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/state"
)

const (
	presentKey = "identity/org/northside-hospital"
	absentKey  = "identity/org/no-such-hospital"
)

func TestVerifyState(t *testing.T) {
	ctx := context.Background()
	pv, err := node.Client.VerifyState(ctx, trust, presentKey)
	if err != nil {
		t.Fatal(err)
	}
	var org identity.Org
	if err := json.Unmarshal(pv.Value, &org); err != nil || org.ID != "northside-hospital" || org.Kind != identity.KindHospital {
		t.Errorf("proven value %s: %v", pv.Value, err)
	}
	if pv.Key != presentKey || pv.Height < 1 || pv.Header == nil || pv.Header.Height != pv.Height+1 {
		t.Errorf("got %+v, want the key at a version and the header of the next block", pv)
	}

	pv, err = node.Client.VerifyState(ctx, trust, absentKey)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Value != nil {
		t.Errorf("absent key proven with value %q", pv.Value)
	}

	// An old version proves the genesis state too.
	pv, err = node.Client.VerifyStateAt(ctx, trust, presentKey, 1)
	if err != nil || pv.Value == nil {
		t.Errorf("at version 1: %+v, %v", pv, err)
	}
}

func TestVerifyAnchor(t *testing.T) {
	ctx := context.Background()
	digests, want := anchors(t)
	for i, d := range digests {
		rep, err := node.Client.VerifyAnchor(ctx, trust, d)
		if err != nil {
			t.Fatalf("anchor %d: %v", i, err)
		}
		if rep.Anchor != want[i] || rep.StateHeight < want[i].Height || rep.Validators != 1 || len(rep.BlockHash) != 64 {
			t.Errorf("anchor %d: got %+v, want %+v", i, rep, want[i])
		}
	}
	// An anchor just committed is in the latest state, which is provable only
	// once the next block commits: VerifyAnchor waits for it rather than
	// report the digest absent.
	sum := sha256.Sum256([]byte("anchored just now " + time.Now().String()))
	fresh := hex.EncodeToString(sum[:])
	res, err := node.Client.Send(ctx, node.Signer("lakeside-clinic/dr-patel"), notary.TypeAnchor, notary.AnchorBody{Digest: fresh, Kind: "discharge-summary"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := node.Client.VerifyAnchor(ctx, trust, fresh)
	if err != nil || rep.Anchor.Height != res.Height || rep.Anchor.TxHash != res.Hash {
		t.Errorf("fresh anchor: got %+v, %v; want the anchor at height %d", rep, err, res.Height)
	}

	_, err = node.Client.VerifyAnchor(ctx, trust, strings.Repeat("ab", 32))
	if !errors.Is(err, client.ErrNotAnchored) {
		t.Errorf("unanchored digest: got %v, want ErrNotAnchored", err)
	}
}

// TestVerifyTampered puts a proxy in front of the node that rewrites its
// answers, one lie at a time, and checks that the client's proof checks
// refuse every lie: a proof check that accepted one would prove nothing.
func TestVerifyTampered(t *testing.T) {
	ctx := context.Background()
	digests, anchorsMade := anchors(t)
	a, b := anchorsMade[0], anchorsMade[1]
	attacker := ed25519.GenPrivKey()

	type target int
	const (
		present target = 1 << iota // VerifyState of presentKey
		absent                     // VerifyState of absentKey
		anchor                     // VerifyAnchor of digests[0]
		all     = present | absent | anchor
	)
	for _, tc := range []struct {
		name    string
		targets target
		rw      rewriter
	}{
		{"state value: one byte changed", present | anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			if s.Exists {
				s.Value[len(s.Value)/2] ^= 0x01
			}
		})},
		{"state value: claimed absent", present | anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			s.Exists, s.Value = false, nil
		})},
		{"state value: claimed present", absent, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			s.Exists, s.Value = true, []byte(`{"id":"no-such-hospital","status":"active"}`)
		})},
		{"state proof: another key's proof", present | absent | anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			other := otherState(t, "identity/org/lakeside-clinic", s.Height)
			s.Proof = other.Proof
		})},
		{"state proof and value: another key's", present | anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			other := otherState(t, "identity/org/lakeside-clinic", s.Height)
			s.Proof, s.Value = other.Proof, other.Value
		})},
		{"state: the true answer of an older version", present | absent | anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			// Version 1 (genesis) is older than both anchors, so its root
			// differs from the one asked for; before its anchor, the anchor
			// record was absent.
			if s.Key == string(notary.Key(digests[0])) {
				*s = otherState(t, s.Key, a.Height-1)
				return
			}
			*s = otherState(t, s.Key, 1)
		})},
		{"state proof: garbage", all, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			s.Proof = []byte("not a proof")
		})},
		{"state proof: missing", all, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			s.Proof = nil
		})},
		{"header: app hash changed", all, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			sh.AppHash = flip(sh.AppHash)
		})},
		{"header: app hash changed, block id recomputed", all, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			sh.AppHash = flip(sh.AppHash)
			sh.Commit.BlockID.Hash = sh.Header.Hash()
		})},
		{"header: data hash changed, block id recomputed", anchor, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			sh.DataHash = flip(sh.DataHash)
			sh.Commit.BlockID.Hash = sh.Header.Hash()
		})},
		{"header: a signature changed", all, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			sh.Commit.Signatures[0].Signature = flip(sh.Commit.Signatures[0].Signature)
		})},
		{"header: the signature removed", all, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			sh.Commit.Signatures[0] = types.NewCommitSigAbsent()
		})},
		{"header: another block's header", all, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			*sh = *signedHeader(t, h-1)
		})},
		{"header: another block's header and commit, renumbered", all, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			other := signedHeader(t, h-1)
			other.Height, other.Commit.Height = h, h
			*sh = *other
		})},
		{"validator set replaced: headers after the first signed by another key", all, rewriters(
			onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
				if h == 1 {
					return // the real header 1: the light-client step must refuse
				}
				*sh = *forge(t, sh, attacker, func(hd *types.Header) {
					hd.ValidatorsHash = oneValidator(attacker).Hash()
					hd.NextValidatorsHash = hd.ValidatorsHash
				})
			}),
			onValidators(func(t *testing.T, h int64, vals *[]*types.Validator) {
				*vals = oneValidator(attacker).Validators
			}),
		)},
		{"validator set replaced: every header signed by another key", all, rewriters(
			onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
				*sh = *forge(t, sh, attacker, func(hd *types.Header) {
					hd.ValidatorsHash = oneValidator(attacker).Hash()
					hd.NextValidatorsHash = hd.ValidatorsHash
				})
			}),
			onValidators(func(t *testing.T, h int64, vals *[]*types.Validator) {
				*vals = oneValidator(attacker).Validators
			}),
		)},
		{"tx proof: the tx of a different anchor", anchor, onTx(func(t *testing.T, r *http.Request, res *api.TxResponse) {
			if res.Hash == a.TxHash {
				var other api.TxResponse
				mustJSON(t, "/v1/tx/"+b.TxHash+"?prove=true", &other)
				*res = other
			}
		})},
		{"tx proof: the bytes of a different anchor", anchor, onTx(func(t *testing.T, r *http.Request, res *api.TxResponse) {
			var other api.TxResponse
			mustJSON(t, "/v1/tx/"+b.TxHash+"?prove=true", &other)
			var p, q types.TxProof
			decodeCmt(t, res.Proof, &p)
			decodeCmt(t, other.Proof, &q)
			p.Data = q.Data
			res.Proof = encodeCmt(t, p)
		})},
		{"tx proof: one byte of the tx changed", anchor, onTx(func(t *testing.T, r *http.Request, res *api.TxResponse) {
			var p types.TxProof
			decodeCmt(t, res.Proof, &p)
			p.Data = flip(p.Data)
			res.Proof = encodeCmt(t, p)
		})},
		{"tx proof: missing", anchor, onTx(func(t *testing.T, r *http.Request, res *api.TxResponse) {
			res.Proof = nil
		})},
		{"anchor record: another digest's", anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			if s.Key == string(notary.Key(digests[0])) {
				other := otherState(t, string(notary.Key(digests[1])), s.Height)
				s.Value, s.Proof = other.Value, other.Proof
			}
		})},
		{"anchor record: time shifted by a second", anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			var rec notary.Anchor
			if json.Unmarshal(s.Value, &rec) == nil && rec.Digest != "" {
				rec.Time = rec.Time.Add(time.Second)
				s.Value, _ = json.Marshal(rec)
			}
		})},
		{"anchor record: another height and tx", anchor, onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			var rec notary.Anchor
			if json.Unmarshal(s.Value, &rec) == nil && rec.Digest != "" {
				rec.Height, rec.TxHash, rec.Time = b.Height, b.TxHash, b.Time
				s.Value, _ = json.Marshal(rec)
			}
		})},
		{"anchor block: time shifted by a second", anchor, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			if h == a.Height {
				sh.Time = sh.Time.Add(time.Second)
			}
		})},
		{"anchor block: time shifted, block id recomputed", anchor, onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			if h == a.Height {
				sh.Time = sh.Time.Add(time.Second)
				sh.Commit.BlockID.Hash = sh.Header.Hash()
			}
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := proxy(t, tc.rw)
			if tc.targets&present != 0 {
				pv, err := c.VerifyState(ctx, trust, presentKey)
				if err == nil {
					t.Errorf("VerifyState(%s) accepted the lie: %q", presentKey, pv.Value)
				}
				t.Logf("present: %v", err)
			}
			if tc.targets&absent != 0 {
				pv, err := c.VerifyState(ctx, trust, absentKey)
				if err == nil {
					t.Errorf("VerifyState(%s) accepted the lie: %q", absentKey, pv.Value)
				}
				t.Logf("absent: %v", err)
			}
			if tc.targets&anchor != 0 {
				rep, err := c.VerifyAnchor(ctx, trust, digests[0])
				if err == nil {
					t.Errorf("VerifyAnchor accepted the lie: %+v", rep)
				}
				if errors.Is(err, client.ErrNotAnchored) {
					t.Errorf("the lie turned an anchored digest into a proven absent one: %v", err)
				}
				t.Logf("anchor: %v", err)
			}
		})
	}

	// The proxy itself changes nothing: through it, with no rewriting, every
	// check passes, so the refusals above are the lies' doing.
	c := proxy(t, nil)
	if _, err := c.VerifyState(ctx, trust, presentKey); err != nil {
		t.Errorf("honest proxy, present key: %v", err)
	}
	if pv, err := c.VerifyState(ctx, trust, absentKey); err != nil || pv.Value != nil {
		t.Errorf("honest proxy, absent key: %+v %v", pv, err)
	}
	if _, err := c.VerifyAnchor(ctx, trust, digests[0]); err != nil {
		t.Errorf("honest proxy, anchor: %v", err)
	}
}

// TestVerifyOtherGenesis checks that a verifier who trusts another genesis
// (another validator key, another chain id, or a set the node's validator
// is a minority of) refuses the node's headers.
func TestVerifyOtherGenesis(t *testing.T) {
	ctx := context.Background()
	digests, _ := anchors(t)
	doc, err := types.GenesisDocFromFile(node.Home.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	other := ed25519.GenPrivKey().PubKey()
	otherKey := *doc
	otherKey.Validators = []types.GenesisValidator{{Address: other.Address(), PubKey: other, Power: 10, Name: "impostor"}}
	otherTrust, err := client.TrustGenesis(&otherKey)
	if err != nil {
		t.Fatal(err)
	}
	otherChain, err := client.TrustGenesisFile(node.Home.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	otherChain.ChainID = "medledger-other"
	minority := client.Trust{ChainID: trust.ChainID, Validators: types.NewValidatorSet(append(
		[]*types.Validator{types.NewValidator(other, 1000)}, trust.Validators.Copy().Validators...))}

	h := node.Store.Version()
	for name, tr := range map[string]client.Trust{"another validator key": otherTrust, "another chain id": otherChain, "a minority of the trusted set": minority} {
		t.Run(name, func(t *testing.T) {
			for _, height := range []int64{1, 2, h} {
				if _, err := node.Client.VerifiedHeader(ctx, tr, height); err == nil {
					t.Errorf("header %d accepted", height)
				}
			}
			if _, err := node.Client.VerifyState(ctx, tr, presentKey); err == nil {
				t.Error("VerifyState accepted")
			}
			if _, err := node.Client.VerifyState(ctx, tr, absentKey); err == nil {
				t.Error("VerifyState of an absent key accepted")
			}
			if _, err := node.Client.VerifyAnchor(ctx, tr, digests[0]); err == nil || errors.Is(err, client.ErrNotAnchored) {
				t.Errorf("VerifyAnchor: got %v, want a verification error", err)
			}
		})
	}
}

// TestVerifyForgedFirstHeader is the attack on the path that verifies a
// header whose validators differ from genesis: the client checks header 1
// against genesis, then light-client verifies the header asked for from
// header 1. If header 1's commit is checked but not that the header is the
// one committed, a proxy can serve the real commit with a header 1 whose
// next validators are the attacker's, and an attacker-signed header 2 then
// verifies as adjacent: any state of version 1 can be forged.
func TestVerifyForgedFirstHeader(t *testing.T) {
	ctx := context.Background()
	attacker := ed25519.GenPrivKey()
	fake := oneValidator(attacker)

	// The attacker's state: northside-hospital suspended.
	real := otherState(t, presentKey, 1)
	forged := bytes.Replace(real.Value, []byte(`"active"`), []byte(`"suspended"`), 1)
	if bytes.Equal(forged, real.Value) {
		t.Fatalf("no status to forge in %s", real.Value)
	}
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Working().Set([]byte(presentKey), forged)
	root, _, err := st.Commit()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := snap.Prove([]byte(presentKey))
	if err != nil {
		t.Fatal(err)
	}
	proof, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}

	c := proxy(t, rewriters(
		onHeader(func(t *testing.T, h int64, sh *types.SignedHeader) {
			switch h {
			case 1: // the real commit, a forged header
				sh.NextValidatorsHash = fake.Hash()
			case 2:
				*sh = *forge(t, sh, attacker, func(hd *types.Header) {
					hd.ValidatorsHash, hd.NextValidatorsHash, hd.AppHash = fake.Hash(), fake.Hash(), root
				})
			}
		}),
		onValidators(func(t *testing.T, h int64, vals *[]*types.Validator) {
			if h == 2 {
				*vals = fake.Validators
			}
		}),
		onState(func(t *testing.T, r *http.Request, s *api.StateResponse) {
			if s.Key == presentKey && s.Height == 1 {
				s.Value, s.Proof = forged, proof
			}
		}),
	))
	sh, err := c.VerifiedHeader(ctx, trust, 2)
	if err == nil {
		t.Errorf("a header 2 signed by another key verified (app hash %X)", sh.AppHash)
	}
	t.Logf("header 2: %v", err)
	pv, err := c.VerifyStateAt(ctx, trust, presentKey, 1)
	if err == nil {
		t.Errorf("forged state verified: %s", pv.Value)
	}
	t.Logf("state: %v", err)
}

// onState rewrites answers of GET /v1/state/.
func onState(edit func(t *testing.T, r *http.Request, s *api.StateResponse)) rewriter {
	return func(t *testing.T, r *http.Request, body []byte) []byte {
		if !strings.HasPrefix(r.URL.Path, "/v1/state/") {
			return body
		}
		return editJSON(t, body, func(s *api.StateResponse) { edit(t, r, s) })
	}
}

// onTx rewrites answers of GET /v1/tx/{hash}.
func onTx(edit func(t *testing.T, r *http.Request, res *api.TxResponse)) rewriter {
	return func(t *testing.T, r *http.Request, body []byte) []byte {
		if !strings.HasPrefix(r.URL.Path, "/v1/tx/") {
			return body
		}
		return editJSON(t, body, func(res *api.TxResponse) { edit(t, r, res) })
	}
}

// onHeader rewrites the signed header of answers of GET /v1/blocks/{h}.
func onHeader(edit func(t *testing.T, h int64, sh *types.SignedHeader)) rewriter {
	return func(t *testing.T, r *http.Request, body []byte) []byte {
		h, ok := heightIn(r, "/v1/blocks/")
		if !ok {
			return body
		}
		return editJSON(t, body, func(b *api.BlockResponse) {
			var sh types.SignedHeader
			decodeCmt(t, b.SignedHeader, &sh)
			edit(t, h, &sh)
			b.SignedHeader = encodeCmt(t, &sh)
		})
	}
}

// onValidators rewrites answers of GET /v1/validators/{h}.
func onValidators(edit func(t *testing.T, h int64, vals *[]*types.Validator)) rewriter {
	return func(t *testing.T, r *http.Request, body []byte) []byte {
		h, ok := heightIn(r, "/v1/validators/")
		if !ok {
			return body
		}
		return editJSON(t, body, func(v *api.ValidatorsResponse) {
			var vals []*types.Validator
			decodeCmt(t, v.Validators, &vals)
			edit(t, h, &vals)
			v.Validators = encodeCmt(t, vals)
		})
	}
}

func rewriters(rws ...rewriter) rewriter {
	return func(t *testing.T, r *http.Request, body []byte) []byte {
		for _, rw := range rws {
			body = rw(t, r, body)
		}
		return body
	}
}

func heightIn(r *http.Request, prefix string) (int64, bool) {
	if !strings.HasPrefix(r.URL.Path, prefix) {
		return 0, false
	}
	h, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, prefix), 10, 64)
	return h, err == nil
}

func editJSON[T any](t *testing.T, body []byte, edit func(*T)) []byte {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("proxy: decode %T: %v", v, err)
		return body
	}
	edit(&v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Errorf("proxy: encode %T: %v", v, err)
		return body
	}
	return b
}

func decodeCmt(t *testing.T, b []byte, v any) {
	if err := cmtjson.Unmarshal(b, v); err != nil {
		t.Errorf("proxy: decode %T: %v", v, err)
	}
}

func encodeCmt(t *testing.T, v any) []byte {
	b, err := cmtjson.Marshal(v)
	if err != nil {
		t.Errorf("proxy: encode %T: %v", v, err)
	}
	return b
}

// mustJSON fetches path from the node itself into out.
func mustJSON(t *testing.T, path string, out any) {
	b, err := fetch(path)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		t.Errorf("proxy: %v", err)
	}
}

// otherState is the node's true answer, with a proof, for key at version v.
func otherState(t *testing.T, key string, v int64) api.StateResponse {
	var s api.StateResponse
	mustJSON(t, "/v1/state/"+key+"?prove=true&height="+strconv.FormatInt(v, 10), &s)
	return s
}

// signedHeader is the node's true signed header at height h.
func signedHeader(t *testing.T, h int64) *types.SignedHeader {
	var b api.BlockResponse
	mustJSON(t, "/v1/blocks/"+strconv.FormatInt(h, 10), &b)
	var sh types.SignedHeader
	decodeCmt(t, b.SignedHeader, &sh)
	return &sh
}

// flip returns a copy of b with one bit changed.
func flip(b []byte) []byte {
	c := bytes.Clone(b)
	if len(c) == 0 {
		return []byte{1}
	}
	c[len(c)/2] ^= 0x01
	return c
}

func oneValidator(key crypto.PrivKey) *types.ValidatorSet {
	return types.NewValidatorSet([]*types.Validator{types.NewValidator(key.PubKey(), 10)})
}

// forge returns sh changed by edit and committed by key alone: a header
// that key's one-validator set verifies.
func forge(t *testing.T, sh *types.SignedHeader, key crypto.PrivKey, edit func(*types.Header)) *types.SignedHeader {
	h := *sh.Header
	edit(&h)
	c := *sh.Commit
	c.BlockID = types.BlockID{Hash: h.Hash(), PartSetHeader: sh.Commit.BlockID.PartSetHeader}
	c.Signatures = []types.CommitSig{{BlockIDFlag: types.BlockIDFlagCommit, ValidatorAddress: key.PubKey().Address(), Timestamp: sh.Commit.Signatures[0].Timestamp}}
	sig, err := key.Sign(c.VoteSignBytes(h.ChainID, 0))
	if err != nil {
		t.Errorf("proxy: sign: %v", err)
	}
	c.Signatures[0].Signature = sig
	return &types.SignedHeader{Header: &h, Commit: &c}
}
