package identity

// A patient's keys over a lifetime: the id stays, the keys change.
//
// A patient's id (pat-...) is derived from their first signing key once, at
// enrolment, and never again: the record keeps the current keys, and every
// module knows the patient by the id. The patient rotates their keys with
// the current key (TypePatientRotate). To get back an identity whose key is
// lost, the patient names guardians and a threshold beforehand
// (TypePatientGuardians, or at enrolment); a guardian asks to move the
// identity to a new key (TypeRecoveryRequest), others approve
// (TypeRecoveryApprove), and once the threshold is reached the recovery
// waits the chain's waiting period (Params) of block time, during which the
// patient's current key may cancel it (TypeRecoveryCancel); it then takes
// effect at the end of the first block past it (EndBlock). A patient, or
// their guardians by the threshold, freeze the identity at once
// (TypePatientFreeze): records then refuses grants, reads on consent and
// erasure (app.Identities.Frozen) until a rotation or a recovery completes.
//
// Why the end of a block: a recovery must take effect when its waiting
// period is over without anyone having to act (the patient has lost their
// key; a guardian's "finish" would be one more step to forget or withhold),
// and the block time is the one clock every validator agrees on. The
// recovery-due index is ordered by due time, so a block reads only the
// recoveries that fall due in it.
//
// A freeze by the guardians binds the current key: it may no longer rotate,
// cancel a recovery or change the guardians, because the guardians froze it
// as lost or stolen (a stolen phone is both: the thief holds the key the
// patient no longer has, and could otherwise lift the freeze and cancel
// every recovery). A freeze by the patient is lifted by the patient's
// rotation. Either is lifted by a completed recovery.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// Transaction types of a patient's keys.
const (
	TypePatientRotate    = "identity/patient-rotate"
	TypePatientGuardians = "identity/patient-guardians"
	TypeRecoveryRequest  = "identity/recovery-request"
	TypeRecoveryApprove  = "identity/recovery-approve"
	TypeRecoveryCancel   = "identity/recovery-cancel"
	TypePatientFreeze    = "identity/patient-freeze"
)

// Event types of a patient's keys (besides app.EventPatientKeyChanged).
const (
	EventGuardiansSet      = "identity.guardians_set"
	EventRecoveryRequested = "identity.recovery_requested"
	EventRecoveryApproved  = "identity.recovery_approved"
	EventRecoveryCancelled = "identity.recovery_cancelled"
	EventRecoveryCompleted = "identity.recovery_completed"
	EventFreezeRequested   = "identity.freeze_requested"
	EventPatientFrozen     = "identity.patient_frozen"
	EventPatientUnfrozen   = "identity.patient_unfrozen"
)

// Limits and defaults of guardianship.
const (
	// DefaultRecoveryWait is the waiting period of a chain whose genesis
	// sets none: 72 hours of block time.
	DefaultRecoveryWait = 72 * time.Hour
	// MaxRecoveryWait is the longest waiting period a genesis may set.
	MaxRecoveryWait = 90 * 24 * time.Hour
	// MinThreshold is the fewest guardians a recovery or a freeze by
	// guardians needs: never one alone.
	MinThreshold = 2
	// MaxGuardians is the most guardians a patient may name.
	MaxGuardians = 7
)

// Who froze a patient (Patient.Frozen).
const (
	FrozenByPatient   = "patient"
	FrozenByGuardians = "guardians"
)

// Recovery statuses.
const (
	RecoveryOpen      = "open"      // collecting approvals
	RecoveryWaiting   = "waiting"   // approved by the threshold; takes effect at Due unless cancelled
	RecoveryCompleted = "completed" // in force: the patient's keys are the recovery's
	RecoveryCancelled = "cancelled"
)

// Why a recovery was cancelled, or a freeze lifted (Recovery.Reason).
const (
	ReasonCancelled        = "cancelled"         // by the patient or the guardian who asked
	ReasonRotated          = "rotated"           // the patient rotated their key
	ReasonGuardiansChanged = "guardians-changed" // the patient named other guardians
	ReasonSuperseded       = "superseded"        // another recovery took effect
	ReasonRecovered        = "recovered"         // (a freeze) lifted by a recovery
)

