package identity

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// ProposalTTL is how long, by block time, a governance proposal stays open.
const ProposalTTL = 7 * 24 * time.Hour

// Transaction types.
const (
	TypePropose         = "identity/propose"
	TypeVote            = "identity/vote"
	TypeAddMember       = "identity/add-member"
	TypeSuspendMember   = "identity/suspend-member"
	TypeReinstateMember = "identity/reinstate-member"
	TypeRotateKey       = "identity/rotate-key"
	TypeEnrollPatient   = "identity/enroll-patient"
)

// Proposal actions.
const (
	ActionAddOrg       = "add-org"
	ActionSuspendOrg   = "suspend-org"
	ActionReinstateOrg = "reinstate-org"
)

// Module is the identity module. The zero value is ready to use.
type Module struct{}

var (
	_ app.Module     = Module{}
	_ app.Identities = Module{}
	_ app.EndBlocker = Module{}
)

func (Module) Name() string { return "identity" }

// Policies is the role-by-action table of this module.
var Policies = map[string]app.Policy{
	TypePropose:         {Grants: []app.Grant{{OrgKind: "*", Role: RoleAdmin}}},
	TypeVote:            {Grants: []app.Grant{{OrgKind: "*", Role: RoleAdmin}}},
	TypeAddMember:       {Grants: []app.Grant{{OrgKind: "*", Role: RoleAdmin}}},
	TypeSuspendMember:   {Grants: []app.Grant{{OrgKind: "*", Role: RoleAdmin}}},
	TypeReinstateMember: {Grants: []app.Grant{{OrgKind: "*", Role: RoleAdmin}}},
	TypeRotateKey:       {Grants: []app.Grant{{OrgKind: "*", Role: RoleAdmin}}},
	TypeEnrollPatient: {Grants: []app.Grant{
		{OrgKind: KindHospital, Role: RoleAdmin}, {OrgKind: KindHospital, Role: RoleClinician},
		{OrgKind: KindClinic, Role: RoleAdmin}, {OrgKind: KindClinic, Role: RoleClinician},
	}},
	TypePatientRotate:    patientPolicies[TypePatientRotate],
	TypePatientGuardians: patientPolicies[TypePatientGuardians],
	TypeRecoveryRequest:  patientPolicies[TypeRecoveryRequest],
	TypeRecoveryApprove:  patientPolicies[TypeRecoveryApprove],
	TypeRecoveryCancel:   patientPolicies[TypeRecoveryCancel],
	TypePatientFreeze:    patientPolicies[TypePatientFreeze],
	TypeLookup:           lookupPolicy,
}

func (m Module) Routes() []app.Route {
	h := map[string]func(*app.Context, json.RawMessage) error{
		TypePropose: propose, TypeVote: vote, TypeAddMember: addMember,
		TypeSuspendMember: setMemberStatus(StatusSuspended), TypeReinstateMember: setMemberStatus(StatusActive),
		TypeRotateKey: rotateKey, TypeEnrollPatient: enrollPatient,
		TypePatientRotate: patientRotate, TypePatientGuardians: patientGuardians, TypeRecoveryRequest: recoveryRequest,
		TypeRecoveryApprove: recoveryApprove, TypeRecoveryCancel: recoveryCancel, TypePatientFreeze: patientFreeze,
		TypeLookup: lookup,
	}
	types := []string{TypePropose, TypeVote, TypeAddMember, TypeSuspendMember, TypeReinstateMember, TypeRotateKey, TypeEnrollPatient,
		TypePatientRotate, TypePatientGuardians, TypeRecoveryRequest, TypeRecoveryApprove, TypeRecoveryCancel, TypePatientFreeze, TypeLookup}
	routes := make([]app.Route, 0, len(types))
	for _, t := range types {
		routes = append(routes, app.Route{Type: t, Policy: Policies[t], Handle: h[t]})
	}
	return routes
}

