package cli

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
)

// DemoPolicy is unity-health-plan's coverage policy in the demo (YAML):
// the one docs/claims.md shows.
//
//go:embed demo-policy.yaml
var DemoPolicy []byte

// The demo's parties.
const (
	DemoPayer     = "unity-health-plan"
	DemoPlan      = "gold"
	DemoBiller    = "northside-hospital/biller"
	DemoRendering = "northside-hospital/dr-chen"
	DemoPatient   = "patient/alice"
)

// DemoPolicyJSON is the demo policy as the chain takes it.
func DemoPolicyJSON() []byte {
	pf, err := parsePolicy("demo-policy.yaml", DemoPolicy)
	if err != nil {
		panic(err)
	}
	return pf.json
}

// seed stores the claims demo: unity-health-plan's policy, alice enrolled
// in its gold plan from a year ago to a year on, and four claims from northside-hospital
// (dr-chen rendering, the biller submitting): an office visit paid (less
// the copay), a metabolic panel that goes to the deductible, the office
// visit again (an exact duplicate, denied CO-18), and a panel billed with
// one whose payment includes it, pended by the policy's unbundling flag.
func seed(ctx context.Context, s cmdline.SeedEnv) (string, error) {
	fail := func(err error) (string, error) { return "", fmt.Errorf("demo claims not seeded: %w", err) }
	admin, err := s.Signer(DemoPayer + "/admin")
	if err != nil {
		return fail(err)
	}
	biller, err := s.Signer(DemoBiller)
	if err != nil {
		return fail(err)
	}
	alice, err := s.Signer(DemoPatient)
	if err != nil {
		return fail(err)
	}
	// A policy published already (a seeding cut short, or by hand): the
	// chain is the user's.
	if _, err := s.Client.ClaimPolicy(ctx, DemoPayer, 0); err == nil {
		return "policy published before", nil
	}
	var pol claims.Policy
	if err := json.Unmarshal(DemoPolicyJSON(), &pol); err != nil {
		return fail(err)
	}
	_, pk, err := memberKey(alice.Key, DemoPayer)
	if err != nil {
		return fail(err)
	}
	// Coverage from a year ago to a year on; the services a week and two
	// weeks ago (inside it, and inside the demo clinician's licence).
	now := time.Now().UTC()
	from, to := now.AddDate(-1, 0, 1).Format(time.DateOnly), now.AddDate(1, 0, 0).Format(time.DateOnly)
	day := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).Format(time.DateOnly) }
	res, err := s.Client.SendAll(ctx, []client.BulkTx{
		{Signer: admin, Type: claims.TypePublish, Body: claims.PublishBody{Policy: pol}},
		{Signer: admin, Type: claims.TypeEnroll, Body: claims.EnrollBody{Plan: DemoPlan, From: from, To: to, SignKey: pk.SignPub(), EncKey: pk.EncPub()}},
	}, client.BulkOptions{})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return fail(err)
	}
	member := pk.ID()
	claim := func(dx []string, lines ...claims.LineIn) client.BulkTx {
		return client.BulkTx{Signer: biller, Type: claims.TypeSubmit, Body: claims.SubmitBody{Payer: DemoPayer, Member: member, Rendering: DemoRendering, Diagnoses: dx, Lines: lines}}
	}
	line := func(code string, charge int64, date string) claims.LineIn {
		return claims.LineIn{Code: code, Pointers: []int{1}, Units: 1, ChargeCents: charge, Date: date, Place: "11"}
	}
	diabetes := []string{"E11.9"}
	res, err = s.Client.SendAll(ctx, []client.BulkTx{
		claim(diabetes, line("99213", 15000, day(14))),
		claim(diabetes, line("80053", 30000, day(14))),
		claim(diabetes, line("99213", 15000, day(14))),
		claim(diabetes, line("80053", 25000, day(7)), line("80048", 18000, day(7))),
	}, client.BulkOptions{})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return fail(err)
	}
	s.Logf("medledger: seeded claims: %s's coverage policy v1, alice enrolled as member %s (plan %s, %s to %s), and 4 claims from northside-hospital: an office visit paid, a panel to the deductible, a duplicate denied (CO-18), two panels pended for review (unbundling)\n",
		DemoPayer, member, DemoPlan, from, to)
	s.Try("claims list --as " + DemoBiller)
	return res.Hashes[len(res.Hashes)-1], nil
}
