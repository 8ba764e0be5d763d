package credentials

import (
	"slices"
	"strings"
	"time"
)

// SubjectKind says what a credential type may be issued to.
type SubjectKind string

const (
	// SubjectMember: a person, a member "org/name" of any organization.
	SubjectMember SubjectKind = "member"
	// SubjectOwnMember: a member of the issuing organization only (a
	// hospital's clinical privileges are for its own staff).
	SubjectOwnMember SubjectKind = "own-member"
	// SubjectOrg: an organization, of one of the type's OrgKinds.
	SubjectOrg SubjectKind = "organization"
	// SubjectEither: a member, or an organization of one of OrgKinds.
	SubjectEither SubjectKind = "member-or-organization"
)

// Type is a kind of credential the chain knows.
type Type struct {
	Name    string      `json:"name"`
	Subject SubjectKind `json:"subject"`
	// OrgKinds are the kinds of organization an organization subject may
	// be; empty for member-only types.
	OrgKinds []string `json:"org_kinds,omitempty"`
	// Words say what it is, for people.
	Words string `json:"words"`
}

// Credential type names. Modules that check licences name these (they are
// no state keys): supply the trading-partner licences, records the
// clinicians' and pharmacists', claims the rendering clinician's.
const (
	MedicalLicense                  = "medical-license"
	PharmacistLicense               = "pharmacist-license"
	WholesaleDistributorLicense     = "wholesale-distributor-license"
	DispenserLicense                = "dispenser-license"
	ManufacturerLicense             = "manufacturer-license"
	ControlledSubstanceRegistration = "controlled-substance-registration"
	ClinicalPrivileges              = "clinical-privileges"
)

// Types lists the credential types, in a fixed order.
var Types = []Type{
	{Name: MedicalLicense, Subject: SubjectMember, Words: "a physician's licence to practise medicine, issued by a medical board"},
	{Name: PharmacistLicense, Subject: SubjectMember, Words: "a pharmacist's licence to practise pharmacy, issued by a board of pharmacy"},
	{Name: WholesaleDistributorLicense, Subject: SubjectOrg, OrgKinds: []string{"distributor"},
		Words: "a wholesale drug distributor's licence: it may buy and sell drugs between trading partners"},
	{Name: DispenserLicense, Subject: SubjectOrg, OrgKinds: []string{"pharmacy", "hospital", "clinic"},
		Words: "a dispenser's licence (pharmacy permit): it may dispense drugs to patients"},
	{Name: ManufacturerLicense, Subject: SubjectOrg, OrgKinds: []string{"manufacturer"},
		Words: "a drug manufacturer's registration: it may make and sell drugs"},
	{Name: ControlledSubstanceRegistration, Subject: SubjectEither, OrgKinds: []string{"hospital", "clinic", "pharmacy", "distributor", "manufacturer"},
		Words: "a registration to prescribe, dispense or handle controlled substances (in the US, the DEA's)"},
	{Name: ClinicalPrivileges, Subject: SubjectOwnMember,
		Words: "a hospital's grant to one of its own clinicians of the procedures they may perform there"},
}

// TypeOf returns the credential type name; ok is false if there is none.
func TypeOf(name string) (Type, bool) {
	for _, t := range Types {
		if t.Name == name {
			return t, true
		}
	}
	return Type{}, false
}

// TypeNames lists the credential type names, in Types' order.
func TypeNames() []string {
	out := make([]string, len(Types))
	for i, t := range Types {
		out[i] = t.Name
	}
	return out
}

// Credential statuses. Expired is never stored: a credential is expired
// when the time is past its validity period, whatever its status.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
	StatusExpired   = "expired"
)

// Reason codes of status changes. A reason is a code, never free text: no
// words about a person reach the chain.
var (
	RevokeReasons    = []string{"disciplinary-action", "surrendered", "issued-in-error", "superseded", "lapsed", "other"}
	SuspendReasons   = []string{"under-investigation", "disciplinary-action", "non-payment", "administrative", "other"}
	ReinstateReasons = []string{"investigation-closed", "sanction-ended", "issued-in-error", "administrative", "other"}
)

