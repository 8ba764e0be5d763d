package records

import "github.com/medledger/medledger/app"

// BreakGlassLicences are the credential types (the credentials module's
// names) that let a clinician break the glass when governance switches
// licence checks on for records (app.LicencesRecords).
var BreakGlassLicences = []string{"medical-license", "pharmacist-license"}

// unlicensedReader says why the signer may not break the glass for want of
// a licence, or "" when licence checks are off for records or the signer
// holds a valid one now.
func unlicensedReader(ctx *app.Context) string {
	lic := ctx.LicenceChecks()
	if !lic.Enforced(ctx.KV, app.LicencesRecords) {
		return ""
	}
	if l := lic.Held(ctx.KV, ctx.Signer.ID, BreakGlassLicences, ctx.Time); !l.Valid {
		return "break-glass needs a valid licence of the reader (licence checks are on for records): " + l.Why
	}
	return ""
}
