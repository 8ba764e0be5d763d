package app

import (
	"time"

	"github.com/medledger/medledger/state"
)

// PatientLog is the patient's log: the accounting of disclosures that
// records keeps, on which a patient reads everything that touched their
// records and their identity. Identity notes there what happens to a
// patient's keys (rotations, recoveries, guardians, freezes), so that the
// patient, and anyone reading the log on their behalf, sees it beside the
// reads.
//
// The app takes as the log the first module (in module order) that
// implements PatientLog; without one, NoPatientLog drops the notes (the
// events stay in the transaction results). Modules MUST write to it
// through Context.PatientLog, never through the keeper module's keys.
type PatientLog interface {
	// Note appends e to the log of e.Patient, in w. It MUST be
	// deterministic, and it returns no error: a note is written or the
	// state store failed (which panics, as any write does).
	Note(w state.KV, e PatientEvent)
}

// Identity events a patient's log shows (PatientEvent.Event).
const (
	PatientKeyRotated        = "key-rotated"        // the patient replaced their keys
	PatientGuardiansSet      = "guardians-set"      // the patient named guardians and a threshold
	PatientRecoveryRequested = "recovery-requested" // a guardian asked to move the identity to a new key
	PatientRecoveryApproved  = "recovery-approved"  // a guardian approved (Due set once enough did)
	PatientRecoveryCancelled = "recovery-cancelled" // the patient, or the guardian who asked, cancelled it
	PatientRecoveryCompleted = "recovery-completed" // the waiting period passed: the new key is in force
	PatientFreezeRequested   = "freeze-requested"   // a guardian asked to freeze (not yet the threshold)
	PatientFrozen            = "frozen"             // no grant, no read on consent, no erasure
	PatientUnfrozen          = "unfrozen"           // a rotation or a recovery lifted the freeze
	// PatientGuardiansRead: someone but the patient asked to read their
	// guardians or recoveries (Actor; Reason "granted" or "refused";
	// Recovery when one recovery was read).
	PatientGuardiansRead = "guardians-read"
)

// PatientEvent is one identity event of a patient, as the log keeps it.
// It names ids only, never anything personal.
type PatientEvent struct {
	Patient string
	Event   string // one of the Patient* constants
	// Actor is who acted: the patient, or the guardian (an organization,
	// member or patient id); empty when the chain acted (a recovery taking
	// effect at the end of a block).
	Actor string
	// Signer signed the transaction for Actor (an organization guardian's
	// member); empty at the end of a block.
	Signer    string
	Recovery  string    // the recovery, for recovery events
	KeyID     string    // the new signing key, for rotations and recoveries
	Guardians []string  // guardians-set
	Threshold int       // guardians-set; the approvals needed, for recovery and freeze events
	Approvals int       // recovery-approved, freeze-requested: how many so far
	Due       time.Time // recovery-approved once enough approved: when it takes effect
	Reason    string    // recovery-cancelled, unfrozen: a code ("rotated", "guardians-changed", "superseded", "cancelled")
	Height    int64
	Time      time.Time
	TxHash    []byte // nil at the end of a block
}

// NoPatientLog drops every note: a chain without a module that keeps the
// log.
type NoPatientLog struct{}

var _ PatientLog = NoPatientLog{}

func (NoPatientLog) Note(state.KV, PatientEvent) {}

// PatientLog is ctx.Log, or NoPatientLog when there is none: a handler
// asks this, never a nil interface.
func (c *Context) PatientLog() PatientLog {
	if c.Log == nil {
		return NoPatientLog{}
	}
	return c.Log
}

// EventPatientKeyChanged is the event identity emits when a patient's keys
// change (a rotation, in the transaction's result; a recovery, among the
// end-of-block events): the contract by which off-chain services (the
// records custodian) learn of it without reading identity's keys. Its
// attributes: "patient", "key_id" (the new signing key's id),
// "old_enc_key" and "enc_key" (the X25519 public keys before and after,
// hex), and "how" ("rotated" or "recovered").
const EventPatientKeyChanged = "identity.patient_key_changed"
