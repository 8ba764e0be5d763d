package app_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

const (
	hospitalAdmin     = "northside-hospital/admin"
	hospitalClinician = "northside-hospital/dr-chen"
)

func anchorBody(what string) notary.AnchorBody {
	return notary.AnchorBody{Digest: chaintest.Digest(what), Kind: "lab-report"}
}

// envelopeCases are transactions the envelope check refuses, each with its
// code. They are built against ch at its current height.
func envelopeCases(ch *chaintest.Chain) []struct {
	name string
	raw  []byte
	want medledger.Code
} {
	next := ch.Height + 1
	other := chaintest.NewKey("someone else")
	good := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("good"))
	flipSig := bytes.Clone(good)
	flipSig[10] ^= 1
	// Change one character of the signed payload (the nonce) after signing.
	flipPayload := bytes.Clone(good)
	i := bytes.Index(flipPayload, []byte(`"nonce":"n`)) + len(`"nonce":"n`)
	flipPayload[i] = 'x'
	wrongVersion := bytes.Clone(good)
	wrongVersion[0] = 2
	sig := good[:65]
	withPayload := func(p string) []byte { return append(bytes.Clone(sig), p...) }

	return []struct {
		name string
		raw  []byte
		want medledger.Code
	}{
		{"wrong chain", ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("a"), func(p *tx.Payload) { p.ChainID = "other-chain" }), tx.ErrWrongChain},
		{"expired", ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("b"), func(p *tx.Payload) { p.Expires = next - 1 }), tx.ErrExpired},
		{"expiry too far", ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("c"), func(p *tx.Payload) { p.Expires = next + app.MaxTTL + 1 }), tx.ErrExpiryTooFar},
		{"flipped signature bit", flipSig, tx.ErrBadSignature},
		{"payload changed after signing", flipPayload, tx.ErrBadSignature},
		{"signed by another key", ch.SignWith(other.Sign, ch.Payload(hospitalClinician, notary.TypeAnchor, anchorBody("d"))), tx.ErrBadSignature},
		{"unknown member", ch.Sign("ghost-clinic/admin", notary.TypeAnchor, anchorBody("e")), tx.ErrUnknownSigner},
		{"unknown org", ch.Sign("ghost-clinic", notary.TypeAnchor, anchorBody("f")), tx.ErrUnknownSigner},
		{"unknown patient", ch.Sign(identity.PatientID(other.Public()), notary.TypeAnchor, anchorBody("g")), tx.ErrUnknownSigner},
		{"key id of another key", ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("h"), func(p *tx.Payload) { p.KeyID = other.KeyID() }), tx.ErrKeyMismatch},
		{"unknown action", ch.Sign(hospitalAdmin, "identity/frobnicate", map[string]string{}), tx.ErrUnknownType},
		{"unknown module", ch.Sign(hospitalAdmin, "supply/ship", map[string]string{}), tx.ErrUnknownType},
		{"empty", []byte{}, tx.ErrMalformed},
		{"garbage", []byte("hello, chain"), tx.ErrMalformed},
		{"wrong version", wrongVersion, tx.ErrMalformed},
		{"payload not json", withPayload("not json at all"), tx.ErrMalformed},
		{"unknown envelope field", withPayload(`{"chain_id":"medledger-test","type":"notary/anchor","signer":"a/b","key_id":"00000000000000000000000000000000","nonce":"n","expires":5,"body":{},"extra":1}`), tx.ErrMalformed},
		{"data after payload", withPayload(`{"chain_id":"medledger-test","type":"notary/anchor","signer":"a/b","key_id":"00000000000000000000000000000000","nonce":"n","expires":5,"body":{}} {}`), tx.ErrMalformed},
		{"empty nonce", ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("i"), func(p *tx.Payload) { p.Nonce = "" }), tx.ErrMalformed},
		{"zero expiry", ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("j"), func(p *tx.Payload) { p.Expires = 0 }), tx.ErrMalformed},
		{"body not an object", ch.Sign(hospitalClinician, notary.TypeAnchor, []byte(`["x"]`)), tx.ErrMalformed},
		{"unknown body field", ch.Sign(hospitalClinician, notary.TypeAnchor, map[string]string{"digest": chaintest.Digest("k"), "kind": "lab-report", "patient_name": "x"}), tx.ErrMalformed},
		{"oversize", append(bytes.Clone(good), make([]byte, tx.MaxBytes)...), tx.ErrOversize},
	}
}

