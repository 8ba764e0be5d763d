package cli

import (
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/identity"
)

// hints name the fix for the identity module's refusals.
var hints = []cmdline.CodeHint{
	{Code: identity.ErrOrgExists, Text: "choose another --org id; medledger query orgs lists those taken"},
	{Code: identity.ErrOrgNotFound, Text: "medledger query orgs lists the organizations"},
	{Code: identity.ErrMemberExists, Text: "choose another member name; medledger query org ORG lists its members"},
	{Code: identity.ErrMemberNotFound, Text: "medledger query org ORG lists its members"},
	{Code: identity.ErrProposalNotFound, Text: "medledger query proposals lists the proposals"},
	{Code: identity.ErrProposalClosed, Text: "medledger query proposal N shows its outcome; propose again if it is still wanted"},
	{Code: identity.ErrProposalExpired, Text: "medledger query proposal N shows its outcome; propose again if it is still wanted"},
	{Code: identity.ErrAlreadyVoted, Text: "each organization votes once; medledger query proposal N shows the tally"},
	{Code: identity.ErrNotOwnOrg, Text: "an admin manages the members of their own organization only: sign --as an admin of that organization"},
	{Code: identity.ErrSelf, Text: "ask another admin of the organization, or another organization, to do it"},
	{Code: identity.ErrWrongStatus, Text: "nothing to do: the object has that status already (see medledger query)"},
	{Code: identity.ErrRoleNotAllowed, Text: "give --role one of the roles the error lists"},
	{Code: identity.ErrPatientExists, Text: "this patient is enrolled already: medledger query patient ID shows the record"},
	{Code: identity.ErrBadKey, Text: "the key file may be damaged: medledger keys show NAME prints its public keys"},
	{Code: identity.ErrInvalid, Text: "fix the value the error names; see --help"},
	{Code: identity.ErrFrozen, Text: "a freeze you made yourself ends with a new key: medledger patient rotate; one your guardians made ends only with a recovery they approve (medledger patient recover)"},
	{Code: identity.ErrNoGuardians, Text: "the patient names guardians first: medledger patient guardians set --guardians ID,ID --threshold 2 --as patient/NAME"},
	{Code: identity.ErrNotGuardian, Text: "sign as one of the patient's guardians (the patient sees them with medledger query patient patient/NAME); an organization acts through its admins and, at a hospital or clinic, its clinicians; only the patient or the guardian who asked cancels a recovery; a patient's guardians and recoveries are read by the patient, a guardian or a regulator's inspector only"},
	{Code: identity.ErrRecoveryNotFound, Text: "medledger query patient PATIENT --as GUARDIAN lists the patient's open recoveries"},
	{Code: identity.ErrRecoveryClosed, Text: "nothing to do: medledger query patient PATIENT --as GUARDIAN shows where the patient's recoveries stand; ask for a new one if needed"},
	{Code: identity.ErrAlreadyApproved, Text: "each guardian agrees once (an organization once, whichever member signs): another guardian must approve"},
	{Code: identity.ErrRecoveryPending, Text: "you asked already: have other guardians approve it, or cancel it (medledger patient recover cancel ID) before asking again"},
	{Code: identity.ErrPatientNotFound, Text: "medledger query patient ID shows whether a patient is enrolled; enroll one with medledger tx identity enroll-patient --key patient/NAME --as ORG/MEMBER"},
}