// Genesis is the identity module's genesis document.
type Genesis struct {
	Orgs     []Org           `json:"orgs"`
	Members  []GenesisMember `json:"members"`
	Patients []GenesisKeys   `json:"patients"`
	// RecoveryWaitSeconds is the waiting period of a patient's recovery,
	// in seconds of block time (Params); 0 means DefaultRecoveryWait.
	RecoveryWaitSeconds int64 `json:"recovery_wait_seconds,omitempty"`
}

// GenesisMember is a member in the genesis document.
type GenesisMember struct {
	ID      string `json:"id"` // "org/member"
	Role    string `json:"role"`
	SignKey []byte `json:"sign_key"`
	EncKey  []byte `json:"enc_key"`
}

// GenesisKeys is a patient in the genesis document, enrolled by EnrolledBy.
type GenesisKeys struct {
	SignKey    []byte `json:"sign_key"`
	EncKey     []byte `json:"enc_key"`
	EnrolledBy string `json:"enrolled_by"`
}

func (m Module) InitGenesis(ctx *app.Context, raw json.RawMessage) error {
	if raw == nil {
		return nil
	}
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return fmt.Errorf("identity genesis: %w", err)
	}
	if w := g.RecoveryWaitSeconds; w != 0 {
		if w < 1 || w > int64(MaxRecoveryWait/time.Second) {
			return ErrInvalid.New("recovery_wait_seconds %d: give 1 to %d seconds (0 for the default, %s)", w, int64(MaxRecoveryWait/time.Second), DefaultRecoveryWait)
		}
		put(ctx.KV, []byte(keyParams), Params{RecoveryWaitSeconds: w})
	}
	for _, o := range g.Orgs {
		if err := o.Validate(); err != nil {
			return err
		}
		if ctx.KV.Get(OrgKey(o.ID)) != nil {
			return ErrOrgExists.New("organization %s twice in genesis", o.ID)
		}
		o.Status, o.Since = StatusActive, ctx.Height
		put(ctx.KV, OrgKey(o.ID), o)
	}
	for _, gm := range g.Members {
		orgID, name, ok := strings.Cut(gm.ID, "/")
		if !ok {
			return ErrInvalid.New("genesis member %s is not org/member", medledger.Quote(gm.ID))
		}
		if err := insertMember(ctx, orgID, name, gm.Role, gm.SignKey, gm.EncKey); err != nil {
			return err
		}
	}
	for _, p := range g.Patients {
		if err := insertPatient(ctx, p.EnrolledBy, p.SignKey, p.EncKey); err != nil {
			return err
		}
	}
	return nil
}

// Authenticate implements app.Identities.
func (Module) Authenticate(r state.Reader, id, keyID string) (app.Signer, ed25519.PublicKey, error) {
	if strings.HasPrefix(id, PatientPrefix) {
		p, ok := patientMemo.get(r, PatientKey(id))
		if !ok {
			return app.Signer{}, nil, tx.ErrUnknownSigner.New("no patient %s on this chain", id)
		}
		if p.Status != StatusActive {
			return app.Signer{}, nil, tx.ErrSuspended.New("patient %s is suspended", id)
		}
		if p.KeyID != keyID {
			return app.Signer{}, nil, tx.ErrKeyMismatch.New("key %s is not the current key of %s (%s)", keyID, id, p.KeyID)
		}
		return app.Signer{ID: id, Kind: app.KindPatient, Role: RolePatient}, p.SignKey, nil
	}
	if strings.HasPrefix(id, pseudonym.Prefix) {
		var p pseudonymRecord
		if !get(r, PseudonymKey(id), &p) {
			return app.Signer{}, nil, tx.ErrUnknownSigner.New("no pseudonym %s on this chain", id)
		}
		if p.KeyID != keyID {
			return app.Signer{}, nil, tx.ErrKeyMismatch.New("key %s is not the key of %s (%s)", keyID, id, p.KeyID)
		}
		return app.Signer{ID: id, Kind: app.KindPseudonym, Role: RolePseudonym, Context: p.Context}, p.SignKey, nil
	}
	mem, ok := memberMemo.get(r, MemberKey(id))
	if !ok {
		return app.Signer{}, nil, tx.ErrUnknownSigner.New("no member %s on this chain", id)
	}
	org, ok := orgMemo.get(r, OrgKey(mem.Org))
	if !ok {
		return app.Signer{}, nil, tx.ErrUnknownSigner.New("organization of %s does not exist", id)
	}
	if org.Status != StatusActive {
		return app.Signer{}, nil, tx.ErrSuspended.New("organization %s is suspended", org.ID)
	}
	if mem.Status != StatusActive {
		return app.Signer{}, nil, tx.ErrSuspended.New("member %s is suspended", id)
	}
	if mem.KeyID != keyID {
		return app.Signer{}, nil, tx.ErrKeyMismatch.New("key %s is not the current key of %s (%s)", keyID, id, mem.KeyID)
	}
	return app.Signer{ID: id, Kind: app.KindMember, Org: org.ID, OrgKind: org.Kind, Role: mem.Role}, mem.SignKey, nil
}

