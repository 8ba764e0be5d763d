package chaintest_test

import (
	"fmt"
	"testing"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
)

// TestDemoGenesis checks that the demo consortium starts and that every
// genesis member and patient can sign a transaction that reaches its handler.
func TestDemoGenesis(t *testing.T) {
	c := chaintest.Demo()
	ch := chaintest.New(t, c)
	if got := len(identity.ListOrgs(ch.Latest())); got != 0 {
		t.Fatalf("before the first commit the latest state has %d orgs, want 0", got)
	}
	var txs [][]byte
	for i, m := range c.Members {
		txs = append(txs, ch.Sign(m.ID, notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest(fmt.Sprint(i)), Kind: "lab-report"}))
	}
	res := ch.Block(txs...)
	for i, r := range res {
		chaintest.RequireOK(t, r, c.Members[i].ID)
	}
	if got, want := len(identity.ListOrgs(ch.Latest())), 9; got != want {
		t.Fatalf("%d orgs, want %d", got, want)
	}
	for _, p := range c.Patients {
		if _, ok := identity.GetPatient(ch.Latest(), p.ID()); !ok {
			t.Fatalf("patient %s missing", p.ID())
		}
	}
}
