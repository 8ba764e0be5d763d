// Governance: the issuer registry and licence enforcement change only by a
// majority vote of the consortium's active organizations, as identity's
// membership does.

package credentials

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// ProposeBody proposes changes to the issuer registry or to licence
// enforcement, applied together if the proposal passes. The proposer's
// organization votes yes.
type ProposeBody struct {
	Changes []Change `json:"changes"`
}

func propose(ctx *app.Context, raw json.RawMessage) error {
	var b ProposeBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if len(b.Changes) == 0 || len(b.Changes) > MaxChanges {
		return ErrInvalid.New("a proposal makes 1 to %d changes (got %d)", MaxChanges, len(b.Changes))
	}
	for i, ch := range b.Changes {
		if err := checkChange(ctx, ch); err != nil {
			return err
		}
		for _, prev := range b.Changes[:i] {
			if prev == ch {
				return ErrInvalid.New("change %d repeats an earlier one", i+1)
			}
		}
	}
	p := Proposal{ID: state.NextSeq(ctx.KV, []byte(keySeqProposal)), Changes: b.Changes, Proposer: ctx.Signer.ID,
		Height: ctx.Height, Deadline: ctx.Time.UTC().Add(ProposalTTL), Status: ProposalOpen}
	ctx.Emit(EventProposalCreated, "proposal", strconv.FormatUint(p.ID, 10), "proposer", p.Proposer, "changes", strconv.Itoa(len(p.Changes)))
	return castVote(ctx, &p, true)
}