// Org implements app.Identities.
func (Module) Org(r state.Reader, id string) (app.Org, bool) {
	o, ok := orgMemo.get(r, OrgKey(id))
	if !ok {
		return app.Org{}, false
	}
	return app.Org{ID: o.ID, Kind: o.Kind, Jurisdiction: o.Jurisdiction, Active: o.Status == StatusActive}, true
}

// Patient implements app.Identities. Only an id with PatientPrefix is
// looked up, so no other id costs a read.
func (Module) Patient(r state.Reader, id string) bool {
	return strings.HasPrefix(id, PatientPrefix) && r.Get(PatientKey(id)) != nil
}

// Member implements app.Identities.
func (Module) Member(r state.Reader, id string) bool {
	return r.Get(MemberKey(id)) != nil
}

// --- handlers ---

// ProposeBody proposes a change to the consortium's membership.
type ProposeBody struct {
	Action string         `json:"action"` // add-org, suspend-org, reinstate-org
	Org    *Org           `json:"org,omitempty"`
	Admin  *GenesisMember `json:"admin,omitempty"`  // the new organization's first admin (add-org)
	Target string         `json:"target,omitempty"` // organization id (suspend-org, reinstate-org)
}

// Proposal is a governance proposal and its outcome.
type Proposal struct {
	ID       uint64         `json:"id"`
	Action   string         `json:"action"`
	Org      *Org           `json:"org,omitempty"`
	Admin    *GenesisMember `json:"admin,omitempty"`
	Target   string         `json:"target"`
	Proposer string         `json:"proposer"`
	Height   int64          `json:"height"`
	Deadline time.Time      `json:"deadline"`
	Status   string         `json:"status"` // open, passed, rejected
	Yes      int            `json:"yes"`
	No       int            `json:"no"`
}

// Proposal statuses.
const (
	ProposalOpen     = "open"
	ProposalPassed   = "passed"
	ProposalRejected = "rejected"
)