// TestEnvelopeRejections checks every envelope refusal through CheckTx and
// through FinalizeBlock, with its code and the "tx" codespace.
func TestEnvelopeRejections(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	cases := envelopeCases(ch)
	var txs [][]byte
	for _, c := range cases {
		chaintest.RequireCode(t, ch.Check(c.raw), c.want, "CheckTx: "+c.name)
		txs = append(txs, c.raw)
	}
	for i, r := range ch.Block(txs...) {
		chaintest.RequireCode(t, r, cases[i].want, "FinalizeBlock: "+cases[i].name)
	}
}

// TestExpiryBounds: a transaction may expire at the very block it is
// included in, and as late as MaxTTL blocks past it.
func TestExpiryBounds(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	next := ch.Height + 1
	now := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("now"), func(p *tx.Payload) { p.Expires = next })
	late := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("late"), func(p *tx.Payload) { p.Expires = next + app.MaxTTL })
	chaintest.RequireOK(t, ch.Check(now), "CheckTx expiring now")
	chaintest.RequireOK(t, ch.Check(late), "CheckTx expiring late")
	for i, r := range ch.Block(now, late) {
		chaintest.RequireOK(t, r, []string{"expiring now", "expiring at MaxTTL"}[i])
	}
}

// TestReplay: the same transaction is refused a second time in one block,
// in a later block, and by CheckTx both before and after it is committed.
func TestReplay(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()

	raw := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("one"))
	res := ch.Block(raw, raw)
	chaintest.RequireOK(t, res[0], "first")
	chaintest.RequireCode(t, res[1], tx.ErrReplayed, "same block")
	chaintest.RequireCode(t, ch.Deliver(raw), tx.ErrReplayed, "later block")
	chaintest.RequireCode(t, ch.Check(raw), tx.ErrReplayed, "CheckTx after commit")

	raw2 := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("two"))
	chaintest.RequireOK(t, ch.Check(raw2), "CheckTx first")
	chaintest.RequireCode(t, ch.Check(raw2), tx.ErrReplayed, "CheckTx again before commit")
	chaintest.RequireOK(t, ch.Deliver(raw2), "deliver after CheckTx")

	// The guard is the (signer, nonce, expiry) triple, not the body: another
	// body under a used nonce is refused too.
	var nonce string
	raw3 := ch.Sign(hospitalAdmin, notary.TypeAnchor, anchorBody("three"), func(p *tx.Payload) { nonce = p.Nonce })
	chaintest.RequireOK(t, ch.Deliver(raw3), "three")
	t3, _ := tx.Decode(raw3)
	same := ch.Sign(hospitalAdmin, notary.TypeAnchor, anchorBody("four"), func(p *tx.Payload) { p.Nonce, p.Expires = nonce, t3.Expires })
	chaintest.RequireCode(t, ch.Deliver(same), tx.ErrReplayed, "new body, used nonce")

	// A rejected transaction burns no nonce: the same bytes apply once the
	// handler accepts them.
	vote := ch.Sign("lakeside-clinic/admin", identity.TypeVote, identity.VoteBody{Proposal: 1, Approve: true})
	chaintest.RequireCode(t, ch.Deliver(vote), identity.ErrProposalNotFound, "vote before the proposal")
	k := chaintest.NewKey("riverside-clinic/admin")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(hospitalAdmin, identity.TypePropose, identity.ProposeBody{
		Action: identity.ActionAddOrg,
		Org:    &identity.Org{ID: "riverside-clinic", Name: "Riverside", Kind: identity.KindClinic, Jurisdiction: "US"},
		Admin:  &identity.GenesisMember{ID: "admin", SignKey: k.Public(), EncKey: k.Enc},
	})), "propose")
	chaintest.RequireOK(t, ch.Deliver(vote), "same vote bytes after the proposal exists")
}

// TestKeyMismatchAfterRotation: once a member's key is rotated, a transaction
// under the old key is refused with key-mismatch, even one whose signature
// was verified (and cached) before the rotation.
func TestKeyMismatchAfterRotation(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	old := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("signed before rotation"))
	ch.App.PreVerify(old)
	chaintest.RequireOK(t, ch.Check(old), "CheckTx before rotation")

	k := chaintest.NewKey("dr-chen new key")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(hospitalAdmin, identity.TypeRotateKey,
		identity.MemberBody{Member: "dr-chen", SignKey: k.Public(), EncKey: k.Enc})), "rotate")

	chaintest.RequireCode(t, ch.Check(old), tx.ErrKeyMismatch, "CheckTx old key")
	chaintest.RequireCode(t, ch.Deliver(old), tx.ErrKeyMismatch, "old key")
	fresh := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("fresh old key"))
	chaintest.RequireCode(t, ch.Deliver(fresh), tx.ErrKeyMismatch, "new tx, old key")

	// The new key id with the old key's signature does not verify.
	forged := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("forged"), func(p *tx.Payload) { p.KeyID = k.KeyID() })
	chaintest.RequireCode(t, ch.Deliver(forged), tx.ErrBadSignature, "old key under new key id")

	ch.SetKey(hospitalClinician, k.Sign)
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("new key"))), "new key")
}

