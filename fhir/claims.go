package fhir

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/claims"
)

// The claims module's FHIR R4 views: a provider's Claim read into a claim
// the chain adjudicates (ClaimFromFHIR), and a claim's adjudication as a
// ClaimResponse (for the provider) and an ExplanationOfBenefit (for the
// patient and the payer). A patient appears only by their pseudonym for
// the payer (psn-...), never by a patient id; there are no names and no
// free text about the patient.

// Identifier and code systems of the claims views.
const (
	// SystemPayerMember identifies a payer's member: the patient's
	// pseudonym for that payer.
	SystemPayerMember = "urn:medledger:pseudonym"
	SystemClaim       = "urn:medledger:claim"
	// SystemCARC and SystemRARC are X12's claim adjustment reason and
	// remittance advice remark codes.
	SystemCARC = "https://x12.org/codes/claim-adjustment-reason-codes"
	SystemRARC = "https://x12.org/codes/remittance-advice-remark-codes"
	// SystemAdjustmentGroup is X12's claim adjustment group code (CO, PR,
	// OA, PI), which R4 has no element for.
	SystemAdjustmentGroup = "https://x12.org/codes/claim-adjustment-group-codes"
	// ExtensionRARC carries a remark code on an adjudication;
	// ExtensionAdjustmentGroup its group code; ExtensionRule the policy
	// rule that decided a line and ExtensionPolicyVersion its version.
	ExtensionRARC            = "urn:medledger:fhir:StructureDefinition/claims-rarc"
	ExtensionAdjustmentGroup = "urn:medledger:fhir:StructureDefinition/claims-adjustment-group"
	ExtensionRule            = "urn:medledger:fhir:StructureDefinition/claims-rule"
	ExtensionPolicyVersion   = "urn:medledger:fhir:StructureDefinition/claims-policy-version"

	systemClaimType      = "http://terminology.hl7.org/CodeSystem/claim-type"
	systemAdjudication   = "http://terminology.hl7.org/CodeSystem/adjudication"
	systemC4BBAdj        = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
	systemICD10CM        = "http://hl7.org/fhir/sid/icd-10-cm"
	systemCPT            = "http://www.ama-assn.org/go/cpt"
	systemHCPCS          = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	systemPlaceOfService = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
	systemPaymentType    = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
	currency             = "USD"
)

// --- reading a Claim ---

type claimIn struct {
	ResourceType string `json:"resourceType"`
	Patient      refIn  `json:"patient"`
	Provider     refIn  `json:"provider"`
	Insurer      refIn  `json:"insurer"`
	CareTeam     []struct {
		Sequence int   `json:"sequence"`
		Provider refIn `json:"provider"`
	} `json:"careTeam"`
	Diagnosis []diagnosisIn `json:"diagnosis"`
	Item      []itemIn      `json:"item"`
}

type diagnosisIn struct {
	Sequence                 int        `json:"sequence"`
	DiagnosisCodeableConcept *conceptIn `json:"diagnosisCodeableConcept"`
}

type itemIn struct {
	Sequence                int         `json:"sequence"`
	CareTeamSequence        []int       `json:"careTeamSequence"`
	DiagnosisSequence       []int       `json:"diagnosisSequence"`
	ProductOrService        conceptIn   `json:"productOrService"`
	Modifier                []conceptIn `json:"modifier"`
	ServicedDate            string      `json:"servicedDate"`
	LocationCodeableConcept *conceptIn  `json:"locationCodeableConcept"`
	Quantity                *struct {
		Value json.Number `json:"value"`
	} `json:"quantity"`
	Net *moneyIn `json:"net"`
}

type refIn struct {
	Reference  string `json:"reference"`
	Identifier *struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
}

