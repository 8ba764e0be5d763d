package notary_test

import (
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

// anchorAllowed is the notary's authorization table written out as data: the
// "kind/role" signers that may anchor. Every other signer (every patient,
// "patient") MUST be refused with tx/unauthorized. It is deliberately not
// derived from notary.Policy, so that loosening the policy fails this test.
var anchorAllowed = map[string]bool{
	"hospital/admin": true, "hospital/clinician": true, "hospital/pharmacist": true, "hospital/coordinator": true, "hospital/biller": true,
	"clinic/admin": true, "clinic/clinician": true, "clinic/biller": true, "clinic/pharmacist": true,
	"pharmacy/admin": true, "pharmacy/pharmacist": true,
	"manufacturer/admin": true, "manufacturer/packager": true,
	"distributor/admin": true, "distributor/warehouse": true,
	"payer/admin": true, "payer/adjudicator": true,
	"trial-sponsor/admin": true, "trial-sponsor/coordinator": true,
	"licensing-board/admin": true, "licensing-board/registrar": true,
	"regulator/admin": true, "regulator/inspector": true,
	"patient": false,
}

// TestAuthorizationMatrix sends an anchor from a member of every role of
// every kind of organization and from each patient.
func TestAuthorizationMatrix(t *testing.T) {
	c := chaintest.Demo().WithEveryRole()
	ch := chaintest.New(t, c)
	ch.Block()

	if routes := (notary.Module{}).Routes(); len(routes) != 1 || routes[0].Type != notary.TypeAnchor {
		t.Fatalf("notary routes changed (%d routes): extend this matrix", len(routes))
	}
	if len(identity.Kinds) != len(identity.RolesByKind) {
		t.Fatalf("identity.Kinds has %d kinds, identity.RolesByKind %d", len(identity.Kinds), len(identity.RolesByKind))
	}
	type signer struct{ id, kindRole string }
	var signers []signer
	for _, kind := range identity.Kinds {
		org := c.OrgOfKind(kind)
		for _, role := range identity.RolesByKind[kind] {
			signers = append(signers, signer{c.MemberWithRole(org, role), kind + "/" + role})
		}
	}
	for _, p := range c.Patients {
		signers = append(signers, signer{p.ID(), "patient"})
	}
	var txs [][]byte
	for _, s := range signers {
		if _, ok := anchorAllowed[s.kindRole]; !ok {
			t.Errorf("%s has no row in the expected table", s.kindRole)
		}
		txs = append(txs, ch.Sign(s.id, notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest(s.id), Kind: "lab-report"}))
	}
	res := ch.Block(txs...)
	for i, s := range signers {
		switch {
		case anchorAllowed[s.kindRole] && res[i].Code != 0:
			t.Errorf("%s (%s): got %s, want ok", s.id, s.kindRole, chaintest.Describe(res[i]))
		case !anchorAllowed[s.kindRole] && !chaintest.Is(res[i], tx.ErrUnauthorized):
			t.Errorf("%s (%s): got %s, want tx/unauthorized", s.id, s.kindRole, chaintest.Describe(res[i]))
		}
	}
	// Each allowed anchor is stored with its signer; refused ones are not.
	snap := ch.Latest()
	for _, s := range signers {
		a, err := notary.Get(snap, chaintest.Digest(s.id))
		switch {
		case anchorAllowed[s.kindRole] && (err != nil || a.Signer != s.id):
			t.Errorf("anchor of %s: %+v, %v", s.id, a, err)
		case !anchorAllowed[s.kindRole] && err == nil:
			t.Errorf("refused anchor of %s was stored", s.id)
		}
	}
}

// TestAnchorRejections checks the notary's own refusals and that a
// suspended member cannot anchor.
func TestAnchorRejections(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	const clinician = "northside-hospital/dr-chen"
	d := chaintest.Digest("discharge summary 1")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign(clinician, notary.TypeAnchor, notary.AnchorBody{Digest: d, Kind: "discharge-summary"})), "first anchor")
	for _, tc := range []struct {
		name string
		body any
		want medledger.Code
	}{
		{"again", notary.AnchorBody{Digest: d, Kind: "discharge-summary"}, notary.ErrAlreadyAnchored},
		{"short digest", notary.AnchorBody{Digest: d[:62], Kind: "lab-report"}, notary.ErrInvalid},
		{"upper-case digest", notary.AnchorBody{Digest: "AB" + d[2:], Kind: "lab-report"}, notary.ErrInvalid},
		{"bad kind", notary.AnchorBody{Digest: chaintest.Digest("y"), Kind: "Lab Report"}, notary.ErrInvalid},
		{"unknown field", map[string]string{"digest": chaintest.Digest("z"), "kind": "x1", "name": "Jane"}, tx.ErrMalformed},
	} {
		chaintest.RequireCode(t, ch.Deliver(ch.Sign(clinician, notary.TypeAnchor, tc.body)), tc.want, tc.name)
	}
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypeSuspendMember, identity.MemberBody{Member: "dr-chen"})), "suspend")
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(clinician, notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest("w"), Kind: "lab-report"})),
		tx.ErrSuspended, "suspended member anchors")
}
