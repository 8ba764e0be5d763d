package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

// everyAdmin is the admin of every kind of organization.
var everyAdmin = []string{
	"hospital/admin", "clinic/admin", "pharmacy/admin", "manufacturer/admin", "distributor/admin",
	"payer/admin", "trial-sponsor/admin", "licensing-board/admin", "regulator/admin",
}

// identityAllowed is the identity module's authorization table written out
// as data: for each transaction type, the "kind/role" signers that may send it.
// Every other signer (and every patient, "patient") MUST be refused with
// tx/unauthorized. It is deliberately not derived from identity.Policies, so
// that loosening a policy fails this test.
var identityAllowed = map[string][]string{
	identity.TypePropose:          everyAdmin,
	identity.TypeVote:             everyAdmin,
	identity.TypeAddMember:        everyAdmin,
	identity.TypeSuspendMember:    everyAdmin,
	identity.TypeReinstateMember:  everyAdmin,
	identity.TypeRotateKey:        everyAdmin,
	identity.TypeEnrollPatient:    {"hospital/admin", "hospital/clinician", "clinic/admin", "clinic/clinician"},
	identity.TypePatientRotate:    {"patient"},
	identity.TypePatientGuardians: {"patient"},
	// Anyone may be a guardian (an organization, a member, another
	// patient): the handler decides who is one of this patient's
	// (TestGuardianMatrix); here every signer is one of their ward's.
	identity.TypeRecoveryRequest: everyone(),
	identity.TypeRecoveryApprove: everyone(),
	identity.TypeRecoveryCancel:  everyone(),
	identity.TypePatientFreeze:   everyone(),
	// Anyone may ask to read a patient's guardians; the handler decides
	// and logs it (granted or refused), the transaction succeeds.
	identity.TypeLookup: everyone(),
}

// everyone is every kind/role of identity.RolesByKind, and a patient.
func everyone() []string {
	var out []string
	for _, kind := range identity.Kinds {
		for _, role := range identity.RolesByKind[kind] {
			out = append(out, kind+"/"+role)
		}
	}
	return append(out, "patient")
}

// wardKey is the key of the patient whose guardian signer id is in the
// matrix: every member and the matrix's patient has a ward.
func wardKey(id string) chaintest.Key { return chaintest.NewKey("ward-of-" + id) }

func ward(id string) string { return identity.PatientID(wardKey(id).Public()) }

// wardGuardians names id and an organization of another kind as the
// ward's guardians, 2 of 2.
func wardGuardians(id string) identity.GuardiansBody {
	other := "lakeside-clinic"
	if strings.HasPrefix(id, other+"/") {
		other = "northside-hospital"
	}
	return identity.GuardiansBody{Guardians: []string{id, other}, Threshold: 2}
}

// wardSetup names every ward's guardians and, with request, has the
// other guardian (an admin of other, or the signer itself with self) ask
// for a recovery of each ward: the recovery of the ward of signers[i] is
// rcv-(i+1).
func wardSetup(ch *chaintest.Chain, c *chaintest.Consortium, request string) [][]byte {
	var txs [][]byte
	ids := wardIDs(c)
	for _, id := range ids {
		txs = append(txs, ch.Sign(ward(id), identity.TypePatientGuardians, wardGuardians(id)))
	}
	for _, id := range ids {
		if request == "" {
			break
		}
		signer := id
		if request == "other" {
			signer = wardGuardians(id).Guardians[1] + "/admin"
		}
		k := chaintest.NewKey("recovered-" + id)
		txs = append(txs, ch.Sign(signer, identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: ward(id), SignKey: k.Public(), EncKey: k.Enc}))
	}
	return txs
}

// wardIDs are the ids that have a ward, in the order of wardSetup.
func wardIDs(c *chaintest.Consortium) []string {
	var ids []string
	for _, m := range c.Members {
		ids = append(ids, m.ID)
	}
	return append(ids, c.Patients[0].ID())
}

