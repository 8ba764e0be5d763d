package cli

import (
	"fmt"
	"strings"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/tx"
)

// siteOf is the organization of a member key name, or "ORG".
func siteOf(as string) string {
	org, _, ok := strings.Cut(as, "/")
	if !ok || org == "" || org == "patient" {
		return "ORG"
	}
	return org
}

// hints name the fix for the trials module's refusals, the chain's and
// its node service's.
var hints = []cmdline.CodeHint{
	{Code: trials.ErrInvalid, Text: "fix the value the error names; medledger trials --help explains each"},
	{Code: trials.ErrTrialExists, Text: "choose another --id, or leave --id out and the chain gives one (trl-N); medledger trials list shows the trials"},
	{Code: trials.ErrTrialNotFound, Text: "medledger trials list shows the registered trials"},
	{Code: trials.ErrNotSponsor, Text: "only the trial's sponsor amends it and posts its results: sign --as a coordinator or admin of the sponsor (medledger trials show T names it)"},
	{Code: trials.ErrNotSite, Func: func(r cmdline.Refusal) string {
		if r.Type == trials.TypeData || r.Type == trials.TypeEnroll || r.Type == "" {
			return "only members of the trial's sites enrol its participants and add their data, each site its own subjects': medledger trials show T lists the sites"
		}
		return "medledger trials show T lists the trial's sites"
	}},
	{Code: trials.ErrSubjectNotFound, Text: "the subject is not enrolled in this trial: the participant writes a request with medledger trials join, and their site enrols them with medledger trials enroll"},
	{Code: trials.ErrNotParticipant, Text: "sign --as the participant's patient key (patient/NAME): the command signs with their pseudonym for this trial"},
	{Code: trials.ErrVersion, Text: "consent to a version the trial accepts: leave out --version for the current one (medledger trials show T lists the versions)"},
	{Code: trials.ErrWithdrawn, Text: "the participant withdrew: no more of their data is accepted, and they no longer act in this trial"},
	{Code: trials.ErrNoConsent, Func: func(r cmdline.Refusal) string {
		return fmt.Sprintf("the participant must consent to the version the trial requires first: medledger trials consent T --site %s --as patient/NAME (medledger trials show T says which version)", siteOf(r.As))
	}},
	{Code: trials.ErrBadSite, Text: "a trial's sites are active hospitals or clinics, each listed once (medledger query orgs lists them); a participant consents at the site that enrolled them"},
	{Code: trials.ErrTooLarge, Text: "send fewer records at once: medledger trials data add --batch FILE splits a large file into batches itself"},
	// A participant whose pseudonym the chain does not know: the commands
	// word this with the trial and site; this is for other callers.
	{Code: tx.ErrUnknownSigner, Type: trials.TypeConsent, Text: "the participant is not enrolled in this trial yet: medledger trials join writes their request, and their site enrols them with medledger trials enroll"},
	{Code: tx.ErrUnknownSigner, Type: trials.TypeWithdraw, Text: "the participant is not enrolled in this trial: there is nothing to withdraw from"},
}
