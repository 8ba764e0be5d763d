package cli

import (
	"fmt"
	"strings"

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
