package app

import (
	"time"

	"github.com/medledger/medledger/state"
)

// Licence check scopes: the modules that check licences when governance
// switches the checks on for them (Licences.Enforced). Each is the name of
// the module that checks.
const (
	// LicencesSupply: shipping to, or receiving from, an organization
	// without a valid trading-partner licence of its kind is refused.
	LicencesSupply = "supply"
	// LicencesRecords: breaking the glass needs a valid licence of the
	// reader.
	LicencesRecords = "records"
	// LicencesClaims: a claim line whose rendering clinician held no valid
	// licence on the date of service is denied (CARC B7).
	LicencesClaims = "claims"
)

// Licence is the answer to "did subject hold a valid licence of one of
// these types at that time?".
type Licence struct {
	Valid bool
	// Credential and Type name the credential that answered yes (the
	// first valid one in the credential module's order); empty when none.
	Credential string
	Type       string
	// Why says, when Valid is false, what was missing, in words fit for a
	// refusal: the subject, the types asked for, and what was found
	// (none issued, suspended, revoked, expired, not yet valid). It names
	// ids and types only, never a person's data.
	Why string
}

// Licences is what modules ask of the credentials module about licences.
// Modules MUST ask it rather than read the credentials module's state keys
// (DESIGN.md: modules never read each other's keys). Every method reads
// only r and is deterministic; a storage failure panics, as any read of
// state does. cmd wires the credentials module in; without it, NoLicences
// answers and nothing is enforced.
type Licences interface {
	// Enforced reports whether governance has switched licence checks on
	// for scope (LicencesSupply, LicencesRecords, LicencesClaims). It is
	// false on a new chain, and for a scope it does not know.
	Enforced(r state.Reader, scope string) bool
	// Held reports whether subject (a member "org/name" or an organization
	// id) held, at block time at, a credential of one of types that was
	// then valid: issued to it, inside its validity period, and neither
	// revoked nor suspended as of at. It returns no error: an unknown
	// subject or type holds nothing. A check "on the date of service" asks
	// with at inside that date; a check "now" with the block time.
	Held(r state.Reader, subject string, types []string, at time.Time) Licence
}

// NoLicences answers for a chain without the credentials module: no check
// is ever enforced, and nobody holds a licence.
type NoLicences struct{}

var _ Licences = NoLicences{}

func (NoLicences) Enforced(state.Reader, string) bool { return false }

func (NoLicences) Held(_ state.Reader, subject string, _ []string, _ time.Time) Licence {
	return Licence{Why: "no credentials module runs on this chain: " + subject + " holds no licence"}
}

// LicenceChecks is ctx.Licences, or NoLicences for a Context built by hand
// without it: a handler asks this, never a nil interface.
func (c *Context) LicenceChecks() Licences {
	if c.Licences == nil {
		return NoLicences{}
	}
	return c.Licences
}