type conceptIn struct {
	Coding []struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"coding"`
}

type moneyIn struct {
	Value    json.Number `json:"value"`
	Currency string      `json:"currency"`
}

// id is what a reference names: its identifier's value, else the id of a
// literal reference "Type/id".
func (r refIn) id(typ string) string {
	if r.Identifier != nil && r.Identifier.Value != "" {
		return r.Identifier.Value
	}
	if rest, ok := strings.CutPrefix(r.Reference, typ+"/"); ok {
		return rest
	}
	return ""
}

// code is the concept's code in one of systems, else its first code.
func (c conceptIn) code(systems ...string) string {
	for _, cd := range c.Coding {
		if slices.Contains(systems, cd.System) {
			return cd.Code
		}
	}
	if len(c.Coding) > 0 {
		return c.Coding[0].Code
	}
	return ""
}

func claimErr(format string, args ...any) error {
	return claims.ErrInvalid.New("FHIR Claim: "+format, args...)
}

// ClaimFromFHIR reads a FHIR R4 Claim (JSON) into the claim a provider
// submits: the payer from insurer, the member from patient (a pseudonym,
// psn-..., by identifier or reference), the rendering clinician from the
// care team (a member, "org/name", by identifier), the ICD-10-CM
// diagnoses in sequence order, and per item (in sequence order) the
// HCPCS/CPT code, modifiers, diagnosis pointers, quantity, net in cents,
// date and place of service. The document is validated as FHIR R4 first
// (ErrInvalidFHIR); what the mapping needs and does not find is
// claims/invalid. The result is not yet checked as a claim: submit
// checks it (claims.SubmitBody.Validate).
func ClaimFromFHIR(doc []byte) (claims.SubmitBody, error) {
	var b claims.SubmitBody
	p, err := Validate(doc)
	if err != nil {
		return b, err
	}
	if p.ResourceType != "Claim" {
		return b, ErrUnsupported.New("a claim is a FHIR Claim resource, not a %s", medledger.Quote(p.ResourceType))
	}
	var c claimIn
	if err := json.Unmarshal(doc, &c); err != nil {
		return b, ErrInvalidFHIR.New("%v", err)
	}
	if b.Payer = c.Insurer.id("Organization"); b.Payer == "" {
		return b, claimErr("insurer must name the payer (an Organization by identifier or reference)")
	}
	if b.Member = c.Patient.id("Patient"); !strings.HasPrefix(b.Member, "psn-") {
		return b, claimErr("patient must be the member's pseudonym for the payer (psn-...), not %s", medledger.Quote(b.Member))
	}
	team := map[int]string{}
	for _, ct := range c.CareTeam {
		team[ct.Sequence] = ct.Provider.id("Practitioner")
	}
	slices.SortStableFunc(c.Diagnosis, func(x, y diagnosisIn) int { return x.Sequence - y.Sequence })
	pointer := map[int]int{}
	for _, d := range c.Diagnosis {
		if d.DiagnosisCodeableConcept == nil {
			return b, claimErr("diagnosis %d has no diagnosisCodeableConcept (an ICD-10-CM code)", d.Sequence)
		}
		b.Diagnoses = append(b.Diagnoses, d.DiagnosisCodeableConcept.code(systemICD10CM))
		pointer[d.Sequence] = len(b.Diagnoses)
	}
	items := c.Item
	slices.SortStableFunc(items, func(x, y itemIn) int { return x.Sequence - y.Sequence })
	for _, it := range items {
		l := claims.LineIn{Code: it.ProductOrService.code(systemCPT, systemHCPCS), Date: it.ServicedDate, Units: 1}
		if b.Rendering == "" {
			seq := 0
			if len(it.CareTeamSequence) > 0 {
				seq = it.CareTeamSequence[0]
			} else if len(c.CareTeam) > 0 {
				seq = c.CareTeam[0].Sequence
			}
			b.Rendering = team[seq]
		}
		for _, m := range it.Modifier {
			l.Modifiers = append(l.Modifiers, m.code())
		}
		for _, d := range it.DiagnosisSequence {
			ptr, ok := pointer[d]
			if !ok {
				return b, claimErr("item %d points at diagnosis %d, which the claim does not have", it.Sequence, d)
			}
			l.Pointers = append(l.Pointers, ptr)
		}
		if it.Quantity != nil {
			n, err := strconv.ParseInt(it.Quantity.Value.String(), 10, 64)
			if err != nil {
				return b, claimErr("item %d: quantity %s is not a whole number of units", it.Sequence, medledger.Quote(it.Quantity.Value.String()))
			}
			l.Units = n
		}
		if it.Net == nil {
			return b, claimErr("item %d has no net (the line's charge)", it.Sequence)
		}
		if it.Net.Currency != "" && it.Net.Currency != currency {
			return b, claimErr("item %d: net is in %s; claims are in USD", it.Sequence, medledger.Quote(it.Net.Currency))
		}
		cents, ok := Cents(it.Net.Value.String())
		if !ok {
			return b, claimErr("item %d: net %s is not an amount with at most two decimals", it.Sequence, medledger.Quote(it.Net.Value.String()))
		}
		l.ChargeCents = cents
		if it.LocationCodeableConcept != nil {
			l.Place = it.LocationCodeableConcept.code(systemPlaceOfService)
		}
		b.Lines = append(b.Lines, l)
	}
	if b.Rendering == "" {
		return b, claimErr("careTeam must name the rendering clinician (a Practitioner by identifier, org/name)")
	}
	return b, nil
}

// Cents reads a decimal amount ("150", "150.5", "150.00") as whole cents,
// exactly: no floating point. ok is false for anything else (a sign, an
// exponent, more than two decimals, more than 12 digits).
func Cents(s string) (int64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(frac) > 2 || (dot && frac == "") {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
		}
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	f := frac + "00"[len(frac):]
	m, _ := strconv.ParseInt(f, 10, 64)
	return n*100 + m, true
}

// --- rendering ---

// money is a FHIR Money in USD; its value is written from cents as a
// decimal, exactly.
type money struct {
	Value    decimalCents `json:"value"`
	Currency string       `json:"currency"`
}

type decimalCents int64

func (d decimalCents) MarshalJSON() ([]byte, error) {
	n := int64(d)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return []byte(sign + strconv.FormatInt(n/100, 10) + "." + strconv.FormatInt(n%100/10, 10) + strconv.FormatInt(n%10, 10)), nil
}

func usd(cents int64) *money { return &money{Value: decimalCents(cents), Currency: currency} }

type claimExtension struct {
	URL          string `json:"url"`
	ValueCode    string `json:"valueCode,omitempty"`
	ValueString  string `json:"valueString,omitempty"`
	ValueCoding  *coded `json:"valueCoding,omitempty"`
	ValueInteger *int64 `json:"valueInteger,omitempty"`
}

type adjudication struct {
	Extension []claimExtension `json:"extension,omitempty"`
	Category  concept          `json:"category"`
	Reason    *concept         `json:"reason,omitempty"`
	Amount    *money           `json:"amount,omitempty"`
}

type responseItem struct {
	Extension    []claimExtension `json:"extension,omitempty"`
	ItemSequence int              `json:"itemSequence"`
	Adjudication []adjudication   `json:"adjudication"`
}

type total struct {
	Category concept `json:"category"`
	Amount   money   `json:"amount"`
}

type payment struct {
	Type       concept     `json:"type"`
	Date       string      `json:"date,omitempty"`
	Amount     money       `json:"amount"`
	Identifier *identifier `json:"identifier,omitempty"`
}

type processNote struct {
	Number int    `json:"number"`
	Type   string `json:"type"`
	Text   string `json:"text"`
}

type claimResponse struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id"`
	Identifier   []identifier   `json:"identifier"`
	Status       string         `json:"status"`
	Type         concept        `json:"type"`
	Use          string         `json:"use"`
	Patient      *reference     `json:"patient"`
	Created      string         `json:"created"`
	Insurer      *reference     `json:"insurer"`
	Requestor    *reference     `json:"requestor,omitempty"`
	Request      *reference     `json:"request,omitempty"`
	Outcome      string         `json:"outcome"`
	Disposition  string         `json:"disposition,omitempty"`
	Item         []responseItem `json:"item,omitempty"`
	Total        []total        `json:"total,omitempty"`
	Payment      *payment       `json:"payment,omitempty"`
	ProcessNote  []processNote  `json:"processNote,omitempty"`
}

