package cli

import (
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/cmdline"
)

// hints name the fix for the claims module's refusals. Who may send a
// transaction (tx/unauthorized) is worded from the module's policies.
var hints = []cmdline.CodeHint{
	{Code: claims.ErrInvalid, Text: "fix the value the error names; docs/claims.md says what each field takes"},
	{Code: claims.ErrPolicy, Text: "fix the policy where the error says (rule, field, line and column of the expression); docs/claims.md lists what rules may use"},
	{Code: claims.ErrPolicyVersion, Text: "publish a version newer than the last (medledger claims policy show shows it), in force from a later block"},
	{Code: claims.ErrNoPolicy, Text: "the payer publishes a policy covering the date of service first: medledger claims policy publish FILE --as PAYER/admin"},
	{Code: claims.ErrNotPayer, Text: "name a payer organization (medledger query orgs lists them)"},
	{Code: claims.ErrMemberNotFound, Text: "the payer enrols the patient first: medledger claims enroll --patient patient/NAME --plan PLAN --from DATE --to DATE --as PAYER/admin"},
	{Code: claims.ErrClaimNotFound, Text: "medledger claims list --as ORG/MEMBER lists the claims you may read"},
	{Code: claims.ErrNotYours, Text: "only the claim's or request's payer does this: sign as one of its members"},
	{Code: claims.ErrState, Type: claims.TypePay, Text: "pay adjudicated claims only: review a pended one first (medledger claims review ID)"},
	{Code: claims.ErrState, Text: "medledger claims show ID --as ORG/MEMBER shows where it stands"},
	{Code: claims.ErrAuthNotFound, Text: "check the id: the request printed it (pa-N)"},
	{Code: claims.ErrTooLarge, Text: "send less at once; docs/claims.md lists the limits"},
	{Code: claims.ErrBadRendering, Text: "name the clinician who gave the services as one of your organization's members, org/name (medledger query org ORG lists them)"},
	{Code: claims.ErrTraceExists, Text: "give this payment its own trace number"},
	{Code: claims.ErrSignedRead, Text: "only the claim's payer, its provider and the patient read it: sign with --as one of them"},
}
