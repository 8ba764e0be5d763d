package identity_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

// demoOrgs are the demo consortium's organizations in genesis order.
var demoOrgs = []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy", "acme-pharma", "medsupply-dist",
	"unity-health-plan", "heartwell-trials", "state-medical-board", "drug-regulator"}

func voteTx(ch *chaintest.Chain, org string, proposal uint64, approve bool) []byte {
	return ch.Sign(org+"/admin", identity.TypeVote, identity.VoteBody{Proposal: proposal, Approve: approve})
}

func mustProposal(t *testing.T, ch *chaintest.Chain, id uint64) identity.Proposal {
	t.Helper()
	p, ok := identity.GetProposal(ch.Latest(), id)
	if !ok {
		t.Fatalf("no proposal %d", id)
	}
	return p
}

func wantProposal(t *testing.T, ch *chaintest.Chain, id uint64, status string, yes, no int) {
	t.Helper()
	p := mustProposal(t, ch, id)
	if p.Status != status || p.Yes != yes || p.No != no {
		t.Fatalf("proposal %d: %s yes=%d no=%d, want %s yes=%d no=%d", id, p.Status, p.Yes, p.No, status, yes, no)
	}
}

func anchorTx(ch *chaintest.Chain, signer, what string) []byte {
	return ch.Sign(signer, notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest(what), Kind: "lab-report"})
}

// TestAddOrgNeedsStrictMajority: with nine active organizations an add-org
// proposal passes at the fifth yes, not the fourth, and the new organization
// and its admin can act at once.
func TestAddOrgNeedsStrictMajority(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("riverside-clinic"))), "propose")
	wantProposal(t, ch, 1, identity.ProposalOpen, 1, 0)

	for i, r := range ch.Block(voteTx(ch, demoOrgs[1], 1, true), voteTx(ch, demoOrgs[2], 1, true), voteTx(ch, demoOrgs[3], 1, true)) {
		chaintest.RequireOK(t, r, fmt.Sprintf("vote %d", i))
	}
	wantProposal(t, ch, 1, identity.ProposalOpen, 4, 0)
	if _, ok := identity.GetOrg(ch.Latest(), "riverside-clinic"); ok {
		t.Fatal("organization added with 4 of 9 votes")
	}

	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, demoOrgs[4], 1, true)), "fifth vote")
	wantProposal(t, ch, 1, identity.ProposalPassed, 5, 0)
	o, ok := identity.GetOrg(ch.Latest(), "riverside-clinic")
	if !ok || o.Status != identity.StatusActive || o.Since != ch.Height || o.Kind != identity.KindClinic {
		t.Fatalf("riverside-clinic after the fifth vote: %+v, %v", o, ok)
	}
	m, ok := identity.GetMember(ch.Latest(), "riverside-clinic/admin")
	if !ok || m.Role != identity.RoleAdmin || m.Status != identity.StatusActive {
		t.Fatalf("riverside-clinic/admin: %+v, %v", m, ok)
	}
	ch.SetKey("riverside-clinic/admin", chaintest.NewKey("riverside-clinic/admin").Sign)
	chaintest.RequireOK(t, ch.Deliver(anchorTx(ch, "riverside-clinic/admin", "first")), "new admin anchors")

	// A closed proposal takes no more votes.
	chaintest.RequireCode(t, ch.Deliver(voteTx(ch, demoOrgs[5], 1, true)), identity.ErrProposalClosed, "vote on passed proposal")
	// The same organization cannot be proposed twice.
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("lakeside-clinic/admin", identity.TypePropose, newOrgBody("riverside-clinic"))),
		identity.ErrOrgExists, "propose existing org")

	// Ten organizations are active now: five yes votes are no longer enough.
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("hilltop-clinic"))), "propose 2")
	var votes [][]byte
	for _, org := range demoOrgs[1:5] {
		votes = append(votes, voteTx(ch, org, 2, true))
	}
	ch.Block(votes...)
	wantProposal(t, ch, 2, identity.ProposalOpen, 5, 0)
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, "riverside-clinic", 2, true)), "sixth vote")
	wantProposal(t, ch, 2, identity.ProposalPassed, 6, 0)
}

// TestProposalRejected: a proposal closes as rejected once it can no longer
// reach a majority (five no of nine).
func TestProposalRejected(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("riverside-clinic"))), "propose")
	var votes [][]byte
	for _, org := range demoOrgs[1:5] {
		votes = append(votes, voteTx(ch, org, 1, false))
	}
	ch.Block(votes...)
	wantProposal(t, ch, 1, identity.ProposalOpen, 1, 4)
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, demoOrgs[5], 1, false)), "fifth no")
	wantProposal(t, ch, 1, identity.ProposalRejected, 1, 5)
	chaintest.RequireCode(t, ch.Deliver(voteTx(ch, demoOrgs[6], 1, true)), identity.ErrProposalClosed, "vote on rejected")
	if _, ok := identity.GetOrg(ch.Latest(), "riverside-clinic"); ok {
		t.Fatal("rejected organization was added")
	}
}