// outcomeOf is a claim's FHIR outcome: queued while pended, else complete.
func outcomeOf(c claims.Claim) string {
	if c.Status == claims.StatusPended {
		return "queued"
	}
	return "complete"
}

func disposition(c claims.Claim) string {
	switch c.Status {
	case claims.StatusPended:
		return "held for review by the payer: see the flags"
	case claims.StatusPaid:
		return "adjudicated and paid"
	}
	return "adjudicated"
}

func adjCategory(system, code, display string) concept { return codeable(system, code, display) }

// lineAdjudication renders a line's decision: what was submitted, allowed
// (eligible) and paid (benefit), the patient's share by kind, and each
// other adjustment with its group, CARC and RARC.
func lineAdjudication(l claims.Line) []adjudication {
	out := []adjudication{
		{Category: adjCategory(systemAdjudication, "submitted", "Submitted Amount"), Amount: usd(l.ChargeCents)},
		{Category: adjCategory(systemAdjudication, "eligible", "Eligible Amount"), Amount: usd(l.AllowedCents)},
	}
	for _, a := range l.Adjustments {
		reason := &concept{Coding: []coded{{System: SystemCARC, Code: a.CARC}}, Text: claims.CARCWords[a.CARC]}
		ext := []claimExtension{{URL: ExtensionAdjustmentGroup, ValueCoding: &coded{System: SystemAdjustmentGroup, Code: a.Group}}}
		if a.RARC != "" {
			ext = append(ext, claimExtension{URL: ExtensionRARC, ValueCoding: &coded{System: SystemRARC, Code: a.RARC}})
		}
		var cat concept
		switch {
		case a.Group == claims.GroupPatient && a.CARC == claims.CARCDeductible:
			cat = adjCategory(systemAdjudication, "deductible", "Deductible")
		case a.Group == claims.GroupPatient && a.CARC == claims.CARCCopay:
			cat = adjCategory(systemAdjudication, "copay", "CoPay")
		case a.Group == claims.GroupPatient && a.CARC == claims.CARCCoinsurance:
			cat = adjCategory(systemC4BBAdj, "coinsurance", "Co-insurance")
		case a.Group == claims.GroupPatient:
			cat = adjCategory(systemC4BBAdj, "memberliability", "Member liability")
		case a.CARC == claims.CARCFeeSchedule:
			cat = adjCategory(systemC4BBAdj, "discount", "Discount")
		default:
			cat = adjCategory(systemC4BBAdj, "noncovered", "Noncovered")
		}
		out = append(out, adjudication{Extension: ext, Category: cat, Reason: reason, Amount: usd(a.AmountCents)})
	}
	return append(out, adjudication{Category: adjCategory(systemAdjudication, "benefit", "Benefit Amount"), Amount: usd(l.PaidCents)})
}

