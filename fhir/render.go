package fhir

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/records"
)

// Identifier systems of medledger's own ids. They are URNs, the same on
// every node, so that a client matches an identifier whichever node
// rendered it.
const (
	SystemOrganization = "urn:medledger:organization" // organization ids, "st-mary"
	SystemMember       = "urn:medledger:member"       // member ids, "st-mary/dr-lee"
	SystemPatient      = "urn:medledger:patient"      // pseudonymous patient ids, "pat-..."
	SystemRecord       = "urn:medledger:record"       // record ids, "rec-12"
	SystemConsent      = "urn:medledger:consent"      // consent ids, "con-3"
	SystemCategory     = "urn:medledger:record-category"
	// ExtensionJurisdiction is the url of the Consent extension that lists
	// where the data may be read besides the custodian's own jurisdiction
	// (R4 Consent has no jurisdiction element).
	ExtensionJurisdiction = "urn:medledger:fhir:StructureDefinition/consent-jurisdiction"
)

// HL7 code systems the renderers use.
const (
	systemActReason         = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	systemActCode           = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	systemConsentScope      = "http://terminology.hl7.org/CodeSystem/consentscope"
	systemResourceTypes     = "http://hl7.org/fhir/resource-types"
	systemAuditEventType    = "http://terminology.hl7.org/CodeSystem/audit-event-type"
	systemRestfulInteract   = "http://hl7.org/fhir/restful-interaction"
	systemAuditEntityType   = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
	systemObjectRole        = "http://terminology.hl7.org/CodeSystem/object-role"
	systemSourceType        = "http://terminology.hl7.org/CodeSystem/security-source-type"
	systemISO3166           = "urn:iso:std:iso:3166"
	systemISO3166Sub        = "urn:iso:std:iso:3166:-2"

	// LOINCPatientConsent is the LOINC document type of a patient consent.
	LOINCPatientConsent = "59284-0"
	// BreakGlass is the v3-ActReason code of break-the-glass access, used
	// as a purpose of use and as a security label.
	BreakGlass = "BTG"
)

// ContentType is the media type of FHIR R4 JSON.
const ContentType = "application/fhir+json; fhirVersion=4.0"

// purposeDisplay names the purposes of records.Purposes.
var purposeDisplay = map[string]string{
	records.PurposeTreatment:          "treatment",
	records.PurposeEmergencyTreatment: "Emergency Treatment",
	records.PurposePayment:            "healthcare payment",
	records.PurposeOperations:         "healthcare operations",
	records.PurposeResearch:           "healthcare research",
	BreakGlass:                        "break the glass",
}

// The JSON shapes of the FHIR datatypes the renderers write. Field order is
// the FHIR order; empty fields are left out.
type (
	coded struct {
		System  string `json:"system,omitempty"`
		Code    string `json:"code,omitempty"`
		Display string `json:"display,omitempty"`
	}
	concept struct {
		Coding []coded `json:"coding,omitempty"`
		Text   string  `json:"text,omitempty"`
	}
	identifier struct {
		System string `json:"system"`
		Value  string `json:"value"`
	}
	reference struct {
		Reference  string      `json:"reference,omitempty"`
		Type       string      `json:"type,omitempty"`
		Identifier *identifier `json:"identifier,omitempty"`
		Display    string      `json:"display,omitempty"`
	}
	period struct {
		Start string `json:"start,omitempty"`
		End   string `json:"end,omitempty"`
	}
	meta struct {
		Source   string  `json:"source,omitempty"`
		Security []coded `json:"security,omitempty"`
	}
	extension struct {
		URL                  string   `json:"url"`
		ValueCodeableConcept *concept `json:"valueCodeableConcept,omitempty"`
	}
)

func codeable(system, code, display string) concept {
	return concept{Coding: []coded{{System: system, Code: code, Display: display}}}
}

// validID reports whether s is a FHIR id: 1 to 64 of A-Z a-z 0-9 - .
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// ref refers to a resource of type typ by medledger id: always by
// identifier, and by literal reference "Type/id" as well when id is a
// FHIR id. It returns nil for an empty id.
func ref(typ, system, id string) *reference {
	if id == "" {
		return nil
	}
	r := &reference{Type: typ, Identifier: &identifier{System: system, Value: id}}
	if validID(id) {
		r.Reference = typ + "/" + id
	}
	return r
}

// recordRef refers to a record by identifier: its resource type is the
// vault document's, which the ledger does not hold. Nil for "".
func recordRef(id string) *reference {
	if id == "" {
		return nil
	}
	return &reference{Identifier: &identifier{System: SystemRecord, Value: id}}
}