// TestVoteDeadline: votes are taken until ProposalTTL after the proposal's
// block time, by block time, and refused from then on.
func TestVoteDeadline(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("riverside-clinic"))), "propose")
	proposed := ch.Time
	if d := mustProposal(t, ch, 1).Deadline; !d.Equal(proposed.Add(identity.ProposalTTL)) {
		t.Fatalf("deadline %s, want %s", d, proposed.Add(identity.ProposalTTL))
	}
	res := ch.BlockAt(proposed.Add(identity.ProposalTTL-time.Second), voteTx(ch, demoOrgs[1], 1, true))
	chaintest.RequireOK(t, res[0], "vote a second before the deadline")
	res = ch.BlockAt(proposed.Add(identity.ProposalTTL), voteTx(ch, demoOrgs[2], 1, true))
	chaintest.RequireCode(t, res[0], identity.ErrProposalExpired, "vote at the deadline")
	res = ch.BlockAt(proposed.Add(30*24*time.Hour), voteTx(ch, demoOrgs[3], 1, true))
	chaintest.RequireCode(t, res[0], identity.ErrProposalExpired, "vote long after")
	wantProposal(t, ch, 1, identity.ProposalOpen, 2, 0)
}

// TestDoubleVote: each organization votes once per proposal, whichever of
// its admins signs; the proposer's organization has voted by proposing.
func TestDoubleVote(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	k := chaintest.NewKey("lakeside-clinic/admin2")
	ch.SetKey("lakeside-clinic/admin2", k.Sign)
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("lakeside-clinic/admin", identity.TypeAddMember,
		identity.MemberBody{Member: "admin2", Role: identity.RoleAdmin, SignKey: k.Public(), EncKey: k.Enc})), "add second admin")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("riverside-clinic"))), "propose")
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, "lakeside-clinic", 1, true)), "first vote")

	raw := voteTx(ch, "lakeside-clinic", 1, false)
	chaintest.RequireCode(t, ch.Check(raw), identity.ErrAlreadyVoted, "CheckTx second vote")
	chaintest.RequireCode(t, ch.Deliver(raw), identity.ErrAlreadyVoted, "second vote")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("lakeside-clinic/admin2", identity.TypeVote, identity.VoteBody{Proposal: 1, Approve: true})),
		identity.ErrAlreadyVoted, "other admin of the same org")
	chaintest.RequireCode(t, ch.Deliver(voteTx(ch, "northside-hospital", 1, true)), identity.ErrAlreadyVoted, "proposer's org")
	// Two votes of one organization in one block: the second is refused.
	res := ch.Block(voteTx(ch, "cityrx-pharmacy", 1, true), voteTx(ch, "cityrx-pharmacy", 1, true))
	chaintest.RequireOK(t, res[0], "first in block")
	chaintest.RequireCode(t, res[1], identity.ErrAlreadyVoted, "second in block")
	wantProposal(t, ch, 1, identity.ProposalOpen, 3, 0)
	chaintest.RequireCode(t, ch.Deliver(voteTx(ch, "cityrx-pharmacy", 7, true)), identity.ErrProposalNotFound, "no such proposal")
}