func propose(ctx *app.Context, raw json.RawMessage) error {
	var b ProposeBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	p := Proposal{Action: b.Action, Proposer: ctx.Signer.ID, Height: ctx.Height, Deadline: ctx.Time.Add(ProposalTTL), Status: ProposalOpen}
	switch b.Action {
	case ActionAddOrg:
		if b.Org == nil || b.Admin == nil {
			return ErrInvalid.New("add-org needs org and admin")
		}
		o := *b.Org
		if err := o.Validate(); err != nil {
			return err
		}
		if ctx.KV.Get(OrgKey(o.ID)) != nil {
			return ErrOrgExists.New("organization %s exists already", o.ID)
		}
		if !validName(b.Admin.ID) {
			return ErrInvalid.New("admin member name %s: use 2 to 64 lowercase letters, digits and '-'", medledger.Quote(b.Admin.ID))
		}
		if id := MemberID(o.ID, b.Admin.ID); len(id) > maxMemberID {
			return ErrInvalid.New("admin member id %s is %d bytes, over %d: use a shorter name", medledger.Quote(id), len(id), maxMemberID)
		}
		if err := checkKeys(b.Admin.SignKey, b.Admin.EncKey); err != nil {
			return err
		}
		o.Status = ""
		p.Org, p.Target = &o, o.ID
		p.Admin = &GenesisMember{ID: b.Admin.ID, Role: RoleAdmin, SignKey: b.Admin.SignKey, EncKey: b.Admin.EncKey}
	case ActionSuspendOrg, ActionReinstateOrg:
		var o Org
		if !get(ctx.KV, OrgKey(b.Target), &o) {
			return ErrOrgNotFound.New("no organization %s", medledger.Quote(b.Target))
		}
		if b.Action == ActionSuspendOrg && o.Status != StatusActive {
			return ErrWrongStatus.New("organization %s is not active", o.ID)
		}
		if b.Action == ActionReinstateOrg && o.Status != StatusSuspended {
			return ErrWrongStatus.New("organization %s is not suspended", o.ID)
		}
		if b.Action == ActionSuspendOrg && o.ID == ctx.Signer.Org {
			return ErrSelf.New("an organization cannot propose its own suspension")
		}
		p.Target = o.ID
	default:
		return ErrInvalid.New("action %s is not add-org, suspend-org or reinstate-org", medledger.Quote(b.Action))
	}
	p.ID = nextSeq(ctx.KV, keyProposalSeq)
	ctx.Emit("identity.proposal_created", "proposal", strconv.FormatUint(p.ID, 10), "action", p.Action, "target", p.Target, "proposer", p.Proposer)
	return castVote(ctx, &p, true)
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
	if !get(ctx.KV, ProposalKey(b.Proposal), &p) {
		return ErrProposalNotFound.New("no proposal %d", b.Proposal)
	}
	if p.Status != ProposalOpen {
		return ErrProposalClosed.New("proposal %d is %s", p.ID, p.Status)
	}
	if !ctx.Time.Before(p.Deadline) {
		return ErrProposalExpired.New("proposal %d closed for voting at %s", p.ID, p.Deadline.Format(time.RFC3339))
	}
	if ctx.KV.Get(voteKey(p.ID, ctx.Signer.Org)) != nil {
		return ErrAlreadyVoted.New("%s has already voted on proposal %d", ctx.Signer.Org, p.ID)
	}
	return castVote(ctx, &p, b.Approve)
}

// castVote records the signer's organization's vote, then tallies the votes
// of the organizations active now and closes the proposal once a majority
// of them said yes (it passes) or it can no longer pass (rejected).
func castVote(ctx *app.Context, p *Proposal, approve bool) error {
	v := []byte{0}
	if approve {
		v[0] = 1
	}
	ctx.KV.Set(voteKey(p.ID, ctx.Signer.Org), v)
	ctx.Emit("identity.vote_cast", "proposal", strconv.FormatUint(p.ID, 10), "org", ctx.Signer.Org, "approve", strconv.FormatBool(approve))

	active := 0
	ctx.KV.Iterate([]byte(prefixOrg), state.PrefixEnd([]byte(prefixOrg)), func(_, val []byte) bool {
		var o Org
		mustUnmarshal(val, &o)
		if o.Status == StatusActive {
			active++
		}
		return true
	})
	p.Yes, p.No = 0, 0
	ctx.KV.Iterate(votePrefix(p.ID), state.PrefixEnd(votePrefix(p.ID)), func(k, val []byte) bool {
		org := string(k[len(votePrefix(p.ID)):])
		var o Org
		if !get(ctx.KV, OrgKey(org), &o) || o.Status != StatusActive {
			return true // only organizations active now count
		}
		if val[0] == 1 {
			p.Yes++
		} else {
			p.No++
		}
		return true
	})
	switch {
	case 2*p.Yes > active:
		p.Status = ProposalPassed
		if err := execute(ctx, p); err != nil {
			return err
		}
		ctx.Emit("identity.proposal_passed", "proposal", strconv.FormatUint(p.ID, 10), "action", p.Action, "target", p.Target)
	case 2*p.No >= active:
		p.Status = ProposalRejected
		ctx.Emit("identity.proposal_rejected", "proposal", strconv.FormatUint(p.ID, 10), "action", p.Action, "target", p.Target)
	}
	put(ctx.KV, ProposalKey(p.ID), p)
	return nil
}