// Params are the identity module's parameters, set in genesis.
type Params struct {
	// RecoveryWaitSeconds is the waiting period, in seconds of block time,
	// between a recovery's approval by the threshold and its taking effect.
	RecoveryWaitSeconds int64 `json:"recovery_wait_seconds"`
}

// RecoveryWait is the chain's waiting period.
func RecoveryWait(r state.Reader) time.Duration {
	var p Params
	if get(r, []byte(keyParams), &p) && p.RecoveryWaitSeconds > 0 {
		return time.Duration(p.RecoveryWaitSeconds) * time.Second
	}
	return DefaultRecoveryWait
}

// Guardians are the parties a patient trusts to recover their identity.
type Guardians struct {
	Patient string `json:"patient"`
	// Guardians are organization ids (acting through an admin, or a
	// clinician of a hospital or clinic), member ids "org/name" or patient
	// ids; each of a different organization or person.
	Guardians []string `json:"guardians"`
	Threshold int      `json:"threshold"` // approvals a recovery or a freeze needs, 2 or more
	Height    int64    `json:"height"`
	// FreezeVotes are the guardians who asked to freeze the identity since
	// it was last frozen or unfrozen, or since the guardians were named.
	FreezeVotes []string `json:"freeze_votes,omitempty"`
}

// Recovery moves a patient's identity to new keys, on the approval of
// their guardians, after a waiting period.
type Recovery struct {
	ID          string    `json:"id"` // rcv-N
	Patient     string    `json:"patient"`
	SignKey     []byte    `json:"sign_key"` // the new keys
	EncKey      []byte    `json:"enc_key"`
	KeyID       string    `json:"key_id"`
	RequestedBy string    `json:"requested_by"` // the guardian who asked
	Approvals   []string  `json:"approvals"`    // the guardians who approved, the requester first
	Threshold   int       `json:"threshold"`
	Status      string    `json:"status"`
	Height      int64     `json:"height"`
	Time        time.Time `json:"time"`
	// Due is when a waiting recovery takes effect: the block time at which
	// the threshold was reached plus the waiting period.
	Due          time.Time `json:"due,omitzero"`
	ClosedHeight int64     `json:"closed_height,omitempty"`
	CancelledBy  string    `json:"cancelled_by,omitempty"`
	Reason       string    `json:"reason,omitempty"`
}

func recoveryID(n uint64) string { return "rcv-" + strconv.FormatUint(n, 10) }

// RotateBody gives a patient's new keys (TypePatientRotate).
type RotateBody struct {
	SignKey []byte `json:"sign_key"`
	EncKey  []byte `json:"enc_key"`
}

// GuardiansBody names a patient's guardians (TypePatientGuardians).
type GuardiansBody struct {
	Guardians []string `json:"guardians"`
	Threshold int      `json:"threshold"`
}

// RecoveryRequestBody asks to move a patient's identity to new keys
// (TypeRecoveryRequest).
type RecoveryRequestBody struct {
	Patient string `json:"patient"`
	SignKey []byte `json:"sign_key"`
	EncKey  []byte `json:"enc_key"`
}

// RecoveryRef names a recovery (TypeRecoveryApprove, TypeRecoveryCancel).
type RecoveryRef struct {
	Recovery string `json:"recovery"`
}

// FreezeBody freezes a patient's identity (TypePatientFreeze): empty
// Patient (or the signer's own id) for the patient themselves, the
// patient's id for a guardian.
type FreezeBody struct {
	Patient string `json:"patient,omitempty"`
}

// patientPolicies is the role-based part of who may send the patient
// transactions; who is a guardian of whom is checked in the handlers.
var patientPolicies = map[string]app.Policy{
	TypePatientRotate:    {Patients: true},
	TypePatientGuardians: {Patients: true},
	TypeRecoveryRequest:  {Grants: []app.Grant{{OrgKind: "*", Role: "*"}}, Patients: true},
	TypeRecoveryApprove:  {Grants: []app.Grant{{OrgKind: "*", Role: "*"}}, Patients: true},
	TypeRecoveryCancel:   {Grants: []app.Grant{{OrgKind: "*", Role: "*"}}, Patients: true},
	TypePatientFreeze:    {Grants: []app.Grant{{OrgKind: "*", Role: "*"}}, Patients: true},
}

