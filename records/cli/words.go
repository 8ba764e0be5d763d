package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/records"
)

// purposeWords say in plain words what each purpose of use means (the HL7
// v3 PurposeOfUse codes of records.Purposes), for the clinicians and
// patients who meet the codes in --purpose and in listings.
var purposeWords = map[string]string{
	records.PurposeTreatment:          "treatment: caring for the patient",
	records.PurposeEmergencyTreatment: "emergency treatment: care needed at once (the default when breaking glass)",
	records.PurposePayment:            "payment: billing, claims and coverage for care given",
	records.PurposeOperations:         "healthcare operations: quality review, audits, training, running the practice",
	records.PurposeResearch:           "research: scientific studies",
}

// breakGlassWords say in plain words when each break-glass reason applies.
var breakGlassWords = map[string]string{
	"unconscious-patient": "the patient is unconscious and cannot be asked",
	"life-threatening":    "the patient's life is at risk and there is no time to ask",
	"unable-to-consent":   "the patient is awake but cannot give consent (confused, sedated, in shock)",
	"other-emergency":     "another emergency: be ready to explain it at review",
}

// purposeTable and breakGlassTable list the codes with their words, one a
// line, for help texts.
var (
	purposeTable    = table(records.Purposes, purposeWords)
	breakGlassTable = table(records.BreakGlassReasons, breakGlassWords)
)

func table(codes []string, words map[string]string) string {
	width := 0
	for _, c := range codes {
		width = max(width, len(c))
	}
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  %-*s  %s", width, c, words[c])
	}
	return b.String()
}

// purposeList is the purposes with a word each, for a flag's usage:
// "TREAT (treatment), ETREAT (emergency treatment), ...".
func purposeList() string {
	parts := make([]string, len(records.Purposes))
	for i, p := range records.Purposes {
		word, _, _ := strings.Cut(purposeWords[p], ":")
		parts[i] = p + " (" + word + ")"
	}
	return strings.Join(parts, ", ")
}

// identityWords say in plain words an event of the patient's identity on
// their log.
func identityWords(e *records.IdentityEvent) string {
	switch e.Event {
	case app.PatientKeyRotated:
		return "a new key is in force: " + e.KeyID
	case app.PatientGuardiansSet:
		return fmt.Sprintf("guardians %s; %d of them must agree", strings.Join(e.Guardians, ", "), e.Threshold)
	case app.PatientRecoveryRequested:
		return fmt.Sprintf("%s asks to move the identity to key %s (%s); %d of %d guardians agree so far", e.Actor, e.KeyID, e.Recovery, e.Approvals, e.Threshold)
	case app.PatientRecoveryApproved:
		if !e.Due.IsZero() {
			return fmt.Sprintf("%s approved %s (%d of %d): it takes effect at %s unless the patient's key cancels it", e.Actor, e.Recovery, e.Approvals, e.Threshold, e.Due.Format(time.RFC3339))
		}
		return fmt.Sprintf("%s approved %s (%d of %d)", e.Actor, e.Recovery, e.Approvals, e.Threshold)
	case app.PatientRecoveryCancelled:
		return fmt.Sprintf("%s cancelled (%s)", e.Recovery, e.Reason)
	case app.PatientRecoveryCompleted:
		return fmt.Sprintf("%s took effect: key %s is in force, the old key is refused", e.Recovery, e.KeyID)
	case app.PatientFreezeRequested:
		return fmt.Sprintf("%s asks to freeze the identity (%d of %d guardians)", e.Actor, e.Approvals, e.Threshold)
	case app.PatientFrozen:
		return "frozen (by the " + e.Reason + "): no new access, no reads under consent, no erasure until a new key is in force"
	case app.PatientUnfrozen:
		return "no longer frozen (" + e.Reason + ")"
	case app.PatientGuardiansRead:
		what := "the guardians and recoveries"
		if e.Recovery != "" {
			what = e.Recovery
		}
		return fmt.Sprintf("%s asked to read %s: %s", e.Actor, what, e.Reason)
	}
	return e.Event
}
