package trials

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
)

// Transaction types.
const (
	TypeRegister = "trials/register"
	TypeAmend    = "trials/amend"
	TypeEnroll   = "trials/enroll"
	TypeConsent  = "trials/consent"
	TypeWithdraw = "trials/withdraw"
	TypeData     = "trials/data"
	TypeResults  = "trials/results"
)

// Event types emitted (ABCI events).
const (
	EventRegistered = "trials.registered"
	EventAmended    = "trials.amended"
	EventSwitch     = "trials.outcome_switch"
	EventEnrolled   = "trials.enrolled"
	EventConsented  = "trials.consented"
	EventWithdrawn  = "trials.withdrawn"
	EventData       = "trials.data"
	EventResults    = "trials.results"
)

var (
	sponsors = []app.Grant{{OrgKind: "trial-sponsor", Role: "admin"}, {OrgKind: "trial-sponsor", Role: "coordinator"}}
	sites    = []app.Grant{
		{OrgKind: "hospital", Role: "clinician"}, {OrgKind: "hospital", Role: "coordinator"}, {OrgKind: "hospital", Role: "admin"},
		{OrgKind: "clinic", Role: "clinician"}, {OrgKind: "clinic", Role: "admin"},
	}
)

// Policies is the role-by-action table of the trials module. Object rules
// are in the handlers: only the trial's sponsor amends it and posts
// results, only a member of a listed site enrols or adds data (for its own
// subjects), and a participant acts only under the pseudonym of this trial.
var Policies = map[string]app.Policy{
	TypeRegister: {Grants: sponsors},
	TypeAmend:    {Grants: sponsors},
	TypeEnroll:   {Grants: sites},
	TypeConsent:  {Pseudonyms: true},
	TypeWithdraw: {Pseudonyms: true},
	TypeData:     {Grants: sites},
	TypeResults:  {Grants: sponsors},
}

// Module is the trials module.
type Module struct{}

var _ app.Module = Module{}

func (Module) Name() string { return "trials" }

func (Module) InitGenesis(*app.Context, json.RawMessage) error { return nil }

func (Module) Routes() []app.Route {
	r := func(typ string, h func(*app.Context, json.RawMessage) error) app.Route {
		return app.Route{Type: typ, Policy: Policies[typ], Handle: h}
	}
	return []app.Route{
		r(TypeRegister, register), r(TypeAmend, amend), r(TypeEnroll, enroll), r(TypeConsent, consent),
		r(TypeWithdraw, withdraw), r(TypeData, addData), r(TypeResults, postResults),
	}
}

// Context is the pseudonym context of a trial's participants.
func Context(trial string) string { return "trials/" + trial }

func put(kv state.KV, key []byte, v any)         { state.PutJSON(kv, key, v) }
func get(r state.Reader, key []byte, v any) bool { return state.GetJSON(r, key, v) }

func loadTrial(r state.Reader, id string) (Trial, error) {
	var t Trial
	if !ValidTrialID(id) {
		return t, ErrInvalid.New("trial id %s must be 3 to 32 letters, digits or '-'", medledger.Quote(id))
	}
	if !get(r, TrialKey(id), &t) {
		return t, ErrTrialNotFound.New("no trial %s", id)
	}
	return t, nil
}

// --- register and amend ---

// RegisterBody registers a trial. ID may be empty: the chain gives one
// (trl-N).
type RegisterBody struct {
	ID        string    `json:"id,omitempty"`
	Title     string    `json:"title"`
	Phase     string    `json:"phase"`
	Sites     []string  `json:"sites"`
	Enrolment int       `json:"enrolment"`
	Protocol  Document  `json:"protocol"`
	Outcomes  []Outcome `json:"outcomes"`
}