// ReasonWords say what each reason code means, for people.
var ReasonWords = map[string]string{
	"disciplinary-action":  "a board's or regulator's sanction",
	"surrendered":          "the holder gave it up",
	"issued-in-error":      "it should not have been issued (or suspended)",
	"superseded":           "a new credential replaces it",
	"lapsed":               "not renewed as required",
	"under-investigation":  "pending an investigation",
	"non-payment":          "a fee is unpaid",
	"administrative":       "an administrative hold or its end",
	"investigation-closed": "the investigation ended without sanction",
	"sanction-ended":       "the sanction's term is over",
	"other":                "another reason, recorded by the issuer off-chain",
}

// Status purposes of the Bitstring Status Lists each issuer publishes
// (W3C Bitstring Status List v1.0): one list of revoked credentials, one
// of suspended ones.
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// ListSize is the length in bits of a status list: the W3C minimum (16 KB),
// which hides each credential among 131,072 others.
const ListSize = 131072

// ListFill is how many credentials one status list takes before the next
// is opened: half, so that an index drawn at random is free at least every
// other time.
const ListFill = ListSize / 2

// Limits.
const (
	// MaxTerm is the longest validity period of a credential.
	MaxTerm = 10 * 366 * 24 * time.Hour
	// ProposalTTL is how long, by block time, a governance proposal stays
	// open.
	ProposalTTL = 7 * 24 * time.Hour
	// MaxChanges is the most changes one proposal carries.
	MaxChanges = 32
)

// Licence check scopes governance may switch on; each is the name of the
// module that enforces it (app.Licences).
var Scopes = []string{"supply", "records", "claims"}

// ScopeWords say what switching a scope on does, for people.
var ScopeWords = map[string]string{
	"supply":  "shipping to or receiving from a trading partner without a valid licence of its kind is refused; pack verification names an unlicensed custodian",
	"records": "break-glass reads need a valid medical or pharmacist licence of the reader",
	"claims":  "a claim line whose rendering clinician held no valid licence on the date of service is denied (CARC B7)",
}

// Credential is what the chain holds of an issued credential: enough to
// verify its file, nothing of its content beyond that.
type Credential struct {
	ID           string    `json:"id"` // crd-<26 base32 characters>
	Type         string    `json:"type"`
	Subject      string    `json:"subject"`   // a member "org/name" or an organization id
	Issuer       string    `json:"issuer"`    // the issuing organization
	IssuedBy     string    `json:"issued_by"` // the member who signed it
	KeyID        string    `json:"key_id"`    // the key it was signed with
	IssuerKey    []byte    `json:"issuer_key"`
	Jurisdiction string    `json:"jurisdiction"`
	ValidFrom    time.Time `json:"valid_from"`
	ValidUntil   time.Time `json:"valid_until"`
	// Digest is the SHA-256 of the credential file (the VC-JWT's bytes),
	// lowercase hex. The file holds a 128-bit random id and a signature,
	// so its digest cannot be guessed from what it says.
	Digest  string         `json:"digest"`
	Status  string         `json:"status"` // active, suspended or revoked
	List    uint32         `json:"status_list"`
	Index   uint32         `json:"status_index"`
	Height  int64          `json:"height"` // issuance
	Time    time.Time      `json:"time"`
	Changes []StatusChange `json:"changes,omitempty"`
}

// StatusChange is one revocation, suspension or reinstatement.
type StatusChange struct {
	Status string    `json:"status"` // the status it set
	Reason string    `json:"reason"` // a code of RevokeReasons, SuspendReasons or ReinstateReasons
	By     string    `json:"by"`
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
}

