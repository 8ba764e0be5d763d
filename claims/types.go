package claims

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medledger/medledger"
)

// Limits of what a transaction may carry.
const (
	MaxLines      = 50  // lines of one claim
	MaxDiagnoses  = 12  // diagnosis codes of one claim
	MaxModifiers  = 4   // modifiers of one line
	MaxPointers   = 4   // diagnosis pointers of one line
	MaxUnits      = 999 // units of one line
	MaxCharge     = 100_000_000_00
	MaxPlans      = 20
	MaxRules      = 300
	MaxEdits      = 50
	MaxRuleCodes  = 500
	MaxTimedCodes = 200
	MaxPairs      = 500
	MaxExpr       = 2_000 // bytes of one CEL expression
	// MaxHistory is how many past services of a member the chain keeps
	// for rules to look at (the most recent by date of service), within
	// HistoryDays before the newest.
	MaxHistory  = 256
	HistoryDays = 730
	maxID       = 64
	// maxRendering is the longest rendering clinician: a member id,
	// org/name (package identity's limit).
	maxRendering = 128
	// maxStatus is the longest line status a past service has.
	maxStatus    = 8
	maxText      = 300
	maxTrace     = 50
	maxPayClaims = 500
	maxAttach    = 10
)

// Claim statuses: submitted -> adjudicated | pended -> paid. A claim is
// adjudicated in the block that submits it; "submitted" is its first
// timestamp only.
const (
	StatusSubmitted   = "submitted"
	StatusAdjudicated = "adjudicated"
	StatusPended      = "pended"
	StatusPaid        = "paid"
)

// Statuses lists the claim statuses a list can filter on.
var Statuses = []string{StatusAdjudicated, StatusPended, StatusPaid}

// Line statuses.
const (
	LinePaid    = "paid"    // covered: the plan pays the allowed amount less the patient's share (which may be all of it)
	LinePartial = "partial" // covered in part: some units are over a limit
	LineDenied  = "denied"  // not paid: a denial reason names why
	LinePended  = "pended"  // held for a person's review (a flag)
)

// Prior authorization statuses.
const (
	AuthRequested = "requested"
	AuthApproved  = "approved"
	AuthDenied    = "denied"
)

// Review actions.
const (
	ActionApprove = "approve"
	ActionDeny    = "deny"
)

// Expr is a CEL expression in a policy: in JSON a string, or a whole
// number (which is the same expression: 9500 and "9500").
type Expr string

// UnmarshalJSON accepts a string or an integer.
func (e *Expr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = Expr(s)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return ErrPolicy.New("an expression is a CEL string or a whole number, not %s", medledger.Quote(string(b)))
	}
	*e = Expr(strconv.FormatInt(n, 10))
	return nil
}

// Policy is a payer's coverage policy: a versioned document of rules. It
// is public to the consortium (the network's providers see the rules they
// are paid by). Amounts are integer cents; expressions are CEL (see
// rules.go for what they see and may use).
type Policy struct {
	Version uint64 `json:"version"`
	// EffectiveFrom is the first date of service the policy judges.
	EffectiveFrom string `json:"effective_from"`
	// EffectiveHeight is the first block height at which the policy is in
	// force; 0 is the block after the one that publishes it.
	EffectiveHeight int64  `json:"effective_height,omitempty"`
	Plans           []Plan `json:"plans"`
	Rules           []Rule `json:"rules"`
	// Edits deny or flag lines that a coverage rule would pay.
	Edits []Edit `json:"edits,omitempty"`
	// TimedCodes are codes billed by time: the minutes one unit stands
	// for. More timed minutes for one rendering clinician on one day than
	// MaxMinutesPerDay (default 1440, the minutes in a day) flags the
	// line ("impossible-day").
	TimedCodes       []TimedCode `json:"timed_codes,omitempty"`
	MaxMinutesPerDay int64       `json:"max_minutes_per_day,omitempty"`
	// Unbundle lists code pairs: Code billed for a member on a day when
	// With was billed too, by the same provider, flags the line
	// ("unbundling": With's payment includes Code's).
	Unbundle []CodePair `json:"unbundle,omitempty"`
}

