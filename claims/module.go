package claims

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
)

// Transaction types.
const (
	TypePublish = "claims/publish"
	TypeEnroll  = "claims/enroll"
	TypeSubmit  = "claims/submit"
	TypeAuthAsk = "claims/priorauth-request"
	TypeAuthDo  = "claims/priorauth-decide"
	TypeFlag    = "claims/flag"
	TypeReview  = "claims/review"
	TypePay     = "claims/pay"
)

// Event types emitted (ABCI events).
const (
	EventPublished   = "claims.policy_published"
	EventEnrolled    = "claims.enrolled"
	EventSubmitted   = "claims.submitted"
	EventAuthAsked   = "claims.priorauth_requested"
	EventAuthDecided = "claims.priorauth_decided"
	EventFlagged     = "claims.flagged"
	EventReviewed    = "claims.reviewed"
	EventPaid        = "claims.paid"
)

var (
	payerAdmins      = []app.Grant{{OrgKind: "payer", Role: "admin"}}
	payerAdjudicator = []app.Grant{{OrgKind: "payer", Role: "adjudicator"}}
	billers          = []app.Grant{{OrgKind: "hospital", Role: "admin"}, {OrgKind: "hospital", Role: "biller"},
		{OrgKind: "clinic", Role: "admin"}, {OrgKind: "clinic", Role: "biller"}}
	requesters = []app.Grant{{OrgKind: "hospital", Role: "admin"}, {OrgKind: "hospital", Role: "biller"}, {OrgKind: "hospital", Role: "clinician"},
		{OrgKind: "clinic", Role: "admin"}, {OrgKind: "clinic", Role: "biller"}, {OrgKind: "clinic", Role: "clinician"}}
)

// Policies is the role-by-action table of the claims module. Object rules
// are in the handlers: a payer acts on its own policies, members and
// claims only; a provider submits claims for itself only, naming one of
// its own members as the rendering clinician.
var Policies = map[string]app.Policy{
	TypePublish: {Grants: payerAdmins},
	TypeEnroll:  {Grants: payerAdmins},
	TypeSubmit:  {Grants: billers},
	TypeAuthAsk: {Grants: requesters},
	TypeAuthDo:  {Grants: payerAdjudicator},
	TypeFlag:    {Grants: payerAdjudicator},
	TypeReview:  {Grants: payerAdjudicator},
	TypePay:     {Grants: payerAdmins},
}

// ProviderKinds are the kinds of organization that bill payers.
var ProviderKinds = []string{"hospital", "clinic"}

// Module is the claims module.
type Module struct{}

var _ app.Module = Module{}

func (Module) Name() string { return "claims" }

func (Module) InitGenesis(*app.Context, json.RawMessage) error { return nil }

func (Module) Routes() []app.Route {
	r := func(typ string, h func(*app.Context, json.RawMessage) error) app.Route {
		return app.Route{Type: typ, Policy: Policies[typ], Handle: h}
	}
	return []app.Route{
		r(TypePublish, publish), r(TypeEnroll, enroll), r(TypeSubmit, submit), r(TypeAuthAsk, requestAuth),
		r(TypeAuthDo, decideAuth), r(TypeFlag, flagClaim), r(TypeReview, review), r(TypePay, pay),
	}
}

// Context is the pseudonym context of a payer's members.
func Context(payer string) string { return "claims/" + payer }

func get(r state.Reader, key []byte, v any) bool { return state.GetJSON(r, key, v) }

// --- policies ---

// PublishBody publishes a policy version of the signer's organization.
type PublishBody struct {
	Policy Policy `json:"policy"`
}