// wardRecovery is the id of the recovery wardSetup asked for id's ward.
func wardRecovery(c *chaintest.Consortium, id string) string {
	return fmt.Sprintf("rcv-%d", slices.Index(wardIDs(c), id)+1)
}

// matrixSigner is one row of the matrix: a signer standing for a kind/role
// pair, or for every patient.
type matrixSigner struct {
	ID, KindRole, Org string
	OrgIndex          int // index of Org in the consortium; -1 for a patient
}

// authzConsortium is the demo consortium with a member of every role of every
// kind, and a spare admin in each organization for the allowed signers to
// manage.
func authzConsortium() *chaintest.Consortium {
	c := chaintest.Demo().WithEveryRole()
	for _, o := range c.Orgs {
		c.AddMember(o.ID+"/spare", identity.RoleAdmin)
	}
	for _, id := range wardIDs(c) {
		c.Patients = append(c.Patients, chaintest.Patient{Key: wardKey(id), EnrolledBy: "northside-hospital"})
	}
	return c
}

// matrixSigners lists one signer per role of every kind (identity.RolesByKind)
// plus a patient.
func matrixSigners(t *testing.T, c *chaintest.Consortium) []matrixSigner {
	t.Helper()
	if len(identity.Kinds) != len(identity.RolesByKind) {
		t.Fatalf("identity.Kinds has %d kinds, identity.RolesByKind %d", len(identity.Kinds), len(identity.RolesByKind))
	}
	var out []matrixSigner
	for _, kind := range identity.Kinds {
		org := c.OrgOfKind(kind)
		idx := slices.IndexFunc(c.Orgs, func(o identity.Org) bool { return o.ID == org })
		for _, role := range identity.RolesByKind[kind] {
			id := c.MemberWithRole(org, role)
			if id == "" {
				t.Fatalf("no %s member at %s", role, org)
			}
			out = append(out, matrixSigner{ID: id, KindRole: kind + "/" + role, Org: org, OrgIndex: idx})
		}
	}
	return append(out, matrixSigner{ID: c.Patients[0].ID(), KindRole: "patient", OrgIndex: -1})
}

// newOrgBody proposes to add an organization.
func newOrgBody(id string) identity.ProposeBody {
	k := chaintest.NewKey(id + "/admin")
	return identity.ProposeBody{
		Action: identity.ActionAddOrg,
		Org:    &identity.Org{ID: id, Name: "New " + id, Kind: identity.KindClinic, Jurisdiction: "US"},
		Admin:  &identity.GenesisMember{ID: "admin", SignKey: k.Public(), EncKey: k.Enc},
	}
}

// matrixCase is how to exercise one transaction type: a setup block, and a
// well-formed body for each signer that succeeds when the signer is allowed.
type matrixCase struct {
	setup func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte
	body  func(c *chaintest.Consortium, s matrixSigner) any
}

