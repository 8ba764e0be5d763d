package fhir

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/trials"
)

// The trials module's FHIR R4 views: a trial as a ResearchStudy, a
// participant as a ResearchSubject, and each of their consents to a
// protocol version as a Consent. A participant appears only by their
// pseudonym for the trial (psn-...), never by a patient id.

// Identifier systems of the trials module's ids.
const (
	SystemTrial        = "urn:medledger:trial"         // trial ids, "NCT09990001"
	SystemPseudonym    = "urn:medledger:pseudonym"     // a participant's pseudonym for one trial, "psn-..."
	SystemTrialConsent = "urn:medledger:trial-consent" // a participant's consent, "psn-...-2": their second
	SystemOutcome      = "urn:medledger:trial-outcome" // a declared outcome's code within its trial
	// ExtensionPlannedEnrolment carries a trial's planned enrolment (R4
	// ResearchStudy has no element for it).
	ExtensionPlannedEnrolment = "urn:medledger:fhir:StructureDefinition/trial-planned-enrolment"
	// ExtensionProtocolVersion carries the protocol version a study is at,
	// or a consent is to.
	ExtensionProtocolVersion = "urn:medledger:fhir:StructureDefinition/trial-protocol-version"
	// ExtensionConsentForm carries the digest of the informed-consent form
	// the participant saw.
	ExtensionConsentForm = "urn:medledger:fhir:StructureDefinition/trial-consent-form"
	// ExtensionSite names a participant's site (R4 ResearchSubject has no
	// element for it).
	ExtensionSite = "urn:medledger:fhir:StructureDefinition/trial-site"
	// ExtensionHeight carries the block height at which the chain recorded
	// what a resource shows.
	ExtensionHeight = "urn:medledger:fhir:StructureDefinition/height"
)

const (
	systemStudyPhase    = "http://terminology.hl7.org/CodeSystem/research-study-phase"
	systemObjectiveType = "http://terminology.hl7.org/CodeSystem/research-study-objective-type"
)

// studyPhase maps trials.Phases to research-study-phase codes.
var studyPhase = map[string][2]string{
	"0":   {"early-phase-1", "Early Phase 1"},
	"1":   {"phase-1", "Phase 1"},
	"1/2": {"phase-1-phase-2", "Phase 1/Phase 2"},
	"2":   {"phase-2", "Phase 2"},
	"2/3": {"phase-2-phase-3", "Phase 2/Phase 3"},
	"3":   {"phase-3", "Phase 3"},
	"4":   {"phase-4", "Phase 4"},
	"n/a": {"n-a", "N/A"},
}

// researchExtension is an extension with one of the value types the
// research views use.
type researchExtension struct {
	URL                  string     `json:"url"`
	ValueString          string     `json:"valueString,omitempty"`
	ValueUnsignedInt     *uint64    `json:"valueUnsignedInt,omitempty"`
	ValuePositiveInt     *uint64    `json:"valuePositiveInt,omitempty"`
	ValueInteger64       *int64     `json:"valueInteger,omitempty"`
	ValueReference       *reference `json:"valueReference,omitempty"`
	ValueCodeableConcept *concept   `json:"valueCodeableConcept,omitempty"`
}

type annotation struct {
	Text string `json:"text"`
}

type researchObjective struct {
	Name string   `json:"name"`
	Type *concept `json:"type,omitempty"`
}

type researchStudy struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	Meta         *meta               `json:"meta,omitempty"`
	Extension    []researchExtension `json:"extension,omitempty"`
	Identifier   []identifier        `json:"identifier,omitempty"`
	Title        string              `json:"title,omitempty"`
	Status       string              `json:"status"`
	Phase        *concept            `json:"phase,omitempty"`
	Description  string              `json:"description,omitempty"`
	Period       *period             `json:"period,omitempty"`
	Sponsor      *reference          `json:"sponsor,omitempty"`
	Site         []*reference        `json:"site,omitempty"`
	Note         []annotation        `json:"note,omitempty"`
	Objective    []researchObjective `json:"objective,omitempty"`
}

func uptr(n uint64) *uint64 { return &n }
func iptr(n int64) *int64   { return &n }