func publish(ctx *app.Context, raw json.RawMessage) error {
	var b PublishBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	payer := ctx.Signer.Org
	c, err := Compile(b.Policy)
	if err != nil {
		return err
	}
	refs := loadIndex(ctx.KV, payer)
	if n := len(refs); n > 0 && b.Policy.Version <= refs[n-1].Version {
		return ErrPolicyVersion.New("%s's newest policy is version %d: publish version %d or later", payer, refs[n-1].Version, refs[n-1].Version+1)
	}
	inForce := b.Policy.EffectiveHeight
	if inForce == 0 {
		inForce = ctx.Height + 1
	}
	if inForce <= ctx.Height {
		return ErrPolicyVersion.New("effective_height %d is not after this block (%d): a policy takes effect in a later block", inForce, ctx.Height)
	}
	put(ctx.KV, PolicyKey(payer, b.Policy.Version), PolicyRecord{Payer: payer, Policy: b.Policy, Digest: c.Digest, By: ctx.Signer.ID,
		Height: ctx.Height, Time: ctx.Time.UTC(), InForce: inForce})
	refs = append(refs, policyRef{Version: b.Policy.Version, EffectiveFrom: b.Policy.EffectiveFrom, InForce: inForce, Digest: c.Digest})
	put(ctx.KV, policyIndexKey(payer), refs)
	ctx.Emit(EventPublished, "payer", payer, "version", strconv.FormatUint(b.Policy.Version, 10), "in_force", app.FormatHeight(inForce),
		"effective_from", b.Policy.EffectiveFrom, "digest", c.Digest)
	return nil
}

// --- members ---

// EnrollBody enrols a patient in a plan of the signer's organization for a
// period, under the pseudonym the patient derived for this payer (package
// pseudonym, context "claims/<payer>"). The payer checked, off the chain,
// the patient's ownership proof; the chain never learns which patient it
// is. Enrolling a member again adds a coverage period.
type EnrollBody struct {
	Plan    string `json:"plan"`
	From    string `json:"from"`
	To      string `json:"to"`
	SignKey []byte `json:"sign_key"`
	EncKey  []byte `json:"enc_key"`
}

func enroll(ctx *app.Context, raw json.RawMessage) error {
	var b EnrollBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	payer := ctx.Signer.Org
	if err := checkDate("from", b.From); err != nil {
		return err
	}
	if err := checkDate("to", b.To); err != nil {
		return err
	}
	if b.To < b.From {
		return ErrInvalid.New("coverage from %s to %s ends before it begins", b.From, b.To)
	}
	refs := loadIndex(ctx.KV, payer)
	if len(refs) == 0 {
		return ErrNoPolicy.New("%s has published no policy: its plans are defined there", payer)
	}
	latest := (&judge{kv: ctx.KV, payer: payer}).compiled(refs[len(refs)-1])
	if _, ok := latest.plans[b.Plan]; !ok {
		return ErrInvalid.New("plan %s is not one of %s's newest policy (version %d)", medledger.Quote(b.Plan), payer, refs[len(refs)-1].Version)
	}
	if len(b.SignKey) != 32 {
		return ErrInvalid.New("sign_key must be a 32-byte Ed25519 key (the patient's pseudonym for %s)", payer)
	}
	id := pseudonym.ID(b.SignKey)
	var m Member
	if get(ctx.KV, MemberKey(payer, id), &m) {
		for _, cov := range m.Coverage {
			if b.From <= cov.To && cov.From <= b.To {
				return ErrInvalid.New("member %s is covered from %s to %s already: a new period must not overlap", id, cov.From, cov.To)
			}
		}
	} else {
		p := app.Pseudonym{Context: Context(payer), SignKey: b.SignKey, EncKey: b.EncKey, By: ctx.Signer.ID, Height: ctx.Height}
		if err := ctx.IDs.RegisterPseudonym(ctx.KV, p); err != nil {
			return err
		}
		m = Member{ID: id, Payer: payer, EnrolledBy: ctx.Signer.ID, Height: ctx.Height, History: []Service{}}
	}
	m.Coverage = append(m.Coverage, Coverage{Plan: b.Plan, From: b.From, To: b.To})
	slices.SortFunc(m.Coverage, func(a, b Coverage) int { return strings.Compare(a.From, b.From) })
	put(ctx.KV, MemberKey(payer, id), m)
	ctx.Emit(EventEnrolled, "payer", payer, "member", id, "plan", b.Plan, "from", b.From, "to", b.To)
	return nil
}