// TestPreVerifyDecidesNothing: PreVerify of a transaction with a bad
// signature does not let it through.
func TestPreVerifyDecidesNothing(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	raw := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("x"))
	raw[20] ^= 1
	ch.App.PreVerify(raw)
	chaintest.RequireCode(t, ch.Deliver(raw), tx.ErrBadSignature, "bad signature after PreVerify")
}

// replayEntries lists the replay guard's entries, each as its bucket key
// (which holds the expiry) followed by the entry.
func replayEntries(r state.Reader) [][]byte {
	p := []byte("app/replay/")
	var out [][]byte
	r.Iterate(p, state.PrefixEnd(p), func(k, v []byte) bool {
		for i := 0; i+16 <= len(v); i += 16 {
			out = append(out, append(bytes.Clone(k), v[i:i+16]...))
		}
		return true
	})
	return out
}

// TestReplayPruning: a replay-guard entry lives under app/replay/ until the
// first block past its expiry, and is pruned then.
func TestReplayPruning(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	h := ch.Height
	raw := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("short"), func(p *tx.Payload) { p.Expires = h + 2 })
	long := ch.Sign(hospitalAdmin, notary.TypeAnchor, anchorBody("long"), func(p *tx.Payload) { p.Expires = h + 50 })
	for _, r := range ch.Block(raw, long) { // height h+1
		chaintest.RequireOK(t, r, "anchor")
	}
	entries := replayEntries(ch.Latest())
	if len(entries) != 2 {
		t.Fatalf("%d replay entries after the block, want 2", len(entries))
	}
	var short []byte
	for _, e := range entries {
		if exp := int64(binary.BigEndian.Uint64(e[len("app/replay/"):])); exp == h+2 {
			short = e
		}
	}
	if short == nil {
		t.Fatalf("no replay entry expiring at %d among %q", h+2, entries)
	}

	// The state key holding it.
	bucket := short[:len("app/replay/")+8]
	chaintest.RequireCode(t, ch.Deliver(raw), tx.ErrReplayed, "replay at its last valid height") // h+2
	if ch.Latest().Get(bucket) == nil {
		t.Fatal("entry pruned at its expiry height; it must live through it")
	}
	ch.Block() // h+3
	if ch.Latest().Get(bucket) != nil {
		t.Fatal("entry not pruned after its expiry")
	}
	if got := len(replayEntries(ch.Latest())); got != 1 {
		t.Fatalf("%d replay entries, want 1 (the long one)", got)
	}
	chaintest.RequireCode(t, ch.Deliver(raw), tx.ErrExpired, "after pruning the tx is expired, not new")
}