func lineExtensions(l claims.Line) []claimExtension {
	var ext []claimExtension
	if l.Rule != "" {
		ext = append(ext, claimExtension{URL: ExtensionRule, ValueString: l.Rule})
	}
	if l.Policy > 0 {
		v := int64(l.Policy)
		ext = append(ext, claimExtension{URL: ExtensionPolicyVersion, ValueInteger: &v})
	}
	return ext
}

func totals(c claims.Claim) []total {
	return []total{
		{Category: adjCategory(systemAdjudication, "submitted", "Submitted Amount"), Amount: *usd(c.ChargeCents)},
		{Category: adjCategory(systemAdjudication, "benefit", "Benefit Amount"), Amount: *usd(c.PaidCents)},
		{Category: adjCategory(systemC4BBAdj, "memberliability", "Member liability"), Amount: *usd(c.PatientCents)},
	}
}

func paymentOf(c claims.Claim) *payment {
	if c.Payment == nil {
		return nil
	}
	return &payment{Type: codeable(systemPaymentType, "complete", "Complete"), Date: c.Payment.Date, Amount: *usd(c.Payment.AmountCents),
		Identifier: &identifier{System: "urn:medledger:remittance-trace:" + c.Payer, Value: c.Payment.Trace}}
}

func notes(c claims.Claim) []processNote {
	var out []processNote
	for _, l := range c.Lines {
		if l.Explanation != "" {
			out = append(out, processNote{Number: len(out) + 1, Type: "display", Text: "line " + strconv.Itoa(l.Seq) + ": " + l.Explanation})
		}
	}
	for _, f := range c.Flags {
		out = append(out, processNote{Number: len(out) + 1, Type: "display", Text: "flag " + f.Code + ": " + f.Reason})
	}
	for _, d := range c.Decisions {
		out = append(out, processNote{Number: len(out) + 1, Type: "display", Text: "review by " + d.By + ": " + d.Action + ": " + d.Reason})
	}
	return out
}