// Plan is a benefit plan a member is enrolled in.
type Plan struct {
	ID string `json:"id"`
	// DeductibleCents is what the member pays per coverage period before
	// the plan pays for services that apply to the deductible.
	DeductibleCents int64 `json:"deductible_cents"`
	// OutOfPocketMaxCents caps what the member pays per coverage period
	// (deductible, coinsurance and copays); 0 is no cap.
	OutOfPocketMaxCents int64 `json:"out_of_pocket_max_cents,omitempty"`
}

// Rule is a coverage rule: which services it covers, what it requires and
// what it allows. A line is judged by the first rule that lists its code
// and whose When holds; no rule: CO-204.
type Rule struct {
	ID          string   `json:"id"`
	Description string   `json:"description,omitempty"`
	Codes       []string `json:"codes"`
	// Plans limits the rule to members of these plans; empty: every plan.
	Plans []string `json:"plans,omitempty"`
	// When (bool) narrows which lines the rule covers (modifiers, place of
	// service); empty: every line of its codes.
	When Expr `json:"when,omitempty"`
	// Diagnoses (bool) says whether the line's diagnoses support the
	// procedure; false: CO-11.
	Diagnoses Expr `json:"diagnoses,omitempty"`
	// Allowed (int) is the allowed amount in cents for the line's covered
	// units (variable units); the plan never allows more than the charge.
	Allowed Expr `json:"allowed"`
	// Deductible: the allowed amount applies to the deductible first.
	Deductible bool `json:"deductible,omitempty"`
	// Copay (int, cents) is the fixed amount the member pays for the line.
	Copay Expr `json:"copay,omitempty"`
	// Coinsurance (int, percent 0 to 100) is the member's share of what
	// remains after deductible and copay.
	Coinsurance Expr `json:"coinsurance,omitempty"`
	// PriorAuth: the line needs a prior authorization in force on its
	// date of service; none: CO-197.
	PriorAuth bool `json:"prior_auth,omitempty"`
	// AutoApprove (bool) decides a prior authorization request for the
	// rule's codes without a person; false or empty: an adjudicator
	// decides.
	AutoApprove Expr `json:"auto_approve,omitempty"`
	// Limit is a benefit maximum: at most Units units of the rule's codes
	// per member within Days days; more: CO-119.
	Limit *Limit `json:"limit,omitempty"`
}

// Limit is a frequency limit.
type Limit struct {
	Units int64 `json:"units"`
	Days  int64 `json:"days"`
}

// Edit denies or flags a line that its condition holds for.
type Edit struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	// When (bool) is the condition.
	When Expr `json:"when"`
	// Action is "flag" (the claim is pended for review) or "deny" (the
	// line is denied with Group-CARC and RARC).
	Action string `json:"action"`
	Group  string `json:"group,omitempty"`
	CARC   string `json:"carc,omitempty"`
	RARC   string `json:"rarc,omitempty"`
}

// Edit actions.
const (
	EditFlag = "flag"
	EditDeny = "deny"
)

// TimedCode is a code billed by time.
type TimedCode struct {
	Code    string `json:"code"`
	Minutes int64  `json:"minutes"`
}

// CodePair is a pair of codes that are not billed together.
type CodePair struct {
	Code string `json:"code"`
	With string `json:"with"`
}

// PolicyRecord is a published policy as the chain keeps it.
type PolicyRecord struct {
	Payer  string    `json:"payer"`
	Policy Policy    `json:"policy"`
	Digest string    `json:"digest"` // SHA-256 of the published JSON, hex
	By     string    `json:"by"`
	Height int64     `json:"height"` // the block that published it
	Time   time.Time `json:"time"`
	// InForce is the first height at which it is in force.
	InForce int64 `json:"in_force"`
}

// Coverage is one period of a member's enrolment in a plan, with its
// accumulators.
type Coverage struct {
	Plan string `json:"plan"`
	From string `json:"from"`
	To   string `json:"to"`
	// DeductibleMetCents is what the member paid toward the deductible in
	// this period; it never exceeds the plan's deductible.
	DeductibleMetCents int64 `json:"deductible_met_cents"`
	// OutOfPocketCents is what the member paid in this period.
	OutOfPocketCents int64 `json:"out_of_pocket_cents"`
}

