package claims

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// --- prior authorization ---

// AuthRequestBody asks a payer to authorize codes for a member over a
// period, for the signer's organization.
type AuthRequestBody struct {
	Payer  string   `json:"payer"`
	Member string   `json:"member"`
	Codes  []string `json:"codes"`
	From   string   `json:"from"`
	To     string   `json:"to"`
}

// MaxAuthDays is the longest period a prior authorization covers;
// MaxMemberAuths the most a member may have that can still decide a claim.
const (
	MaxAuthDays    = 366
	MaxMemberAuths = 100
)

func requestAuth(ctx *app.Context, raw json.RawMessage) error {
	var b AuthRequestBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := checkPayer(ctx, b.Payer); err != nil {
		return err
	}
	if len(b.Codes) == 0 || len(b.Codes) > 20 {
		return ErrInvalid.New("a request names 1 to 20 codes, not %d", len(b.Codes))
	}
	for i, c := range b.Codes {
		if !validProcedure(c) || slices.Contains(b.Codes[:i], c) {
			return ErrInvalid.New("code %s is not a HCPCS or CPT code, or is listed twice", medledger.Quote(c))
		}
	}
	from, ok1 := DayNumber(b.From)
	to, ok2 := DayNumber(b.To)
	if !ok1 || !ok2 || to < from || to-from >= MaxAuthDays {
		return ErrInvalid.New("from %s to %s must be dates YYYY-MM-DD, in order, at most %d days", medledger.Quote(b.From), medledger.Quote(b.To), MaxAuthDays)
	}
	if len(ctx.Signer.Org) > maxID {
		return ErrInvalid.New("provider %s is over %d bytes", medledger.Quote(ctx.Signer.Org), maxID)
	}
	m, err := loadMember(ctx.KV, b.Payer, b.Member)
	if err != nil {
		return err
	}
	n := state.NextSeq(ctx.KV, []byte(keySeqAuth))
	a := PriorAuth{ID: AuthID(n), Payer: b.Payer, Member: b.Member, Provider: ctx.Signer.Org, RequestedBy: ctx.Signer.ID, Codes: b.Codes,
		From: b.From, To: b.To, Status: AuthRequested, Requested: Stamp{Height: ctx.Height, Time: ctx.Time.UTC()}}
	// A policy rule may decide: every code's rule approves automatically.
	j := &judge{kv: ctx.KV, payer: b.Payer, height: ctx.Height}
	if pol := j.policyFor(loadIndex(ctx.KV, b.Payer), b.From); pol != nil {
		if rules, ok := autoApproves(pol, m, &a, from, to); ok {
			a.Status, a.Number = AuthApproved, authNumber(ctx.TxHash)
			a.Decision = &Decision{Action: ActionApprove, Reason: "approved by the policy's rule " + strings.Join(rules, ", "), By: "policy:" + strings.Join(rules, ","),
				Height: ctx.Height, Time: ctx.Time.UTC()}
		}
	}
	put(ctx.KV, AuthKey(n), a)
	// The member's list keeps the authorizations that may still decide a
	// claim: not denied, and not ended two years before this one begins.
	var keep []uint64
	for _, old := range memberAuths(ctx.KV, b.Payer, b.Member) {
		if end, _ := DayNumber(old.To); old.Status != AuthDenied && end >= from-2*365 {
			n, _ := ParseAuthID(old.ID)
			keep = append(keep, n)
		}
	}
	if len(keep) >= MaxMemberAuths {
		return ErrTooLarge.New("member %s has %d prior authorizations that may still decide a claim: the payer decides them first", b.Member, len(keep))
	}
	put(ctx.KV, authByKey(b.Payer, b.Member), append(keep, n))
	ctx.Emit(EventAuthAsked, "authorization", a.ID, "payer", a.Payer, "provider", a.Provider, "status", a.Status)
	return nil
}

// autoApproves reports whether pol approves the request without a person:
// each code's first rule that needs prior authorization for the member's
// plan has an auto_approve that holds. It returns those rules' ids.
func autoApproves(pol *Compiled, m Member, a *PriorAuth, from, to int64) ([]string, bool) {
	var cov *Coverage
	for i := range m.Coverage {
		if m.Coverage[i].From <= a.From && a.From <= m.Coverage[i].To {
			cov = &m.Coverage[i]
		}
	}
	if cov == nil {
		return nil, false
	}
	plan, ok := pol.plans[cov.Plan]
	if !ok {
		return nil, false
	}
	mf := memberFacts(*cov, plan, len(m.History))
	vars := &requestVars{request: &RequestFacts{Codes: a.Codes, From: a.From, To: a.To, FromDay: from, ToDay: to, Days: to - from + 1, Provider: a.Provider},
		member: &mf, history: historyFactsSlice(m.History)}
	var ids []string
	for _, code := range a.Codes {
		found := false
		for _, ri := range pol.byCode[code] {
			r := pol.Policy.Rules[ri]
			if !r.PriorAuth || (len(r.Plans) > 0 && !slices.Contains(r.Plans, cov.Plan)) {
				continue
			}
			found = true
			auto := pol.rules[ri].auto
			if auto == nil {
				return nil, false
			}
			if res := auto.eval(vars); res.err != nil || !res.b {
				return nil, false
			}
			if !slices.Contains(ids, r.ID) {
				ids = append(ids, r.ID)
			}
			break
		}
		if !found {
			return nil, false
		}
	}
	return ids, len(ids) > 0
}

// authNumber is an approved authorization's number: from the hash of the
// transaction that approved it.
func authNumber(txHash []byte) string {
	return "PA" + strings.ToUpper(hex.EncodeToString(txHash[:5]))
}

// AuthDecideBody is an adjudicator's decision on a prior authorization.
type AuthDecideBody struct {
	ID      string `json:"id"`
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

func decideAuth(ctx *app.Context, raw json.RawMessage) error {
	var b AuthDecideBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	n, ok := ParseAuthID(b.ID)
	if !ok {
		return ErrInvalid.New("authorization id %s is not pa-N", medledger.Quote(b.ID))
	}
	var a PriorAuth
	if !get(ctx.KV, AuthKey(n), &a) {
		return ErrAuthNotFound.New("no prior authorization %s", b.ID)
	}
	if a.Payer != ctx.Signer.Org {
		return ErrNotYours.New("authorization %s is asked of %s: only its payer decides it", a.ID, a.Payer)
	}
	if a.Status != AuthRequested {
		return ErrState.New("authorization %s is %s already", a.ID, a.Status)
	}
	d := &Decision{Action: ActionDeny, Reason: b.Reason, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()}
	a.Status = AuthDenied
	if b.Approve {
		d.Action, a.Status, a.Number = ActionApprove, AuthApproved, authNumber(ctx.TxHash)
	}
	a.Decision = d
	put(ctx.KV, AuthKey(n), a)
	ctx.Emit(EventAuthDecided, "authorization", a.ID, "payer", a.Payer, "status", a.Status, "by", ctx.Signer.ID)
	return nil
}