// StatusAt is the credential's stored status at block time t (active,
// suspended or revoked), ignoring its validity period: a change takes
// effect at the time of its block.
func (c *Credential) StatusAt(t time.Time) string {
	s := StatusActive
	for _, ch := range c.Changes {
		if !ch.Time.After(t) {
			s = ch.Status
		}
	}
	return s
}

// ValidAt reports whether t is inside the credential's validity period
// [ValidFrom, ValidUntil).
func (c *Credential) ValidAt(t time.Time) bool {
	return !t.Before(c.ValidFrom) && t.Before(c.ValidUntil)
}

// EffectiveStatus is the status a verifier reports at t: revoked or
// suspended as stored, else expired when t is past the validity period (or
// before it), else active.
func (c *Credential) EffectiveStatus(t time.Time) string {
	switch s := c.StatusAt(t); {
	case s != StatusActive:
		return s
	case !c.ValidAt(t):
		return StatusExpired
	}
	return StatusActive
}

// Authorization is one entry of the issuer registry: an organization may
// issue a type of credential in a jurisdiction (and its subdivisions)
// while a period of it is open. Closed periods stay, so that a verifier can
// ask whether an issuer was authorized when it issued.
type Authorization struct {
	Issuer       string   `json:"issuer"`
	Type         string   `json:"type"`
	Jurisdiction string   `json:"jurisdiction"`
	Active       bool     `json:"active"`
	Periods      []Period `json:"periods"`
}

// Period is a span of heights during which an authorization held:
// [From, Until), Until 0 while it holds.
type Period struct {
	From        int64  `json:"from"`
	Until       int64  `json:"until,omitempty"`
	Proposal    uint64 `json:"proposal"`               // the vote that opened it (0: genesis)
	EndProposal uint64 `json:"end_proposal,omitempty"` // the vote that closed it
}

// HeldAt reports whether the authorization held at height h.
func (a *Authorization) HeldAt(h int64) bool {
	for _, p := range a.Periods {
		if p.From <= h && (p.Until == 0 || h < p.Until) {
			return true
		}
	}
	return false
}

// Covers reports whether an authorization for jurisdiction j covers a
// credential of jurisdiction c: the same, or a subdivision of it ("US"
// covers "US-CA").
func Covers(j, c string) bool { return c == j || strings.HasPrefix(c, j+"-") }

// Governance actions of a proposal's changes.
const (
	ActionAuthorize   = "authorize"   // an issuer for a type and jurisdiction
	ActionDeauthorize = "deauthorize" // close an issuer's authorization
	ActionEnforce     = "enforce"     // switch licence checks on for a scope
	ActionRelax       = "relax"       // switch them off
)

// Actions lists the governance actions.
var Actions = []string{ActionAuthorize, ActionDeauthorize, ActionEnforce, ActionRelax}

// Change is one change a proposal makes when it passes.
type Change struct {
	Action       string `json:"action"`
	Issuer       string `json:"issuer,omitempty"`       // authorize, deauthorize
	Type         string `json:"type,omitempty"`         // authorize, deauthorize
	Jurisdiction string `json:"jurisdiction,omitempty"` // authorize, deauthorize
	Scope        string `json:"scope,omitempty"`        // enforce, relax
}

// Proposal statuses.
const (
	ProposalOpen     = "open"
	ProposalPassed   = "passed"
	ProposalRejected = "rejected"
)

// Proposal is a change to the issuer registry or to licence enforcement,
// put to the consortium's vote: it passes when a majority of the
// organizations active at the time of a vote said yes.
type Proposal struct {
	ID       uint64    `json:"id"`
	Changes  []Change  `json:"changes"`
	Proposer string    `json:"proposer"`
	Height   int64     `json:"height"`
	Deadline time.Time `json:"deadline"`
	Status   string    `json:"status"`
	Yes      int       `json:"yes"`
	No       int       `json:"no"`
	Closed   int64     `json:"closed,omitempty"` // height it passed or was rejected
}