// Frozen implements app.Identities.
func (Module) Frozen(r state.Reader, id string) bool {
	if !strings.HasPrefix(id, PatientPrefix) {
		return false
	}
	p, ok := patientMemo.get(r, PatientKey(id))
	return ok && p.Frozen != ""
}

// note writes e to the patient's log, stamped with the block and the
// transaction.
func note(ctx *app.Context, e app.PatientEvent) {
	e.Height, e.Time, e.TxHash = ctx.Height, ctx.Time.UTC(), ctx.TxHash
	if ctx.Signer.ID != "" {
		e.Signer = ctx.Signer.ID
	}
	ctx.PatientLog().Note(ctx.KV, e)
}

func loadPatient(kv state.Reader, id string) (Patient, error) {
	var p Patient
	if !strings.HasPrefix(id, PatientPrefix) || !get(kv, PatientKey(id), &p) {
		return p, ErrPatientNotFound.New("no patient %s on this chain", medledger.Quote(id))
	}
	return p, nil
}

func loadGuardians(kv state.Reader, patient string) (Guardians, bool) {
	var g Guardians
	return g, get(kv, GuardiansKey(patient), &g)
}

// checkGuardians validates a patient's choice of guardians.
func checkGuardians(kv state.Reader, patient string, list []string, threshold int) error {
	if len(list) < MinThreshold || len(list) > MaxGuardians {
		return ErrInvalid.New("name %d to %d guardians, not %d", MinThreshold, MaxGuardians, len(list))
	}
	if threshold < MinThreshold || threshold > len(list) {
		return ErrInvalid.New("threshold %d: a recovery needs %d to %d of the %d guardians (never one alone)", threshold, MinThreshold, len(list), len(list))
	}
	parties := map[string]string{} // organization or patient -> the guardian that is it
	for _, g := range list {
		var party string
		switch {
		case g == patient:
			return ErrInvalid.New("a patient cannot be their own guardian")
		case strings.HasPrefix(g, PatientPrefix):
			if kv.Get(PatientKey(g)) == nil {
				return ErrPatientNotFound.New("guardian %s is no patient on this chain", medledger.Quote(g))
			}
			party = g
		case strings.Contains(g, "/"):
			if kv.Get(MemberKey(g)) == nil {
				return ErrMemberNotFound.New("guardian %s is no member on this chain", medledger.Quote(g))
			}
			party, _, _ = strings.Cut(g, "/")
		default:
			var o Org
			if !get(kv, OrgKey(g), &o) {
				return ErrOrgNotFound.New("guardian %s is no organization, member or patient on this chain", medledger.Quote(g))
			}
			if o.Status != StatusActive {
				return ErrWrongStatus.New("guardian %s is a suspended organization", g)
			}
			party = g
		}
		if other, dup := parties[party]; dup {
			return ErrInvalid.New("guardians %s and %s are of the same organization or person: each guardian must be a different one", medledger.Quote(other), medledger.Quote(g))
		}
		parties[party] = g
	}
	return nil
}

// actingGuardian returns the guardian of list that the signer acts as: a
// patient or member named themselves, else their organization when they
// are its admin or clinician. ok is false for anyone else.
func actingGuardian(s app.Signer, list []string) (string, bool) {
	switch s.Kind {
	case app.KindPatient:
		if slices.Contains(list, s.ID) {
			return s.ID, true
		}
	case app.KindMember:
		if slices.Contains(list, s.ID) {
			return s.ID, true
		}
		if slices.Contains(list, s.Org) && (s.Role == RoleAdmin || s.Role == RoleClinician) {
			return s.Org, true
		}
	}
	return "", false
}