// Service is one past service of a member, as rules see it (history).
type Service struct {
	Claim     string   `json:"claim"`
	Seq       int      `json:"seq"`
	Code      string   `json:"code"`
	Modifiers []string `json:"modifiers,omitempty"`
	Date      string   `json:"date"`
	Units     int64    `json:"units"`
	Provider  string   `json:"provider"`
	Rendering string   `json:"rendering"`
	Status    string   `json:"status"`
	PaidCents int64    `json:"paid_cents"`
}

// Member is a payer's member: a pseudonym that holds for this payer only
// (context "claims/<payer>"), never a patient id.
type Member struct {
	ID         string     `json:"id"` // psn-...
	Payer      string     `json:"payer"`
	Coverage   []Coverage `json:"coverage"`
	History    []Service  `json:"history"`
	EnrolledBy string     `json:"enrolled_by"`
	Height     int64      `json:"height"`

	// facts are History's facts as rules see them, kept with the member in
	// the memo (loadMember), so that they are computed once for each
	// version of a member, not at each of its reads. Nil otherwise;
	// historyFacts checks that they still match History's length, and
	// whoever replaces History sets them to nil.
	facts []ServiceFacts
}

// historyFacts are the facts of m's history.
func (m *Member) historyFacts() []ServiceFacts {
	if m.facts != nil && len(m.facts) == len(m.History) {
		return m.facts
	}
	return historyFactsSlice(m.History)
}

// LineIn is a claim line as the provider sends it.
type LineIn struct {
	Code      string   `json:"code"`                // HCPCS or CPT procedure code
	Modifiers []string `json:"modifiers,omitempty"` // two-character modifiers
	// Pointers are 1-based indexes into the claim's diagnoses.
	Pointers    []int  `json:"diagnosis_pointers"`
	Units       int64  `json:"units"`
	ChargeCents int64  `json:"charge_cents"`
	Date        string `json:"date"`            // date of service, YYYY-MM-DD
	Place       string `json:"place,omitempty"` // place-of-service code, two digits
}

// Adjustment is one part of a line's charge that was not paid, with who
// bears it and why.
type Adjustment struct {
	Group       string `json:"group"`
	CARC        string `json:"carc"`
	RARC        string `json:"rarc,omitempty"`
	AmountCents int64  `json:"amount_cents"`
}

// Fact is one value a rule saw, for the explanation of a decision.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is how a line was adjudicated. For every line, PaidCents +
// PatientCents + the CO, OA and PI adjustments = ChargeCents, and
// PatientCents is the sum of the PR adjustments.
type Result struct {
	Status       string       `json:"status"`
	AllowedCents int64        `json:"allowed_cents"`
	PaidCents    int64        `json:"paid_cents"`
	PatientCents int64        `json:"patient_cents"`
	Adjustments  []Adjustment `json:"adjustments"`
	// Rule is the rule that decided: a coverage rule's or an edit's id,
	// or the chain's own check ("duplicate", "eligibility", "licence",
	// "no-rule", "impossible-day", "unbundling").
	Rule   string `json:"rule"`
	Policy uint64 `json:"policy,omitempty"` // the version that judged it
	// Explanation says in words what decided, and Saw the values it saw.
	Explanation string `json:"explanation"`
	Saw         []Fact `json:"saw,omitempty"`
}

// Line is a claim line and its result.
type Line struct {
	Seq int `json:"seq"`
	LineIn
	Result
}

// Flag sends a claim to review: by a policy's edit or built-in check at
// adjudication, or by the payer's scorer.
type Flag struct {
	Code   string `json:"code"`           // "impossible-day", "unbundling", an edit id, "peer-outlier"
	Line   int    `json:"line,omitempty"` // the line's seq; 0 for the whole claim
	Reason string `json:"reason"`
	Facts  []Fact `json:"facts,omitempty"`
	By     string `json:"by"` // "policy" or the member who flagged
	Height int64  `json:"height"`
}

// Decision is a person's (or a policy rule's) signed decision.
type Decision struct {
	Action string    `json:"action"` // approve or deny
	Reason string    `json:"reason"`
	Group  string    `json:"group,omitempty"`
	CARC   string    `json:"carc,omitempty"`
	By     string    `json:"by"` // a member id, or "policy:<rule id>"
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
}

// Stamp is when something happened on the chain.
type Stamp struct {
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
}