// ResearchStudy renders a trial as a FHIR R4 ResearchStudy: its id as id
// and identifier (SystemTrial), title, phase (research-study-phase),
// registration time as period.start, sponsor (an Organization by id),
// sites (as Locations known by organization id: R4 refers a study's sites
// to Location), planned enrolment and current protocol version
// (extensions), and each declared outcome as an objective of type primary
// or secondary, named "CODE: measure (time frame)". Every outcome switch
// is listed in the description, and every result as a note, a result for
// an outcome never declared saying so. Status is "completed" once every
// declared outcome has a result, else "active". baseURL, if not empty,
// names the trial's REST resource in meta.source; it MUST NOT end in '/'.
func ResearchStudy(v trials.View, baseURL string) []byte {
	t := v.Trial
	r := researchStudy{
		ResourceType: "ResearchStudy",
		Identifier:   []identifier{{System: SystemTrial, Value: t.ID}},
		Title:        t.Title,
		Status:       "active",
		Sponsor:      ref("Organization", SystemOrganization, t.Sponsor),
		Extension: []researchExtension{
			{URL: ExtensionPlannedEnrolment, ValueUnsignedInt: uptr(uint64(max(t.Enrolment, 0)))},
			{URL: ExtensionProtocolVersion, ValuePositiveInt: uptr(max(t.Version, 1))},
		},
	}
	if validID(t.ID) {
		r.ID = t.ID
	}
	if t.ID == "" {
		r.Identifier = nil
	}
	if baseURL != "" && t.ID != "" {
		r.Meta = &meta{Source: baseURL + "/v1/trials/" + url.PathEscape(t.ID)}
	}
	if p, ok := studyPhase[t.Phase]; ok {
		c := codeable(systemStudyPhase, p[0], p[1])
		r.Phase = &c
	}
	if s := dateTime(t.Time); s != "" {
		r.Period = &period{Start: s}
	}
	for _, s := range nonEmpty(t.Sites) {
		r.Site = append(r.Site, &reference{Type: "Location", Identifier: &identifier{System: SystemOrganization, Value: s}, Display: "site " + s})
	}
	for _, o := range t.Outcomes {
		if o.Code == "" {
			continue
		}
		obj := researchObjective{Name: outcomeName(o)}
		if o.Kind == trials.Primary || o.Kind == trials.Secondary {
			c := codeable(systemObjectiveType, o.Kind, strings.ToUpper(o.Kind[:1])+o.Kind[1:])
			obj.Type = &c
		}
		r.Objective = append(r.Objective, obj)
	}
	var desc []string
	desc = append(desc, "Protocol version "+strconv.FormatUint(t.Version, 10)+" of "+strconv.Itoa(len(v.Versions))+" registered.")
	if len(v.Switches) == 0 {
		desc = append(desc, "No outcome was switched after the first enrolment.")
	}
	for _, s := range v.Switches {
		desc = append(desc, "Outcome switch "+strconv.FormatUint(s.Seq, 10)+": "+s.Outcome+" "+s.Change+
			" by protocol version "+strconv.FormatUint(s.Version, 10)+" at height "+strconv.FormatInt(s.Height, 10)+
			switchText(s)+".")
	}
	r.Description = strings.Join(desc, "\n\n")
	for _, res := range v.Results {
		what := "declared"
		if !res.Declared {
			what = "never declared"
		}
		if res.Outcome == "" || res.Summary == "" {
			continue
		}
		r.Note = append(r.Note, annotation{Text: "Result for " + res.Outcome + " (an outcome " + what + "): " + res.Summary})
	}
	if len(t.Outcomes) > 0 && len(v.Unreported) == 0 && len(v.Results) > 0 {
		r.Status = "completed"
	}
	return mustJSON(r)
}

// outcomeName is "CODE: measure (time frame)".
func outcomeName(o trials.Outcome) string {
	s := o.Code
	if o.Measure != "" {
		s += ": " + o.Measure
	}
	if o.TimeFrame != "" {
		s += " (" + o.TimeFrame + ")"
	}
	return s
}

func switchText(s trials.Switch) string {
	var b strings.Builder
	if s.Old != nil {
		b.WriteString(", was " + outcomeName(*s.Old) + " [" + s.Old.Kind + "]")
	}
	if s.New != nil {
		b.WriteString(", now " + outcomeName(*s.New) + " [" + s.New.Kind + "]")
	}
	return b.String()
}

type researchSubject struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	Extension    []researchExtension `json:"extension,omitempty"`
	Identifier   []identifier        `json:"identifier,omitempty"`
	Status       string              `json:"status"`
	Study        *reference          `json:"study"`
	Individual   *reference          `json:"individual"`
	Consent      *reference          `json:"consent,omitempty"`
}