func guardianOf(ctx *app.Context, patient string) (Guardians, string, error) {
	g, ok := loadGuardians(ctx.KV, patient)
	if !ok {
		return g, "", ErrNoGuardians.New("patient %s has named no guardians", patient)
	}
	who, ok := actingGuardian(ctx.Signer, g.Guardians)
	if !ok {
		return g, "", ErrNotGuardian.New("%s is not a guardian of patient %s (nor an admin or clinician of an organization that is)", ctx.Signer.ID, patient)
	}
	return g, who, nil
}

// setPatientKeys puts new keys in force for p and lifts any freeze; the
// record is written, the key change emitted and logged by the caller's
// kind of change (how: rotated or recovered).
func setPatientKeys(ctx *app.Context, p Patient, sign, enc []byte, how, actor, recovery string) {
	oldEnc := p.EncKey
	p.SignKey, p.EncKey, p.KeyID, p.Since = sign, enc, keyID(sign), ctx.Height
	wasFrozen := p.Frozen != ""
	p.Frozen, p.FrozenHeight = "", 0
	put(ctx.KV, PatientKey(p.ID), p)
	if g, ok := loadGuardians(ctx.KV, p.ID); ok && len(g.FreezeVotes) > 0 {
		g.FreezeVotes = nil
		put(ctx.KV, GuardiansKey(p.ID), g)
	}
	ctx.Emit(app.EventPatientKeyChanged, "patient", p.ID, "key_id", p.KeyID, "old_enc_key", hex.EncodeToString(oldEnc),
		"enc_key", hex.EncodeToString(enc), "how", how)
	ev := app.PatientRecoveryCompleted
	if how == ReasonRotated {
		ev = app.PatientKeyRotated
	}
	note(ctx, app.PatientEvent{Patient: p.ID, Event: ev, Actor: actor, Recovery: recovery, KeyID: p.KeyID})
	if wasFrozen {
		ctx.Emit(EventPatientUnfrozen, "patient", p.ID, "reason", how)
		note(ctx, app.PatientEvent{Patient: p.ID, Event: app.PatientUnfrozen, Actor: actor, Reason: how})
	}
	reason := ReasonRotated
	if how != ReasonRotated {
		reason = ReasonSuperseded
	}
	closeOpenRecoveries(ctx, p.ID, "", reason)
}

func checkNewKeys(p Patient, sign, enc []byte) error {
	if err := checkKeys(sign, enc); err != nil {
		return err
	}
	if bytes.Equal(sign, p.SignKey) {
		return ErrBadKey.New("the new signing key is the patient's current one: make a new key")
	}
	return nil
}

func patientRotate(ctx *app.Context, raw json.RawMessage) error {
	var b RotateBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	p, err := loadPatient(ctx.KV, ctx.Signer.ID)
	if err != nil {
		return err
	}
	if p.Frozen == FrozenByGuardians {
		return ErrFrozen.New("patient %s was frozen by their guardians at height %d: only a recovery they approve lifts it", p.ID, p.FrozenHeight)
	}
	if err := checkNewKeys(p, b.SignKey, b.EncKey); err != nil {
		return err
	}
	setPatientKeys(ctx, p, b.SignKey, b.EncKey, ReasonRotated, p.ID, "")
	return nil
}

func patientGuardians(ctx *app.Context, raw json.RawMessage) error {
	var b GuardiansBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	p, err := loadPatient(ctx.KV, ctx.Signer.ID)
	if err != nil {
		return err
	}
	if p.Frozen != "" {
		return ErrFrozen.New("patient %s is frozen (by %s): rotate the key or complete a recovery before naming guardians", p.ID, p.Frozen)
	}
	if err := checkGuardians(ctx.KV, p.ID, b.Guardians, b.Threshold); err != nil {
		return err
	}
	closeOpenRecoveries(ctx, p.ID, "", ReasonGuardiansChanged)
	storeGuardians(ctx, p.ID, b.Guardians, b.Threshold, p.ID)
	return nil
}

