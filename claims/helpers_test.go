package claims_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/pseudonym"
)

const (
	payer       = claimstest.Payer
	admin       = claimstest.Admin
	adjudicator = claimstest.Adjudicator
	biller      = claimstest.Biller
	provider    = claimstest.Provider
	rendering   = claimstest.Rendering
)

// consortium is the demo consortium with northside-hospital's biller and
// the claims module.
func consortium() *chaintest.Consortium {
	c := chaintest.Demo().AddMember(biller, "biller")
	c.Modules = append(c.Modules, claims.Module{})
	return c
}

func newChain(t testing.TB, c *chaintest.Consortium) *chaintest.Chain {
	t.Helper()
	ch := chaintest.New(t, c)
	ch.Block()
	return ch
}

func ok(t chaintest.TB, ch *chaintest.Chain, what string, raws ...[]byte) {
	t.Helper()
	for i, r := range ch.Block(raws...) {
		chaintest.RequireOK(t, r, fmt.Sprintf("%s (tx %d)", what, i))
	}
}

// golden loads the golden file and publishes its policy on ch.
func golden(t testing.TB, ch *chaintest.Chain) claimstest.File {
	t.Helper()
	f, err := claimstest.Load()
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.PolicyBody()
	if err != nil {
		t.Fatal(err)
	}
	ok(t, ch, "publish", ch.Sign(admin, claims.TypePublish, body))
	return f
}

// enrol enrols a case's member (its pseudonym key set on ch) and returns
// its id.
func enrol(t chaintest.TB, ch *chaintest.Chain, key pseudonym.Key, plan, from, to string) string {
	t.Helper()
	ch.SetKey(key.ID(), key.Sign)
	ok(t, ch, "enrol", ch.Sign(admin, claims.TypeEnroll, claims.EnrollBody{Plan: plan, From: from, To: to, SignKey: key.SignPub(), EncKey: key.EncPub()}))
	return key.ID()
}

// lastClaim is the newest claim on ch.
func lastClaim(t chaintest.TB, ch *chaintest.Chain) claims.Claim {
	t.Helper()
	list := claims.ListClaims(ch.Latest())
	if len(list) == 0 {
		t.Fatalf("no claim on the chain")
	}
	return list[len(list)-1]
}

// submit submits body as the biller in a block of its own and returns the
// claim.
func submit(t chaintest.TB, ch *chaintest.Chain, body claims.SubmitBody) claims.Claim {
	t.Helper()
	ok(t, ch, "submit", ch.Sign(biller, claims.TypeSubmit, body))
	return lastClaim(t, ch)
}

func adjustments(l claims.Line) string {
	var s []string
	for _, a := range l.Adjustments {
		s = append(s, claimstest.Adjustment(a))
	}
	return strings.Join(s, ", ")
}