func register(ctx *app.Context, raw json.RawMessage) error {
	var b RegisterBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if b.ID != "" && !ValidTrialID(b.ID) {
		return ErrInvalid.New("trial id %s must be 3 to 32 letters, digits or '-' (e.g. NCT01234567)", medledger.Quote(b.ID))
	}
	if err := validText("title", b.Title, maxTitle); err != nil {
		return err
	}
	if !slices.Contains(Phases, b.Phase) {
		return ErrInvalid.New("phase %s is none of %v", medledger.Quote(b.Phase), Phases)
	}
	if b.Enrolment < 1 || b.Enrolment > MaxEnrolment {
		return ErrInvalid.New("planned enrolment %d is outside 1 to %d", b.Enrolment, MaxEnrolment)
	}
	if err := checkSites(ctx, b.Sites); err != nil {
		return err
	}
	if err := b.Protocol.validate("protocol", true); err != nil {
		return err
	}
	if err := CheckOutcomes(b.Outcomes); err != nil {
		return err
	}
	if b.ID == "" {
		b.ID = "trl-" + strconv.FormatUint(state.NextSeq(ctx.KV, []byte(keySeqTrial)), 10)
	}
	if ctx.KV.Get(TrialKey(b.ID)) != nil {
		return ErrTrialExists.New("trial %s is registered already", b.ID)
	}
	t := Trial{ID: b.ID, Title: b.Title, Phase: b.Phase, Sponsor: ctx.Signer.Org, Sites: b.Sites, Enrolment: b.Enrolment,
		Outcomes: b.Outcomes, Version: 1, RequiredVersion: 1, Registrar: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()}
	put(ctx.KV, TrialKey(t.ID), t)
	put(ctx.KV, VersionKey(t.ID, 1), Version{Trial: t.ID, N: 1, Protocol: b.Protocol, OutcomesChanged: true, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()})
	ctx.Emit(EventRegistered, "trial", t.ID, "sponsor", t.Sponsor, "version", "1")
	return nil
}

// checkSites checks a trial's sites: 1 to MaxSites distinct, active
// hospitals or clinics.
func checkSites(ctx *app.Context, list []string) error {
	if len(list) == 0 || len(list) > MaxSites {
		return ErrBadSite.New("a trial has 1 to %d sites, not %d", MaxSites, len(list))
	}
	for i, s := range list {
		if slices.Contains(list[:i], s) {
			return ErrBadSite.New("site %s is listed twice", medledger.Quote(s))
		}
		o, ok := ctx.IDs.Org(ctx.KV, s)
		if !ok {
			return ErrBadSite.New("no organization %s", medledger.Quote(s))
		}
		if !o.Active {
			return ErrBadSite.New("organization %s is suspended", s)
		}
		if !slices.Contains(SiteKinds, o.Kind) {
			return ErrBadSite.New("%s is a %s: a site is a hospital or a clinic", s, o.Kind)
		}
	}
	return nil
}

// AmendBody registers a new protocol version. Outcomes, if not nil, is
// the whole new outcome list; Reconsent makes every participant consent to
// this version before more of their data is accepted.
type AmendBody struct {
	Trial     string    `json:"trial"`
	Protocol  Document  `json:"protocol"`
	Outcomes  []Outcome `json:"outcomes,omitempty"`
	Reconsent bool      `json:"reconsent,omitempty"`
}

func amend(ctx *app.Context, raw json.RawMessage) error {
	var b AmendBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	t, err := loadTrial(ctx.KV, b.Trial)
	if err != nil {
		return err
	}
	if ctx.Signer.Org != t.Sponsor {
		return ErrNotSponsor.New("trial %s is %s's: only its sponsor amends it", t.ID, t.Sponsor)
	}
	if err := b.Protocol.validate("protocol", true); err != nil {
		return err
	}
	v := Version{Trial: t.ID, N: t.Version + 1, Protocol: b.Protocol, Reconsent: b.Reconsent, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()}
	if b.Outcomes != nil {
		if err := CheckOutcomes(b.Outcomes); err != nil {
			return err
		}
		v.OutcomesChanged = true
		if t.FirstEnrolment > 0 {
			for _, s := range diffOutcomes(t.Outcomes, b.Outcomes) {
				t.Switches++
				s.Trial, s.Seq, s.Version, s.Height = t.ID, t.Switches, v.N, ctx.Height
				put(ctx.KV, SwitchKey(t.ID, s.Seq), s)
				ctx.Emit(EventSwitch, "trial", t.ID, "outcome", s.Outcome, "change", s.Change, "version", strconv.FormatUint(v.N, 10))
			}
		}
		t.Outcomes = b.Outcomes
	}
	t.Version = v.N
	if b.Reconsent {
		t.RequiredVersion = v.N
	}
	put(ctx.KV, VersionKey(t.ID, v.N), v)
	put(ctx.KV, TrialKey(t.ID), t)
	ctx.Emit(EventAmended, "trial", t.ID, "version", strconv.FormatUint(v.N, 10), "reconsent", strconv.FormatBool(b.Reconsent))
	return nil
}

