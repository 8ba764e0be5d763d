// Package credentialstest helps other modules' tests use the credentials
// module on a real test node (daemontest): its plugin, a governance vote
// that passes, and issuance. It MUST NOT be imported by anything but
// tests.
package credentialstest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
)

// Plugin is the credentials module as a node plugs it in.
var Plugin = daemon.Plugin{Module: credentials.Module{}, Routes: credentials.HTTPRoutes, Codes: credentials.Codes}

// Options adds the credentials module to a test node's plugins (Core()
// when o has none) and makes it the node's licence checks.
func Options(o daemontest.Options) daemontest.Options {
	if o.Plugins == nil {
		o.Plugins = daemontest.Core()
	}
	o.Plugins = append(o.Plugins, Plugin)
	o.Licences = credentials.Module{}
	return o
}

// Authorize is the change that authorizes org to issue typ in the US.
func Authorize(org, typ string) credentials.Change {
	return credentials.Change{Action: credentials.ActionAuthorize, Issuer: org, Type: typ, Jurisdiction: "US"}
}

// Enforce is the change that switches licence checks on for scope.
func Enforce(scope string) credentials.Change {
	return credentials.Change{Action: credentials.ActionEnforce, Scope: scope}
}

// Relax switches them off.
func Relax(scope string) credentials.Change {
	return credentials.Change{Action: credentials.ActionRelax, Scope: scope}
}

// Vote passes a proposal of changes on a demo node: proposed by
// state-medical-board's admin, voted yes by four more organizations (a
// majority of the demo's nine).
func Vote(t testing.TB, n *daemontest.Node, changes ...credentials.Change) {
	t.Helper()
	ctx := context.Background()
	res, err := n.Client.Send(ctx, n.Signer("state-medical-board/admin"), credentials.TypePropose, credentials.ProposeBody{Changes: changes}, "commit")
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	var id uint64
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == credentials.EventProposalCreated && a.Key == "proposal" {
				id, _ = strconv.ParseUint(a.Value, 10, 64)
			}
		}
	}
	var txs []client.BulkTx
	for _, org := range []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy", "acme-pharma"} {
		txs = append(txs, client.BulkTx{Signer: n.Signer(org + "/admin"), Type: credentials.TypeVote, Body: credentials.VoteBody{Proposal: id, Approve: true}})
	}
	if r, err := n.Client.SendAll(ctx, txs, client.BulkOptions{}); err != nil || r.Failed >= 0 {
		t.Fatalf("votes on proposal %d: %v %v", id, err, r.Err())
	}
	if p, err := n.Client.CredentialProposal(ctx, id); err != nil || p.Status != credentials.ProposalPassed {
		t.Fatalf("proposal %d: %+v %v", id, p, err)
	}
}

// Issue issues a credential of typ to subject, valid for a year, signed by
// the demo member as.
func Issue(t testing.TB, n *daemontest.Node, as, typ, subject string) client.Issued {
	t.Helper()
	iss, err := n.Client.IssueCredential(context.Background(), n.Signer(as), client.Issuance{Type: typ, Subject: subject, ValidUntil: time.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatalf("issue %s to %s: %v", typ, subject, err)
	}
	return iss
}

// SetStatus revokes, suspends or reinstates (typ) credential id as the
// demo member as, for reason, and returns the height it took effect at.
func SetStatus(t testing.TB, n *daemontest.Node, as, typ, id, reason string) int64 {
	t.Helper()
	res, err := n.Client.Send(context.Background(), n.Signer(as), typ, credentials.StatusBody{Credential: id, Reason: reason}, "commit")
	if err != nil {
		t.Fatalf("%s %s: %v", typ, id, err)
	}
	return res.Height
}
