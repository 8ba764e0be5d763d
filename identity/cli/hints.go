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
	{Code: identity.ErrPatientNotFound, Text: "medledger query patient ID shows whether a patient is enrolled; enroll one with medledger tx identity enroll-patient --key patient/NAME --as ORG/MEMBER"},
}
