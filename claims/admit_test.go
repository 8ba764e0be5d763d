package claims_test

import (
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/internal/chaintest"
)

// TestAdmitRefusesAsTheBlock holds a claim's admission to the mempool
// (CheckTx, which does not judge it) to the block's refusals: for claims
// that every rule able to refuse one refuses, and for claims that are
// accepted with lines paid or denied, CheckTx and the block give the same
// code, codespace and detail, against the same state.
func TestAdmitRefusesAsTheBlock(t *testing.T) {
	ch := newChain(t, consortium())
	golden(t, ch)
	member := enrol(t, ch, claimstest.MemberKey("admit"), "gold", "2025-01-01", "2025-12-31")
	line := func(code, date string, mods ...string) claims.LineIn {
		return claims.LineIn{Code: code, Modifiers: mods, Pointers: []int{1}, Units: 1, ChargeCents: 10000, Date: date, Place: "11"}
	}
	claim := func(edit func(*claims.SubmitBody)) claims.SubmitBody {
		b := claims.SubmitBody{Payer: payer, Member: member, Rendering: rendering, Diagnoses: []string{"E11.9"},
			Lines: []claims.LineIn{line("99213", "2025-03-03"), line("83036", "2025-03-03")}}
		if edit != nil {
			edit(&b)
		}
		return b
	}
	cases := []struct {
		name string
		body any
		code string // the codespace/slug of the refusal; "" accepted
	}{
		{"paid", claim(nil), ""},
		{"a line denied: not covered", claim(func(b *claims.SubmitBody) { b.Lines[1].Code = "0001U" }), ""},
		{"a line denied: coverage ended", claim(func(b *claims.SubmitBody) { b.Lines[1].Date = "2026-02-01" }), ""},
		{"no policy for line 2's date", claim(func(b *claims.SubmitBody) { b.Lines[1].Date = "2024-12-31" }), "claims/no-policy"},
		{"no policy for either line", claim(func(b *claims.SubmitBody) { b.Lines[0].Date, b.Lines[1].Date = "2024-06-01", "2024-05-01" }), "claims/no-policy"},
		{"unknown member", claim(func(b *claims.SubmitBody) { b.Member = claimstest.MemberKey("nobody").ID() }), "claims/member-not-found"},
		{"not a member id", claim(func(b *claims.SubmitBody) { b.Member = "patient/alice" }), "claims/invalid"},
		{"unknown member and no policy", claim(func(b *claims.SubmitBody) {
			b.Member, b.Lines[0].Date = claimstest.MemberKey("nobody").ID(), "2024-06-01"
		}), "claims/member-not-found"},
		{"not a payer", claim(func(b *claims.SubmitBody) { b.Payer = provider }), "claims/not-payer"},
		{"rendering of another organization", claim(func(b *claims.SubmitBody) { b.Rendering = "central-pharmacy/pharmacist" }), "claims/bad-rendering"},
		{"no lines", claim(func(b *claims.SubmitBody) { b.Lines = nil }), "claims/invalid"},
		{"an unknown field", map[string]any{"payer": payer, "member": member, "rendering": rendering, "lines": []any{}, "extra": 1}, "tx/malformed"},
	}
	for _, c := range cases {
		raw := ch.Sign(biller, claims.TypeSubmit, c.body)
		chk := ch.Check(raw)
		blk := ch.Block(raw)[0]
		if chk.Code != blk.Code || chk.Codespace != blk.Codespace || chk.Log != blk.Log {
			t.Errorf("%s: CheckTx gives %s, the block %s", c.name, chaintest.Describe(chk), chaintest.Describe(blk))
			continue
		}
		got := ""
		if blk.Code != 0 {
			got = blk.Codespace + "/" + blk.Info
		}
		if got != c.code {
			t.Errorf("%s: %q (%s), want %q", c.name, got, chaintest.Describe(blk), c.code)
		}
	}
}

// TestAdmitWritesNothing: a claim admitted to the mempool leaves nothing
// in the mempool's view (no claim id taken, no accumulators or history):
// its lines are judged once, in its block. So a payment of the claim it
// would become is refused at CheckTx (no such claim yet), and once its
// block has run, the claim is there and the payment is admitted.
func TestAdmitWritesNothing(t *testing.T) {
	ch := newChain(t, consortium())
	golden(t, ch)
	member := enrol(t, ch, claimstest.MemberKey("admit"), "gold", "2025-01-01", "2025-12-31")
	body := func(date string) claims.SubmitBody {
		return claims.SubmitBody{Payer: payer, Member: member, Rendering: rendering, Diagnoses: []string{"E11.9"},
			Lines: []claims.LineIn{{Code: "99213", Pointers: []int{1}, Units: 1, ChargeCents: 10000, Date: date, Place: "11"}}}
	}
	first := submit(t, ch, body("2025-03-03"))
	n, _ := claims.ParseClaimID(first.ID)
	next := claims.ClaimID(n + 1)
	raw := ch.Sign(biller, claims.TypeSubmit, body("2025-04-04"))
	chaintest.RequireOK(t, ch.Check(raw), "CheckTx of a claim")
	pay := ch.Sign(admin, claims.TypePay, claims.PayBody{Claims: []string{next}, Trace: "T1"})
	chaintest.RequireCode(t, ch.Check(pay), claims.ErrClaimNotFound, "CheckTx of paying a claim only admitted")
	ok(t, ch, "the claim's block", raw)
	if got := lastClaim(t, ch); got.ID != next || got.Status != claims.StatusAdjudicated {
		t.Fatalf("the claim's block made %s (%s), want %s adjudicated", got.ID, got.Status, next)
	}
	pay = ch.Sign(admin, claims.TypePay, claims.PayBody{Claims: []string{next}, Trace: "T2"})
	chaintest.RequireOK(t, ch.Check(pay), "CheckTx of paying the claim once judged")
}
