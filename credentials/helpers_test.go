package credentials_test

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/internal/chaintest"
)

// Shared fixtures of the in-process (chaintest) credentials tests.

const (
	board     = "state-medical-board"
	registrar = board + "/registrar"
	regulator = "drug-regulator"
	inspector = regulator + "/inspector"
	hospital  = "northside-hospital"
	clinic    = "lakeside-clinic"
	chen      = hospital + "/dr-chen"
	patel     = clinic + "/dr-patel"
)

// consortium is the demo consortium with a member of every role of every
// kind, the credentials module (also the chain's licences), and a genesis
// authorizing the demo's issuers when withIssuers.
func consortium(withIssuers bool) *chaintest.Consortium {
	c := chaintest.Demo().WithEveryRole()
	c.Modules = []app.Module{credentials.Module{}}
	c.Licences = credentials.Module{}
	if withIssuers {
		g, err := json.Marshal(credentials.Genesis{Authorizations: demoAuthorizations()})
		if err != nil {
			panic(err)
		}
		c.Genesis = map[string]json.RawMessage{"credentials": g}
	}
	return c
}

// demoAuthorizations are the issuers of the demo (docs/credentials.md).
func demoAuthorizations() []credentials.Change {
	a := func(org, typ string) credentials.Change {
		return credentials.Change{Action: credentials.ActionAuthorize, Issuer: org, Type: typ, Jurisdiction: "US"}
	}
	return []credentials.Change{
		a(board, credentials.MedicalLicense), a(board, credentials.PharmacistLicense),
		a(regulator, credentials.WholesaleDistributorLicense), a(regulator, credentials.DispenserLicense),
		a(regulator, credentials.ManufacturerLicense), a(regulator, credentials.ControlledSubstanceRegistration),
		a(hospital, credentials.ClinicalPrivileges), a(clinic, credentials.ClinicalPrivileges),
	}
}

func newChain(t *testing.T, withIssuers bool) *chaintest.Chain {
	t.Helper()
	ch := chaintest.New(t, consortium(withIssuers))
	ch.Block()
	return ch
}

// credID is the n-th test credential id.
func credID(n int) string {
	h := sha256.Sum256([]byte(fmt.Sprint("credential ", n)))
	return credentials.IDPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:16]))
}

// body is an issue body by signer (its current key id), valid from a year
// before at to a year after, in slot index of list 0.
func body(signer string, n int, typ, subject string, at time.Time, index uint32) credentials.IssueBody {
	return credentials.IssueBody{ID: credID(n), Type: typ, Subject: subject, Jurisdiction: "US",
		ValidFrom: at.AddDate(-1, 0, 0).Truncate(time.Second), ValidUntil: at.AddDate(1, 0, 0).Truncate(time.Second),
		Digest: chaintest.Digest(fmt.Sprint("file ", n)), KeyID: chaintest.NewKey(signer).KeyID(), StatusIndex: index}
}

func mustBlock(tb chaintest.TB, ch *chaintest.Chain, what string, txs ...[]byte) {
	tb.Helper()
	for i, r := range ch.Block(txs...) {
		chaintest.RequireOK(tb, r, fmt.Sprintf("%s, tx %d", what, i))
	}
}
