package records

import (
	"fmt"
	"slices"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

var _ app.PatientLog = Module{}

// Note implements app.PatientLog: an event of the patient's identity goes
// on their log of disclosures, in sequence with the reads, so that the
// patient (and whoever reads the log on their behalf) sees a rotation, a
// pending recovery or a freeze where they see who read their records. It
// is filed under the patient only (not under an organization's lists).
func (Module) Note(w state.KV, e app.PatientEvent) {
	d := Disclosure{Patient: e.Patient, Height: e.Height, Time: e.Time.UTC(),
		Identity: &IdentityEvent{Event: e.Event, Actor: e.Actor, Signer: e.Signer, Recovery: e.Recovery, KeyID: e.KeyID,
			Guardians: slices.Clone(e.Guardians), Threshold: e.Threshold, Approvals: e.Approvals, Reason: e.Reason}}
	if !e.Due.IsZero() {
		d.Identity.Due = e.Due.UTC()
	}
	if e.TxHash != nil {
		d.TxHash = fmt.Sprintf("%X", e.TxHash)
	}
	d.Seq = nextSeq(w, keySeqDisclosure)
	put(w, DisclosureKey(d.Patient, d.Seq), d)
}

// frozen refuses, with ErrFrozen, an action on the authority of patient
// while their identity is frozen.
func frozen(ctx *app.Context, patient, what string) error {
	if ctx.IDs.Frozen(ctx.KV, patient) {
		return ErrFrozen.New("patient %s is frozen: no %s until the patient rotates their key or a recovery by their guardians completes", patient, what)
	}
	return nil
}