// nonEmpty returns ss without its empty strings.
func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// patientRef refers to a patient by pseudonym only.
func patientRef(pseudonym string) *reference { return ref("Patient", SystemPatient, pseudonym) }

// partyRef refers to an organization ("st-mary") or a member
// ("st-mary/dr-lee"); a member is a Practitioner known by identifier.
func partyRef(id string) *reference {
	if strings.Contains(id, "/") {
		return ref("Practitioner", SystemMember, id)
	}
	return ref("Organization", SystemOrganization, id)
}

// dateTime formats t as a FHIR dateTime in UTC, "" for the zero time.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// instant formats t as a FHIR instant in UTC, to the microsecond at most.
func instant(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

func purposeCoding(p string) coded {
	return coded{System: systemActReason, Code: p, Display: purposeDisplay[p]}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the package's own types are marshalled; they always encode.
		panic("fhir: rendering: " + err.Error())
	}
	return b
}

type consentResource struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Meta         *meta        `json:"meta,omitempty"`
	Extension    []extension  `json:"extension,omitempty"`
	Identifier   []identifier `json:"identifier,omitempty"`
	Status       string       `json:"status"`
	Scope        concept      `json:"scope"`
	Category     []concept    `json:"category"`
	Patient      *reference   `json:"patient,omitempty"`
	DateTime     string       `json:"dateTime,omitempty"`
	Performer    []*reference `json:"performer,omitempty"`
	PolicyRule   concept      `json:"policyRule"`
	Provision    provision    `json:"provision"`
}

type provision struct {
	Type    string         `json:"type"`
	Period  *period        `json:"period,omitempty"`
	Actor   []consentActor `json:"actor,omitempty"`
	Purpose []coded        `json:"purpose,omitempty"`
	Class   []coded        `json:"class,omitempty"`
	Code    []concept      `json:"code,omitempty"`
	Data    []consentDatum `json:"data,omitempty"`
}

type consentActor struct {
	Role      concept    `json:"role"`
	Reference *reference `json:"reference"`
}

type consentDatum struct {
	Meaning   string     `json:"meaning"`
	Reference *reference `json:"reference"`
}

// ConsentResource renders a consent as a FHIR R4 Consent: scope
// patient-privacy, category LOINC 59284-0, policy rule OPTIN, the patient
// (by pseudonym) as patient and performer, and one permit provision: the
// consent's period, the grantee as information recipient (an Organization,
// or a Practitioner known by member id), its purposes (v3-ActReason), its
// resource types as classes, its categories as codes (SystemCategory) and
// its records as data (SystemRecord identifiers). An active consent is
// "active", a revoked one "inactive". Jurisdictions go in the
// ExtensionJurisdiction extension. baseURL, if not empty, is the node's
// base URL ("https://node.example"), from which meta.source names the
// consent's REST resource; it MUST NOT end in '/'.
//
// NOTE: dateTime is the consent's NotBefore: the chain keeps the height at
// which it was granted, not a time.
func ConsentResource(c records.Consent, baseURL string) []byte {
	r := consentResource{
		ResourceType: "Consent",
		Identifier:   []identifier{{System: SystemConsent, Value: c.ID}},
		Status:       "active",
		Scope:        codeable(systemConsentScope, "patient-privacy", "Privacy Consent"),
		Category:     []concept{codeable(systemLOINC, LOINCPatientConsent, "Patient Consent")},
		Patient:      patientRef(c.Patient),
		DateTime:     dateTime(c.NotBefore),
		PolicyRule:   codeable(systemActCode, "OPTIN", "opt-in"),
		Provision:    provision{Type: "permit"},
	}
	if validID(c.ID) {
		r.ID = c.ID
	}
	if c.ID == "" {
		r.Identifier = nil
	}
	if p := patientRef(c.Patient); p != nil {
		r.Performer = []*reference{p}
	}
	if c.Status == records.ConsentRevoked {
		r.Status = "inactive"
	}
	if baseURL != "" && c.ID != "" {
		r.Meta = &meta{Source: baseURL + "/v1/consents/" + url.PathEscape(c.ID)}
	}
	for _, j := range nonEmpty(c.Jurisdictions) {
		system := systemISO3166
		if strings.Contains(j, "-") {
			system = systemISO3166Sub
		}
		cc := codeable(system, j, "")
		r.Extension = append(r.Extension, extension{URL: ExtensionJurisdiction, ValueCodeableConcept: &cc})
	}
	p := &r.Provision
	if s, e := dateTime(c.NotBefore), dateTime(c.NotAfter); s != "" || e != "" {
		p.Period = &period{Start: s, End: e}
	}
	if g := partyRef(c.Grantee); g != nil {
		p.Actor = []consentActor{{Role: codeable(systemParticipationType, "IRCP", "information recipient"), Reference: g}}
	}
	for _, pu := range nonEmpty(c.Purposes) {
		p.Purpose = append(p.Purpose, purposeCoding(pu))
	}
	for _, t := range nonEmpty(c.Scope.ResourceTypes) {
		p.Class = append(p.Class, coded{System: systemResourceTypes, Code: t})
	}
	for _, cat := range nonEmpty(c.Scope.Categories) {
		p.Code = append(p.Code, codeable(SystemCategory, cat, ""))
	}
	for _, rec := range nonEmpty(c.Scope.Records) {
		p.Data = append(p.Data, consentDatum{Meaning: "instance", Reference: recordRef(rec)})
	}
	return mustJSON(r)
}

