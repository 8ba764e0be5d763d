//go:build unix

package network_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/node"
)

// TestClaimsGolden runs the claims module's golden adjudication cases
// (claims/testdata/golden.json, the table claims.TestGolden runs in
// process) through a 4-validator network of separate processes: the policy,
// each case's member, prior authorizations and their decisions, the claims
// before and the claim, sent through every node in turn. Every claim comes
// out as the table says, and every node has the same app hash at every
// height: CEL runs the same on every validator.
func TestClaimsGolden(t *testing.T) {
	setUp(t)
	f, err := claimstest.Load()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := f.PolicyBody()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "net")
	err = node.Testnet(out, node.TestnetOptions{Validators: 4, Ports: freePorts(t, 4), BlockTime: 150 * time.Millisecond,
		TimeoutPropose: 500 * time.Millisecond, TimeoutVote: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*proc, 4)
	for k := range ps {
		ps[k] = startNode(t, fmt.Sprintf("node%d", k), node.Home(node.TestnetNodeDir(out, k)), dir)
	}
	for _, p := range ps {
		p.waitReady(20 * time.Second)
	}
	waitHeight(t, ps, 2, 20*time.Second)
	admin, biller, adj := signer(t, out, claimstest.Admin), signer(t, out, claimstest.Biller), signer(t, out, claimstest.Adjudicator)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// round sends txs through node k (round robin) and waits for them all
	// to commit; it returns the results, in order.
	rounds := 0
	round := func(what string, txs []client.BulkTx) []string {
		t.Helper()
		if len(txs) == 0 {
			return nil
		}
		p := ps[rounds%len(ps)]
		rounds++
		res, err := p.cl.SendAll(ctx, txs, client.BulkOptions{})
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatalf("%s through %s: %v", what, p.name, err)
		}
		// Every node has applied the round's blocks before the next round
		// is checked against its state (a node reports a block's height
		// as soon as it stores it, before its app commits it: one block
		// more makes sure).
		var h int64
		for _, x := range res.Heights {
			h = max(h, x)
		}
		waitHeight(t, ps, h+1, 20*time.Second)
		return res.Hashes
	}
	attr := func(hash, typ, key string) string {
		t.Helper()
		res, err := ps[0].cl.Tx(ctx, hash, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range res.Events {
			for _, a := range ev.Attributes {
				if ev.Type == typ && a.Key == key {
					return a.Value
				}
			}
		}
		t.Fatalf("tx %s emitted no %s %s", hash, typ, key)
		return ""
	}

	round("publish", []client.BulkTx{{Signer: admin, Type: claims.TypePublish, Body: pol}})
	// A run's members are its own: the cases' names with the run's prefix.
	prefix := fmt.Sprintf("net-%d-", time.Now().UnixNano())
	members := map[string]string{}
	var txs []client.BulkTx
	for _, c := range f.Cases {
		e := c.Enroll(prefix)
		members[c.Name] = claimstest.MemberKey(prefix + c.Name).ID()
		txs = append(txs, client.BulkTx{Signer: admin, Type: claims.TypeEnroll, Body: e})
	}
	round("enrol", txs)
	txs = nil
	var asked []claimstest.Auth
	for _, c := range f.Cases {
		for _, a := range c.Auths {
			txs = append(txs, client.BulkTx{Signer: biller, Type: claims.TypeAuthAsk, Body: a.Body(members[c.Name])})
			asked = append(asked, a)
		}
	}
	hashes := round("prior authorizations", txs)
	txs = nil
	var ids []string
	for i, a := range asked {
		id := attr(hashes[i], claims.EventAuthAsked, "authorization")
		ids = append(ids, id)
		if a.Decide != "" {
			txs = append(txs, client.BulkTx{Signer: adj, Type: claims.TypeAuthDo, Body: claims.AuthDecideBody{ID: id, Approve: a.Decide == "approve", Reason: "golden case"}})
		}
	}
	round("decisions", txs)
	for i, a := range asked {
		got, err := ps[i%4].cl.PriorAuth(ctx, biller, ids[i])
		if err != nil || got.Status != a.Want {
			t.Fatalf("prior authorization %s: %+v %v, want %s", ids[i], got.Status, err, a.Want)
		}
	}
	for k := 0; ; k++ {
		txs = nil
		for _, c := range f.Cases {
			if k < len(c.History) {
				txs = append(txs, client.BulkTx{Signer: biller, Type: claims.TypeSubmit, Body: c.History[k].Body(members[c.Name])})
			}
		}
		if len(txs) == 0 {
			break
		}
		round(fmt.Sprint("history ", k), txs)
	}
	txs = nil
	for _, c := range f.Cases {
		txs = append(txs, client.BulkTx{Signer: biller, Type: claims.TypeSubmit, Body: c.Claim.Body(members[c.Name])})
	}
	hashes = round("claims", txs)
	var last int64
	for i, c := range f.Cases {
		id := attr(hashes[i], claims.EventSubmitted, "claim")
		got, err := ps[(i+1)%4].cl.Claim(ctx, biller, id)
		if err != nil {
			t.Fatalf("%s: read %s: %v", c.Name, id, err)
		}
		if diffs := c.Check(got); len(diffs) > 0 {
			t.Errorf("%s (%s):\n%s", c.Name, id, strings.Join(diffs, "\n"))
		}
		last = max(last, got.Submitted.Height)
	}
	waitHeight(t, ps, last+1, 20*time.Second)
	checkAgreement(t, ps, last+1)
}