// Attachment is a document of a claim kept in the provider's vault: its
// salted digest and the vault's reference.
type Attachment struct {
	Digest string `json:"digest"`
	Ref    string `json:"ref,omitempty"`
}

// Payment is the remittance of one claim.
type Payment struct {
	Trace       string `json:"trace"`
	AmountCents int64  `json:"amount_cents"`
	Date        string `json:"date"`
	By          string `json:"by"`
}

// Claim is a submitted claim with its adjudication.
type Claim struct {
	ID          string       `json:"id"`
	Payer       string       `json:"payer"`
	Member      string       `json:"member"`
	Provider    string       `json:"provider"`
	Rendering   string       `json:"rendering"`
	Submitter   string       `json:"submitter"`
	Diagnoses   []string     `json:"diagnoses"`
	Lines       []Line       `json:"lines"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Status      string       `json:"status"`
	Flags       []Flag       `json:"flags,omitempty"`
	Decisions   []Decision   `json:"decisions,omitempty"`
	Payment     *Payment     `json:"payment,omitempty"`
	Submitted   Stamp        `json:"submitted"`
	Adjudicated *Stamp       `json:"adjudicated,omitempty"`
	Pended      *Stamp       `json:"pended,omitempty"`
	Paid        *Stamp       `json:"paid,omitempty"`
	// Totals over the lines.
	ChargeCents  int64 `json:"charge_cents"`
	PaidCents    int64 `json:"paid_cents"`
	PatientCents int64 `json:"patient_cents"`
}

// PriorAuth is a prior authorization: a provider's request to the payer
// for codes for a member over a period, and its decision.
type PriorAuth struct {
	ID          string    `json:"id"` // pa-N
	Payer       string    `json:"payer"`
	Member      string    `json:"member"`
	Provider    string    `json:"provider"`
	RequestedBy string    `json:"requested_by"`
	Codes       []string  `json:"codes"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Status      string    `json:"status"`
	Number      string    `json:"number,omitempty"` // the authorization number, once approved
	Decision    *Decision `json:"decision,omitempty"`
	Requested   Stamp     `json:"requested"`
}

// Remittance is a payment run: what a payer paid, per claim, under one
// trace number (the check or transfer's number).
type Remittance struct {
	Payer  string       `json:"payer"`
	Trace  string       `json:"trace"`
	Date   string       `json:"date"`
	By     string       `json:"by"`
	Claims []RemitClaim `json:"claims"`
	Total  int64        `json:"total_cents"`
	Height int64        `json:"height"`
}

// RemitClaim is one claim of a remittance.
type RemitClaim struct {
	Claim       string `json:"claim"`
	Provider    string `json:"provider"`
	AmountCents int64  `json:"amount_cents"`
}

// Stats counts a payer's claims by status, and what was charged and paid:
// what others than the parties to a claim may read of them.
type Stats struct {
	Payer       string `json:"payer"`
	Claims      int64  `json:"claims"`
	Adjudicated int64  `json:"adjudicated"`
	Pended      int64  `json:"pended"`
	Paid        int64  `json:"paid"`
	Lines       int64  `json:"lines"`
}

// --- value rules ---

// ParseDate parses a date YYYY-MM-DD (UTC midnight), years 1900 to 2999.
func ParseDate(s string) (time.Time, bool) {
	d, ok := DayNumber(s)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(d*86400, 0).UTC(), true
}