func identityCases() map[string]matrixCase {
	return map[string]matrixCase{
		identity.TypePropose: {body: func(_ *chaintest.Consortium, s matrixSigner) any {
			return newOrgBody("new-" + strings.ReplaceAll(s.KindRole, "/", "-"))
		}},
		identity.TypeVote: {
			// Proposal j+1 is made by the admin of organization j+1, so the
			// admin of organization j can vote on it; one yes vote more does
			// not reach the majority of nine.
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte {
				var txs [][]byte
				for j := range c.Orgs {
					proposer := c.Orgs[(j+1)%len(c.Orgs)].ID + "/admin"
					txs = append(txs, ch.Sign(proposer, identity.TypePropose, newOrgBody(fmt.Sprintf("vote-org-%d", j))))
				}
				return txs
			},
			body: func(_ *chaintest.Consortium, s matrixSigner) any {
				return identity.VoteBody{Proposal: uint64(max(s.OrgIndex, 0) + 1), Approve: true}
			},
		},
		identity.TypeAddMember: {body: func(_ *chaintest.Consortium, s matrixSigner) any {
			k := chaintest.NewKey(s.Org + "/added")
			return identity.MemberBody{Member: "added", Role: identity.RoleAdmin, SignKey: k.Public(), EncKey: k.Enc}
		}},
		identity.TypeSuspendMember: {body: func(*chaintest.Consortium, matrixSigner) any {
			return identity.MemberBody{Member: "spare"}
		}},
		identity.TypeReinstateMember: {
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte {
				var txs [][]byte
				for _, o := range c.Orgs {
					txs = append(txs, ch.Sign(o.ID+"/admin", identity.TypeSuspendMember, identity.MemberBody{Member: "spare"}))
				}
				return txs
			},
			body: func(*chaintest.Consortium, matrixSigner) any { return identity.MemberBody{Member: "spare"} },
		},
		identity.TypeRotateKey: {body: func(_ *chaintest.Consortium, s matrixSigner) any {
			k := chaintest.NewKey(s.Org + "/spare-rotated")
			return identity.MemberBody{Member: "spare", SignKey: k.Public(), EncKey: k.Enc}
		}},
		identity.TypeEnrollPatient: {body: func(_ *chaintest.Consortium, s matrixSigner) any {
			k := chaintest.NewKey("enrolled-by-" + s.ID)
			return identity.EnrollBody{SignKey: k.Public(), EncKey: k.Enc}
		}},
		identity.TypePatientRotate: {body: func(_ *chaintest.Consortium, s matrixSigner) any {
			k := chaintest.NewKey("rotated-" + s.ID)
			return identity.RotateBody{SignKey: k.Public(), EncKey: k.Enc}
		}},
		identity.TypePatientGuardians: {body: func(*chaintest.Consortium, matrixSigner) any {
			return identity.GuardiansBody{Guardians: []string{"northside-hospital", "lakeside-clinic"}, Threshold: 2}
		}},
		identity.TypeRecoveryRequest: {
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte { return wardSetup(ch, c, "") },
			body: func(_ *chaintest.Consortium, s matrixSigner) any {
				k := chaintest.NewKey("recovery-of-ward-of-" + s.ID)
				return identity.RecoveryRequestBody{Patient: ward(s.ID), SignKey: k.Public(), EncKey: k.Enc}
			},
		},
		identity.TypeRecoveryApprove: {
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte { return wardSetup(ch, c, "other") },
			body: func(c *chaintest.Consortium, s matrixSigner) any {
				return identity.RecoveryRef{Recovery: wardRecovery(c, s.ID)}
			},
		},
		identity.TypeRecoveryCancel: {
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte { return wardSetup(ch, c, "self") },
			body: func(c *chaintest.Consortium, s matrixSigner) any {
				return identity.RecoveryRef{Recovery: wardRecovery(c, s.ID)}
			},
		},
		identity.TypePatientFreeze: {
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte {
				var txs [][]byte
				for _, id := range wardIDs(c) {
					txs = append(txs, ch.Sign(ward(id), identity.TypePatientGuardians, wardGuardians(id)))
				}
				return txs
			},
			body: func(_ *chaintest.Consortium, s matrixSigner) any { return identity.FreezeBody{Patient: ward(s.ID)} },
		},
		identity.TypeLookup: {
			setup: func(ch *chaintest.Chain, c *chaintest.Consortium) [][]byte { return wardSetup(ch, c, "") },
			body:  func(_ *chaintest.Consortium, s matrixSigner) any { return identity.LookupBody{Patient: ward(s.ID)} },
		},
	}
}