// Enforcement says whether licence checks are on for a scope.
type Enforcement struct {
	Scope    string `json:"scope"`
	On       bool   `json:"on"`
	Height   int64  `json:"height"`   // of the last change
	Proposal uint64 `json:"proposal"` // that made it (0: genesis)
}

// ListState is an issuer's status list bookkeeping: which list takes new
// credentials, and how many it has.
type ListState struct {
	Current uint32 `json:"current"`
	Used    uint32 `json:"used"`
}

// --- identifiers ---

// IDPrefix starts every credential id.
const IDPrefix = "crd-"

// idLen is the length of a credential id: the prefix and 26 characters of
// lowercase base32 (128 random bits).
const idLen = len(IDPrefix) + 26

// ValidID reports whether s is a credential id.
func ValidID(s string) bool {
	if len(s) != idLen || !strings.HasPrefix(s, IDPrefix) {
		return false
	}
	for _, c := range s[len(IDPrefix):] {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// URIs name parties and credentials inside credential files, where W3C
// wants URLs: urn:medledger:member:ORG/NAME, urn:medledger:org:ORG and
// urn:medledger:credential:ID.
const (
	memberURN     = "urn:medledger:member:"
	orgURN        = "urn:medledger:org:"
	credentialURN = "urn:medledger:credential:"
)

// PartyURI is the URI of a member ("org/name") or an organization id.
func PartyURI(id string) string {
	if strings.Contains(id, "/") {
		return memberURN + id
	}
	return orgURN + id
}

// ParsePartyURI is the inverse of PartyURI.
func ParsePartyURI(u string) (string, bool) {
	if id, ok := strings.CutPrefix(u, memberURN); ok && strings.Count(id, "/") == 1 && validName(strings.Split(id, "/")[0]) && validName(strings.Split(id, "/")[1]) {
		return id, true
	}
	if id, ok := strings.CutPrefix(u, orgURN); ok && validName(id) {
		return id, true
	}
	return "", false
}

// CredentialURI is the URI of a credential id.
func CredentialURI(id string) string { return credentialURN + id }

// ParseCredentialURI is the inverse of CredentialURI.
func ParseCredentialURI(u string) (string, bool) {
	id, ok := strings.CutPrefix(u, credentialURN)
	return id, ok && ValidID(id)
}

// KeyURI names the key a member signed with: its member URI, "#", the key
// id (the kid of a credential file's JOSE header).
func KeyURI(member, keyID string) string { return memberURN + member + "#" + keyID }

// ParseKeyURI is the inverse of KeyURI.
func ParseKeyURI(u string) (member, keyID string, ok bool) {
	p, k, found := strings.Cut(u, "#")
	if !found || len(k) != 32 || strings.Trim(k, "0123456789abcdef") != "" {
		return "", "", false
	}
	m, ok := ParsePartyURI(p)
	if !ok || !strings.Contains(m, "/") || !strings.HasPrefix(p, memberURN) {
		return "", "", false
	}
	return m, k, true
}

// validName is the identity module's rule for organization and member
// names: 2 to 64 lowercase letters, digits and '-'.
func validName(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validJurisdiction: ISO 3166-1 alpha-2, or alpha-2 "-" a subdivision of
// 1 to 3 letters or digits.
func validJurisdiction(s string) bool {
	cc, sub, hasSub := strings.Cut(s, "-")
	if len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return false
	}
	if !hasSub {
		return true
	}
	return len(sub) >= 1 && len(sub) <= 3 && strings.Trim(sub, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

// ValidJurisdiction reports whether s is an ISO 3166 code such as US or
// US-CA.
func ValidJurisdiction(s string) bool { return validJurisdiction(s) }

// ValidReason reports whether code is a reason for a change to status.
func ValidReason(status, code string) bool {
	switch status {
	case StatusRevoked:
		return slices.Contains(RevokeReasons, code)
	case StatusSuspended:
		return slices.Contains(SuspendReasons, code)
	case StatusActive:
		return slices.Contains(ReinstateReasons, code)
	}
	return false
}
