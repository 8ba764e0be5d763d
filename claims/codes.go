package claims

// The standard codes a decision names (X12 835 claim adjustments, kept by
// X12's code list committee): a group code says who bears an adjustment,
// a Claim Adjustment Reason Code (CARC) says why, and a Remittance Advice
// Remark Code (RARC) adds detail. The chain uses the codes below; a
// policy's edits may name others of the same forms.

// Group codes (who bears an adjustment).
const (
	// GroupContractual (CO): the provider's contract with the payer says
	// it writes the amount off; the patient is not billed for it.
	GroupContractual = "CO"
	// GroupPatient (PR): the patient owes the amount (deductible,
	// coinsurance, copay).
	GroupPatient = "PR"
	// GroupOther (OA): neither (used by a policy's edits, never by the
	// chain itself).
	GroupOther = "OA"
	// GroupPayer (PI): a payer-initiated reduction (used by a policy's
	// edits, never by the chain itself).
	GroupPayer = "PI"
)

// Groups are the group codes a policy may name.
var Groups = []string{GroupContractual, GroupPatient, GroupOther, GroupPayer}

// CARCs the adjudication names.
const (
	CARCDeductible     = "1"   // deductible amount
	CARCCoinsurance    = "2"   // coinsurance amount
	CARCCopay          = "3"   // co-payment amount
	CARCDiagnosis      = "11"  // the diagnosis is inconsistent with the procedure
	CARCDuplicate      = "18"  // exact duplicate claim/service
	CARCBeforeCoverage = "26"  // expenses incurred prior to coverage
	CARCAfterCoverage  = "27"  // expenses incurred after coverage terminated
	CARCFeeSchedule    = "45"  // charge exceeds fee schedule/maximum allowable
	CARCNonCovered     = "96"  // non-covered charge(s)
	CARCBundled        = "97"  // the benefit is included in another service's
	CARCMaximum        = "119" // benefit maximum for this time period or occurrence has been reached
	CARCNoAuth         = "197" // precertification/authorization/notification absent
	CARCNotInPlan      = "204" // not covered under the patient's current benefit plan
	CARCNotCertified   = "B7"  // provider not certified/eligible to be paid for this service on this date
)

// RARCs the adjudication names.
const (
	RARCDiagnosis = "M76"  // missing/incomplete/invalid diagnosis or condition
	RARCAuth      = "M62"  // missing/incomplete/invalid treatment authorization code
	RARCUnits     = "N362" // the number of days or units of service exceeds our acceptable maximum
	RARCPlan      = "N130" // consult plan benefit documents for restrictions for this service
	RARCIneligble = "N30"  // patient ineligible for this service
)

// CARCWords say what each CARC the chain uses means, in plain words, for
// explanations of benefits and the CLI.
var CARCWords = map[string]string{
	CARCDeductible:     "deductible: the patient pays this part before the plan pays",
	CARCCoinsurance:    "coinsurance: the patient's percentage share of the allowed amount",
	CARCCopay:          "copay: the fixed amount the patient pays for this service",
	CARCDiagnosis:      "the diagnosis does not support the procedure",
	CARCDuplicate:      "an exact duplicate of a service billed before",
	CARCBeforeCoverage: "the service was before the member's coverage began",
	CARCAfterCoverage:  "the service was after the member's coverage ended",
	CARCFeeSchedule:    "the charge is above the allowed amount agreed with the provider; the provider writes off the difference",
	CARCNonCovered:     "the charge is not covered",
	CARCBundled:        "the service is paid as part of another service",
	CARCMaximum:        "the plan's limit for this service in the period has been reached",
	CARCNoAuth:         "the service needs a prior authorization and none was in force",
	CARCNotInPlan:      "the plan does not cover this service",
	CARCNotCertified:   "the provider held no valid licence on the date of service",
}

// RARCWords say what each RARC the chain uses means.
var RARCWords = map[string]string{
	RARCDiagnosis: "missing, incomplete or invalid diagnosis",
	RARCAuth:      "missing, incomplete or invalid authorization",
	RARCUnits:     "more units than the plan accepts",
	RARCPlan:      "see the plan's benefits for this service",
	RARCIneligble: "the patient was not eligible for this service",
}

// validCARC reports whether s has the form of a CARC: 1 to 3 digits, or
// a capital letter and 1 or 2 digits (B7, P1).
func validCARC(s string) bool {
	if len(s) == 0 || len(s) > 3 {
		return false
	}
	i := 0
	if s[0] >= 'A' && s[0] <= 'Z' {
		if len(s) == 1 {
			return false
		}
		i = 1
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validRARC reports whether s has the form of a RARC: M, N or MA and 1 to
// 4 digits (M76, N362, MA130).
func validRARC(s string) bool {
	rest := s
	switch {
	case len(s) > 2 && s[:2] == "MA":
		rest = s[2:]
	case len(s) > 1 && (s[0] == 'M' || s[0] == 'N'):
		rest = s[1:]
	default:
		return false
	}
	if len(rest) == 0 || len(rest) > 4 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}
