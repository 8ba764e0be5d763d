package cli

import (
	"fmt"
	"strings"

	"github.com/medledger/medledger/identity"
)

// kindWords say in plain words what each kind of organization is and does
// on the chain.
var kindWords = map[string]string{
	identity.KindHospital:       "treats patients; adds and reads their records",
	identity.KindClinic:         "treats patients outside hospital; adds and reads their records",
	identity.KindPharmacy:       "dispenses drugs to patients",
	identity.KindManufacturer:   "makes drugs: registers products, commissions and recalls packs",
	identity.KindDistributor:    "a wholesaler: takes drugs from manufacturers to pharmacies and hospitals",
	identity.KindPayer:          "a health plan or insurer: pays for care",
	identity.KindTrialSponsor:   "runs clinical trials",
	identity.KindLicensingBoard: "licenses clinicians and pharmacists",
	identity.KindRegulator:      "the drug regulator: recalls products, reviews suspect-product reports",
}

// roleWords say in plain words what each member role does.
var roleWords = map[string]string{
	identity.RoleAdmin:       "manages the organization's members and votes for it",
	identity.RoleClinician:   "a doctor or nurse: adds and reads records, enrolls patients",
	identity.RolePharmacist:  "dispenses drugs; receives and ships the pharmacy's stock",
	identity.RolePackager:    "a manufacturer's packaging line: commissions, packs and ships",
	identity.RoleWarehouse:   "a distributor's warehouse: receives, packs and ships",
	identity.RoleAdjudicator: "decides a payer's claims",
	identity.RoleCoordinator: "runs a clinical trial's day-to-day work",
	identity.RoleRegistrar:   "keeps a licensing board's register",
	identity.RoleInspector:   "a regulator's inspector: recalls, reviews reports",
	identity.RoleBiller:      "submits a hospital's or clinic's claims to payers and asks them for prior authorizations",
}

// kindsTable lists the kinds of organization, what each is, and the roles
// its members may hold, one a line, for help texts.
func kindsTable() string {
	width := 0
	for _, k := range identity.Kinds {
		width = max(width, len(k))
	}
	var b strings.Builder
	for i, k := range identity.Kinds {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  %-*s  %s (roles: %s)", width, k, kindWords[k], strings.Join(identity.RolesByKind[k], ", "))
	}
	return b.String()
}

// rolesTable lists the member roles and what each does, one a line.
func rolesTable() string {
	var roles []string
	seen := map[string]bool{}
	for _, k := range identity.Kinds {
		for _, r := range identity.RolesByKind[k] {
			if !seen[r] {
				seen[r] = true
				roles = append(roles, r)
			}
		}
	}
	width := 0
	for _, r := range roles {
		width = max(width, len(r))
	}
	var b strings.Builder
	for i, r := range roles {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  %-*s  %s", width, r, roleWords[r])
	}
	return b.String()
}
