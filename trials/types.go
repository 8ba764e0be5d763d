package trials

import (
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medledger/medledger"
)

// Limits of what a transaction may carry.
const (
	MaxSites    = 50
	MaxOutcomes = 100
	// MaxBatchRecords is the most data records one batch anchors.
	MaxBatchRecords = 100_000
	// MaxBatchSubjects is the most subjects one batch names.
	MaxBatchSubjects = 10_000
	MaxEnrolment     = 10_000_000
	maxTitle         = 300
	maxMeasure       = 500
	maxTimeFrame     = 200
	maxSummary       = 2_000
	maxRef           = 200
)

// Phases a trial may declare.
var Phases = []string{"0", "1", "1/2", "2", "2/3", "3", "4", "n/a"}

// Outcome kinds.
const (
	Primary   = "primary"
	Secondary = "secondary"
)

// Subject statuses.
const (
	SubjectEnrolled  = "enrolled"  // enrolled by a site, no consent yet
	SubjectConsented = "consented" // consented to a protocol version
	SubjectWithdrawn = "withdrawn"
)

// Switch changes.
const (
	SwitchAdded   = "added"
	SwitchRemoved = "removed"
	SwitchChanged = "changed"
)

// SiteKinds are the kinds of organization that may be a trial's site.
var SiteKinds = []string{"hospital", "clinic"}

// Outcome is a pre-declared outcome measure: public, its whole text on
// chain.
type Outcome struct {
	Code      string `json:"code"`
	Kind      string `json:"kind"` // primary or secondary
	Measure   string `json:"measure"`
	TimeFrame string `json:"time_frame"`
}

// Validate checks one outcome.
func (o Outcome) Validate() error {
	if !validCode(o.Code) {
		return ErrInvalid.New("outcome code %s must be 1 to 32 letters, digits, '.', '_' or '-'", medledger.Quote(o.Code))
	}
	if o.Kind != Primary && o.Kind != Secondary {
		return ErrInvalid.New("outcome %s: kind %s must be primary or secondary", o.Code, medledger.Quote(o.Kind))
	}
	if err := validText("outcome "+o.Code+" measure", o.Measure, maxMeasure); err != nil {
		return err
	}
	return validText("outcome "+o.Code+" time_frame", o.TimeFrame, maxTimeFrame)
}

// CheckOutcomes checks a trial's outcome list: 1 to MaxOutcomes, codes
// unique, at least one primary.
func CheckOutcomes(list []Outcome) error {
	if len(list) == 0 || len(list) > MaxOutcomes {
		return ErrInvalid.New("a trial declares 1 to %d outcomes, not %d", MaxOutcomes, len(list))
	}
	primary := false
	seen := map[string]bool{}
	for _, o := range list {
		if err := o.Validate(); err != nil {
			return err
		}
		if seen[o.Code] {
			return ErrInvalid.New("outcome code %s is declared twice", o.Code)
		}
		seen[o.Code] = true
		primary = primary || o.Kind == Primary
	}
	if !primary {
		return ErrInvalid.New("a trial declares at least one primary outcome")
	}
	return nil
}

// Document names a document kept off the chain, in a vault: its salted
// digest (hex SHA-256 HMAC, see package vault) and the vault's reference.
type Document struct {
	Digest string `json:"digest"`
	Ref    string `json:"ref,omitempty"`
}

func (d Document) validate(what string, required bool) error {
	if d.Digest == "" && d.Ref == "" && !required {
		return nil
	}
	if !validHex32(d.Digest) {
		return ErrInvalid.New("%s digest %s is not 64 lowercase hex characters", what, medledger.Quote(d.Digest))
	}
	if len(d.Ref) > maxRef || strings.ContainsAny(d.Ref, "\n\r") {
		return ErrInvalid.New("%s ref must be at most %d characters on one line", what, maxRef)
	}
	return nil
}

// Trial is a registered trial.
type Trial struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Phase     string    `json:"phase"`
	Sponsor   string    `json:"sponsor"` // organization
	Sites     []string  `json:"sites"`
	Enrolment int       `json:"enrolment"` // planned
	Outcomes  []Outcome `json:"outcomes"`  // as declared by the current version
	Version   uint64    `json:"version"`   // current protocol version, from 1
	// RequiredVersion is the oldest version a participant's consent may be
	// to for their data to be accepted: raised by an amendment with
	// re-consent.
	RequiredVersion uint64    `json:"required_version"`
	Registrar       string    `json:"registrar"`
	Height          int64     `json:"height"`
	Time            time.Time `json:"time"`
	// FirstEnrolment is the height of the first enrolment; 0 before. An
	// outcome change from then on is a switch.
	FirstEnrolment int64  `json:"first_enrolment,omitempty"`
	Subjects       uint64 `json:"subjects"`
	Withdrawn      uint64 `json:"withdrawn"`
	Batches        uint64 `json:"batches"`
	Records        uint64 `json:"records"`
	Switches       uint64 `json:"switches"`
}