// subjectStatus maps a subject's status to a ResearchSubject status.
var subjectStatus = map[string]string{
	trials.SubjectEnrolled:  "pending-on-study",
	trials.SubjectConsented: "on-study",
	trials.SubjectWithdrawn: "withdrawn",
}

// pseudonymRef refers to a participant, as the Patient the study knows,
// by their pseudonym only.
func pseudonymRef(id string) *reference {
	if id == "" {
		return &reference{Type: "Patient", Display: "participant"}
	}
	return &reference{Type: "Patient", Identifier: &identifier{System: SystemPseudonym, Value: id}, Display: "participant known by a pseudonym for this trial only"}
}

// TrialConsentID is the id of a participant's n-th consent (from 1):
// "{subject}-{n}".
func TrialConsentID(subject string, n int) string { return subject + "-" + strconv.Itoa(n) }

// ResearchSubject renders a trial's participant as a FHIR R4
// ResearchSubject: the pseudonym as id and identifier (SystemPseudonym),
// status pending-on-study (enrolled, no consent yet), on-study (consented)
// or withdrawn, the study, the individual as a Patient known only by the
// pseudonym, the latest consent by identifier (SystemTrialConsent,
// TrialConsentResource renders it), and the site and enrolment height as
// extensions. It never names a patient id.
func ResearchSubject(s trials.Subject) []byte {
	r := researchSubject{
		ResourceType: "ResearchSubject",
		Identifier:   []identifier{{System: SystemPseudonym, Value: s.ID}},
		Status:       "pending-on-study",
		Study:        ref("ResearchStudy", SystemTrial, s.Trial),
		Individual:   pseudonymRef(s.ID),
	}
	if r.Study == nil {
		r.Study = &reference{Type: "ResearchStudy", Display: "unknown study"}
	}
	if validID(s.ID) {
		r.ID = s.ID
	}
	if s.ID == "" {
		r.Identifier = nil
	}
	if st, ok := subjectStatus[s.Status]; ok {
		r.Status = st
	}
	if n := len(s.Consents); n > 0 && s.ID != "" {
		r.Consent = &reference{Type: "Consent", Identifier: &identifier{System: SystemTrialConsent, Value: TrialConsentID(s.ID, n)}}
	}
	if site := ref("Organization", SystemOrganization, s.Site); site != nil {
		r.Extension = append(r.Extension, researchExtension{URL: ExtensionSite, ValueReference: site})
	}
	if s.Enrolled > 0 {
		r.Extension = append(r.Extension, researchExtension{URL: ExtensionHeight, ValueInteger64: iptr(s.Enrolled)})
	}
	return mustJSON(r)
}

type trialConsent struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	Extension    []researchExtension `json:"extension,omitempty"`
	Identifier   []identifier        `json:"identifier,omitempty"`
	Status       string              `json:"status"`
	Scope        concept             `json:"scope"`
	Category     []concept           `json:"category"`
	Patient      *reference          `json:"patient,omitempty"`
	Performer    []*reference        `json:"performer,omitempty"`
	Organization []*reference        `json:"organization,omitempty"`
	Policy       []consentPolicy     `json:"policy"`
	Provision    provision           `json:"provision"`
}

type consentPolicy struct {
	URI string `json:"uri"`
}

// ProtocolURI names a protocol version of a trial, as a trial consent's
// policy: "urn:medledger:trial-protocol:{trial}:{version}".
func ProtocolURI(trial string, version uint64) string {
	return "urn:medledger:trial-protocol:" + url.PathEscape(trial) + ":" + strconv.FormatUint(version, 10)
}

