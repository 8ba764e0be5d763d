package trials_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/tx"
)

var siteRoles = []string{"hospital/clinician", "hospital/coordinator", "hospital/admin", "clinic/clinician", "clinic/admin"}

// allowed is the trials module's authorization table written out as data,
// not derived from trials.Policies, so that loosening a policy fails this
// test: for each type, the "kind/role" signers that may send it;
// "pseudonym" is a participant under this trial's pseudonym, "patient" a
// patient under their chain-wide id. Every other signer MUST be refused
// with tx/unauthorized.
var allowed = map[string][]string{
	trials.TypeRegister: {"trial-sponsor/admin", "trial-sponsor/coordinator"},
	trials.TypeAmend:    {"trial-sponsor/admin", "trial-sponsor/coordinator"},
	trials.TypeEnroll:   siteRoles,
	trials.TypeConsent:  {"pseudonym"},
	trials.TypeWithdraw: {"pseudonym"},
	trials.TypeData:     siteRoles,
	trials.TypeResults:  {"trial-sponsor/admin", "trial-sponsor/coordinator"},
}

type signer struct {
	ID, KindRole, Org string
	I                 int
}

// matrix builds a chain with trial TM (sites: the hospital and the
// clinic), a consented subject at each site, and the signers: one per
// role of every kind, a patient, and a participant of TM.
func matrix(t *testing.T) (*chaintest.Chain, []signer, map[string]participant) {
	c := chaintest.Demo().WithEveryRole()
	ch := newChain(t, c)
	ok(t, ch, "register", ch.Sign(sponsor, trials.TypeRegister, registerBody("TMX", siteA, siteB)))
	subjects := map[string]participant{siteA: newParticipant(t, ch, "a", "TMX"), siteB: newParticipant(t, ch, "b", "TMX")}
	var enrol, consent [][]byte
	for org, p := range subjects {
		enrol = append(enrol, ch.Sign(c.MemberWithRole(org, identity.RoleClinician), trials.TypeEnroll, p.EnrollBody))
		consent = append(consent, ch.Sign(p.ID, trials.TypeConsent, trials.ConsentBody{Trial: "TMX", Site: org}))
	}
	ok(t, ch, "enrol", enrol...)
	ok(t, ch, "consent", consent...)
	var out []signer
	for _, kind := range identity.Kinds {
		org := c.OrgOfKind(kind)
		for _, role := range identity.RolesByKind[kind] {
			id := c.MemberWithRole(org, role)
			if id == "" {
				t.Fatalf("no %s at %s", role, org)
			}
			out = append(out, signer{ID: id, KindRole: kind + "/" + role, Org: org, I: len(out)})
		}
	}
	out = append(out, signer{ID: c.Patients[0].ID(), KindRole: "patient", I: len(out)})
	p := newParticipant(t, ch, "matrix", "TMX")
	ok(t, ch, "enrol the matrix participant", ch.Sign(clinA, trials.TypeEnroll, p.EnrollBody))
	out = append(out, signer{ID: p.ID, KindRole: "pseudonym", Org: siteA, I: len(out)})
	return ch, out, subjects
}

// body is a body of typ for s that succeeds when s may send typ.
func body(t *testing.T, ch *chaintest.Chain, typ string, s signer, subjects map[string]participant) any {
	switch typ {
	case trials.TypeRegister:
		return registerBody(fmt.Sprintf("TR%d", s.I), siteA)
	case trials.TypeAmend:
		return trials.AmendBody{Trial: "TMX", Protocol: trials.Document{Digest: hex64(fmt.Sprint("v", s.I))}}
	case trials.TypeEnroll:
		return newParticipant(t, ch, fmt.Sprint("enrol", s.I), "TMX").EnrollBody
	case trials.TypeConsent:
		return trials.ConsentBody{Trial: "TMX", Site: s.Org}
	case trials.TypeWithdraw:
		return trials.WithdrawBody{Trial: "TMX"}
	case trials.TypeData:
		sub := subjects[s.Org]
		if sub.ID == "" {
			sub = subjects[siteA]
		}
		return trials.DataBody{Trial: "TMX", Root: hex64(fmt.Sprint("batch", s.I)), Count: 1, Subjects: []string{sub.ID}}
	case trials.TypeResults:
		return trials.ResultsBody{Trial: "TMX", Results: []trials.ResultOfBody{{Outcome: "P1", Summary: fmt.Sprint("result ", s.I)}}}
	}
	return nil
}

// TestTrialsAuthorizationMatrix sends every trials transaction type from
// a signer of every role of every kind, a patient and a participant:
// refused signers get tx/unauthorized (in CheckTx too); allowed ones
// succeed.
func TestTrialsAuthorizationMatrix(t *testing.T) {
	var types []string
	for _, r := range (trials.Module{}).Routes() {
		types = append(types, r.Type)
		if _, ok := allowed[r.Type]; !ok {
			t.Errorf("type %s has no row in the expected table", r.Type)
		}
	}
	for typ := range allowed {
		if !slices.Contains(types, typ) {
			t.Errorf("the table names %s, which the module does not route", typ)
		}
	}
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			ch, signers, subjects := matrix(t)
			var txs [][]byte
			for _, s := range signers {
				raw := ch.Sign(s.ID, typ, body(t, ch, typ, s, subjects))
				if !slices.Contains(allowed[typ], s.KindRole) {
					if r := ch.Check(raw); !chaintest.Is(r, tx.ErrUnauthorized) {
						t.Errorf("CheckTx: %s (%s) sending %s: %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(r))
					}
				}
				txs = append(txs, raw)
			}
			res := ch.Block(txs...)
			n := 0
			for i, s := range signers {
				want := slices.Contains(allowed[typ], s.KindRole)
				switch {
				case want && res[i].Code != 0:
					t.Errorf("%s (%s) sending %s: %s, want ok", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case !want && !chaintest.Is(res[i], tx.ErrUnauthorized):
					t.Errorf("%s (%s) sending %s: %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(res[i]))
				case want:
					n++
				}
			}
			if n != len(allowed[typ]) {
				t.Errorf("%s: %d signers allowed, the table names %d", typ, n, len(allowed[typ]))
			}
		})
	}
}
