// Licences: when governance switches licence checks on for supply
// (app.LicencesSupply), trading partners ship to and receive from licensed
// partners only, and pack verification names an unlicensed custodian.

package supply

import (
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// PartnerLicences are the credential types that license a trading partner
// of each kind (the credentials module's type names): a manufacturer's
// registration, a wholesale distributor's licence, a dispenser's licence
// for pharmacies, and for hospitals and clinics (their pharmacies).
var PartnerLicences = map[string][]string{
	"manufacturer": {"manufacturer-license"},
	"distributor":  {"wholesale-distributor-license"},
	"pharmacy":     {"dispenser-license"},
	"hospital":     {"dispenser-license"},
	"clinic":       {"dispenser-license"},
}

// licensed refuses org as the other end of a shipment when licence checks
// are on for supply and it holds no valid licence of its kind now. With
// the checks off (a new chain), it refuses nothing.
func licensed(ctx *app.Context, org, role string) error {
	lic := ctx.LicenceChecks()
	if !lic.Enforced(ctx.KV, app.LicencesSupply) {
		return nil
	}
	if why := unlicensed(ctx.KV, ctx.IDs, lic, org, ctx.Time); why != "" {
		return ErrUnlicensed.New("%s %s: licence checks are on for supply, and trading partners deal only with licensed partners", role, why)
	}
	return nil
}

// unlicensed says why org holds no valid trading-partner licence of its
// kind at block time t, or "" when it holds one.
func unlicensed(r state.Reader, ids app.Identities, lic app.Licences, org string, t time.Time) string {
	o, _ := ids.Org(r, org)
	l := lic.Held(r, org, PartnerLicences[o.Kind], t)
	if l.Valid {
		return ""
	}
	return l.Why
}
