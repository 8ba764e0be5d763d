// Who may see what of a patient: the rules that decide, from state, which
// of a patient's records, consents and disclosures a signer may list
// (DESIGN.md: metadata about a patient is PHI too), and the records/lookup
// transaction that puts each such read by anyone but the patient on the
// patient's log.

package records

import (
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

// TypeLookup logs a read of a patient's metadata (their records' list,
// consents or disclosures) by anyone but the patient. The reader signs it;
// the node that serves the read submits it and answers only once it has
// committed granted, as the custodian does with records/access.
const TypeLookup = "records/lookup"

// EventLookedUp is emitted by every records/lookup, granted or refused.
const EventLookedUp = "records.looked_up"

// Views of a patient's metadata that a records/lookup names.
const (
	ViewRecords     = "records"     // the list of their records, or one record's fingerprint
	ViewConsents    = "consents"    // the consents they granted
	ViewDisclosures = "disclosures" // their log of disclosures
)

// Views lists every view, in a fixed order.
var Views = []string{ViewRecords, ViewConsents, ViewDisclosures}

// GroundAudit is the ground of a read by a member with an audit duty: an
// inspector of a regulator.
const GroundAudit = "audit"

// LookupHeader is the HTTP header in which a signed read of a patient's
// metadata by anyone but the patient carries the reader's signed
// records/lookup transaction (base64).
const LookupHeader = "Medledger-Lookup"

// LookupBody names the patient and the view read, and why. A read of one
// record or consent, whose patient the reader may not know, names it by
// Object (rec-N with view records, con-N with view consents) instead of
// Patient.
type LookupBody struct {
	Patient string `json:"patient,omitempty"`
	Object  string `json:"object,omitempty"`
	View    string `json:"view"`
	Purpose string `json:"purpose"`
}

// patientOf resolves whose metadata b reads.
func (b LookupBody) patientOf(r state.Reader) (string, error) {
	switch {
	case b.Patient != "" && b.Object != "":
		return "", ErrInvalid.New("a lookup names a patient or an object, not both")
	case b.Object == "":
		return b.Patient, nil
	case strings.HasPrefix(b.Object, "rec-") && b.View == ViewRecords:
		rec, ok := GetRecord(r, b.Object)
		if !ok {
			return "", ErrRecordNotFound.New("no record %s", medledger.Quote(b.Object))
		}
		return rec.Patient, nil
	case strings.HasPrefix(b.Object, "con-") && b.View == ViewConsents:
		c, ok := GetConsent(r, b.Object)
		if !ok {
			return "", ErrConsentNotFound.New("no consent %s", medledger.Quote(b.Object))
		}
		return c.Patient, nil
	}
	return "", ErrInvalid.New("object %s is not a record (rec-N, view records) or a consent (con-N, view consents)", medledger.Quote(b.Object))
}

// Auditor reports whether who has an audit duty over every patient's
// metadata: an inspector of a regulator.
func Auditor(who app.Signer) bool {
	return who.Kind == app.KindMember && who.OrgKind == "regulator" && who.Role == "inspector"
}

// Entitled decides whether who may read view of patient's metadata at time
// now for purpose, from state r alone (so the chain, in records/lookup, and
// the node, when it serves the read, decide alike). It returns the ground
// (GroundPatient, GroundAudit, GroundCustodian, GroundConsent), the consent
// that allows it, or why not. What each ground then shows is Visible's,
// ConsentVisible's and DisclosureVisible's.
//
//   - The patient reads everything of theirs; an auditor reads everything.
//   - A member of an organization that holds one of the patient's records
//     (the custodian) reads the records it holds, the consents granted to
//     it, and the disclosures of its records.
//   - A member, or a member of an organization, holding a consent in force
//     for purpose reads the records the consent covers and the consents
//     granted to them; never the patient's log.
func Entitled(r state.Reader, ids app.Identities, who app.Signer, patient, view, purpose string, now time.Time) (ground, consent, missing string) {
	switch {
	case who.ID == patient:
		return GroundPatient, "", ""
	case Auditor(who):
		return GroundAudit, "", ""
	case who.Kind != app.KindMember:
		return "", "", fmt.Sprintf("%s is not patient %s and no member", who.ID, patient)
	case holds(r, who.Org, patient):
		return GroundCustodian, "", ""
	case view == ViewDisclosures:
		return "", "", fmt.Sprintf("a patient's log of disclosures is read by the patient, an auditor, or an organization holding their records; %s is none of these", who.ID)
	}
	if id := consentInForce(r, who, patient, purpose, now); id != "" {
		return GroundConsent, id, ""
	}
	return "", "", fmt.Sprintf("patient %s has no consent in force for %s to %s or %s", patient, purpose, who.ID, who.Org)
}

// holds reports whether org holds one of patient's records.
func holds(r state.Reader, org, patient string) bool {
	found := false
	p := byPatientPrefix(patient)
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		if rec, ok := GetRecord(r, string(k[len(p):])); ok && rec.Custodian == org {
			found = true
			return false
		}
		return true
	})
	return found
}