// DayNumber is the number of days from 1970-01-01 to date d (YYYY-MM-DD,
// years 1900 to 2999), as rules see dates; ok is false for a malformed
// date or one that does not exist (2025-02-29). Integer arithmetic only
// (the proleptic Gregorian calendar's days from civil): it runs for every
// line and past service a rule looks at.
func DayNumber(d string) (int64, bool) {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return 0, false
	}
	num := func(s string) (int64, bool) {
		var n int64
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int64(s[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(d[:4])
	m, ok2 := num(d[5:7])
	day, ok3 := num(d[8:])
	if !ok1 || !ok2 || !ok3 || y < 1900 || y > 2999 || m < 1 || m > 12 || day < 1 || day > daysIn(y, m) {
		return 0, false
	}
	// days from civil (H. Hinnant), for years after 0
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func checkDate(field, s string) error {
	if _, ok := ParseDate(s); !ok {
		return ErrInvalid.New("%s %s is not a date YYYY-MM-DD", field, medledger.Quote(s))
	}
	return nil
}

// validProcedure reports whether s is a HCPCS or CPT code: 5 characters of
// capital letters and digits (99213, J3490, 0001F).
func validProcedure(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isUpperDigit(s[i]) {
			return false
		}
	}
	return true
}

// validModifier reports whether s is a procedure modifier: 2 capital
// letters or digits (25, LT, 59).
func validModifier(s string) bool {
	return len(s) == 2 && isUpperDigit(s[0]) && isUpperDigit(s[1])
}

// validDiagnosis reports whether s is an ICD-10-CM code with its dot: a
// letter, a digit, a letter or digit, then optionally '.' and 1 to 4
// letters or digits (E11.9, I10, S72.001A).
func validDiagnosis(s string) bool {
	if len(s) < 3 || len(s) > 8 {
		return false
	}
	if s[0] < 'A' || s[0] > 'Z' || s[1] < '0' || s[1] > '9' || !isUpperDigit(s[2]) {
		return false
	}
	if len(s) == 3 {
		return true
	}
	if s[3] != '.' || len(s) == 4 {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isUpperDigit(s[i]) {
			return false
		}
	}
	return true
}

func isUpperDigit(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// validID reports whether s is an id of a plan, rule or edit: 1 to 64
// lowercase letters, digits, '-', '_' or '.'.
func validID(s string) bool {
	if len(s) == 0 || len(s) > maxID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// validText checks a short text (a reason, a description): printable,
// one line, at most maxText bytes. Texts are about rules and decisions,
// never about a patient.
func validText(field, s string, required bool) error {
	if s == "" {
		if required {
			return ErrInvalid.New("%s is required", field)
		}
		return nil
	}
	if len(s) > maxText || !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\t") {
		return ErrInvalid.New("%s must be one line of at most %d bytes of text", field, maxText)
	}
	return nil
}

// Validate checks a claim line's fields against the claim's number of
// diagnoses.
func (l LineIn) Validate(seq, diagnoses int) error {
	where := "line " + strconv.Itoa(seq)
	if !validProcedure(l.Code) {
		return ErrInvalid.New("%s: code %s is not a HCPCS or CPT code (5 capital letters or digits, e.g. 99213)", where, medledger.Quote(l.Code))
	}
	if len(l.Modifiers) > MaxModifiers {
		return ErrInvalid.New("%s: at most %d modifiers, not %d", where, MaxModifiers, len(l.Modifiers))
	}
	for i, m := range l.Modifiers {
		if !validModifier(m) {
			return ErrInvalid.New("%s: modifier %s is not 2 capital letters or digits (e.g. 25)", where, medledger.Quote(m))
		}
		for _, p := range l.Modifiers[:i] {
			if p == m {
				return ErrInvalid.New("%s: modifier %s is given twice", where, m)
			}
		}
	}
	if len(l.Pointers) == 0 || len(l.Pointers) > MaxPointers {
		return ErrInvalid.New("%s: give 1 to %d diagnosis pointers, not %d", where, MaxPointers, len(l.Pointers))
	}
	for _, p := range l.Pointers {
		if p < 1 || p > diagnoses {
			return ErrInvalid.New("%s: diagnosis pointer %d is outside 1 to %d (the claim's diagnoses)", where, p, diagnoses)
		}
	}
	if l.Units < 1 || l.Units > MaxUnits {
		return ErrInvalid.New("%s: units %d is outside 1 to %d", where, l.Units, MaxUnits)
	}
	if l.ChargeCents < 0 || l.ChargeCents > MaxCharge {
		return ErrInvalid.New("%s: charge_cents %d is outside 0 to %d", where, l.ChargeCents, MaxCharge)
	}
	if err := checkDate(where+": date", l.Date); err != nil {
		return err
	}
	if l.Place != "" && (len(l.Place) != 2 || l.Place[0] < '0' || l.Place[0] > '9' || l.Place[1] < '0' || l.Place[1] > '9') {
		return ErrInvalid.New("%s: place %s is not a two-digit place-of-service code (e.g. 11, an office)", where, medledger.Quote(l.Place))
	}
	return nil
}