type auditEvent struct {
	ResourceType   string        `json:"resourceType"`
	ID             string        `json:"id"`
	Meta           *meta         `json:"meta,omitempty"`
	Type           coded         `json:"type"`
	Subtype        []coded       `json:"subtype"`
	Action         string        `json:"action"`
	Recorded       string        `json:"recorded"`
	Outcome        string        `json:"outcome"`
	OutcomeDesc    string        `json:"outcomeDesc,omitempty"`
	PurposeOfEvent []concept     `json:"purposeOfEvent,omitempty"`
	Agent          []auditAgent  `json:"agent"`
	Source         auditSource   `json:"source"`
	Entity         []auditEntity `json:"entity"`
}

type auditAgent struct {
	Type         concept    `json:"type"`
	Who          *reference `json:"who,omitempty"`
	Requestor    bool       `json:"requestor"`
	PurposeOfUse []concept  `json:"purposeOfUse,omitempty"`
}

type auditSource struct {
	Observer *reference `json:"observer"`
	Type     []coded    `json:"type"`
}

type auditEntity struct {
	What   *reference    `json:"what,omitempty"`
	Type   *coded        `json:"type,omitempty"`
	Role   *coded        `json:"role,omitempty"`
	Detail []auditDetail `json:"detail,omitempty"`
}

type auditDetail struct {
	Type        string `json:"type"`
	ValueString string `json:"valueString"`
}

// AuditEventID is the id of a disclosure's AuditEvent: "dis-{seq}-{patient}"
// ("dis-12-pat-abc..."), the patient's pseudonym being where the ledger
// files the disclosure, so that a read finds it. It is "dis-{seq}" alone
// when the result would not be a FHIR id (over 64 characters, or a patient
// id with other characters).
func AuditEventID(patient string, seq uint64) string {
	id := "dis-" + strconv.FormatUint(seq, 10)
	if long := id + "-" + patient; patient != "" && validID(long) {
		return long
	}
	return id
}

