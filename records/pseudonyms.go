package records

import (
	"encoding/json"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/state"
)

// Per-custodian pseudonyms (issue 10). A patient may appear to each
// organization that holds their records under a different pseudonym
// (package pseudonym, context "records/<custodian>"), derived from their
// master key so that no one but the patient can tie two of them together.
// The custodian enrolls the pseudonym (records/enroll) after checking, off
// the chain, the patient's proof that it is theirs; its records are then
// added for the pseudonym, and the patient grants, reads, revokes and
// erases under it. The chain-wide patient id (pat-...) keeps working: a
// patient not enrolled under a pseudonym is one id at every custodian.

// TypeEnroll registers the pseudonym under which a patient appears to the
// signer's organization.
const TypeEnroll = "records/enroll"

// EventEnrolled is emitted when a custodian enrolls a pseudonym.
const EventEnrolled = "records.enrolled"

// ContextPrefix starts the context of every records pseudonym.
const ContextPrefix = "records/"

// Context is the pseudonym context of the patients of custodian.
func Context(custodian string) string { return ContextPrefix + custodian }

// EnrollBody enrolls a pseudonym at the signer's organization. The custodian
// MUST have checked, off the chain, the patient's ownership proof
// (pseudonym.Ownership, audience the custodian); it never goes on chain,
// since it names the patient.
type EnrollBody struct {
	Pseudonym string `json:"pseudonym"` // psn-..., from SignKey
	SignKey   []byte `json:"sign_key"`  // Ed25519
	EncKey    []byte `json:"enc_key"`   // X25519
}

func enroll(ctx *app.Context, raw json.RawMessage) error {
	var b EnrollBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if !pseudonym.IsID(b.Pseudonym) {
		return ErrInvalid.New("pseudonym %s is not a pseudonym id (psn-...)", medledger.Quote(b.Pseudonym))
	}
	p := app.Pseudonym{ID: b.Pseudonym, Context: Context(ctx.Signer.Org), SignKey: b.SignKey, EncKey: b.EncKey, By: ctx.Signer.ID}
	if err := ctx.IDs.RegisterPseudonym(ctx.KV, p); err != nil {
		return err
	}
	ctx.Emit(EventEnrolled, "pseudonym", p.ID, "custodian", ctx.Signer.Org)
	return nil
}

// holder checks that records may be held for patient at custodian: a
// patient's chain-wide id, or a pseudonym enrolled at custodian.
func holder(r state.Reader, ids app.Identities, patient, custodian string) error {
	if !strings.HasPrefix(patient, pseudonym.Prefix) {
		if !ids.Patient(r, patient) {
			return ErrPatientNotFound.New("no patient %s on this chain", medledger.Quote(patient))
		}
		return nil
	}
	p, ok := ids.Pseudonym(r, patient)
	switch {
	case !ok:
		return ErrPatientNotFound.New("no pseudonym %s on this chain: enroll it first (%s)", medledger.Quote(patient), TypeEnroll)
	case p.Context != Context(custodian):
		return ErrNotYours.New("pseudonym %s is a patient's at %s, not at %s: a patient is a different pseudonym to each organization", patient, strings.TrimPrefix(p.Context, ContextPrefix), custodian)
	}
	return nil
}

// subject reports whether id names someone the records module may hold
// records and logs for: a patient, or a pseudonym enrolled by a custodian.
func subject(r state.Reader, ids app.Identities, id string) bool {
	if strings.HasPrefix(id, pseudonym.Prefix) {
		p, ok := ids.Pseudonym(r, id)
		return ok && strings.HasPrefix(p.Context, ContextPrefix)
	}
	return ids.Patient(r, id)
}

// asPatient refuses a pseudonym that is not a records pseudonym (one of a
// trial or a payer acts in its own context only).
func asPatient(ctx *app.Context) error {
	if ctx.Signer.Kind == app.KindPseudonym && !strings.HasPrefix(ctx.Signer.Context, ContextPrefix) {
		return ErrNotYours.New("pseudonym %s acts in %s only; a patient's records are theirs under their patient id or their pseudonym at the custodian", ctx.Signer.ID, ctx.Signer.Context)
	}
	return nil
}

// Self reports whether who is the patient (or pseudonym) id itself.
func Self(who app.Signer, id string) bool {
	return (who.Kind == app.KindPatient || who.Kind == app.KindPseudonym) && who.ID == id
}
