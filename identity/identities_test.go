package identity_test

import (
	"testing"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
)

// TestPatientAndMember checks the contract of the app.Identities methods
// that other modules use instead of identity's keys: known ids are true
// whatever their status, anything else is false.
func TestPatientAndMember(t *testing.T) {
	c := chaintest.Demo()
	ch := chaintest.New(t, c)
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("lakeside-clinic/admin", identity.TypeSuspendMember,
		identity.MemberBody{Member: "dr-patel"})), "suspend dr-patel")
	patient := c.Patients[0].ID()
	unknownPatient := identity.PatientID(chaintest.NewKey("nobody").Public())

	var ids identity.Module
	r := ch.Latest()
	for _, tc := range []struct {
		name            string
		id              string
		patient, member bool
	}{
		{"patient", patient, true, false},
		{"unknown patient", unknownPatient, false, false},
		{"member", "northside-hospital/dr-chen", false, true},
		{"suspended member", "lakeside-clinic/dr-patel", false, true},
		{"unknown member", "northside-hospital/nobody", false, false},
		{"organization", "northside-hospital", false, false},
		{"organization and slash", "northside-hospital/", false, false},
		{"patient id without its prefix", patient[len(identity.PatientPrefix):], false, false},
		{"empty", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids.Patient(r, tc.id); got != tc.patient {
				t.Errorf("Patient(%q) = %v, want %v", tc.id, got, tc.patient)
			}
			if got := ids.Member(r, tc.id); got != tc.member {
				t.Errorf("Member(%q) = %v, want %v", tc.id, got, tc.member)
			}
		})
	}
}