func storeGuardians(ctx *app.Context, patient string, list []string, threshold int, actor string) {
	list = slices.Clone(list)
	put(ctx.KV, GuardiansKey(patient), Guardians{Patient: patient, Guardians: list, Threshold: threshold, Height: ctx.Height})
	ctx.Emit(EventGuardiansSet, "patient", patient, "guardians", strings.Join(list, ","), "threshold", strconv.Itoa(threshold))
	note(ctx, app.PatientEvent{Patient: patient, Event: app.PatientGuardiansSet, Actor: actor, Guardians: list, Threshold: threshold})
}

func recoveryRequest(ctx *app.Context, raw json.RawMessage) error {
	var b RecoveryRequestBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	p, err := loadPatient(ctx.KV, b.Patient)
	if err != nil {
		return err
	}
	g, who, err := guardianOf(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := checkNewKeys(p, b.SignKey, b.EncKey); err != nil {
		return err
	}
	var open []Recovery
	forOpenRecoveries(ctx.KV, p.ID, func(r Recovery) { open = append(open, r) })
	for _, r := range open {
		if r.RequestedBy == who {
			return ErrRecoveryPending.New("%s has asked already for a recovery of %s (%s, %s): cancel it before asking again", who, p.ID, r.ID, r.Status)
		}
	}
	r := Recovery{ID: recoveryID(nextSeq(ctx.KV, keyRecoverySeq)), Patient: p.ID, SignKey: b.SignKey, EncKey: b.EncKey, KeyID: keyID(b.SignKey),
		RequestedBy: who, Approvals: []string{who}, Threshold: g.Threshold, Status: RecoveryOpen, Height: ctx.Height, Time: ctx.Time.UTC()}
	ctx.KV.Set(openRecoveryKey(p.ID, r.ID), []byte{})
	ctx.Emit(EventRecoveryRequested, "recovery", r.ID, "patient", p.ID, "guardian", who, "key_id", r.KeyID)
	note(ctx, app.PatientEvent{Patient: p.ID, Event: app.PatientRecoveryRequested, Actor: who, Recovery: r.ID, KeyID: r.KeyID,
		Threshold: r.Threshold, Approvals: 1})
	approved(ctx, &r)
	put(ctx.KV, RecoveryKey(r.ID), r)
	return nil
}

// approved starts the waiting period of r once enough guardians approved.
func approved(ctx *app.Context, r *Recovery) {
	if len(r.Approvals) < r.Threshold || r.Status != RecoveryOpen {
		return
	}
	r.Status, r.Due = RecoveryWaiting, ctx.Time.Add(RecoveryWait(ctx.KV)).UTC()
	ctx.KV.Set(recoveryDueKey(r.Due.UnixNano(), r.ID), []byte{})
}

func loadRecovery(kv state.Reader, id string) (Recovery, error) {
	var r Recovery
	if !get(kv, RecoveryKey(id), &r) {
		return r, ErrRecoveryNotFound.New("no recovery %s", medledger.Quote(id))
	}
	return r, nil
}

func recoveryApprove(ctx *app.Context, raw json.RawMessage) error {
	var b RecoveryRef
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	r, err := loadRecovery(ctx.KV, b.Recovery)
	if err != nil {
		return err
	}
	if r.Status != RecoveryOpen {
		return closedErr(r)
	}
	_, who, err := guardianOf(ctx, r.Patient)
	if err != nil {
		return err
	}
	if slices.Contains(r.Approvals, who) {
		return ErrAlreadyApproved.New("%s has approved recovery %s already (%d of %d)", who, r.ID, len(r.Approvals), r.Threshold)
	}
	r.Approvals = append(r.Approvals, who)
	approved(ctx, &r)
	put(ctx.KV, RecoveryKey(r.ID), r)
	attrs := []string{"recovery", r.ID, "patient", r.Patient, "guardian", who, "approvals", strconv.Itoa(len(r.Approvals)), "threshold", strconv.Itoa(r.Threshold)}
	if r.Status == RecoveryWaiting {
		attrs = append(attrs, "due", r.Due.Format(time.RFC3339Nano))
	}
	ctx.Emit(EventRecoveryApproved, attrs...)
	note(ctx, app.PatientEvent{Patient: r.Patient, Event: app.PatientRecoveryApproved, Actor: who, Recovery: r.ID, KeyID: r.KeyID,
		Threshold: r.Threshold, Approvals: len(r.Approvals), Due: r.Due})
	return nil
}

func closedErr(r Recovery) error {
	switch r.Status {
	case RecoveryWaiting:
		return ErrRecoveryClosed.New("recovery %s has the approvals it needs: it takes effect at %s unless the patient cancels it", r.ID, r.Due.Format(time.RFC3339))
	case RecoveryCompleted:
		return ErrRecoveryClosed.New("recovery %s took effect at height %d", r.ID, r.ClosedHeight)
	}
	return ErrRecoveryClosed.New("recovery %s was cancelled at height %d (%s)", r.ID, r.ClosedHeight, r.Reason)
}

func recoveryCancel(ctx *app.Context, raw json.RawMessage) error {
	var b RecoveryRef
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	r, err := loadRecovery(ctx.KV, b.Recovery)
	if err != nil {
		return err
	}
	if r.Status != RecoveryOpen && r.Status != RecoveryWaiting {
		return closedErr(r)
	}
	who := ""
	if ctx.Signer.ID == r.Patient {
		p, err := loadPatient(ctx.KV, r.Patient)
		if err != nil {
			return err
		}
		if p.Frozen == FrozenByGuardians {
			return ErrFrozen.New("patient %s was frozen by their guardians at height %d: the key they froze cannot cancel a recovery", p.ID, p.FrozenHeight)
		}
		who = r.Patient
	} else if g, ok := loadGuardians(ctx.KV, r.Patient); ok {
		if w, ok := actingGuardian(ctx.Signer, g.Guardians); ok && w == r.RequestedBy {
			who = w
		}
	}
	if who == "" {
		return ErrNotGuardian.New("only patient %s, or the guardian who asked (%s), may cancel recovery %s", r.Patient, r.RequestedBy, r.ID)
	}
	closeRecovery(ctx, r, who, ReasonCancelled)
	return nil
}

// closeRecovery cancels r (open or waiting).
func closeRecovery(ctx *app.Context, r Recovery, by, reason string) {
	ctx.KV.Delete(openRecoveryKey(r.Patient, r.ID))
	if r.Status == RecoveryWaiting {
		ctx.KV.Delete(recoveryDueKey(r.Due.UnixNano(), r.ID))
	}
	r.Status, r.ClosedHeight, r.CancelledBy, r.Reason = RecoveryCancelled, ctx.Height, by, reason
	put(ctx.KV, RecoveryKey(r.ID), r)
	ctx.Emit(EventRecoveryCancelled, "recovery", r.ID, "patient", r.Patient, "by", by, "reason", reason)
	note(ctx, app.PatientEvent{Patient: r.Patient, Event: app.PatientRecoveryCancelled, Actor: by, Recovery: r.ID, KeyID: r.KeyID, Reason: reason})
}

// forOpenRecoveries calls fn with each open or waiting recovery of patient,
// in key order.
func forOpenRecoveries(r state.Reader, patient string, fn func(Recovery)) {
	pre := openRecoveryPrefix(patient)
	var ids []string
	r.Iterate(pre, state.PrefixEnd(pre), func(k, _ []byte) bool {
		ids = append(ids, string(k[len(pre):]))
		return true
	})
	for _, id := range ids {
		if rec, err := loadRecovery(r, id); err == nil {
			fn(rec)
		}
	}
}

// closeOpenRecoveries cancels every open or waiting recovery of patient
// but except.
func closeOpenRecoveries(ctx *app.Context, patient, except, reason string) {
	var open []Recovery
	forOpenRecoveries(ctx.KV, patient, func(r Recovery) {
		if r.ID != except {
			open = append(open, r)
		}
	})
	by := patient
	if reason == ReasonSuperseded {
		by = ""
	}
	for _, r := range open {
		closeRecovery(ctx, r, by, reason)
	}
}

func patientFreeze(ctx *app.Context, raw json.RawMessage) error {
	var b FreezeBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if b.Patient == "" || b.Patient == ctx.Signer.ID {
		if ctx.Signer.Kind != app.KindPatient {
			return ErrInvalid.New("name the patient to freeze (patient), as one of their guardians")
		}
		p, err := loadPatient(ctx.KV, ctx.Signer.ID)
		if err != nil {
			return err
		}
		if p.Frozen != "" {
			return ErrWrongStatus.New("patient %s is frozen already (by %s, at height %d)", p.ID, p.Frozen, p.FrozenHeight)
		}
		freeze(ctx, p, FrozenByPatient, p.ID)
		return nil
	}
	p, err := loadPatient(ctx.KV, b.Patient)
	if err != nil {
		return err
	}
	g, who, err := guardianOf(ctx, p.ID)
	if err != nil {
		return err
	}
	if p.Frozen == FrozenByGuardians {
		return ErrWrongStatus.New("patient %s is frozen already by their guardians (at height %d)", p.ID, p.FrozenHeight)
	}
	if slices.Contains(g.FreezeVotes, who) {
		return ErrAlreadyApproved.New("%s has asked already to freeze %s (%d of %d)", who, p.ID, len(g.FreezeVotes), g.Threshold)
	}
	g.FreezeVotes = append(g.FreezeVotes, who)
	if len(g.FreezeVotes) < g.Threshold {
		put(ctx.KV, GuardiansKey(p.ID), g)
		ctx.Emit(EventFreezeRequested, "patient", p.ID, "guardian", who, "votes", strconv.Itoa(len(g.FreezeVotes)), "threshold", strconv.Itoa(g.Threshold))
		note(ctx, app.PatientEvent{Patient: p.ID, Event: app.PatientFreezeRequested, Actor: who, Threshold: g.Threshold, Approvals: len(g.FreezeVotes)})
		return nil
	}
	g.FreezeVotes = nil
	put(ctx.KV, GuardiansKey(p.ID), g)
	freeze(ctx, p, FrozenByGuardians, who)
	return nil
}

func freeze(ctx *app.Context, p Patient, by, actor string) {
	p.Frozen, p.FrozenHeight = by, ctx.Height
	put(ctx.KV, PatientKey(p.ID), p)
	ctx.Emit(EventPatientFrozen, "patient", p.ID, "by", by)
	note(ctx, app.PatientEvent{Patient: p.ID, Event: app.PatientFrozen, Actor: actor, Reason: by})
}

// EndBlock implements app.EndBlocker: the recoveries whose waiting period
// has passed by the block's time take effect, in the order they fell due.
func (Module) EndBlock(ctx *app.Context) error {
	pre := []byte(prefixRecoveryDue)
	end := recoveryDueKey(ctx.Time.UnixNano()+1, "")
	var due []string
	var bad error
	ctx.KV.Iterate(pre, end, func(k, _ []byte) bool {
		_, id, err := parseRecoveryDueKey(k)
		if err != nil {
			bad = err
			return false
		}
		due = append(due, id)
		return true
	})
	if bad != nil {
		return fmt.Errorf("identity: %w", bad)
	}
	for _, id := range due {
		r, err := loadRecovery(ctx.KV, id)
		if err != nil || r.Status != RecoveryWaiting {
			// A recovery closed in this block (superseded by one due
			// earlier) has left the index already; anything else is a bug.
			continue
		}
		ctx.KV.Delete(recoveryDueKey(r.Due.UnixNano(), r.ID))
		ctx.KV.Delete(openRecoveryKey(r.Patient, r.ID))
		p, err := loadPatient(ctx.KV, r.Patient)
		if err != nil {
			continue // patients are never removed: unreachable
		}
		r.Status, r.ClosedHeight = RecoveryCompleted, ctx.Height
		put(ctx.KV, RecoveryKey(r.ID), r)
		ctx.Emit(EventRecoveryCompleted, "recovery", r.ID, "patient", r.Patient, "key_id", r.KeyID)
		setPatientKeys(ctx, p, r.SignKey, r.EncKey, ReasonRecovered, "", r.ID)
	}
	return nil
}
