package records

import (
	"slices"
	"strings"
	"time"
)

// Purposes of use (HL7 v3 PurposeOfUse codes) a consent may allow.
const (
	PurposeTreatment          = "TREAT"
	PurposeEmergencyTreatment = "ETREAT"
	PurposePayment            = "HPAYMT"
	PurposeOperations         = "HOPERAT"
	PurposeResearch           = "HRESCH"
)

// Purposes lists every purpose, in a fixed order.
var Purposes = []string{PurposeTreatment, PurposeEmergencyTreatment, PurposePayment, PurposeOperations, PurposeResearch}

// Categories of records.
var Categories = []string{"laboratory", "imaging", "clinical-note", "medication", "allergy", "immunization",
	"vital-signs", "procedure", "condition", "encounter", "discharge-summary", "other"}

// BreakGlassReasons are the codes a clinician may declare for emergency
// access. Free text never goes on chain; a node may keep it in its own log.
var BreakGlassReasons = []string{"unconscious-patient", "life-threatening", "unable-to-consent", "other-emergency"}

// Record statuses.
const (
	StatusActive = "active"
	StatusErased = "erased"
)

// Record is a record's fingerprint on chain.
type Record struct {
	ID            string   `json:"id"`
	Patient       string   `json:"patient"`   // pseudonymous patient id
	Custodian     string   `json:"custodian"` // organization holding the document
	Author        string   `json:"author"`    // member who added it
	ResourceTypes []string `json:"resource_types"`
	Category      string   `json:"category"` // CategoryRestricted when Confidentiality is R
	// Confidentiality is ConfidentialityRestricted for a sensitive record,
	// else empty; Sensitivity is then its sensitivity tag (sensitivity.go),
	// never the code.
	Confidentiality string    `json:"confidentiality,omitempty"`
	Sensitivity     string    `json:"sensitivity,omitempty"`
	Digest          string    `json:"digest"` // salted SHA-256 of the document, hex
	Ref             string    `json:"ref"`    // the custodian vault's document id
	Height          int64     `json:"height"`
	Time            time.Time `json:"time"`
	Status          string    `json:"status"`
	ErasedHeight    int64     `json:"erased_height,omitempty"`
}

// Scope limits what a consent covers. An empty field does not limit: a
// consent with an empty scope covers all of the patient's records.
type Scope struct {
	ResourceTypes []string `json:"resource_types,omitempty"`
	Categories    []string `json:"categories,omitempty"`
	Records       []string `json:"records,omitempty"`
	// Sensitivities are the sensitivity tags of the restricted records the
	// consent opens. A restricted record is covered only if the consent
	// names its tag: a general consent never opens one.
	Sensitivities []string `json:"sensitivities,omitempty"`
}

// Consent is a patient's grant of access.
type Consent struct {
	ID            string    `json:"id"`
	Patient       string    `json:"patient"`
	Grantee       string    `json:"grantee"` // organization id, or member id "org/name"
	Scope         Scope     `json:"scope"`
	Purposes      []string  `json:"purposes"`
	NotBefore     time.Time `json:"not_before"`
	NotAfter      time.Time `json:"not_after"`
	Jurisdictions []string  `json:"jurisdictions,omitempty"` // where the data may be read besides the custodian's own jurisdiction
	Status        string    `json:"status"`                  // active or revoked
	Height        int64     `json:"height"`
	RevokedHeight int64     `json:"revoked_height,omitempty"`
}

// Consent statuses.
const (
	ConsentActive  = "active"
	ConsentRevoked = "revoked"
)

// Disclosure outcomes and grounds.
const (
	OutcomeGranted = "granted"
	OutcomeRefused = "refused"

	GroundConsent    = "consent"
	GroundBreakGlass = "break-glass"
	GroundPatient    = "patient"   // the patient read their own record
	GroundCustodian  = "custodian" // a clinician of the custodian organization
)

// Disclosure is one logged request to read a record.
type Disclosure struct {
	Seq    uint64 `json:"seq"`
	Record string `json:"record"`
	// View is set, instead of Record, on a read of the patient's metadata
	// (records/lookup): ViewRecords, ViewConsents or ViewDisclosures.
	View       string `json:"view,omitempty"`
	Patient    string `json:"patient"`
	Custodian  string `json:"custodian"`
	Reader     string `json:"reader"`
	ReaderOrg  string `json:"reader_org,omitempty"`
	Purpose    string `json:"purpose"`
	Outcome    string `json:"outcome"`
	Ground     string `json:"ground,omitempty"`  // why it was granted
	Consent    string `json:"consent,omitempty"` // the consent that allowed it
	BreakGlass bool   `json:"break_glass"`
	Reason     string `json:"reason,omitempty"` // break-glass reason code
	// Review flags a break-glass read of a restricted record: its
	// organization reviews it first.
	Review  bool      `json:"review,omitempty"`
	Missing string    `json:"missing,omitempty"` // why it was refused
	Height  int64     `json:"height"`
	Time    time.Time `json:"time"`
	TxHash  string    `json:"tx_hash"`
	// Identity is set, instead of a read, on an event of the patient's
	// identity that the identity module noted on this log (app.PatientLog):
	// a key rotation, guardians named, a recovery asked, approved,
	// cancelled or completed, a freeze. Record, Reader, Purpose and Outcome
	// are empty then.
	Identity *IdentityEvent `json:"identity,omitempty"`
}

// IdentityEvent is an event of a patient's identity on their log: ids,
// counts and times only (app.PatientEvent).
type IdentityEvent struct {
	Event     string    `json:"event"`            // app.PatientKeyRotated, ...
	Actor     string    `json:"actor,omitempty"`  // the patient, or the guardian who acted; empty when the chain did
	Signer    string    `json:"signer,omitempty"` // who signed for the actor
	Recovery  string    `json:"recovery,omitempty"`
	KeyID     string    `json:"key_id,omitempty"` // the new signing key
	Guardians []string  `json:"guardians,omitempty"`
	Threshold int       `json:"threshold,omitempty"`
	Approvals int       `json:"approvals,omitempty"`
	Due       time.Time `json:"due,omitzero"` // when an approved recovery takes effect unless cancelled
	Reason    string    `json:"reason,omitempty"`
}

func validResourceType(s string) bool {
	if len(s) < 2 || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func validRef(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func validJurisdiction(s string) bool {
	cc, sub, has := strings.Cut(s, "-")
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return false
	}
	return !has || (len(sub) >= 1 && len(sub) <= 3)
}

// covers reports whether the scope covers rec.
func (s Scope) covers(rec Record) (bool, string) {
	if !s.sensitiveCovered(rec) {
		return false, "record " + rec.ID + " is restricted (a sensitive category): the consent must name its sensitivity"
	}
	if len(s.Records) > 0 && !slices.Contains(s.Records, rec.ID) {
		return false, "the consent's scope does not list record " + rec.ID
	}
	if len(s.Categories) > 0 && !slices.Contains(s.Categories, rec.Category) {
		return false, "the consent's scope does not include category " + rec.Category
	}
	if len(s.ResourceTypes) > 0 {
		for _, t := range rec.ResourceTypes {
			if !slices.Contains(s.ResourceTypes, t) {
				return false, "the consent's scope does not include resource type " + t
			}
		}
	}
	return true, ""
}