// TestAuthorizationMatrix sends every identity transaction type from a
// signer of every role of every kind of organization, and from a patient,
// through FinalizeBlock: refused signers MUST get tx/unauthorized; allowed
// ones succeed (the bodies are built to succeed).
func TestAuthorizationMatrix(t *testing.T) {
	c := authzConsortium()
	signers := matrixSigners(t, c)
	cases := identityCases()

	var types []string
	for _, r := range (identity.Module{}).Routes() {
		types = append(types, r.Type)
	}
	for _, typ := range types {
		if _, ok := identityAllowed[typ]; !ok {
			t.Errorf("transaction type %s has no row in the expected authorization table", typ)
		}
		if _, ok := cases[typ]; !ok {
			t.Errorf("transaction type %s has no matrix case", typ)
		}
	}
	known := map[string]bool{}
	for _, s := range signers {
		known[s.KindRole] = true
	}
	for typ, kr := range identityAllowed {
		if !slices.Contains(types, typ) {
			t.Errorf("expected table names %s, which the module does not route", typ)
		}
		for _, x := range kr {
			if !known[x] {
				t.Errorf("expected table allows %s to send %s, which is no kind/role of identity.RolesByKind", x, typ)
			}
		}
	}

	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			mc, ok := cases[typ]
			if !ok {
				t.Skip("no case")
			}
			ch := chaintest.New(t, c)
			ch.Block() // commit genesis
			if mc.setup != nil {
				for i, r := range ch.Block(mc.setup(ch, c)...) {
					chaintest.RequireOK(t, r, fmt.Sprintf("setup tx %d", i))
				}
			}
			var txs [][]byte
			for _, s := range signers {
				txs = append(txs, ch.Sign(s.ID, typ, mc.body(c, s)))
			}
			res := ch.Block(txs...)
			for i, s := range signers {
				want := slices.Contains(identityAllowed[typ], s.KindRole)
				switch {
				case want && res[i].Code != 0:
					t.Errorf("%s (%s) sending %s: got %s, want ok", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case !want && !chaintest.Is(res[i], tx.ErrUnauthorized):
					t.Errorf("%s (%s) sending %s: got %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				}
			}
		})
	}
}

// TestNotOwnOrg checks the object-level rule of member management: an admin
// manages the members of their own organization only.
func TestNotOwnOrg(t *testing.T) {
	c := chaintest.Demo()
	ch := chaintest.New(t, c)
	ch.Block()
	k := chaintest.NewKey("intruder")
	const admin = "northside-hospital/admin"
	for _, tc := range []struct {
		typ  string
		body identity.MemberBody
	}{
		{identity.TypeAddMember, identity.MemberBody{Member: "lakeside-clinic/intruder", Role: identity.RoleClinician, SignKey: k.Public(), EncKey: k.Enc}},
		{identity.TypeSuspendMember, identity.MemberBody{Member: "lakeside-clinic/dr-patel"}},
		{identity.TypeReinstateMember, identity.MemberBody{Member: "lakeside-clinic/dr-patel"}},
		{identity.TypeRotateKey, identity.MemberBody{Member: "lakeside-clinic/dr-patel", SignKey: k.Public(), EncKey: k.Enc}},
		{identity.TypeSuspendMember, identity.MemberBody{Member: "lakeside-clinic/admin"}},
	} {
		raw := ch.Sign(admin, tc.typ, tc.body)
		chaintest.RequireCode(t, ch.Check(raw), identity.ErrNotOwnOrg, "CheckTx "+tc.typ+" "+tc.body.Member)
		chaintest.RequireCode(t, ch.Deliver(raw), identity.ErrNotOwnOrg, tc.typ+" "+tc.body.Member)
	}
	if _, ok := identity.GetMember(ch.Latest(), "lakeside-clinic/intruder"); ok {
		t.Fatal("the refused add-member added the member")
	}
	m, _ := identity.GetMember(ch.Latest(), "lakeside-clinic/dr-patel")
	if m.Status != identity.StatusActive || m.KeyID != chaintest.NewKey("lakeside-clinic/dr-patel").KeyID() {
		t.Fatalf("dr-patel changed by refused transactions: %+v", m)
	}
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("lakeside-clinic/dr-patel", notary.TypeAnchor,
		notary.AnchorBody{Digest: chaintest.Digest("x"), Kind: "lab-report"})), "dr-patel anchors")

	// An admin cannot suspend themselves either.
	chaintest.RequireCode(t, ch.Deliver(ch.Sign(admin, identity.TypeSuspendMember, identity.MemberBody{Member: "admin"})),
		identity.ErrSelf, "self-suspension")
}