func claimRef(id string) *reference { return ref("Claim", SystemClaim, id) }

// ClaimResponseResource renders a claim's adjudication as a FHIR R4
// ClaimResponse: per item, the submitted, eligible (allowed) and benefit
// (paid) amounts and each adjustment (its CARC as reason, its group and
// RARC as extensions), totals, the payment, and the explanations as
// process notes.
func ClaimResponseResource(c claims.Claim) []byte {
	cr := claimResponse{ResourceType: "ClaimResponse", ID: c.ID, Identifier: []identifier{{System: SystemClaim, Value: c.ID}},
		Status: "active", Type: codeable(systemClaimType, "professional", "Professional"), Use: "claim",
		Patient: ref("Patient", SystemPayerMember, c.Member), Created: dateTime(createdOf(c)), Insurer: partyRef(c.Payer),
		Requestor: partyRef(c.Provider), Request: claimRef(c.ID), Outcome: outcomeOf(c), Disposition: disposition(c),
		Total: totals(c), Payment: paymentOf(c), ProcessNote: notes(c)}
	for _, l := range c.Lines {
		cr.Item = append(cr.Item, responseItem{Extension: lineExtensions(l), ItemSequence: l.Seq, Adjudication: lineAdjudication(l)})
	}
	return mustJSON(cr)
}

func createdOf(c claims.Claim) time.Time {
	if c.Adjudicated != nil {
		return c.Adjudicated.Time
	}
	if c.Pended != nil {
		return c.Pended.Time
	}
	return c.Submitted.Time
}

type eobInsurance struct {
	Focal    bool       `json:"focal"`
	Coverage *reference `json:"coverage"`
}

type eobDiagnosis struct {
	Sequence                 int     `json:"sequence"`
	DiagnosisCodeableConcept concept `json:"diagnosisCodeableConcept"`
}

type eobCareTeam struct {
	Sequence int        `json:"sequence"`
	Provider *reference `json:"provider"`
}

type quantity struct {
	Value int64 `json:"value"`
}

type eobItem struct {
	Extension         []claimExtension `json:"extension,omitempty"`
	Sequence          int              `json:"sequence"`
	CareTeamSequence  []int            `json:"careTeamSequence,omitempty"`
	DiagnosisSequence []int            `json:"diagnosisSequence,omitempty"`
	ProductOrService  concept          `json:"productOrService"`
	Modifier          []concept        `json:"modifier,omitempty"`
	ServicedDate      string           `json:"servicedDate,omitempty"`
	Location          *concept         `json:"locationCodeableConcept,omitempty"`
	Quantity          *quantity        `json:"quantity,omitempty"`
	Net               *money           `json:"net,omitempty"`
	Adjudication      []adjudication   `json:"adjudication"`
}

type eob struct {
	ResourceType   string         `json:"resourceType"`
	ID             string         `json:"id"`
	Identifier     []identifier   `json:"identifier"`
	Status         string         `json:"status"`
	Type           concept        `json:"type"`
	Use            string         `json:"use"`
	Patient        *reference     `json:"patient"`
	BillablePeriod *period        `json:"billablePeriod,omitempty"`
	Created        string         `json:"created"`
	Insurer        *reference     `json:"insurer"`
	Provider       *reference     `json:"provider"`
	Claim          *reference     `json:"claim,omitempty"`
	Outcome        string         `json:"outcome"`
	Disposition    string         `json:"disposition,omitempty"`
	CareTeam       []eobCareTeam  `json:"careTeam,omitempty"`
	Diagnosis      []eobDiagnosis `json:"diagnosis,omitempty"`
	Insurance      []eobInsurance `json:"insurance"`
	Item           []eobItem      `json:"item,omitempty"`
	Total          []total        `json:"total,omitempty"`
	Payment        *payment       `json:"payment,omitempty"`
	ProcessNote    []processNote  `json:"processNote,omitempty"`
}

