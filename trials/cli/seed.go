package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/dataset"
)

// The demo trial (see seed). The README's tour, docs/trials.md and the CLI
// tests use it.
const (
	DemoTrial = "NCT09990001"
	demoTitle = "HbA1c in type 2 diabetes"
)

// DemoOutcomes are the demo trial's declared outcomes.
var DemoOutcomes = []trials.Outcome{
	{Code: "HBA1C", Kind: trials.Primary, Measure: "Change in HbA1c from baseline (%)", TimeFrame: "26 weeks"},
	{Code: "WEIGHT", Kind: trials.Secondary, Measure: "Change in body weight from baseline (kg)", TimeFrame: "26 weeks"},
	{Code: "HYPO", Kind: trials.Secondary, Measure: "Number of hypoglycaemic episodes", TimeFrame: "26 weeks"},
}

const demoProtocol = `Protocol NCT09990001, version 1 (synthetic, for the medledger demo)
A randomised, double-blind, placebo-controlled phase 3 trial of a once-weekly
injection in adults with type 2 diabetes; primary outcome the change in HbA1c
from baseline at 26 weeks.
`

// seed registers the demo trial at heartwell-trials with northside-hospital
// and lakeside-clinic as sites; enrols alice at northside-hospital and bob
// at lakeside-clinic, each under their pseudonym for the trial, and both
// consent; each site adds a batch of its participant's visits; then bob
// withdraws, asking for his data to be removed.
func seed(ctx context.Context, s cmdline.SeedEnv) (string, error) {
	fail := func(err error) (string, error) { return "", fmt.Errorf("demo trial not seeded: %w", err) }
	if _, err := s.Client.Trial(ctx, DemoTrial, 0); err == nil {
		return "", nil // seeded before the marker was written
	}
	sign := map[string]client.Signer{}
	for _, name := range []string{"heartwell-trials/coordinator", "northside-hospital/dr-chen", "lakeside-clinic/dr-patel", "patient/alice", "patient/bob"} {
		k, err := s.Signer(name)
		if err != nil {
			return fail(err)
		}
		sign[name] = k
	}
	send := func(signer client.Signer, typ string, body any) error {
		_, err := s.Client.Send(ctx, signer, typ, body, "commit")
		if err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		return nil
	}
	coord := sign["heartwell-trials/coordinator"]
	up, err := s.Client.UploadTrialDocument(ctx, coord, []byte(demoProtocol))
	if err != nil {
		return fail(err)
	}
	res, err := s.Client.Send(ctx, coord, trials.TypeRegister, trials.RegisterBody{ID: DemoTrial, Title: demoTitle, Phase: "3",
		Sites: []string{"northside-hospital", "lakeside-clinic"}, Enrolment: 200, Protocol: trials.Document{Digest: up.Digest, Ref: up.Ref}, Outcomes: DemoOutcomes}, "commit")
	if err != nil {
		return fail(err)
	}
	participants := []struct{ patient, member, site string }{
		{"patient/alice", "northside-hospital/dr-chen", "northside-hospital"},
		{"patient/bob", "lakeside-clinic/dr-patel", "lakeside-clinic"},
	}
	subject := map[string]client.Signer{}
	for _, p := range participants {
		master := sign[p.patient].Key
		e, err := NewEnrolment(master.Sign, master.ID, DemoTrial, p.site, "demo-seed")
		if err != nil {
			return fail(err)
		}
		if err := e.Verify(master.SignPub(), p.site); err != nil {
			return fail(err)
		}
		if err := send(sign[p.member], trials.TypeEnroll, trials.EnrollBody{Trial: DemoTrial, SignKey: e.SignKey, EncKey: e.EncKey}); err != nil {
			return fail(err)
		}
		subject[p.patient] = pseudonymSigner(master.Sign, p.patient)
	}
	for _, p := range participants {
		if err := send(subject[p.patient], trials.TypeConsent, trials.ConsentBody{Trial: DemoTrial, Site: p.site}); err != nil {
			return fail(err)
		}
	}
	visits := map[string][]string{
		"patient/alice": {`{"hba1c": 8.4, "weight_kg": 91.2, "hypo_episodes": 0}`, `{"hba1c": 7.9, "weight_kg": 89.8, "hypo_episodes": 0}`, `{"hba1c": 7.2, "weight_kg": 88.1, "hypo_episodes": 1}`},
		"patient/bob":   {`{"hba1c": 8.9, "weight_kg": 102.5, "hypo_episodes": 0}`, `{"hba1c": 8.6, "weight_kg": 101.9, "hypo_episodes": 0}`},
	}
	labels := []string{"baseline", "week-12", "week-26"}
	for _, p := range participants {
		var b strings.Builder
		for i, data := range visits[p.patient] {
			line, _ := json.Marshal(dataset.Record{Subject: subject[p.patient].Key.ID, Visit: labels[i], Data: json.RawMessage(data)})
			b.Write(line)
			b.WriteByte('\n')
		}
		du, err := s.Client.UploadTrialData(ctx, sign[p.member], DemoTrial, []byte(b.String()), "")
		if err != nil {
			return fail(err)
		}
		if err := send(sign[p.member], trials.TypeData, client.TrialDataBody(du)); err != nil {
			return fail(err)
		}
	}
	if err := send(subject["patient/bob"], trials.TypeWithdraw, trials.WithdrawBody{Trial: DemoTrial, RemoveData: true}); err != nil {
		return fail(err)
	}
	s.Logf("medledger: seeded trial %s (%s) at heartwell-trials: sites northside-hospital and lakeside-clinic; alice enrolled and consented, bob consented then withdrew asking for his data to be removed; a batch of each site's visits\n", DemoTrial, demoTitle)
	s.Try("trials show " + DemoTrial)
	return res.Hash, nil
}

// pseudonymSigner is the signer of a patient's pseudonym for the demo
// trial.
func pseudonymSigner(master ed25519.PrivateKey, name string) client.Signer {
	k, err := pseudonym.Derive(master, trials.Context(DemoTrial))
	if err != nil {
		panic(err) // the context is a constant that checks
	}
	return client.Signer{Key: &keystore.Key{Name: name, ID: k.ID(), Sign: k.Sign, Enc: k.Enc}}
}