// TrialConsentResources renders each consent of a participant, oldest
// first, as a FHIR R4 Consent: id and identifier TrialConsentID (n from
// 1), scope research, category LOINC 59284-0, the participant (by
// pseudonym) as patient and performer, their site as organization, the
// protocol version consented to as policy (ProtocolURI) and extension,
// the consent form's digest and the block height as extensions, and a
// permit provision for healthcare research (HRESCH). The latest consent of
// a participant who has not withdrawn is "active"; earlier ones, and all
// of a withdrawn participant's, are "inactive".
func TrialConsentResources(s trials.Subject) [][]byte {
	var out [][]byte
	for i, c := range s.Consents {
		id := TrialConsentID(s.ID, i+1)
		r := trialConsent{
			ResourceType: "Consent",
			Status:       "inactive",
			Scope:        codeable(systemConsentScope, "research", "Research"),
			Category:     []concept{codeable(systemLOINC, LOINCPatientConsent, "Patient Consent")},
			Patient:      pseudonymRef(s.ID),
			Performer:    []*reference{pseudonymRef(s.ID)},
			Policy:       []consentPolicy{{URI: ProtocolURI(s.Trial, c.Version)}},
			Provision:    provision{Type: "permit", Purpose: []coded{purposeCoding(records.PurposeResearch)}},
			Extension: []researchExtension{
				{URL: ExtensionProtocolVersion, ValuePositiveInt: uptr(max(c.Version, 1))},
				{URL: ExtensionHeight, ValueInteger64: iptr(c.Height)},
			},
		}
		if s.ID != "" {
			r.Identifier = []identifier{{System: SystemTrialConsent, Value: id}}
			if validID(id) {
				r.ID = id
			}
		}
		if i == len(s.Consents)-1 && s.Status != trials.SubjectWithdrawn {
			r.Status = "active"
		}
		if o := ref("Organization", SystemOrganization, s.Site); o != nil {
			r.Organization = []*reference{o}
		}
		if c.Form != "" {
			r.Extension = append(r.Extension, researchExtension{URL: ExtensionConsentForm, ValueString: c.Form})
		}
		out = append(out, mustJSON(r))
	}
	return out
}

type pageBundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Total        int           `json:"total"`
	Link         []bundleLink  `json:"link,omitempty"`
	Entry        []bundleEntry `json:"entry,omitempty"`
}

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// SearchPage is a searchset Bundle of one page of a search: matches (each
// one resource as JSON) in search mode "match", included resources in
// mode "include", total the number of matches on every page, and links
// self and, when there is a next page, next (URLs, absolute or relative
// to the server). Entries that are not JSON objects are left out.
func SearchPage(matches, included [][]byte, total int, self, next string) []byte {
	b := pageBundle{ResourceType: "Bundle", Type: BundleSearchset, Total: total}
	if self != "" {
		b.Link = append(b.Link, bundleLink{Relation: "self", URL: self})
	}
	if next != "" {
		b.Link = append(b.Link, bundleLink{Relation: "next", URL: next})
	}
	add := func(list [][]byte, mode string) {
		for _, e := range list {
			if len(e) == 0 || e[0] != '{' || !json.Valid(e) {
				continue
			}
			b.Entry = append(b.Entry, bundleEntry{Resource: e, Search: &bundleSearch{Mode: mode}})
		}
	}
	add(matches, "match")
	add(included, "include")
	return mustJSON(b)
}

// researchResources are the research views in the CapabilityStatement:
// what a node's trials service serves under /fhir.
func researchResources() []capResource {
	page := []capSearchParam{
		{Name: "_count", Definition: "http://hl7.org/fhir/SearchParameter/Resource-count", Type: "number", Documentation: "page size, 1 to 1000 (default 100); the Bundle's next link gives the following page"},
	}
	return []capResource{
		{
			Type:          "ResearchStudy",
			Documentation: "A trial: declared outcomes as objectives (primary or secondary), every outcome switch in the description, results as notes; the protocol version and planned enrolment as extensions.",
			Interaction:   []capInteraction{{Code: "read", Documentation: "GET /fhir/ResearchStudy/{id}"}, {Code: "search-type", Documentation: "GET /fhir/ResearchStudy"}},
			SearchParam:   append([]capSearchParam{{Name: "_id", Definition: "http://hl7.org/fhir/SearchParameter/Resource-id", Type: "token", Documentation: "a trial id"}}, page...),
		},
		{
			Type:          "ResearchSubject",
			Documentation: "A trial's participant, known only by their pseudonym for the trial (psn-...); never a patient id.",
			Interaction:   []capInteraction{{Code: "read", Documentation: "GET /fhir/ResearchSubject/{id}, by pseudonym"}, {Code: "search-type", Documentation: "GET /fhir/ResearchSubject?study={trial id}"}},
			SearchInclude: []string{"ResearchSubject:consent"},
			SearchParam: append([]capSearchParam{{Name: "study", Definition: "http://hl7.org/fhir/SearchParameter/ResearchSubject-study", Type: "reference",
				Documentation: "the trial's id; with _include=ResearchSubject:consent each participant's consents to protocol versions come as Consent resources (scope research)"}}, page...),
		},
	}
}