// loadMember reads a member; what it returns is the caller's to change.
func loadMember(r state.Reader, payer, id string) (Member, error) {
	var m Member
	b, err := memberBytes(r, payer, id)
	if err != nil {
		return m, err
	}
	key := MemberKey(payer, id)
	if m, ok := memberMemo.get(key, b); ok {
		return m.clone(), nil
	}
	decode(b, &m)
	kept := m.clone()
	kept.facts = historyFactsSlice(kept.History)
	memberMemo.put(key, b, kept)
	return m, nil
}

// memberBytes reads a member's stored bytes: the errors of a member that
// is not one.
func memberBytes(r state.Reader, payer, id string) ([]byte, error) {
	if !pseudonym.IsID(id) {
		return nil, ErrInvalid.New("member %s is not a member id (psn-...)", medledger.Quote(id))
	}
	b := r.Get(MemberKey(payer, id))
	if b == nil {
		return nil, ErrMemberNotFound.New("%s has no member %s", payer, id)
	}
	return b, nil
}

// checkPayer checks that payer is an active payer organization.
func checkPayer(ctx *app.Context, payer string) error {
	o, ok := ctx.IDs.Org(ctx.KV, payer)
	if !ok {
		return ErrNotPayer.New("no organization %s", medledger.Quote(payer))
	}
	if o.Kind != "payer" {
		return ErrNotPayer.New("%s is a %s, not a payer", payer, o.Kind)
	}
	if !o.Active {
		return ErrNotPayer.New("payer %s is suspended", payer)
	}
	return nil
}

// --- claims ---