// TestSuspendAndReinstateOrg: a suspended organization's members cannot
// transact, its votes stop counting, it cannot vote on its reinstatement,
// and reinstatement (a majority of the organizations active then) restores
// it.
func TestSuspendAndReinstateOrg(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	const target = "acme-pharma"

	// An unrelated proposal acme votes yes on, to see its vote stop counting.
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("riverside-clinic"))), "propose add")
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, target, 1, true)), "acme votes")
	wantProposal(t, ch, 1, identity.ProposalOpen, 2, 0)

	chaintest.RequireCode(t, ch.Deliver(ch.Sign(target+"/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: target})), identity.ErrSelf, "self-suspension")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionReinstateOrg, Target: target})), identity.ErrWrongStatus, "reinstate active")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: "no-such-org"})), identity.ErrOrgNotFound, "unknown target")

	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: target})), "propose suspension")
	ch.Block(voteTx(ch, demoOrgs[1], 2, true), voteTx(ch, demoOrgs[2], 2, true), voteTx(ch, target, 2, false), voteTx(ch, demoOrgs[4], 2, true))
	wantProposal(t, ch, 2, identity.ProposalOpen, 4, 1)
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, demoOrgs[5], 2, true)), "fifth yes")
	wantProposal(t, ch, 2, identity.ProposalPassed, 5, 1) // tallied before the suspension took effect
	suspendedAt := ch.Height
	if o, _ := identity.GetOrg(ch.Latest(), target); o.Status != identity.StatusSuspended || o.Since != suspendedAt {
		t.Fatalf("%s after suspension: %+v", target, o)
	}

	for _, m := range []string{target + "/admin", target + "/packager"} {
		raw := anchorTx(ch, m, m+" while suspended")
		chaintest.RequireCode(t, ch.Check(raw), tx.ErrSuspended, "CheckTx "+m)
		chaintest.RequireCode(t, ch.Deliver(raw), tx.ErrSuspended, m)
	}
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: target})), identity.ErrWrongStatus, "suspend suspended")

	// Acme's yes on proposal 1 no longer counts when it is tallied again.
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, demoOrgs[6], 1, true)), "vote on proposal 1")
	wantProposal(t, ch, 1, identity.ProposalOpen, 2, 0)

	// Reinstatement: eight active organizations, so four yes are not enough.
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("lakeside-clinic/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionReinstateOrg, Target: target})), "propose reinstatement")
	chaintest.RequireCode(t, ch.Deliver(voteTx(ch, target, 3, true)), tx.ErrSuspended, "suspended org votes")
	ch.Block(voteTx(ch, demoOrgs[0], 3, true), voteTx(ch, demoOrgs[2], 3, true), voteTx(ch, demoOrgs[4], 3, true))
	wantProposal(t, ch, 3, identity.ProposalOpen, 4, 0)
	chaintest.RequireOK(t, ch.Deliver(voteTx(ch, demoOrgs[5], 3, true)), "fifth yes of eight")
	wantProposal(t, ch, 3, identity.ProposalPassed, 5, 0)
	if o, _ := identity.GetOrg(ch.Latest(), target); o.Status != identity.StatusActive || o.Since != ch.Height {
		t.Fatalf("%s after reinstatement: %+v", target, o)
	}
	for _, m := range []string{target + "/admin", target + "/packager"} {
		chaintest.RequireOK(t, ch.Deliver(anchorTx(ch, m, m+" reinstated")), m+" after reinstatement")
	}
}

// TestIDsEverySignerCanUse: an organization or member id the module accepts
// MUST be one its holder can sign with. An organization id starting with the
// patient prefix would be taken for a patient id, and a member id longer
// than a transaction's 128-byte signer field could never sign.
func TestIDsEverySignerCanUse(t *testing.T) {
	long := strings.Repeat("a", 64)
	c := chaintest.Demo()
	c.Orgs = append(c.Orgs, identity.Org{ID: long, Name: "Long Clinic", Kind: identity.KindClinic, Jurisdiction: "US"})
	c.AddMember(long+"/admin", identity.RoleAdmin)
	ch := chaintest.New(t, c)
	ch.Block()

	chaintest.RequireCode(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("pat-clinic"))),
		identity.ErrInvalid, "org id with the patient prefix")
	b := newOrgBody(strings.Repeat("b", 64))
	b.Admin.ID = strings.Repeat("c", 64)
	chaintest.RequireCode(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, b)),
		identity.ErrInvalid, "admin id over 128 bytes")

	k := chaintest.NewKey("long member")
	add := func(name string) []byte {
		return ch.Sign(long+"/admin", identity.TypeAddMember, identity.MemberBody{Member: name, Role: identity.RoleClinician, SignKey: k.Public(), EncKey: k.Enc})
	}
	chaintest.RequireCode(t, ch.Deliver(add(strings.Repeat("m", 64))), identity.ErrInvalid, "member id of 129 bytes")
	name := strings.Repeat("m", 63)
	chaintest.RequireOK(t, ch.Deliver(add(name)), "member id of 128 bytes")
	ch.SetKey(long+"/"+name, k.Sign)
	chaintest.RequireOK(t, ch.Deliver(anchorTx(ch, long+"/"+name, "longest id")), "the longest member id signs")
}

// TestCheckTxUsesChainTimeAfterRestart: after a restart, and before any new
// block, CheckTx judges a vote's deadline by the last block's time kept in
// state, not by a zero clock that would admit an expired vote.
func TestCheckTxUsesChainTimeAfterRestart(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose, newOrgBody("riverside-clinic"))), "propose")
	ch.BlockAt(ch.Time.Add(identity.ProposalTTL + time.Hour))
	ch.Restart()
	res := ch.Check(voteTx(ch, demoOrgs[1], 1, true))
	chaintest.RequireCode(t, res, identity.ErrProposalExpired, "CheckTx of an expired vote after restart")
}
