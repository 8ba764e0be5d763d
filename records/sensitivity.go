// Sensitive records: HL7 confidentiality R (restricted) with a sensitivity
// from HL7 v3 ActCode (mental health, substance use, sexual and
// reproductive health, HIV), whose category the chain MUST NOT show.

package records

import "slices"

// ConfidentialityRestricted is HL7 v3 Confidentiality R: a record with a
// sensitivity, which only the patient and its custodian know.
const ConfidentialityRestricted = "R"

// CategoryRestricted is the category a sensitive record has on chain, in
// place of its real one.
const CategoryRestricted = "restricted"

// Sensitivities are the HL7 v3 ActCode information sensitivity codes a
// custodian marks a record with (records add --sensitivity, or a
// document's meta.security).
var Sensitivities = []string{
	"PSY", // psychiatry information sensitivity (mental health)
	"ETH", // substance abuse information sensitivity
	"SUD", // substance use disorder information sensitivity
	"SEX", // sexuality and reproductive health information sensitivity
	"STD", // sexually transmitted disease information sensitivity
	"HIV", // HIV/AIDS information sensitivity
}

// ValidSensitivity reports whether code is one of Sensitivities.
func ValidSensitivity(code string) bool { return slices.Contains(Sensitivities, code) }

// A sensitivity tag is what the chain holds of a sensitive record's
// category: 64 lowercase hex characters, an HMAC that only the custodian
// computes (from its own secret, the patient and the code: package
// custodian) and that tells an observer nothing of the code. The same code
// of the same patient at the same custodian gives the same tag, so that a
// consent can name it (Scope.Sensitivities): a patient asks the custodian
// for their tags.
func validTag(s string) bool { return validDigest(s) }

// sensitiveCovered reports whether scope s names rec's sensitivity; a
// record that is not restricted needs no naming.
func (s Scope) sensitiveCovered(rec Record) bool {
	return rec.Confidentiality != ConfidentialityRestricted || slices.Contains(s.Sensitivities, rec.Sensitivity)
}