// ParseAuditEventID reads an AuditEventID: the patient and the sequence
// number; ok is false for any other string, and for "dis-{seq}" alone.
func ParseAuditEventID(id string) (patient string, seq uint64, ok bool) {
	rest, found := strings.CutPrefix(id, "dis-")
	if !found {
		return "", 0, false
	}
	num, patient, found := strings.Cut(rest, "-")
	if !found || patient == "" || num == "" || len(num) > 19 {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil || strconv.FormatUint(seq, 10) != num {
		return "", 0, false
	}
	return patient, seq, true
}

// AuditEventResource renders a disclosure as a FHIR R4 AuditEvent in the
// shape of IHE BALP's RESTful read: type rest, subtype read, action R,
// recorded at the disclosure's block time, outcome 0 (granted) or 4
// (refused, with the reason as outcomeDesc). The reader is the requesting
// agent (a Practitioner known by member id, or the Patient reading their
// own record) with the declared purpose of use; the custodian is an agent
// and the observer. Entities are the record (by SystemRecord identifier,
// with the ground, break-glass reason code, height and transaction hash
// as details), the patient (by pseudonym) and the consent that allowed
// the read, if any. A break-glass read carries ETREAT and BTG as purposes
// of use and of event, and BTG as a security label in meta.security. An
// event of the patient's identity on the log (d.Identity) is rendered by
// identityAuditEvent instead (identity_audit.go).
func AuditEventResource(d records.Disclosure) []byte {
	if d.Identity != nil {
		return identityAuditEvent(d) // an event of the patient's identity (identity_audit.go)
	}
	purposes := []coded{}
	if d.Purpose != "" {
		purposes = append(purposes, purposeCoding(d.Purpose))
	}
	// The source's observer is required; a disclosure always names its
	// custodian, but the renderer makes valid FHIR of any input.
	observer := partyRef(d.Custodian)
	if observer == nil {
		observer = &reference{Display: "medledger"}
	}
	var m *meta
	if d.BreakGlass {
		if d.Purpose != records.PurposeEmergencyTreatment {
			purposes = append(purposes, purposeCoding(records.PurposeEmergencyTreatment))
		}
		purposes = append(purposes, purposeCoding(BreakGlass))
		m = &meta{Security: []coded{purposeCoding(BreakGlass)}}
	}
	// One concept per purpose: they are distinct purposes, not codings
	// of one.
	var pou []concept
	for _, c := range purposes {
		pou = append(pou, concept{Coding: []coded{c}})
	}
	ev := auditEvent{
		ResourceType:   "AuditEvent",
		ID:             AuditEventID(d.Patient, d.Seq),
		Meta:           m,
		Type:           coded{System: systemAuditEventType, Code: "rest", Display: "Restful Operation"},
		Subtype:        []coded{{System: systemRestfulInteract, Code: "read", Display: "read"}},
		Action:         "R",
		Recorded:       instant(d.Time),
		Outcome:        "0",
		PurposeOfEvent: pou,
		Source: auditSource{
			Observer: observer,
			Type:     []coded{{System: systemSourceType, Code: "4", Display: "Application Server"}},
		},
	}
	if d.Outcome == records.OutcomeRefused {
		ev.Outcome, ev.OutcomeDesc = "4", d.Missing
	}
	reader := partyRef(d.Reader)
	if d.Reader == d.Patient || d.Ground == records.GroundPatient {
		reader = patientRef(d.Reader)
	}
	ev.Agent = []auditAgent{
		{Type: codeable(systemParticipationType, "IRCP", "information recipient"), Who: reader, Requestor: true, PurposeOfUse: pou},
		{Type: codeable(systemParticipationType, "CST", "custodian"), Who: partyRef(d.Custodian)},
	}
	rec := auditEntity{
		What: recordRef(d.Record),
		Type: &coded{System: systemAuditEntityType, Code: "2", Display: "System Object"},
		Role: &coded{System: systemObjectRole, Code: "4", Display: "Domain Resource"},
	}
	for _, kv := range [][2]string{{"ground", d.Ground}, {"break-glass-reason", d.Reason},
		{"height", strconv.FormatInt(d.Height, 10)}, {"tx-hash", d.TxHash}} {
		if kv[1] != "" {
			rec.Detail = append(rec.Detail, auditDetail{Type: kv[0], ValueString: kv[1]})
		}
	}
	ev.Entity = []auditEntity{rec, {
		What: patientRef(d.Patient),
		Type: &coded{System: systemAuditEntityType, Code: "1", Display: "Person"},
		Role: &coded{System: systemObjectRole, Code: "1", Display: "Patient"},
	}}
	if d.Consent != "" {
		ev.Entity = append(ev.Entity, auditEntity{
			What: ref("Consent", SystemConsent, d.Consent),
			Type: &coded{System: systemAuditEntityType, Code: "2", Display: "System Object"},
			Role: &coded{System: systemObjectRole, Code: "13", Display: "Security Resource"},
		})
	}
	return mustJSON(ev)
}

// Bundle types.
const (
	BundleSearchset           = "searchset"
	BundleCollection          = "collection"
	BundleTransactionResponse = "transaction-response"
	BundleHistory             = "history"
)

type bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Entry        []bundleEntry `json:"entry,omitempty"`
}

type bundleEntry struct {
	Resource json.RawMessage `json:"resource"`
	Search   *bundleSearch   `json:"search,omitempty"`
}

type bundleSearch struct {
	Mode string `json:"mode"`
}

// Bundle wraps entries, each one FHIR resource as JSON, in a Bundle of type
// typ, a FHIR bundle type code such as BundleSearchset. A searchset or
// history Bundle states its total (the entries given: the facade pages
// nothing), and a searchset marks each entry as a match. An entry that is
// not a JSON object is not copied: a searchset gets an OperationOutcome
// entry of search mode "outcome" in its place, other types drop it.
func Bundle(typ string, entries [][]byte) []byte {
	b := bundle{ResourceType: "Bundle", Type: typ}
	matches := 0
	for i, e := range entries {
		e = bytes.TrimSpace(e)
		if len(e) == 0 || e[0] != '{' || !json.Valid(e) {
			if typ == BundleSearchset {
				oo := outcome("error", "exception", "entry "+strconv.Itoa(i)+" could not be rendered")
				b.Entry = append(b.Entry, bundleEntry{Resource: oo, Search: &bundleSearch{Mode: "outcome"}})
			}
			continue
		}
		be := bundleEntry{Resource: e}
		if typ == BundleSearchset {
			be.Search = &bundleSearch{Mode: "match"}
		}
		b.Entry = append(b.Entry, be)
		matches++
	}
	if typ == BundleSearchset || typ == BundleHistory {
		b.Total = &matches
	}
	return mustJSON(b)
}