// SubmitBody is a claim: a provider's bill to a payer for a member's
// services. No names or free text about the patient: codes, units,
// cents and dates only; documents go to the provider's vault, and the
// claim names their salted digests.
type SubmitBody struct {
	Payer       string       `json:"payer"`
	Member      string       `json:"member"`
	Rendering   string       `json:"rendering"` // the clinician (org/name of the provider) who provided the services
	Diagnoses   []string     `json:"diagnoses"` // ICD-10-CM, the lines point into it
	Lines       []LineIn     `json:"lines"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Validate checks a claim's fields (not against state).
func (b SubmitBody) Validate() error {
	if len(b.Rendering) > maxRendering {
		return ErrBadRendering.New("rendering is a member id (org/name) of at most %d bytes, not %d", maxRendering, len(b.Rendering))
	}
	if len(b.Diagnoses) == 0 || len(b.Diagnoses) > MaxDiagnoses {
		return ErrInvalid.New("a claim has 1 to %d diagnoses, not %d", MaxDiagnoses, len(b.Diagnoses))
	}
	for i, d := range b.Diagnoses {
		if !validDiagnosis(d) {
			return ErrInvalid.New("diagnosis %s is not an ICD-10-CM code with its dot (e.g. E11.9, I10)", medledger.Quote(d))
		}
		if slices.Contains(b.Diagnoses[:i], d) {
			return ErrInvalid.New("diagnosis %s is listed twice", d)
		}
	}
	if len(b.Lines) == 0 || len(b.Lines) > MaxLines {
		return ErrInvalid.New("a claim has 1 to %d lines, not %d", MaxLines, len(b.Lines))
	}
	for i, l := range b.Lines {
		if err := l.Validate(i+1, len(b.Diagnoses)); err != nil {
			return err
		}
	}
	if len(b.Attachments) > maxAttach {
		return ErrInvalid.New("a claim has at most %d attachments", maxAttach)
	}
	for _, a := range b.Attachments {
		if !validHex32(a.Digest) {
			return ErrInvalid.New("attachment digest %s is not 64 lowercase hex characters", medledger.Quote(a.Digest))
		}
		if len(a.Ref) > 200 {
			return ErrInvalid.New("an attachment's ref is at most 200 characters")
		}
	}
	return nil
}

func validHex32(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// DecodeClaim decodes a claim (JSON, strictly: unknown or repeated fields
// are refused) and checks its fields: the decoder of submitted claims.
// Errors are tx/malformed or claims/invalid.
func DecodeClaim(raw []byte) (SubmitBody, error) {
	if b, ok := bodyMemo.get(raw); ok {
		return b, nil
	}
	var b SubmitBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return b, err
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	bodyMemo.put(raw, b)
	return b, nil
}

func submit(ctx *app.Context, raw json.RawMessage) error {
	b, err := DecodeClaim(raw)
	if err != nil {
		return err
	}
	if err := checkPayer(ctx, b.Payer); err != nil {
		return err
	}
	provider := ctx.Signer.Org
	if len(provider) > maxID {
		// identity never registers such an organization; rules see the
		// provider, and their cost bound assumes at most maxID bytes.
		return ErrInvalid.New("provider %s is over %d bytes", medledger.Quote(provider), maxID)
	}
	org, _, _ := strings.Cut(b.Rendering, "/")
	if org != provider || !ctx.IDs.Member(ctx.KV, b.Rendering) {
		return ErrBadRendering.New("rendering %s must be a member of %s (the clinician who provided the services, org/name)", medledger.Quote(b.Rendering), provider)
	}
	if ctx.Check {
		return admit(ctx, b)
	}
	m, err := loadMember(ctx.KV, b.Payer, b.Member)
	if err != nil {
		return err
	}
	n := state.NextSeq(ctx.KV, []byte(keySeqClaim))
	c := &Claim{ID: ClaimID(n), Payer: b.Payer, Member: b.Member, Provider: provider, Rendering: b.Rendering, Submitter: ctx.Signer.ID,
		Diagnoses: b.Diagnoses, Attachments: b.Attachments, Submitted: Stamp{Height: ctx.Height, Time: ctx.Time.UTC()}}
	for i, l := range b.Lines {
		c.Lines = append(c.Lines, Line{Seq: i + 1, LineIn: l})
		c.ChargeCents += l.ChargeCents
	}
	j := &judge{kv: ctx.KV, payer: b.Payer, height: ctx.Height, licences: ctx.Licences}
	out, err := j.judgeClaim(c, m)
	if err != nil {
		return err
	}
	j.store(out, len(out.flags) == 0)
	st := loadStats(ctx.KV, b.Payer)
	st.Claims++
	st.Lines += int64(len(c.Lines))
	now := &Stamp{Height: ctx.Height, Time: ctx.Time.UTC()}
	if len(out.flags) > 0 {
		c.Status, c.Pended, c.Flags = StatusPended, now, out.flags
		st.Pended++
	} else {
		c.Status, c.Adjudicated = StatusAdjudicated, now
		st.Adjudicated++
	}
	c.totals()
	put(ctx.KV, ClaimKey(n), c)
	put(ctx.KV, StatsKey(b.Payer), st)
	ctx.Emit(EventSubmitted, "claim", c.ID, "payer", c.Payer, "provider", c.Provider, "status", c.Status,
		"lines", strconv.Itoa(len(c.Lines)), "paid_cents", strconv.FormatInt(c.PaidCents, 10))
	return nil
}

// admit is a claim's admission to the mempool (CheckTx), after the checks
// of its body, payer, provider and rendering clinician that submit makes
// first: the rest of what can refuse a claim in its block (its member, a
// policy in force for each line's date of service, in that order and with
// the same errors), without the judging, which never refuses a claim
// that passes these (it decides its lines: paid, denied, pended) and is
// most of a claim's cost. It writes nothing to the mempool's view: no
// claim id, accumulators or history, which only the block decides, so a
// claim's lines are judged once, in its block. TestAdmitRefusesAsTheBlock
// holds the two to the same refusals.
func admit(ctx *app.Context, b SubmitBody) error {
	if _, err := memberBytes(ctx.KV, b.Payer, b.Member); err != nil {
		return err
	}
	j := &judge{kv: ctx.KV, payer: b.Payer, height: ctx.Height}
	refs := loadIndex(ctx.KV, b.Payer)
	for i, l := range b.Lines {
		if j.policyFor(refs, l.Date) == nil {
			return errNoPolicy(b.Payer, l.Date, i+1)
		}
	}
	return nil
}

// store writes what judging decided: the duplicate and timed-minute
// records always, the member (accumulators and history) when the claim is
// not held for review.
func (j *judge) store(out *outcome, member bool) {
	if !j.review {
		for _, k := range out.dupK {
			put(j.kv, []byte(k), out.dups[k])
		}
		for _, k := range out.dayK {
			put(j.kv, []byte(k), out.days[k])
		}
	}
	if member {
		put(j.kv, MemberKey(j.payer, out.member.ID), out.member)
	}
}

// totals sums the lines.
func (c *Claim) totals() {
	c.PaidCents, c.PatientCents = 0, 0
	for _, l := range c.Lines {
		c.PaidCents += l.PaidCents
		c.PatientCents += l.PatientCents
	}
}

func loadStats(r state.Reader, payer string) Stats {
	st := Stats{Payer: payer}
	get(r, StatsKey(payer), &st)
	return st
}

func loadClaim(r state.Reader, id string) (*Claim, error) {
	n, ok := ParseClaimID(id)
	if !ok {
		return nil, ErrInvalid.New("claim id %s is not clm-N", medledger.Quote(id))
	}
	var c Claim
	if !get(r, ClaimKey(n), &c) {
		return nil, ErrClaimNotFound.New("no claim %s", id)
	}
	return &c, nil
}

// payerClaim loads a claim of the signer's organization (its payer).
func payerClaim(ctx *app.Context, id string) (*Claim, uint64, error) {
	c, err := loadClaim(ctx.KV, id)
	if err != nil {
		return nil, 0, err
	}
	if c.Payer != ctx.Signer.Org {
		return nil, 0, ErrNotYours.New("claim %s is to %s: only its payer does this", c.ID, c.Payer)
	}
	n, _ := ParseClaimID(id)
	return c, n, nil
}

// --- flags and reviews ---

// FlagBody flags a claim for review with an explained reason (the payer's
// scorer): the claim is pended, never denied by it.
type FlagBody struct {
	Claim  string `json:"claim"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
	Facts  []Fact `json:"facts,omitempty"`
}

