package credentials_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/tx"
)

// issuerRoles are the kind/role pairs that sign credentials and change
// their status.
var issuerRoles = []string{"licensing-board/admin", "licensing-board/registrar", "regulator/admin", "regulator/inspector", "hospital/admin", "clinic/admin"}

// credAllowed is the module's authorization table written out as data
// (docs/credentials.md, "Who may do what"): for each transaction type, the
// "kind/role" signers that may send it. Every other signer (and every
// patient, "patient") MUST be refused with tx/unauthorized. It is
// deliberately not derived from credentials.Policies, so that loosening a
// policy fails this test.
var credAllowed = map[string][]string{
	credentials.TypePropose:   admins(),
	credentials.TypeVote:      admins(),
	credentials.TypeIssue:     issuerRoles,
	credentials.TypeRevoke:    issuerRoles,
	credentials.TypeSuspend:   issuerRoles,
	credentials.TypeReinstate: issuerRoles,
}

func admins() []string {
	var out []string
	for _, k := range identity.Kinds {
		out = append(out, k+"/admin")
	}
	return out
}

type signer struct {
	ID, KindRole, Org, Kind string
	I                       int
}

// signers lists one signer per role of every kind, from the first
// organization of the kind, plus a patient.
func signers(t *testing.T, c *chaintest.Consortium) []signer {
	t.Helper()
	var out []signer
	for _, kind := range identity.Kinds {
		org := c.OrgOfKind(kind)
		for _, role := range identity.RolesByKind[kind] {
			id := c.MemberWithRole(org, role)
			if id == "" {
				t.Fatalf("no %s member at %s", role, org)
			}
			out = append(out, signer{ID: id, KindRole: kind + "/" + role, Org: org, Kind: kind, I: len(out)})
		}
	}
	return append(out, signer{ID: c.Patients[0].ID(), KindRole: "patient", I: len(out)})
}

// issueFor is a credential s's organization may issue, in slot i.
func issueFor(s signer, n int, ch *chaintest.Chain) credentials.IssueBody {
	typ, subject := credentials.MedicalLicense, patel
	switch s.Kind {
	case identity.KindRegulator:
		typ, subject = credentials.DispenserLicense, "cityrx-pharmacy"
	case identity.KindHospital:
		typ, subject = credentials.ClinicalPrivileges, chen
	case identity.KindClinic:
		typ, subject = credentials.ClinicalPrivileges, patel
	}
	return body(s.ID, n, typ, subject, ch.Time, uint32(n))
}

func matrixBody(typ string, s signer, ch *chaintest.Chain) any {
	switch typ {
	case credentials.TypePropose:
		return credentials.ProposeBody{Changes: []credentials.Change{{Action: credentials.ActionAuthorize, Issuer: board,
			Type: credentials.PharmacistLicense, Jurisdiction: fmt.Sprintf("US-%d", s.I)}}}
	case credentials.TypeVote:
		return credentials.VoteBody{Proposal: uint64(s.I + 1), Approve: true}
	case credentials.TypeIssue:
		return issueFor(s, s.I, ch)
	}
	return credentials.StatusBody{Credential: credID(1000 + s.I), Reason: "other"}
}

// fixture makes, for typ, what each allowed signer's transaction needs: a
// proposal per signer made by another organization (vote), a credential
// per signer issued by it (the status changes), suspended first
// (reinstate).
func fixture(t *testing.T, ch *chaintest.Chain, typ string, ss []signer) {
	t.Helper()
	var txs, suspend [][]byte
	for _, s := range ss {
		allowed := slices.Contains(credAllowed[typ], s.KindRole)
		switch typ {
		case credentials.TypeVote:
			proposer := "heartwell-trials/admin"
			if s.Org == "heartwell-trials" {
				proposer = "unity-health-plan/admin"
			}
			txs = append(txs, ch.Sign(proposer, credentials.TypePropose, credentials.ProposeBody{Changes: []credentials.Change{{Action: credentials.ActionEnforce, Scope: "supply"}}}))
		case credentials.TypeRevoke, credentials.TypeSuspend, credentials.TypeReinstate:
			if allowed {
				txs = append(txs, ch.Sign(s.ID, credentials.TypeIssue, issueFor(s, 1000+s.I, ch)))
				suspend = append(suspend, ch.Sign(s.ID, credentials.TypeSuspend, credentials.StatusBody{Credential: credID(1000 + s.I), Reason: "other"}))
			}
		}
	}
	mustBlock(t, ch, "fixture", txs...)
	if typ == credentials.TypeReinstate {
		mustBlock(t, ch, "suspend", suspend...)
	}
}

// TestCredentialsAuthorizationMatrix sends every credentials transaction
// type from a signer of every role of every kind of organization, and from
// a patient, through FinalizeBlock: refused signers MUST get
// tx/unauthorized (in CheckTx too); allowed ones succeed.
func TestCredentialsAuthorizationMatrix(t *testing.T) {
	c := consortium(true)
	ss := signers(t, c)
	for _, typ := range credentials.TxTypes {
		if _, ok := credAllowed[typ]; !ok {
			t.Errorf("transaction type %s has no row in the expected authorization table", typ)
		}
	}
	for typ := range credAllowed {
		if !slices.Contains(credentials.TxTypes, typ) {
			t.Errorf("expected table names %s, which the module does not route", typ)
		}
	}
	for _, typ := range credentials.TxTypes {
		t.Run(typ, func(t *testing.T) {
			ch := chaintest.New(t, c)
			ch.Block()
			fixture(t, ch, typ, ss)
			var txs [][]byte
			for _, s := range ss {
				raw := ch.Sign(s.ID, typ, matrixBody(typ, s, ch))
				if !slices.Contains(credAllowed[typ], s.KindRole) {
					if r := ch.Check(raw); !chaintest.Is(r, tx.ErrUnauthorized) {
						t.Errorf("CheckTx: %s (%s) sending %s: got %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(r))
					}
				}
				txs = append(txs, raw)
			}
			res := ch.Block(txs...)
			allowed := 0
			for i, s := range ss {
				want := slices.Contains(credAllowed[typ], s.KindRole)
				switch {
				case want && res[i].Code != 0:
					t.Errorf("%s (%s) sending %s: got %s, want ok", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case !want && !chaintest.Is(res[i], tx.ErrUnauthorized):
					t.Errorf("%s (%s) sending %s: got %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case want:
					allowed++
				}
			}
			if allowed != len(credAllowed[typ]) {
				t.Errorf("%s: %d signers allowed, the table names %d", typ, allowed, len(credAllowed[typ]))
			}
		})
	}
}
