package claimsapi_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimsapi"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/vault/disk"
)

func pseudonymKey(k *keystore.Key) (pseudonym.Key, error) {
	return pseudonym.Derive(k.Sign, claims.Context(claimstest.Payer))
}

// node is the one real node the package's tests share, with the claims
// module, its API, the golden policy and the demo story (see setup).
var node *daemontest.Node

// svc is the node's claims service; setup gives it a vault for
// northside-hospital's attachments.
var svc = claimsapi.New(identity.Module{})

func TestMain(m *testing.M) {
	plugins := append(daemontest.Core(), daemon.Plugin{Module: claims.Module{}, Codes: claims.Codes})
	daemontest.Main(m, daemontest.Options{Plugins: plugins, Services: []daemon.Service{svc}}, &node, setup)
}

var ctx = context.Background()

// story is what setup stored.
var story struct {
	alice, bob         string // members: alice's and bob's pseudonyms for the payer
	visit, panels, dup string // claims of alice: paid, pended, denied as a duplicate
	bobsVisit          string
	auth               string
	aliceKey, bobKey   client.Signer // their pseudonyms' keys
}

// memberSigner derives a demo patient's pseudonym key for the payer, as
// the patient's own client does.
func memberSigner(n *daemontest.Node, patient string) (client.Signer, error) {
	k := n.Keys[patient]
	pk, err := pseudonymKey(k)
	if err != nil {
		return client.Signer{}, err
	}
	return client.Signer{Key: &keystore.Key{Name: patient + "@" + claimstest.Payer, ID: pk.ID(), Sign: pk.Sign, Enc: pk.Enc}}, nil
}

// setup publishes the golden policy and enrols alice and bob (under their
// pseudonyms for the payer); alice's provider bills a visit, two panels on
// one day (pended) and the visit again (a duplicate); bob's a visit; a
// prior authorization for alice is approved by the policy; the visit is
// paid.
func setup(n *daemontest.Node) error {
	v, _, err := disk.OpenVault(ctx, filepath.Join(string(n.Home), "claims-vault"), filepath.Join(string(n.Home), "claims-vault-key.json"), nil)
	if err != nil {
		return err
	}
	svc.Vault, svc.Org = v, claimstest.Provider
	f, err := claimstest.Load()
	if err != nil {
		return err
	}
	pol, err := f.PolicyBody()
	if err != nil {
		return err
	}
	admin, biller := n.Signer(claimstest.Admin), n.Signer(claimstest.Biller)
	send := func(s client.Signer, typ string, body any) (string, error) {
		res, err := n.Client.Send(ctx, s, typ, body, "commit")
		if err != nil {
			return "", err
		}
		for _, ev := range res.Events {
			for _, a := range ev.Attributes {
				if a.Key == "claim" || a.Key == "authorization" {
					return a.Value, nil
				}
			}
		}
		return "", nil
	}
	if _, err := send(admin, claims.TypePublish, pol); err != nil {
		return err
	}
	if story.aliceKey, err = memberSigner(n, "patient/alice"); err != nil {
		return err
	}
	if story.bobKey, err = memberSigner(n, "patient/bob"); err != nil {
		return err
	}
	for _, k := range []client.Signer{story.aliceKey, story.bobKey} {
		if _, err := send(admin, claims.TypeEnroll, claims.EnrollBody{Plan: "gold", From: "2025-01-01", To: "2025-12-31", SignKey: k.Key.SignPub(), EncKey: k.Key.EncPub()}); err != nil {
			return err
		}
	}
	story.alice, story.bob = story.aliceKey.Key.ID, story.bobKey.Key.ID
	line := func(code string, charge int64, date string) claims.LineIn {
		return claims.LineIn{Code: code, Pointers: []int{1}, Units: 1, ChargeCents: charge, Date: date, Place: "11"}
	}
	claim := func(member string, lines ...claims.LineIn) claims.SubmitBody {
		return claims.SubmitBody{Payer: claimstest.Payer, Member: member, Rendering: claimstest.Rendering, Diagnoses: []string{"E11.9"}, Lines: lines}
	}
	if story.visit, err = send(biller, claims.TypeSubmit, claim(story.alice, line("99213", 15000, "2025-03-03"))); err != nil {
		return err
	}
	if story.panels, err = send(biller, claims.TypeSubmit, claim(story.alice, line("80053", 25000, "2025-03-04"), line("80048", 18000, "2025-03-04"))); err != nil {
		return err
	}
	if story.dup, err = send(biller, claims.TypeSubmit, claim(story.alice, line("99213", 15000, "2025-03-03"))); err != nil {
		return err
	}
	if story.bobsVisit, err = send(biller, claims.TypeSubmit, claim(story.bob, line("99214", 20000, "2025-04-01"))); err != nil {
		return err
	}
	if story.auth, err = send(biller, claims.TypeAuthAsk, claims.AuthRequestBody{Payer: claimstest.Payer, Member: story.alice, Codes: []string{"70553"}, From: "2025-05-01", To: "2025-05-20"}); err != nil {
		return err
	}
	if _, err = send(admin, claims.TypePay, claims.PayBody{Claims: []string{story.visit}, Trace: "EFT-1"}); err != nil {
		return err
	}
	return nil
}