// diffOutcomes lists the outcomes removed, changed and added from old to
// new: removed and changed in old's order, then added in new's.
func diffOutcomes(old, new []Outcome) []Switch {
	var out []Switch
	find := func(list []Outcome, code string) (Outcome, bool) {
		for _, o := range list {
			if o.Code == code {
				return o, true
			}
		}
		return Outcome{}, false
	}
	for _, o := range old {
		n, ok := find(new, o.Code)
		switch {
		case !ok:
			out = append(out, Switch{Outcome: o.Code, Change: SwitchRemoved, Old: &o})
		case n != o:
			out = append(out, Switch{Outcome: o.Code, Change: SwitchChanged, Old: &o, New: &n})
		}
	}
	for _, n := range new {
		if _, ok := find(old, n.Code); !ok {
			out = append(out, Switch{Outcome: n.Code, Change: SwitchAdded, New: &n})
		}
	}
	return out
}

// --- participants ---

// EnrollBody enrols a participant at the signer's site under a pseudonym
// for this trial: the public keys the participant derived (package
// pseudonym, context "trials/<id>"). The site checked, off the chain, that
// the keys are an enrolled patient's (the patient's ownership proof); the
// chain never learns which patient.
type EnrollBody struct {
	Trial   string `json:"trial"`
	SignKey []byte `json:"sign_key"`
	EncKey  []byte `json:"enc_key"`
}

func enroll(ctx *app.Context, raw json.RawMessage) error {
	var b EnrollBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	t, err := loadTrial(ctx.KV, b.Trial)
	if err != nil {
		return err
	}
	if !t.Site(ctx.Signer.Org) {
		return ErrNotSite.New("%s is not a site of trial %s (its sites: %v)", ctx.Signer.Org, t.ID, t.Sites)
	}
	p := app.Pseudonym{Context: Context(t.ID), SignKey: b.SignKey, EncKey: b.EncKey, By: ctx.Signer.ID, Height: ctx.Height}
	if err := ctx.IDs.RegisterPseudonym(ctx.KV, p); err != nil {
		return err
	}
	id := pseudonym.ID(b.SignKey)
	put(ctx.KV, SubjectKey(t.ID, id), Subject{ID: id, Trial: t.ID, Site: ctx.Signer.Org, EnrolledBy: ctx.Signer.ID, Enrolled: ctx.Height, Status: SubjectEnrolled})
	if t.FirstEnrolment == 0 {
		t.FirstEnrolment = ctx.Height
	}
	t.Subjects++
	put(ctx.KV, TrialKey(t.ID), t)
	ctx.Emit(EventEnrolled, "trial", t.ID, "subject", id, "site", ctx.Signer.Org)
	return nil
}

// loadParticipant is the signer's subject record in trial: the signer must
// be a pseudonym of this trial's context.
func loadParticipant(ctx *app.Context, trial string) (Trial, Subject, error) {
	t, err := loadTrial(ctx.KV, trial)
	if err != nil {
		return t, Subject{}, err
	}
	if ctx.Signer.Kind != app.KindPseudonym || ctx.Signer.Context != Context(t.ID) {
		return t, Subject{}, ErrNotParticipant.New("only a participant of trial %s, signing under its pseudonym for this trial, does this", t.ID)
	}
	var s Subject
	if !get(ctx.KV, SubjectKey(t.ID, ctx.Signer.ID), &s) {
		return t, s, ErrSubjectNotFound.New("%s is no subject of trial %s", ctx.Signer.ID, t.ID)
	}
	if s.Status == SubjectWithdrawn {
		return t, s, ErrWithdrawn.New("subject %s withdrew from trial %s at height %d", s.ID, t.ID, s.WithdrawnAt)
	}
	return t, s, nil
}

