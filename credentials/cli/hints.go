package cli

import (
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
)

// hints name the fix for the credentials module's refusals. Who may send a
// transaction (tx/unauthorized) is worded from the module's policies.
var hints = []cmdline.CodeHint{
	{Code: credentials.ErrInvalid, Text: "fix the value the error names; see --help"},
	{Code: credentials.ErrUnknownType, Text: "medledger credentials types lists the credential types"},
	{Code: credentials.ErrNotAuthorized, Text: "the consortium has not authorized your organization for this type in this jurisdiction: medledger credentials issuers lists who may issue what; an admin proposes a change with medledger credentials propose --authorize ORG:TYPE"},
	{Code: credentials.ErrSubject, Text: "medledger credentials types says what each type is issued to: a member ORG/NAME or an organization of a given kind (medledger query orgs lists them)"},
	{Code: credentials.ErrExists, Type: credentials.TypePropose, Text: "nothing to do: it is so already (medledger credentials issuers shows the registry)"},
	{Code: credentials.ErrExists, Text: "a credential id is drawn at random: issue again"},
	{Code: credentials.ErrNotFound, Text: "medledger credentials check SUBJECT lists a subject's credentials with their ids"},
	{Code: credentials.ErrNotIssuer, Text: "only a member of the organization that issued it changes its status: sign --as one of them"},
	{Code: credentials.ErrWrongStatus, Text: "medledger credentials check SUBJECT shows its status: a revocation is final, only a suspended credential is reinstated"},
	{Code: credentials.ErrSlotTaken, Text: "another credential took the status slot: issue again (a new slot is drawn)"},
	{Code: credentials.ErrProposalNotFound, Text: "medledger credentials proposals lists them"},
	{Code: credentials.ErrProposalClosed, Text: "nothing to vote on: medledger credentials proposals shows how it ended; propose again if needed"},
	{Code: credentials.ErrAlreadyVoted, Text: "one vote per organization: nothing to do"},
	{Code: credentials.ErrProposalExpired, Text: "proposals close a week after they are made: propose again"},
	{Code: credentials.ErrIssuerNotFound, Text: "medledger credentials issuers lists the registry; medledger query orgs the organizations"},
	{Code: credentials.ErrKeyNotCurrent, Text: "sign with the member's current key (medledger query member ORG/NAME shows its key id)"},
	{Code: credentials.ErrListNotFound, Text: "a credential's status entry names its issuer, list and purpose (revocation or suspension)"},
}
