package cli

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

const fhirHint = "the file must be a valid FHIR R4 JSON resource or Bundle; fix what the error names"

// hints name the fix for the records module's refusals, the custodian's
// and the FHIR validator's.
var hints = []cmdline.CodeHint{
	{Code: records.ErrNoConsent, Func: func(r cmdline.Refusal) string {
		if strings.Contains(r.Err.Detail, "is frozen") {
			return "the patient's identity is frozen (a lost or stolen key): nothing is read on their key or consents until they have a new key (medledger patient rotate, or a recovery by their guardians); in an emergency a clinician may still read with --break-glass REASON"
		}
		if strings.Contains(r.Err.Detail, "needs a valid licence") {
			return "licence checks are on for records: medledger credentials check " + cmp.Or(r.As, "ORG/NAME") + " shows your licences; a suspended one is reinstated by its issuer"
		}
		org, _, _ := strings.Cut(r.As, "/")
		if org == "" || org == "patient" {
			org = "ORG"
		}
		return fmt.Sprintf("ask the patient to grant it: medledger consent grant --as patient/NAME --to %s --purpose PURPOSE; in an emergency a clinician may read with --break-glass REASON (%s), which is logged for review",
			org, strings.Join(records.BreakGlassReasons, ", "))
	}},
	{Code: records.ErrFrozen, Text: "the patient's identity is frozen: no new access and no erasure until a new key is in force (medledger patient rotate --as patient/NAME for a freeze of your own; a recovery by your guardians otherwise)"},
	{Code: records.ErrRecordNotFound, Text: "medledger records list --patient patient/NAME lists a patient's records"},
	{Code: records.ErrPatientNotFound, Text: "enroll the patient first: medledger tx identity enroll-patient --key patient/NAME --as ORG/MEMBER"},
	{Code: records.ErrGranteeNotFound, Text: "grant to an active organization (medledger query orgs lists them) or to one of its members, ORG/NAME"},
	{Code: records.ErrConsentNotFound, Text: "medledger consent list --as patient/NAME lists a patient's consents"},
	{Code: records.ErrNotYours, Text: "sign --as the patient the record or consent belongs to"},
	{Code: records.ErrRevoked, Text: "nothing to do: the consent is revoked already (medledger consent list shows it)"},
	{Code: records.ErrErased, Text: "the patient erased this record: its document is destroyed for good"},
	{Code: records.ErrBreakGlassRole, Text: "only clinicians of hospitals and clinics may break glass; ask the patient for consent instead"},
	{Code: records.ErrNotCustodianNode, Text: "send the request to the node of the record's custodian with --node URL"},
	{Code: records.ErrInvalid, Text: "fix the value the error names; see --help"},
	// The custodian refuses to store a document for a signer who is no
	// clinician of the node's own organization.
	{Code: tx.ErrUnauthorized, Type: records.TypeAdd, Text: "add records as a clinician of the node's organization, or send them to your organization's node with --node URL"},
	{Code: fhir.ErrInvalidFHIR, Text: fhirHint},
	{Code: fhir.ErrNotJSON, Text: fhirHint},
	{Code: fhir.ErrUnsupported, Text: fhirHint},
	{Code: fhir.ErrTooLarge, Text: "the document is over the custodian's size limit: split a Bundle into smaller ones"},
}