func flagClaim(ctx *app.Context, raw json.RawMessage) error {
	var b FlagBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if !validID(b.Code) {
		return ErrInvalid.New("flag code %s must be 1 to %d lowercase letters, digits, '-', '_' or '.' (e.g. peer-outlier)", medledger.Quote(b.Code), maxID)
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	if len(b.Facts) > 20 {
		return ErrInvalid.New("a flag has at most 20 facts")
	}
	for _, f := range b.Facts {
		if !validID(f.Name) || validText("fact "+f.Name, f.Value, true) != nil {
			return ErrInvalid.New("a fact has a name (lowercase id) and a one-line value")
		}
	}
	c, n, err := payerClaim(ctx, b.Claim)
	if err != nil {
		return err
	}
	if c.Status == StatusPaid {
		return ErrState.New("claim %s is paid already: a flag sends a claim to review before payment", c.ID)
	}
	st := loadStats(ctx.KV, c.Payer)
	if c.Status == StatusAdjudicated {
		// The claim's effects on the member's accumulators stay: a review
		// that denies it gives them back.
		st.Adjudicated--
		st.Pended++
		c.Status, c.Pended = StatusPended, &Stamp{Height: ctx.Height, Time: ctx.Time.UTC()}
		for i := range c.Lines {
			if c.Lines[i].Status != LineDenied {
				c.Lines[i].Status = LinePended
			}
		}
	}
	c.Flags = append(c.Flags, Flag{Code: b.Code, Reason: b.Reason, Facts: b.Facts, By: ctx.Signer.ID, Height: ctx.Height})
	put(ctx.KV, ClaimKey(n), c)
	put(ctx.KV, StatsKey(c.Payer), st)
	ctx.Emit(EventFlagged, "claim", c.ID, "payer", c.Payer, "code", b.Code, "by", ctx.Signer.ID)
	return nil
}

// ReviewBody is an adjudicator's decision on a pended claim: approve
// (adjudicate it again without its flags) or deny every line with
// Group-CARC (default CO-96).
type ReviewBody struct {
	Claim  string `json:"claim"`
	Action string `json:"action"`
	Reason string `json:"reason"`
	Group  string `json:"group,omitempty"`
	CARC   string `json:"carc,omitempty"`
}

func review(ctx *app.Context, raw json.RawMessage) error {
	var b ReviewBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	if b.Action != ActionApprove && b.Action != ActionDeny {
		return ErrInvalid.New("action %s must be approve or deny", medledger.Quote(b.Action))
	}
	if b.Action == ActionDeny {
		if b.Group == "" {
			b.Group = GroupContractual
		}
		if b.CARC == "" {
			b.CARC = CARCNonCovered
		}
		if !slices.Contains(Groups, b.Group) || b.Group == GroupPatient || !validCARC(b.CARC) {
			return ErrInvalid.New("a denial names group CO, OA or PI and a CARC (e.g. CO and 96), not %s-%s", medledger.Quote(b.Group), medledger.Quote(b.CARC))
		}
	} else if b.Group != "" || b.CARC != "" {
		return ErrInvalid.New("an approval names no group or CARC")
	}
	c, n, err := payerClaim(ctx, b.Claim)
	if err != nil {
		return err
	}
	if c.Status != StatusPended {
		return ErrState.New("claim %s is %s: only a pended claim is reviewed", c.ID, c.Status)
	}
	m, err := loadMember(ctx.KV, c.Payer, c.Member)
	if err != nil {
		return err
	}
	wasAdjudicated := c.Adjudicated != nil // pended by a flag after adjudication: its effects are in the member
	j := &judge{kv: ctx.KV, payer: c.Payer, height: ctx.Height, licences: ctx.Licences, review: true}
	d := Decision{Action: b.Action, Reason: b.Reason, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()}
	switch {
	case b.Action == ActionApprove && wasAdjudicated:
		// Flagged after adjudication: its results stand.
		for i := range c.Lines {
			if c.Lines[i].Status == LinePended {
				c.Lines[i].Status = statusOf(c.Lines[i])
			}
		}
	case b.Action == ActionApprove:
		base := m
		base.History, base.facts = withoutClaim(m.History, c.ID), nil
		out, err := j.judgeClaim(c, base)
		if err != nil {
			return err
		}
		j.store(out, true)
	default:
		d.Group, d.CARC = b.Group, b.CARC
		if wasAdjudicated {
			m = giveBack(m, c)
		}
		for i := range c.Lines {
			l := &c.Lines[i]
			l.Result = Result{Status: LineDenied, Adjustments: []Adjustment{{Group: b.Group, CARC: b.CARC, AmountCents: l.ChargeCents}},
				Rule: RuleReview, Policy: l.Policy, Explanation: "denied on review by " + ctx.Signer.ID + ": " + b.Reason}
		}
		m.History, m.facts = withoutClaim(m.History, c.ID), nil
		for _, l := range c.Lines {
			m.History = append(m.History, Service{Claim: c.ID, Seq: l.Seq, Code: l.Code, Modifiers: l.Modifiers, Date: l.Date, Units: l.Units,
				Provider: c.Provider, Rendering: c.Rendering, Status: LineDenied})
		}
		m.History = trimHistory(m.History)
		put(ctx.KV, MemberKey(c.Payer, m.ID), m)
	}
	c.Decisions = append(c.Decisions, d)
	c.Status, c.Adjudicated = StatusAdjudicated, &Stamp{Height: ctx.Height, Time: ctx.Time.UTC()}
	c.totals()
	st := loadStats(ctx.KV, c.Payer)
	st.Pended--
	st.Adjudicated++
	put(ctx.KV, StatsKey(c.Payer), st)
	put(ctx.KV, ClaimKey(n), c)
	ctx.Emit(EventReviewed, "claim", c.ID, "payer", c.Payer, "action", b.Action, "by", ctx.Signer.ID,
		"paid_cents", strconv.FormatInt(c.PaidCents, 10))
	return nil
}

// statusOf is a judged line's status from its amounts.
func statusOf(l Line) string {
	for _, a := range l.Adjustments {
		if a.CARC == CARCMaximum {
			return LinePartial
		}
	}
	return LinePaid
}

// withoutClaim drops a claim's services from a history.
func withoutClaim(h []Service, claim string) []Service {
	return slices.DeleteFunc(slices.Clone(h), func(s Service) bool { return s.Claim == claim })
}

// giveBack returns to a member's accumulators what an adjudicated claim
// took from them (it is denied on review after a flag).
func giveBack(m Member, c *Claim) Member {
	m.Coverage = slices.Clone(m.Coverage)
	for _, l := range c.Lines {
		for k := range m.Coverage {
			cov := &m.Coverage[k]
			if cov.From <= l.Date && l.Date <= cov.To {
				for _, a := range l.Adjustments {
					if a.Group == GroupPatient && a.CARC == CARCDeductible {
						cov.DeductibleMetCents = max(cov.DeductibleMetCents-a.AmountCents, 0)
					}
				}
				cov.OutOfPocketCents = max(cov.OutOfPocketCents-l.PatientCents, 0)
				break
			}
		}
	}
	return m
}

// --- payment ---

// PayBody records a remittance: the payer pays each claim what its
// adjudication says, under one trace number (of the check or transfer).
type PayBody struct {
	Claims []string `json:"claims"`
	Trace  string   `json:"trace"`
}

func pay(ctx *app.Context, raw json.RawMessage) error {
	var b PayBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if b.Trace == "" || len(b.Trace) > maxTrace || strings.ContainsFunc(b.Trace, func(r rune) bool { return r <= ' ' || r > '~' || r == '/' }) {
		return ErrInvalid.New("trace %s must be 1 to %d printable characters without spaces or '/' (the check or transfer number)", medledger.Quote(b.Trace), maxTrace)
	}
	if len(b.Claims) == 0 || len(b.Claims) > maxPayClaims {
		return ErrInvalid.New("pay 1 to %d claims at once, not %d", maxPayClaims, len(b.Claims))
	}
	payer := ctx.Signer.Org
	if ctx.KV.Get(RemitKey(payer, b.Trace)) != nil {
		return ErrTraceExists.New("%s used trace %s already: each payment has its own", payer, b.Trace)
	}
	date := ctx.Time.UTC().Format("2006-01-02")
	rem := Remittance{Payer: payer, Trace: b.Trace, Date: date, By: ctx.Signer.ID, Height: ctx.Height, Claims: []RemitClaim{}}
	st := loadStats(ctx.KV, payer)
	for i, id := range b.Claims {
		if slices.Contains(b.Claims[:i], id) {
			return ErrInvalid.New("claim %s is listed twice", medledger.Quote(id))
		}
		c, n, err := payerClaim(ctx, id)
		if err != nil {
			return err
		}
		if c.Status != StatusAdjudicated {
			return ErrState.New("claim %s is %s: only an adjudicated claim is paid (a pended one is reviewed first)", c.ID, c.Status)
		}
		c.Status, c.Paid = StatusPaid, &Stamp{Height: ctx.Height, Time: ctx.Time.UTC()}
		c.Payment = &Payment{Trace: b.Trace, AmountCents: c.PaidCents, Date: date, By: ctx.Signer.ID}
		put(ctx.KV, ClaimKey(n), c)
		rem.Claims = append(rem.Claims, RemitClaim{Claim: c.ID, Provider: c.Provider, AmountCents: c.PaidCents})
		rem.Total += c.PaidCents
		st.Adjudicated--
		st.Paid++
		ctx.Emit(EventPaid, "claim", c.ID, "payer", payer, "provider", c.Provider, "trace", b.Trace, "amount_cents", strconv.FormatInt(c.PaidCents, 10))
	}
	put(ctx.KV, RemitKey(payer, b.Trace), rem)
	put(ctx.KV, StatsKey(payer), st)
	return nil
}

// String is a claim's one-line summary.
func (c *Claim) String() string {
	return fmt.Sprintf("%s %s %d lines charged %d paid %d", c.ID, c.Status, len(c.Lines), c.ChargeCents, c.PaidCents)
}