// checkChange refuses a change that is malformed or would do nothing now.
func checkChange(ctx *app.Context, ch Change) error {
	switch ch.Action {
	case ActionAuthorize, ActionDeauthorize:
		if ch.Scope != "" {
			return ErrInvalid.New("%s names an issuer, a type and a jurisdiction, not a scope", ch.Action)
		}
		t, ok := TypeOf(ch.Type)
		if !ok {
			return ErrUnknownType.New("credential type %s is not one of %s", medledger.Quote(ch.Type), strings.Join(TypeNames(), ", "))
		}
		if !validJurisdiction(ch.Jurisdiction) {
			return ErrInvalid.New("jurisdiction %s is not an ISO 3166 code such as US or US-CA", medledger.Quote(ch.Jurisdiction))
		}
		o, ok := ctx.IDs.Org(ctx.KV, ch.Issuer)
		if !ok {
			return ErrIssuerNotFound.New("no organization %s", medledger.Quote(ch.Issuer))
		}
		var a Authorization
		active := get(ctx.KV, authKey(o.ID, t.Name, ch.Jurisdiction), &a) && a.Active
		if ch.Action == ActionDeauthorize {
			if !active {
				return ErrIssuerNotFound.New("%s is not authorized to issue %s in %s: there is nothing to withdraw", o.ID, t.Name, ch.Jurisdiction)
			}
			return nil
		}
		if !o.Active {
			return ErrIssuerNotFound.New("organization %s is suspended", o.ID)
		}
		if !slices.Contains(IssuerKinds(), o.Kind) {
			return ErrInvalid.New("%s is a %s: only a %s may issue credentials", o.ID, o.Kind, or(IssuerKinds()))
		}
		if t.Subject == SubjectOwnMember && o.Kind != "hospital" && o.Kind != "clinic" {
			return ErrInvalid.New("%s are granted by hospitals and clinics to their own staff, not by a %s", t.Name, o.Kind)
		}
		if active {
			return ErrExists.New("%s is authorized to issue %s in %s already", o.ID, t.Name, ch.Jurisdiction)
		}
	case ActionEnforce, ActionRelax:
		if ch.Issuer != "" || ch.Type != "" || ch.Jurisdiction != "" {
			return ErrInvalid.New("%s names a scope only", ch.Action)
		}
		if !slices.Contains(Scopes, ch.Scope) {
			return ErrInvalid.New("scope %s is not one of %s", medledger.Quote(ch.Scope), strings.Join(Scopes, ", "))
		}
		var e Enforcement
		on := get(ctx.KV, enforceKey(ch.Scope), &e) && e.On
		if on == (ch.Action == ActionEnforce) {
			return ErrWrongStatus.New("licence checks for %s are %s already", ch.Scope, onOff(on))
		}
	default:
		return ErrInvalid.New("action %s is not one of %s", medledger.Quote(ch.Action), strings.Join(Actions, ", "))
	}
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// VoteBody votes on an open proposal for the signer's organization.
type VoteBody struct {
	Proposal uint64 `json:"proposal"`
	Approve  bool   `json:"approve"`
}

func vote(ctx *app.Context, raw json.RawMessage) error {
	var b VoteBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	var p Proposal
	if !get(ctx.KV, proposalKey(b.Proposal), &p) {
		return ErrProposalNotFound.New("no proposal %d", b.Proposal)
	}
	if p.Status != ProposalOpen {
		return ErrProposalClosed.New("proposal %d is %s", p.ID, p.Status)
	}
	if !ctx.Time.Before(p.Deadline) {
		return ErrProposalExpired.New("proposal %d closed for voting at %s", p.ID, p.Deadline.Format(time.RFC3339))
	}
	if ctx.KV.Get(voteKey(p.ID, ctx.Signer.Org)) != nil {
		return ErrAlreadyVoted.New("%s has voted on proposal %d already", ctx.Signer.Org, p.ID)
	}
	return castVote(ctx, &p, b.Approve)
}

// castVote records the signer's organization's vote, then counts the votes
// of the organizations active now: a majority of them saying yes passes the
// proposal (its changes apply at once), enough saying no that it can no
// longer pass rejects it.
func castVote(ctx *app.Context, p *Proposal, approve bool) error {
	v := []byte{0}
	if approve {
		v[0] = 1
	}
	ctx.KV.Set(voteKey(p.ID, ctx.Signer.Org), v)
	ctx.Emit(EventVoteCast, "proposal", strconv.FormatUint(p.ID, 10), "org", ctx.Signer.Org, "approve", strconv.FormatBool(approve))

	active := ctx.IDs.ActiveOrgs(ctx.KV)
	p.Yes, p.No = 0, 0
	pre := votePrefix(p.ID)
	ctx.KV.Iterate(pre, state.PrefixEnd(pre), func(k, val []byte) bool {
		if _, found := slices.BinarySearch(active, string(k[len(pre):])); !found {
			return true // only organizations active now count
		}
		if len(val) == 1 && val[0] == 1 {
			p.Yes++
		} else {
			p.No++
		}
		return true
	})
	id := strconv.FormatUint(p.ID, 10)
	switch {
	case 2*p.Yes > len(active):
		p.Status, p.Closed = ProposalPassed, ctx.Height
		for _, ch := range p.Changes {
			apply(ctx, p, ch)
		}
		ctx.Emit(EventProposalPassed, "proposal", id)
	case 2*p.No >= len(active):
		p.Status, p.Closed = ProposalRejected, ctx.Height
		ctx.Emit(EventProposalRejected, "proposal", id)
	}
	put(ctx.KV, proposalKey(p.ID), p)
	return nil
}

// apply makes one change of a passed proposal (or of the genesis, p.ID 0).
// What became a no-op since the proposal was made (an issuer authorized
// meanwhile by another vote) is skipped: a vote never fails for it.
func apply(ctx *app.Context, p *Proposal, ch Change) {
	pid := strconv.FormatUint(p.ID, 10)
	switch ch.Action {
	case ActionAuthorize, ActionDeauthorize:
		k := authKey(ch.Issuer, ch.Type, ch.Jurisdiction)
		a := Authorization{Issuer: ch.Issuer, Type: ch.Type, Jurisdiction: ch.Jurisdiction}
		get(ctx.KV, k, &a)
		if a.Active == (ch.Action == ActionAuthorize) {
			return
		}
		if ch.Action == ActionAuthorize {
			a.Active, a.Periods = true, append(a.Periods, Period{From: ctx.Height, Proposal: p.ID})
			ctx.Emit(EventAuthorized, "issuer", a.Issuer, "type", a.Type, "jurisdiction", a.Jurisdiction, "proposal", pid)
		} else {
			last := &a.Periods[len(a.Periods)-1]
			last.Until, last.EndProposal, a.Active = ctx.Height, p.ID, false
			ctx.Emit(EventDeauthorized, "issuer", a.Issuer, "type", a.Type, "jurisdiction", a.Jurisdiction, "proposal", pid)
		}
		put(ctx.KV, k, a)
	case ActionEnforce, ActionRelax:
		on := ch.Action == ActionEnforce
		var e Enforcement
		if get(ctx.KV, enforceKey(ch.Scope), &e) && e.On == on {
			return
		}
		put(ctx.KV, enforceKey(ch.Scope), Enforcement{Scope: ch.Scope, On: on, Height: ctx.Height, Proposal: p.ID})
		ctx.Emit(EventEnforcement, "scope", ch.Scope, "on", strconv.FormatBool(on), "proposal", pid)
	}
}
