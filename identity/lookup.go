package identity

import (
	"encoding/json"
	"slices"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// A read of a patient's guardians or recoveries by anyone but the patient
// is on the patient's log (issue 10), as a read of their records is: the
// reader signs an identity/lookup transaction and sends it, base64, in the
// LookupHeader of the read; the node commits it (the chain decides, from
// state, whether the reader may: MayReadGuardians, and notes the read on
// the patient's log, granted or refused) and answers only a granted one.

// TypeLookup logs a read of a patient's guardians or recoveries.
const TypeLookup = "identity/lookup"

// EventLookedUp is emitted by every identity/lookup, granted or refused.
const EventLookedUp = "identity.looked_up"

// LookupHeader is the HTTP header that carries the reader's signed
// identity/lookup (base64); records' reads use the same header.
const LookupHeader = "Medledger-Lookup"

// Outcomes of a lookup (the Reason of its note on the patient's log).
const (
	LookupGranted = "granted"
	LookupRefused = "refused"
)

// LookupBody names the patient whose guardians and recoveries are read,
// or the one recovery read (whose patient the reader may not know).
type LookupBody struct {
	Patient  string `json:"patient,omitempty"`
	Recovery string `json:"recovery,omitempty"`
}

// lookupPolicy: any member, and patients (a patient may be a guardian).
var lookupPolicy = app.Policy{Grants: []app.Grant{{OrgKind: "*", Role: "*"}}, Patients: true}

func lookup(ctx *app.Context, raw json.RawMessage) error {
	var b LookupBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	patient, also := b.Patient, []string(nil)
	switch {
	case (b.Patient == "") == (b.Recovery == ""):
		return ErrInvalid.New("a lookup names a patient or a recovery, one of them")
	case b.Recovery != "":
		rec, ok := GetRecovery(ctx.KV, b.Recovery)
		if !ok {
			return ErrRecoveryNotFound.New("no recovery %s", medledger.Quote(b.Recovery))
		}
		patient, also = rec.Patient, append([]string{rec.RequestedBy}, rec.Approvals...)
	}
	if _, ok := GetPatient(ctx.KV, patient); !ok {
		return ErrPatientNotFound.New("no patient %s", medledger.Quote(patient))
	}
	outcome, missing := LookupGranted, ""
	if err := MayReadGuardians(ctx.KV, ctx.Signer, patient, also...); err != nil {
		outcome, missing = LookupRefused, medledger.As(err).Detail
	}
	ctx.PatientLog().Note(ctx.KV, app.PatientEvent{Patient: patient, Event: app.PatientGuardiansRead, Actor: ctx.Signer.ID, Signer: ctx.Signer.ID,
		Recovery: b.Recovery, Reason: outcome, Height: ctx.Height, Time: ctx.Time, TxHash: ctx.TxHash})
	ctx.Emit(EventLookedUp, "patient", patient, "reader", ctx.Signer.ID, "recovery", b.Recovery, "outcome", outcome, "missing", missing)
	return nil
}

// Auditor reports whether who has an audit duty over every patient's
// identity: a regulator's inspector.
func Auditor(who app.Signer) bool {
	return who.Kind == app.KindMember && who.OrgKind == KindRegulator && who.Role == RoleInspector
}

// MayReadGuardians decides, from state r, whether who may read patient's
// guardians and recoveries: the patient; one of the guardians they named
// (a patient or member named, or an admin or, at a hospital or clinic, a
// clinician of an organization named: whoever may approve a recovery);
// a guardian among also (those who asked for or approved the recovery
// read); an auditor. Others get identity/not-guardian. Whom a patient
// trusts, and who is taking their identity over, is about the patient
// (DESIGN.md: metadata about a patient is PHI too).
func MayReadGuardians(r state.Reader, who app.Signer, patient string, also ...string) error {
	if who.Kind == app.KindPatient && who.ID == patient || Auditor(who) {
		return nil
	}
	g, _ := loadGuardians(r, patient)
	if _, ok := actingGuardian(who, append(slices.Clone(g.Guardians), also...)); ok {
		return nil
	}
	return ErrNotGuardian.New("%s may not read patient %s's guardians and recoveries: the patient, their guardians (a patient or member named, or an admin or clinician of an organization named) and a regulator's inspectors do",
		who.ID, medledger.Quote(patient))
}