// everyType lists every transaction type of identity and notary with a
// well-formed body for signer s.
func everyType(c *chaintest.Consortium, s matrixSigner) map[string]any {
	out := map[string]any{notary.TypeAnchor: notary.AnchorBody{Digest: chaintest.Digest(s.ID), Kind: "lab-report"}}
	for typ, mc := range identityCases() {
		out[typ] = mc.body(c, s)
	}
	return out
}

// TestSuspendedSignersRefused checks that the members of a suspended
// organization, and a suspended member, get tx/suspended-signer for every
// transaction type, whatever their role.
func TestSuspendedSignersRefused(t *testing.T) {
	c := authzConsortium()
	ch := chaintest.New(t, c)
	ch.Block()

	// Suspend acme-pharma: proposed by one admin, four more yes votes.
	res := ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypePropose,
		identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: "acme-pharma"}))
	chaintest.RequireOK(t, res, "propose suspension")
	var votes [][]byte
	for _, org := range []string{"lakeside-clinic", "cityrx-pharmacy", "medsupply-dist", "unity-health-plan"} {
		votes = append(votes, ch.Sign(org+"/admin", identity.TypeVote, identity.VoteBody{Proposal: 1, Approve: true}))
	}
	for i, r := range ch.Block(votes...) {
		chaintest.RequireOK(t, r, fmt.Sprintf("vote %d", i))
	}
	if o, _ := identity.GetOrg(ch.Latest(), "acme-pharma"); o.Status != identity.StatusSuspended {
		t.Fatalf("acme-pharma is %s after the vote, want suspended", o.Status)
	}
	// And a member suspended by their own admin.
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("northside-hospital/admin", identity.TypeSuspendMember,
		identity.MemberBody{Member: "dr-chen"})), "suspend dr-chen")

	var suspended []matrixSigner
	for _, m := range c.Members {
		if strings.HasPrefix(m.ID, "acme-pharma/") || m.ID == "northside-hospital/dr-chen" {
			org, _, _ := strings.Cut(m.ID, "/")
			idx := slices.IndexFunc(c.Orgs, func(o identity.Org) bool { return o.ID == org })
			suspended = append(suspended, matrixSigner{ID: m.ID, KindRole: c.Orgs[idx].Kind + "/" + m.Role, Org: org, OrgIndex: idx})
		}
	}
	if len(suspended) < 4 {
		t.Fatalf("only %d suspended signers", len(suspended))
	}
	var txs [][]byte
	var what []string
	for _, s := range suspended {
		bodies := everyType(c, s)
		typs := make([]string, 0, len(bodies))
		for typ := range bodies {
			typs = append(typs, typ)
		}
		slices.Sort(typs)
		for _, typ := range typs {
			raw := ch.Sign(s.ID, typ, bodies[typ])
			chaintest.RequireCode(t, ch.Check(raw), tx.ErrSuspended, "CheckTx "+s.ID+" "+typ)
			txs = append(txs, raw)
			what = append(what, s.ID+" "+typ)
		}
	}
	if got, want := len(txs), len(suspended)*(len(identityCases())+1); got != want {
		t.Fatalf("%d transactions, want %d (%d types per signer)", got, want, len(identityCases())+1)
	}
	for i, r := range ch.Block(txs...) {
		if !chaintest.Is(r, tx.ErrSuspended) {
			t.Errorf("%s: got %s, want tx/suspended-signer", what[i], chaintest.Describe(r))
		}
	}
}