// Site reports whether org is one of the trial's sites.
func (t Trial) Site(org string) bool { return slices.Contains(t.Sites, org) }

// Declared returns the declared outcome of code, if any.
func (t Trial) Declared(code string) (Outcome, bool) {
	for _, o := range t.Outcomes {
		if o.Code == code {
			return o, true
		}
	}
	return Outcome{}, false
}

// Version is one protocol version.
type Version struct {
	Trial     string   `json:"trial"`
	N         uint64   `json:"version"`
	Protocol  Document `json:"protocol"`
	Reconsent bool     `json:"reconsent,omitempty"`
	// OutcomesChanged says this version declared a new outcome list.
	OutcomesChanged bool      `json:"outcomes_changed,omitempty"`
	By              string    `json:"by"`
	Height          int64     `json:"height"`
	Time            time.Time `json:"time"`
}

// Switch is an outcome added, removed or changed after the first
// enrolment.
type Switch struct {
	Trial   string   `json:"trial"`
	Seq     uint64   `json:"seq"`
	Outcome string   `json:"outcome"`
	Change  string   `json:"change"` // added, removed or changed
	Old     *Outcome `json:"old,omitempty"`
	New     *Outcome `json:"new,omitempty"`
	Version uint64   `json:"version"`
	Height  int64    `json:"height"`
}

// ConsentEvent is one consent of a subject.
type ConsentEvent struct {
	Version uint64 `json:"version"`
	Form    string `json:"form,omitempty"` // salted digest of the consent form seen
	Height  int64  `json:"height"`
}

// Subject is a participant of a trial, known only by a pseudonym.
type Subject struct {
	ID         string         `json:"id"` // a pseudonym (psn-...) for this trial only
	Trial      string         `json:"trial"`
	Site       string         `json:"site"`
	EnrolledBy string         `json:"enrolled_by"`
	Enrolled   int64          `json:"enrolled"` // height
	Status     string         `json:"status"`
	Consents   []ConsentEvent `json:"consents,omitempty"`
	// Withdrawal, if the subject withdrew: its height, and whether the
	// data collected so far must be removed from every later export.
	WithdrawnAt int64 `json:"withdrawn_at,omitempty"`
	RemoveData  bool  `json:"remove_data,omitempty"`
}

// ConsentedAt is the version of the subject's latest consent given at or
// before height h, and whether they had consented and not withdrawn before
// h. (Within one block the chain applies transactions in order, so data
// anchored at h was checked against the consents and withdrawals before
// it; a withdrawal at h itself may have come after.)
func (s Subject) ConsentedAt(h int64) (uint64, bool) {
	if s.WithdrawnAt > 0 && s.WithdrawnAt < h {
		return 0, false
	}
	var v uint64
	ok := false
	for _, c := range s.Consents {
		if c.Height <= h {
			v, ok = c.Version, true
		}
	}
	return v, ok
}

// Batch is one anchored batch of case-report data: the RFC 6962 Merkle
// root of its records (package trials/dataset says how a record is hashed)
// and the subjects whose records it holds.
type Batch struct {
	Trial    string    `json:"trial"`
	Seq      uint64    `json:"seq"`
	Root     string    `json:"root"` // hex
	Count    int       `json:"count"`
	Subjects []string  `json:"subjects"`
	Site     string    `json:"site"`
	By       string    `json:"by"`
	Ref      string    `json:"ref,omitempty"` // the site vault's reference
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
}

// Result is the sponsor's result for one outcome.
type Result struct {
	Trial   string `json:"trial"`
	Outcome string `json:"outcome"`
	Summary string `json:"summary"`
	// Declared says the outcome was declared (in the version current when
	// the result was posted); a result for an undeclared outcome is shown
	// as such.
	Declared bool      `json:"declared"`
	By       string    `json:"by"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
}

// ValidTrialID reports whether id may name a trial: 3 to 32 letters,
// digits and '-', starting with a letter or digit (an NCT number such as
// NCT01234567 fits).
func ValidTrialID(id string) bool {
	if len(id) < 3 || len(id) > 32 || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validCode(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validHex32(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// validText checks a public, human-written field: 1 to max characters of
// valid UTF-8 without control characters.
func validText(what, s string, max int) error {
	if s == "" {
		return ErrInvalid.New("%s is empty", what)
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return ErrInvalid.New("%s must be 1 to %d characters of UTF-8", what, max)
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return ErrInvalid.New("%s has a control character", what)
		}
	}
	return nil
}