// TestRejectedTxChangesNothing: a block of only rejected transactions (by the
// envelope and by handlers, including a handler that fails after writing)
// leaves the same state, and the same app hash, as an empty block at the
// same height and time. Two chains share a history that leaves replay
// entries to prune in that block, so pruning is compared too.
func TestRejectedTxChangesNothing(t *testing.T) {
	c := chaintest.Demo()
	a, b := chaintest.New(t, c), chaintest.New(t, c)
	both := func(txs ...[]byte) {
		t.Helper()
		ra, rb := a.Block(txs...), b.Block(txs...)
		for i := range ra {
			chaintest.RequireOK(t, ra[i], "history a")
			chaintest.RequireOK(t, rb[i], "history b")
		}
		if !bytes.Equal(a.Store.Hash(), b.Store.Hash()) {
			t.Fatal("histories diverged")
		}
	}
	both()
	h := a.Height
	short := a.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("short"), func(p *tx.Payload) { p.Expires = h + 2 })
	// Two proposals to add the same organization, four yes votes each.
	propose := func(proposer string) []byte {
		k := chaintest.NewKey("zeta-clinic/admin")
		return a.Sign(proposer, identity.TypePropose, identity.ProposeBody{
			Action: identity.ActionAddOrg,
			Org:    &identity.Org{ID: "zeta-clinic", Name: "Zeta", Kind: identity.KindClinic, Jurisdiction: "US"},
			Admin:  &identity.GenesisMember{ID: "admin", SignKey: k.Public(), EncKey: k.Enc},
		})
	}
	vote := func(org string, p uint64) []byte {
		return a.Sign(org+"/admin", identity.TypeVote, identity.VoteBody{Proposal: p, Approve: true})
	}
	both(short, propose("northside-hospital/admin"), propose("lakeside-clinic/admin"),
		vote("cityrx-pharmacy", 1), vote("acme-pharma", 1), vote("medsupply-dist", 1),
		vote("cityrx-pharmacy", 2), vote("acme-pharma", 2), vote("medsupply-dist", 2)) // h+1
	// h+2: proposal 2 passes, ten organizations are active; proposal 1 has five yes.
	both(vote("unity-health-plan", 2), vote("heartwell-trials", 1))
	if len(replayEntries(a.Latest())) == 0 {
		t.Fatal("no replay entries to prune")
	}

	// Block h+3: a gets only rejected transactions, b none.
	cases := envelopeCases(a)
	rejected := [][]byte{
		short,                          // replayed, and expired by now
		vote("state-medical-board", 1), // passes proposal 1, whose execution fails: org exists
		a.Sign("cityrx-pharmacy/pharmacist", identity.TypeAddMember, identity.MemberBody{Member: "x"}),
		a.Sign(hospitalAdmin, identity.TypeAddMember, identity.MemberBody{Member: "dr-chen", Role: identity.RoleClinician,
			SignKey: chaintest.NewKey("x").Public(), EncKey: chaintest.NewKey("x").Enc}),
		a.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("short")), // anchored already
	}
	for _, c := range cases {
		rejected = append(rejected, c.raw)
	}
	at := a.Time.Add(chaintest.BlockInterval)
	ra := a.Finalize(at, rejected...)
	rb := b.Finalize(at)
	for i, r := range ra.TxResults {
		if r.Code == 0 {
			t.Errorf("transaction %d was accepted", i)
		}
	}
	if !chaintest.Is(ra.TxResults[1], identity.ErrOrgExists) {
		t.Fatalf("vote executing a stale add-org: got %s, want identity/org-exists", chaintest.Describe(ra.TxResults[1]))
	}
	if !bytes.Equal(ra.AppHash, rb.AppHash) {
		t.Errorf("app hash after a block of rejected transactions %X, after an empty block %X", ra.AppHash, rb.AppHash)
	}
	a.Commit(ra.AppHash)
	b.Commit(rb.AppHash)
	da, db := chaintest.Dump(a.Latest()), chaintest.Dump(b.Latest())
	if !maps.Equal(da, db) {
		for _, k := range slices.Sorted(maps.Keys(da)) {
			if da[k] != db[k] {
				t.Errorf("key %q differs: %q vs %q", k, da[k], db[k])
			}
		}
		for k := range db {
			if _, ok := da[k]; !ok {
				t.Errorf("key %q only after the empty block", k)
			}
		}
	}
	if !bytes.Equal(a.Store.Hash(), b.Store.Hash()) {
		t.Errorf("committed hashes differ: %X vs %X", a.Store.Hash(), b.Store.Hash())
	}
	if got := replayEntries(a.Latest()); len(got) != len(replayEntries(b.Latest())) {
		t.Errorf("replay entries differ")
	}
	p, _ := identity.GetProposal(a.Latest(), 1)
	if p.Status != identity.ProposalOpen || p.Yes != 5 {
		t.Errorf("proposal 1 after the failed vote: %s yes=%d, want open yes=5", p.Status, p.Yes)
	}
}

// TestPreVerifyBatch: the API's batch path checks a batch's signatures at
// once and remembers exactly the valid ones; a malformed one gets its
// decoding error, a tampered one is not remembered and is refused in its
// block, and the valid ones commit.
func TestPreVerifyBatch(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	var raws [][]byte
	for i := 0; i < 20; i++ {
		raws = append(raws, ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody(fmt.Sprint("batch ", i))))
	}
	tampered := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("tampered"))
	tampered[20] ^= 1
	unknown := ch.Sign(hospitalClinician, notary.TypeAnchor, anchorBody("unknown key"), func(p *tx.Payload) { p.KeyID = strings.Repeat("ab", 16) })
	raws = append(raws, tampered, []byte("not a transaction"), unknown)
	errs := ch.App.PreVerifyBatch(raws)
	for i, raw := range raws {
		valid := i < 20
		if got := ch.App.Verified(tx.Hash(raw)); got != valid {
			t.Errorf("transaction %d: remembered as verified %v, want %v", i, got, valid)
		}
		if (errs[i] != nil) != (i == 21) {
			t.Errorf("transaction %d: error %v", i, errs[i])
		}
	}
	for i := 0; i < 20; i++ {
		chaintest.RequireOK(t, ch.Deliver(raws[i]), "a verified transaction")
	}
	chaintest.RequireCode(t, ch.Deliver(tampered), tx.ErrBadSignature, "tampered, after the batch")
}