// ConsentBody is a participant's consent to a protocol version (0: the
// current one), at their site, with the salted digest of the informed-
// consent form they saw.
type ConsentBody struct {
	Trial   string `json:"trial"`
	Site    string `json:"site"`
	Version uint64 `json:"version,omitempty"`
	Form    string `json:"form,omitempty"`
}

func consent(ctx *app.Context, raw json.RawMessage) error {
	var b ConsentBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	t, s, err := loadParticipant(ctx, b.Trial)
	if err != nil {
		return err
	}
	if b.Site != s.Site {
		return ErrBadSite.New("subject %s is enrolled at %s, not %s", s.ID, s.Site, medledger.Quote(b.Site))
	}
	if b.Form != "" && !validHex32(b.Form) {
		return ErrInvalid.New("form digest %s is not 64 lowercase hex characters", medledger.Quote(b.Form))
	}
	v := b.Version
	if v == 0 {
		v = t.Version
	}
	if v > t.Version || v < t.RequiredVersion {
		return ErrVersion.New("trial %s takes consent to versions %d to %d, not %d", t.ID, t.RequiredVersion, t.Version, v)
	}
	s.Status = SubjectConsented
	s.Consents = append(s.Consents, ConsentEvent{Version: v, Form: b.Form, Height: ctx.Height})
	put(ctx.KV, SubjectKey(t.ID, s.ID), s)
	ctx.Emit(EventConsented, "trial", t.ID, "subject", s.ID, "version", strconv.FormatUint(v, 10))
	return nil
}

// WithdrawBody withdraws a participant. With RemoveData, the data
// collected so far is excluded from every later export (and the sites
// destroy it).
type WithdrawBody struct {
	Trial      string `json:"trial"`
	RemoveData bool   `json:"remove_data,omitempty"`
}

func withdraw(ctx *app.Context, raw json.RawMessage) error {
	var b WithdrawBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	t, s, err := loadParticipant(ctx, b.Trial)
	if err != nil {
		return err
	}
	s.Status, s.WithdrawnAt, s.RemoveData = SubjectWithdrawn, ctx.Height, b.RemoveData
	put(ctx.KV, SubjectKey(t.ID, s.ID), s)
	t.Withdrawn++
	put(ctx.KV, TrialKey(t.ID), t)
	ctx.Emit(EventWithdrawn, "trial", t.ID, "subject", s.ID, "site", s.Site, "remove_data", strconv.FormatBool(b.RemoveData))
	return nil
}

// --- data and results ---

// DataBody anchors a batch of case-report data: the RFC 6962 Merkle root
// of its Count records (trials/dataset), the subjects they are of, and the
// site vault's reference of the encrypted batch.
type DataBody struct {
	Trial    string   `json:"trial"`
	Root     string   `json:"root"`
	Count    int      `json:"count"`
	Subjects []string `json:"subjects"`
	Ref      string   `json:"ref,omitempty"`
}

