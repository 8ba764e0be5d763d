package trials_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
)

const (
	sponsor   = "heartwell-trials/coordinator"
	sponsorAd = "heartwell-trials/admin"
	siteA     = "northside-hospital"
	siteB     = "lakeside-clinic"
	clinA     = siteA + "/dr-chen"
	clinB     = siteB + "/dr-patel"
)

func newChain(t testing.TB, c *chaintest.Consortium) *chaintest.Chain {
	t.Helper()
	c.Modules = append(c.Modules, trials.Module{})
	ch := chaintest.New(t, c)
	ch.Block()
	return ch
}

var outcomes = []trials.Outcome{
	{Code: "P1", Kind: trials.Primary, Measure: "Change in HbA1c from baseline", TimeFrame: "26 weeks"},
	{Code: "S1", Kind: trials.Secondary, Measure: "Body weight", TimeFrame: "26 weeks"},
}

func hex64(s string) string { h := sha256.Sum256([]byte(s)); return fmt.Sprintf("%x", h) }

func registerBody(id string, sites ...string) trials.RegisterBody {
	return trials.RegisterBody{ID: id, Title: "HbA1c in type 2 diabetes", Phase: "3", Sites: sites, Enrolment: 100,
		Protocol: trials.Document{Digest: hex64("protocol " + id), Ref: "doc-" + id}, Outcomes: outcomes}
}

// participant is a patient's pseudonym for one trial, with its key set in
// the chain's signer keys.
type participant struct {
	trials.EnrollBody
	ID  string
	key ed25519.PrivateKey
}

func newParticipant(t chaintest.TB, ch *chaintest.Chain, name, trial string) participant {
	t.Helper()
	seed := sha256.Sum256([]byte("patient " + name))
	k, err := pseudonym.Derive(ed25519.NewKeyFromSeed(seed[:]), trials.Context(trial))
	if err != nil {
		t.Fatalf("%v", err)
	}
	ch.SetKey(k.ID(), k.Sign)
	return participant{EnrollBody: trials.EnrollBody{Trial: trial, SignKey: k.SignPub(), EncKey: k.EncPub()}, ID: k.ID(), key: k.Sign}
}

func ok(t chaintest.TB, ch *chaintest.Chain, what string, raws ...[]byte) {
	t.Helper()
	for i, r := range ch.Block(raws...) {
		chaintest.RequireOK(t, r, fmt.Sprintf("%s (tx %d)", what, i))
	}
}

func trialOf(t chaintest.TB, ch *chaintest.Chain, id string) trials.Trial {
	t.Helper()
	tr, found := trials.GetTrial(ch.Latest(), id)
	if !found {
		t.Fatalf("no trial %s", id)
	}
	return tr
}
