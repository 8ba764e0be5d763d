package supply_test

import (
	"fmt"
	"testing"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
)

// Shared fixtures of the in-process (chaintest) supply tests: the
// consortium, product codes and SSCCs, and a chain with the supply module.

// secondMaker is a second manufacturer, for the rules that keep one
// manufacturer's products its own.
const secondMaker = "globex-pharma"

// supplyConsortium is the demo consortium with a member of every role of
// every kind, a second manufacturer (globex-pharma, admin and packager) and
// the supply module.
func supplyConsortium() *chaintest.Consortium {
	c := chaintest.Demo().WithEveryRole()
	c.Orgs = append(c.Orgs, identity.Org{ID: secondMaker, Name: "Globex Pharma", Kind: identity.KindManufacturer, Jurisdiction: "US"})
	c.AddMember(secondMaker+"/admin", identity.RoleAdmin)
	c.AddMember(secondMaker+"/packager", identity.RolePackager)
	c.Modules = []app.Module{supply.Module{}}
	return c
}

// gtinN returns a valid GTIN-14 of company prefix 0031234, item n.
func gtinN(n int) string {
	d := fmt.Sprintf("0031234%06d", n)
	cd, err := gs1.CheckDigit(d)
	if err != nil {
		panic(err)
	}
	return d + string(cd)
}

// ssccN returns a valid SSCC of serial reference n (another range than the
// story's ssccOf).
func ssccN(n int) string {
	d := fmt.Sprintf("10312345%09d", n)
	cd, err := gs1.CheckDigit(d)
	if err != nil {
		panic(err)
	}
	return d + string(cd)
}

// packCode is the element string of a pack.
func packCode(gtin, serial string) string { return "(01)" + gtin + "(21)" + serial }

// caseCode is the element string of a case or pallet.
func caseCode(sscc string) string { return "(00)" + sscc }

// newSupplyChain starts a chain of c and commits its first block.
func newSupplyChain(t *testing.T, c *chaintest.Consortium) *chaintest.Chain {
	t.Helper()
	ch := chaintest.New(t, c)
	ch.Block()
	return ch
}

// mustBlock commits a block of txs and fails unless every one succeeds.
func mustBlock(tb chaintest.TB, ch *chaintest.Chain, what string, txs ...[]byte) {
	tb.Helper()
	for i, r := range ch.Block(txs...) {
		chaintest.RequireOK(tb, r, fmt.Sprintf("%s, tx %d", what, i))
	}
}