func execute(ctx *app.Context, p *Proposal) error {
	switch p.Action {
	case ActionAddOrg:
		if ctx.KV.Get(OrgKey(p.Org.ID)) != nil {
			return ErrOrgExists.New("organization %s exists already", p.Org.ID)
		}
		o := *p.Org
		o.Status, o.Since = StatusActive, ctx.Height
		put(ctx.KV, OrgKey(o.ID), o)
		ctx.Emit("identity.org_added", "org", o.ID, "kind", o.Kind, "jurisdiction", o.Jurisdiction)
		return insertMember(ctx, o.ID, p.Admin.ID, RoleAdmin, p.Admin.SignKey, p.Admin.EncKey)
	case ActionSuspendOrg, ActionReinstateOrg:
		var o Org
		if !get(ctx.KV, OrgKey(p.Target), &o) {
			return ErrOrgNotFound.New("no organization %s", medledger.Quote(p.Target))
		}
		o.Status, o.Since = StatusSuspended, ctx.Height
		ev := "identity.org_suspended"
		if p.Action == ActionReinstateOrg {
			o.Status, ev = StatusActive, "identity.org_reinstated"
		}
		put(ctx.KV, OrgKey(o.ID), o)
		ctx.Emit(ev, "org", o.ID)
	}
	return nil
}

// MemberBody adds a member to the signer's organization, or rotates a
// member's keys.
type MemberBody struct {
	Member  string `json:"member"` // the name within the organization, or "org/name"
	Role    string `json:"role,omitempty"`
	SignKey []byte `json:"sign_key,omitempty"`
	EncKey  []byte `json:"enc_key,omitempty"`
}

// ownMember resolves a member name given by an admin to an id in the
// admin's own organization.
func ownMember(ctx *app.Context, name string) (string, error) {
	if org, n, ok := strings.Cut(name, "/"); ok {
		if org != ctx.Signer.Org {
			return "", ErrNotOwnOrg.New("%s may manage members of %s only, not %s", ctx.Signer.ID, ctx.Signer.Org, medledger.Quote(org))
		}
		name = n
	}
	if !validName(name) {
		return "", ErrInvalid.New("member name %s: use 2 to 64 lowercase letters, digits and '-'", medledger.Quote(name))
	}
	return MemberID(ctx.Signer.Org, name), nil
}

func addMember(ctx *app.Context, raw json.RawMessage) error {
	var b MemberBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	id, err := ownMember(ctx, b.Member)
	if err != nil {
		return err
	}
	_, name, _ := strings.Cut(id, "/")
	return insertMember(ctx, ctx.Signer.Org, name, b.Role, b.SignKey, b.EncKey)
}

func insertMember(ctx *app.Context, orgID, name, role string, sign, enc []byte) error {
	var org Org
	if !get(ctx.KV, OrgKey(orgID), &org) {
		return ErrOrgNotFound.New("no organization %s", medledger.Quote(orgID))
	}
	if !validName(name) {
		return ErrInvalid.New("member name %s: use 2 to 64 lowercase letters, digits and '-'", medledger.Quote(name))
	}
	if id := MemberID(orgID, name); len(id) > maxMemberID {
		return ErrInvalid.New("member id %s is %d bytes, over %d: use a shorter member name", medledger.Quote(id), len(id), maxMemberID)
	}
	if !roleAllowed(org.Kind, role) {
		return ErrRoleNotAllowed.New("role %s is not allowed at a %s; allowed: %s", medledger.Quote(role), org.Kind, strings.Join(RolesByKind[org.Kind], ", "))
	}
	if err := checkKeys(sign, enc); err != nil {
		return err
	}
	id := MemberID(orgID, name)
	if ctx.KV.Get(MemberKey(id)) != nil {
		return ErrMemberExists.New("member %s exists already", id)
	}
	put(ctx.KV, MemberKey(id), Member{ID: id, Org: orgID, Role: role, SignKey: sign, EncKey: enc, KeyID: keyID(sign), Status: StatusActive, Since: ctx.Height})
	ctx.Emit("identity.member_added", "member", id, "org", orgID, "role", role, "key_id", keyID(sign))
	return nil
}