func procedureSystem(code string) string {
	if code != "" && code[0] >= 'A' && code[0] <= 'Z' {
		return systemHCPCS
	}
	return systemCPT
}

// ExplanationOfBenefitResource renders a claim as the FHIR R4
// ExplanationOfBenefit the patient and the payer read: the services
// billed (codes, modifiers, diagnoses, dates, units, charges) with each
// one's adjudication, as in ClaimResponseResource.
func ExplanationOfBenefitResource(c claims.Claim) []byte {
	e := eob{ResourceType: "ExplanationOfBenefit", ID: c.ID, Identifier: []identifier{{System: SystemClaim, Value: c.ID}},
		Status: "active", Type: codeable(systemClaimType, "professional", "Professional"), Use: "claim",
		Patient: ref("Patient", SystemPayerMember, c.Member), Created: dateTime(createdOf(c)), Insurer: partyRef(c.Payer),
		Provider: partyRef(c.Provider), Claim: claimRef(c.ID), Outcome: outcomeOf(c), Disposition: disposition(c),
		CareTeam:  []eobCareTeam{{Sequence: 1, Provider: partyRef(c.Rendering)}},
		Insurance: []eobInsurance{{Focal: true, Coverage: &reference{Type: "Coverage", Identifier: &identifier{System: SystemPayerMember, Value: c.Member}, Display: "coverage of the member by " + c.Payer}}},
		Total:     totals(c), Payment: paymentOf(c), ProcessNote: notes(c)}
	first, last := "", ""
	for i, d := range c.Diagnoses {
		e.Diagnosis = append(e.Diagnosis, eobDiagnosis{Sequence: i + 1, DiagnosisCodeableConcept: codeable(systemICD10CM, d, "")})
	}
	for _, l := range c.Lines {
		it := eobItem{Extension: lineExtensions(l), Sequence: l.Seq, CareTeamSequence: []int{1}, DiagnosisSequence: l.Pointers,
			ProductOrService: codeable(procedureSystem(l.Code), l.Code, ""), ServicedDate: l.Date, Quantity: &quantity{Value: l.Units},
			Net: usd(l.ChargeCents), Adjudication: lineAdjudication(l)}
		for _, m := range l.Modifiers {
			it.Modifier = append(it.Modifier, codeable(systemCPT+"/modifier", m, ""))
		}
		if l.Place != "" {
			loc := codeable(systemPlaceOfService, l.Place, "")
			it.Location = &loc
		}
		e.Item = append(e.Item, it)
		if first == "" || l.Date < first {
			first = l.Date
		}
		if l.Date > last {
			last = l.Date
		}
	}
	if first != "" {
		e.BillablePeriod = &period{Start: first, End: last}
	}
	return mustJSON(e)
}

// claimResources are the claims views in the CapabilityStatement.
func claimResources() []capResource {
	signedRead := " (a request signed with RFC 9421 by a party to the claim: its payer, its provider, or the patient under their pseudonym for the payer)"
	return []capResource{
		{
			Type:          "ClaimResponse",
			Documentation: "A claim's adjudication in the block that submitted it: per item the submitted, eligible and benefit amounts and each adjustment, its CARC as reason and its X12 group and RARC as extensions.",
			Interaction:   []capInteraction{{Code: "read", Documentation: "GET /fhir/ClaimResponse/{id}, the claim id clm-N" + signedRead}},
		},
		{
			Type:          "ExplanationOfBenefit",
			Documentation: "A claim as its patient and payer read it: the services billed and how each was adjudicated. The patient is their pseudonym for the payer (psn-...).",
			Interaction: []capInteraction{{Code: "read", Documentation: "GET /fhir/ExplanationOfBenefit/{id}" + signedRead},
				{Code: "search-type", Documentation: "GET /fhir/ExplanationOfBenefit?patient={member id}, by the patient under that pseudonym or the payer (signed request)"}},
			SearchParam: []capSearchParam{{Name: "patient", Definition: "http://hl7.org/fhir/SearchParameter/ExplanationOfBenefit-patient", Type: "reference",
				Documentation: "the member id: the patient's pseudonym for the payer"}},
		},
	}
}