func addData(ctx *app.Context, raw json.RawMessage) error {
	var b DataBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	t, err := loadTrial(ctx.KV, b.Trial)
	if err != nil {
		return err
	}
	if !t.Site(ctx.Signer.Org) {
		return ErrNotSite.New("%s is not a site of trial %s", ctx.Signer.Org, t.ID)
	}
	if !validHex32(b.Root) {
		return ErrInvalid.New("root %s is not 64 lowercase hex characters", medledger.Quote(b.Root))
	}
	if b.Count < 1 || b.Count > MaxBatchRecords {
		return ErrTooLarge.New("a batch holds 1 to %d records, not %d", MaxBatchRecords, b.Count)
	}
	if len(b.Subjects) == 0 || len(b.Subjects) > MaxBatchSubjects || len(b.Subjects) > b.Count {
		return ErrInvalid.New("a batch of %d records names 1 to %d subjects, not %d", b.Count, min(b.Count, MaxBatchSubjects), len(b.Subjects))
	}
	if len(b.Ref) > maxRef {
		return ErrInvalid.New("ref must be at most %d characters", maxRef)
	}
	for i, id := range b.Subjects {
		if i > 0 && b.Subjects[i-1] >= id {
			return ErrInvalid.New("subjects must be sorted and distinct (%s after %s)", medledger.Quote(id), medledger.Quote(b.Subjects[i-1]))
		}
		if err := acceptsData(ctx, t, id); err != nil {
			return err
		}
	}
	t.Batches++
	t.Records += uint64(b.Count)
	batch := Batch{Trial: t.ID, Seq: t.Batches, Root: b.Root, Count: b.Count, Subjects: b.Subjects, Site: ctx.Signer.Org,
		By: ctx.Signer.ID, Ref: b.Ref, Height: ctx.Height, Time: ctx.Time.UTC()}
	put(ctx.KV, BatchKey(t.ID, batch.Seq), batch)
	put(ctx.KV, TrialKey(t.ID), t)
	ctx.Emit(EventData, "trial", t.ID, "batch", strconv.FormatUint(batch.Seq, 10), "root", b.Root, "count", strconv.Itoa(b.Count))
	return nil
}

// acceptsData checks that subject id of trial t is the signer's site's,
// has consented to a version the trial still accepts, and has not
// withdrawn.
func acceptsData(ctx *app.Context, t Trial, id string) error {
	var s Subject
	if !get(ctx.KV, SubjectKey(t.ID, id), &s) {
		return ErrSubjectNotFound.New("%s is no subject of trial %s", medledger.Quote(id), t.ID)
	}
	if s.Site != ctx.Signer.Org {
		return ErrNotSite.New("subject %s is enrolled at %s: only its site adds its data", id, s.Site)
	}
	switch {
	case s.Status == SubjectWithdrawn:
		return ErrWithdrawn.New("subject %s withdrew at height %d: no more data is accepted", id, s.WithdrawnAt)
	case len(s.Consents) == 0:
		return ErrNoConsent.New("subject %s has not consented yet", id)
	}
	if v := s.Consents[len(s.Consents)-1].Version; v < t.RequiredVersion {
		return ErrNoConsent.New("subject %s consented to version %d; version %d needs re-consent before more data", id, v, t.RequiredVersion)
	}
	return nil
}

// ResultsBody posts results, one summary per outcome.
type ResultsBody struct {
	Trial   string         `json:"trial"`
	Results []ResultOfBody `json:"results"`
}

// ResultOfBody is one result.
type ResultOfBody struct {
	Outcome string `json:"outcome"`
	Summary string `json:"summary"`
}

func postResults(ctx *app.Context, raw json.RawMessage) error {
	var b ResultsBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	t, err := loadTrial(ctx.KV, b.Trial)
	if err != nil {
		return err
	}
	if ctx.Signer.Org != t.Sponsor {
		return ErrNotSponsor.New("trial %s is %s's: only its sponsor posts its results", t.ID, t.Sponsor)
	}
	if len(b.Results) == 0 || len(b.Results) > MaxOutcomes {
		return ErrInvalid.New("post 1 to %d results, not %d", MaxOutcomes, len(b.Results))
	}
	for i, r := range b.Results {
		if !validCode(r.Outcome) {
			return ErrInvalid.New("outcome code %s must be 1 to 32 letters, digits, '.', '_' or '-'", medledger.Quote(r.Outcome))
		}
		for _, prev := range b.Results[:i] {
			if prev.Outcome == r.Outcome {
				return ErrInvalid.New("outcome %s has two results", r.Outcome)
			}
		}
		if err := validText(fmt.Sprintf("result for %s", r.Outcome), r.Summary, maxSummary); err != nil {
			return err
		}
	}
	for _, r := range b.Results {
		_, declared := t.Declared(r.Outcome)
		put(ctx.KV, ResultKey(t.ID, r.Outcome), Result{Trial: t.ID, Outcome: r.Outcome, Summary: r.Summary, Declared: declared,
			By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()})
		ctx.Emit(EventResults, "trial", t.ID, "outcome", r.Outcome, "declared", strconv.FormatBool(declared))
	}
	return nil
}
