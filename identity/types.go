package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/tx"
)

// Organization kinds.
const (
	KindHospital       = "hospital"
	KindClinic         = "clinic"
	KindPharmacy       = "pharmacy"
	KindManufacturer   = "manufacturer"
	KindDistributor    = "distributor"
	KindPayer          = "payer"
	KindTrialSponsor   = "trial-sponsor"
	KindLicensingBoard = "licensing-board"
	KindRegulator      = "regulator"
)

// Roles.
const (
	RoleAdmin       = "admin"
	RoleClinician   = "clinician"
	RolePharmacist  = "pharmacist"
	RolePackager    = "packager"
	RoleWarehouse   = "warehouse"
	RoleAdjudicator = "adjudicator"
	RoleCoordinator = "coordinator"
	RoleRegistrar   = "registrar"
	RoleInspector   = "inspector"
	// RoleBiller submits a hospital's or clinic's claims to payers and
	// requests prior authorizations (the claims module).
	RoleBiller  = "biller"
	RolePatient = "patient"
)

// RolesByKind lists the roles a member of each kind of organization may hold.
var RolesByKind = map[string][]string{
	KindHospital:       {RoleAdmin, RoleClinician, RolePharmacist, RoleCoordinator, RoleBiller},
	KindClinic:         {RoleAdmin, RoleClinician, RoleBiller, RolePharmacist},
	KindPharmacy:       {RoleAdmin, RolePharmacist},
	KindManufacturer:   {RoleAdmin, RolePackager},
	KindDistributor:    {RoleAdmin, RoleWarehouse},
	KindPayer:          {RoleAdmin, RoleAdjudicator},
	KindTrialSponsor:   {RoleAdmin, RoleCoordinator},
	KindLicensingBoard: {RoleAdmin, RoleRegistrar},
	KindRegulator:      {RoleAdmin, RoleInspector},
}

// Kinds lists the organization kinds in a fixed order.
var Kinds = []string{KindHospital, KindClinic, KindPharmacy, KindManufacturer, KindDistributor,
	KindPayer, KindTrialSponsor, KindLicensingBoard, KindRegulator}

// Status of an organization, member or patient.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Org is an organization of the consortium.
type Org struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Jurisdiction string `json:"jurisdiction"` // ISO 3166-1 alpha-2, or alpha-2 "-" subdivision
	Status       string `json:"status"`
	Since        int64  `json:"since"` // height of the last status change
}

// Validate checks the organization's fields (not its status).
func (o *Org) Validate() error {
	if !validName(o.ID) {
		return ErrInvalid.New("organization id %s: use 2 to 64 lowercase letters, digits and '-'", medledger.Quote(o.ID))
	}
	if strings.HasPrefix(o.ID, PatientPrefix) {
		return ErrInvalid.New("organization id %s starts with %q, which marks patient ids: choose another id", medledger.Quote(o.ID), PatientPrefix)
	}
	if o.Name == "" || len(o.Name) > 128 {
		return ErrInvalid.New("organization name must be 1 to 128 characters")
	}
	if _, ok := RolesByKind[o.Kind]; !ok {
		return ErrInvalid.New("organization kind %s is not one of %s", medledger.Quote(o.Kind), strings.Join(Kinds, ", "))
	}
	if !validJurisdiction(o.Jurisdiction) {
		return ErrInvalid.New("jurisdiction %s is not an ISO 3166 code such as US, DE or US-CA", medledger.Quote(o.Jurisdiction))
	}
	return nil
}

// Member is a person or system acting for an organization.
type Member struct {
	ID      string `json:"id"` // "org/member"
	Org     string `json:"org"`
	Role    string `json:"role"`
	SignKey []byte `json:"sign_key"` // Ed25519 public key
	EncKey  []byte `json:"enc_key"`  // X25519 public key
	KeyID   string `json:"key_id"`
	Status  string `json:"status"`
	Since   int64  `json:"since"`
}

// Patient is known only by a pseudonymous id, derived from their first
// signing key at enrolment and kept for life: SignKey, EncKey and KeyID are
// the keys in force now, which the patient rotates and their guardians
// recover (patients.go). The id is never derived again.
type Patient struct {
	ID         string `json:"id"`
	SignKey    []byte `json:"sign_key"`
	EncKey     []byte `json:"enc_key"`
	KeyID      string `json:"key_id"`
	Status     string `json:"status"`
	EnrolledBy string `json:"enrolled_by"` // organization id
	Since      int64  `json:"since"`       // height of the last status or key change
	// Frozen says who froze the identity (FrozenByPatient,
	// FrozenByGuardians), empty when it is not frozen.
	Frozen       string `json:"frozen,omitempty"`
	FrozenHeight int64  `json:"frozen_height,omitempty"`
}

// PatientPrefix starts every patient id.
const PatientPrefix = "pat-"

// PatientID derives a patient's pseudonymous id from their first Ed25519
// key, at enrolment. After a rotation or a recovery the id no longer
// matches the current key: never derive it from a patient's record.
func PatientID(signKey ed25519.PublicKey) string {
	h := sha256.Sum256(append([]byte("medledger/patient/v1\n"), signKey...))
	return PatientPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:15]))
}

// maxMemberID is the longest member id: a transaction's signer field holds
// at most 128 bytes (package tx), while an organization id and a member name
// may have 64 each.
const maxMemberID = 128

// MemberID joins an organization and a member name.
func MemberID(org, name string) string { return org + "/" + name }

func checkKeys(sign, enc []byte) error {
	if len(sign) != ed25519.PublicKeySize {
		return ErrBadKey.New("sign_key must be a %d-byte Ed25519 public key, got %d bytes", ed25519.PublicKeySize, len(sign))
	}
	if len(enc) != 32 {
		return ErrBadKey.New("enc_key must be a 32-byte X25519 public key, got %d bytes", len(enc))
	}
	return nil
}

func keyID(sign []byte) string { return tx.KeyID(sign) }

func validName(s string) bool {
	if len(s) < 2 || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validJurisdiction(s string) bool {
	cc, sub, hasSub := strings.Cut(s, "-")
	if len(cc) != 2 || !upper(cc) {
		return false
	}
	return !hasSub || (len(sub) >= 1 && len(sub) <= 3 && upperOrDigit(sub))
}

func upper(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func upperOrDigit(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func roleAllowed(kind, role string) bool { return slices.Contains(RolesByKind[kind], role) }