func setMemberStatus(status string) func(*app.Context, json.RawMessage) error {
	return func(ctx *app.Context, raw json.RawMessage) error {
		var b MemberBody
		if err := app.DecodeBody(raw, &b); err != nil {
			return err
		}
		id, err := ownMember(ctx, b.Member)
		if err != nil {
			return err
		}
		if id == ctx.Signer.ID {
			return ErrSelf.New("an admin cannot suspend or reinstate themselves")
		}
		var m Member
		if !get(ctx.KV, MemberKey(id), &m) {
			return ErrMemberNotFound.New("no member %s", medledger.Quote(id))
		}
		if m.Status == status {
			return ErrWrongStatus.New("member %s is %s already", id, status)
		}
		m.Status, m.Since = status, ctx.Height
		put(ctx.KV, MemberKey(id), m)
		ev := "identity.member_suspended"
		if status == StatusActive {
			ev = "identity.member_reinstated"
		}
		ctx.Emit(ev, "member", id)
		return nil
	}
}

func rotateKey(ctx *app.Context, raw json.RawMessage) error {
	var b MemberBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	id, err := ownMember(ctx, b.Member)
	if err != nil {
		return err
	}
	var m Member
	if !get(ctx.KV, MemberKey(id), &m) {
		return ErrMemberNotFound.New("no member %s", medledger.Quote(id))
	}
	if err := checkKeys(b.SignKey, b.EncKey); err != nil {
		return err
	}
	m.SignKey, m.EncKey, m.KeyID, m.Since = b.SignKey, b.EncKey, keyID(b.SignKey), ctx.Height
	put(ctx.KV, MemberKey(id), m)
	ctx.Emit("identity.key_rotated", "member", id, "key_id", m.KeyID)
	return nil
}

// EnrollBody enrolls a patient by their public keys and, if they name
// them at enrolment, their guardians (as TypePatientGuardians would).
type EnrollBody struct {
	SignKey   []byte   `json:"sign_key"`
	EncKey    []byte   `json:"enc_key"`
	Guardians []string `json:"guardians,omitempty"`
	Threshold int      `json:"threshold,omitempty"`
}

func enrollPatient(ctx *app.Context, raw json.RawMessage) error {
	var b EnrollBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if len(b.Guardians) > 0 || b.Threshold != 0 {
		if err := checkGuardians(ctx.KV, PatientID(b.SignKey), b.Guardians, b.Threshold); err != nil {
			return err
		}
	}
	if err := insertPatient(ctx, ctx.Signer.Org, b.SignKey, b.EncKey); err != nil {
		return err
	}
	if len(b.Guardians) > 0 {
		storeGuardians(ctx, PatientID(b.SignKey), b.Guardians, b.Threshold, ctx.Signer.Org)
	}
	return nil
}

func insertPatient(ctx *app.Context, by string, sign, enc []byte) error {
	if err := checkKeys(sign, enc); err != nil {
		return err
	}
	id := PatientID(sign)
	if ctx.KV.Get(PatientKey(id)) != nil {
		return ErrPatientExists.New("patient %s is enrolled already", id)
	}
	put(ctx.KV, PatientKey(id), Patient{ID: id, SignKey: sign, EncKey: enc, KeyID: keyID(sign), Status: StatusActive, EnrolledBy: by, Since: ctx.Height})
	ctx.Emit("identity.patient_enrolled", "patient", id, "enrolled_by", by)
	return nil
}

// --- encoding helpers ---

func put(kv state.KV, key []byte, v any)         { state.PutJSON(kv, key, v) }
func get(r state.Reader, key []byte, v any) bool { return state.GetJSON(r, key, v) }
func nextSeq(kv state.KV, key string) uint64     { return state.NextSeq(kv, []byte(key)) }

func mustUnmarshal(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Errorf("identity: corrupt state value: %w", err))
	}
}