// grantsTo lists the ids of patient's consents to grantee.
func grantsTo(r state.Reader, grantee, patient string) []string {
	var out []string
	p := granteePrefix(grantee, patient)
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		out = append(out, string(k[len(p):]))
		return true
	})
	return out
}

// consentInForce returns the id of an active consent of patient to who
// (or their organization) that allows purpose at now, or "".
func consentInForce(r state.Reader, who app.Signer, patient, purpose string, now time.Time) string {
	for _, g := range []string{who.ID, who.Org} {
		if g == "" {
			continue
		}
		for _, id := range grantsTo(r, g, patient) {
			if c, ok := GetConsent(r, id); ok && c.inForce(now) && slices.Contains(c.Purposes, purpose) {
				return c.ID
			}
		}
	}
	return ""
}

func (c Consent) inForce(now time.Time) bool {
	return c.Status == ConsentActive && !now.Before(c.NotBefore) && now.Before(c.NotAfter)
}

// Visible reports whether who, entitled on ground, sees rec in a list of
// the patient's records.
func Visible(r state.Reader, ids app.Identities, who app.Signer, ground, purpose string, now time.Time, rec Record) bool {
	switch ground {
	case GroundPatient, GroundAudit:
		return true
	case "":
		return false
	}
	if rec.Custodian == who.Org {
		return true
	}
	id, _ := consentFor(r, ids, who, now, rec, purpose)
	return id != ""
}

// ConsentVisible reports whether who, entitled on ground, sees consent c.
func ConsentVisible(who app.Signer, ground string, c Consent) bool {
	switch ground {
	case GroundPatient, GroundAudit:
		return true
	case "":
		return false
	}
	return c.Grantee == who.ID || c.Grantee == who.Org
}

// DisclosureVisible reports whether who, entitled on ground, sees d on the
// patient's log: a custodian sees the reads of the records it holds.
func DisclosureVisible(who app.Signer, ground string, d Disclosure) bool {
	switch ground {
	case GroundPatient, GroundAudit:
		return true
	case GroundCustodian:
		return d.Identity == nil && d.Custodian == who.Org
	}
	return false
}

func lookup(ctx *app.Context, raw json.RawMessage) error {
	var b LookupBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if !slices.Contains(Views, b.View) {
		return ErrInvalid.New("view %s is not one of %s", medledger.Quote(b.View), strings.Join(Views, ", "))
	}
	if !slices.Contains(Purposes, b.Purpose) {
		return ErrInvalid.New("purpose %s is not one of %s", medledger.Quote(b.Purpose), strings.Join(Purposes, ", "))
	}
	patient, err := b.patientOf(ctx.KV)
	if err != nil {
		return err
	}
	if !subject(ctx.KV, ctx.IDs, patient) {
		return ErrPatientNotFound.New("no patient %s on this chain", medledger.Quote(patient))
	}
	d := Disclosure{Patient: patient, View: b.View, Record: b.Object, Reader: ctx.Signer.ID, ReaderOrg: ctx.Signer.Org, Purpose: b.Purpose,
		Height: ctx.Height, Time: ctx.Time.UTC(), TxHash: fmt.Sprintf("%X", ctx.TxHash)}
	ground, consent, missing := Entitled(ctx.KV, ctx.IDs, ctx.Signer, patient, b.View, b.Purpose, ctx.Time)
	if ground != "" {
		d.Outcome, d.Ground, d.Consent = OutcomeGranted, ground, consent
	} else {
		d.Outcome, d.Missing = OutcomeRefused, missing
	}
	d.Seq = nextSeq(ctx.KV, keySeqDisclosure)
	put(ctx.KV, DisclosureKey(d.Patient, d.Seq), d)
	if d.ReaderOrg != "" {
		ctx.KV.Set(seqKey(prefixReaderDisc, d.ReaderOrg, d.Seq), []byte(d.Patient))
	}
	ctx.Emit(EventLookedUp, "disclosure", strconv.FormatUint(d.Seq, 10), "patient", d.Patient, "reader", d.Reader, "view", d.View,
		"purpose", d.Purpose, "outcome", d.Outcome, "ground", d.Ground, "missing", d.Missing)
	return nil
}
