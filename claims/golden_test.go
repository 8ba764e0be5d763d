package claims_test

import (
	"strings"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/internal/chaintest"
)

// TestGolden runs the golden adjudication cases (testdata/golden.json): for
// each, a new member of the case's plan and coverage, its prior
// authorizations (decided by the policy or the adjudicator), the claims
// before it, then the claim, whose every line must come out as the table
// says: status, allowed, paid and patient amounts, adjustments with their
// group, CARC and RARC, and the rule that decided. The 4-validator network
// test (test/network) runs the same file.
func TestGolden(t *testing.T) {
	ch := newChain(t, consortium())
	f := golden(t, ch)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			runCase(t, ch, c)
		})
	}
}

func runCase(t chaintest.TB, ch *chaintest.Chain, c claimstest.Case) {
	t.Helper()
	e := c.Enroll("")
	member := enrol(t, ch, claimstest.MemberKey(c.Name), e.Plan, e.From, e.To)
	for _, a := range c.Auths {
		ok(t, ch, "prior authorization", ch.Sign(biller, claims.TypeAuthAsk, a.Body(member)))
		auths := claims.MemberAuths(ch.Latest(), payer, member)
		pa := auths[len(auths)-1]
		if a.Decide != "" {
			ok(t, ch, "decide", ch.Sign(adjudicator, claims.TypeAuthDo, claims.AuthDecideBody{ID: pa.ID, Approve: a.Decide == "approve", Reason: "golden case"}))
			pa, _ = claims.GetAuth(ch.Latest(), pa.ID)
		}
		if pa.Status != a.Want {
			t.Fatalf("prior authorization %s is %s, want %s", pa.ID, pa.Status, a.Want)
		}
	}
	for _, h := range c.History {
		submit(t, ch, h.Body(member))
	}
	got := submit(t, ch, c.Claim.Body(member))
	if diffs := c.Check(got); len(diffs) > 0 {
		t.Fatalf("%s", strings.Join(diffs, "\n"))
	}
}
