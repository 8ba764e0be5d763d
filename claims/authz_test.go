package claims_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/tx"
)

// allowed is the claims module's authorization table written out as data,
// not derived from claims.Policies, so that loosening a policy fails this
// test: for each type, the "kind/role" signers that may send it;
// "patient" is a patient under their chain-wide id, "pseudonym" a member
// under their pseudonym for the payer. Every other signer MUST be refused
// with tx/unauthorized.
var allowed = map[string][]string{
	claims.TypePublish: {"payer/admin"},
	claims.TypeEnroll:  {"payer/admin"},
	claims.TypeSubmit:  {"hospital/admin", "hospital/biller", "clinic/admin", "clinic/biller"},
	claims.TypeAuthAsk: {"hospital/admin", "hospital/biller", "hospital/clinician", "clinic/admin", "clinic/biller", "clinic/clinician"},
	claims.TypeAuthDo:  {"payer/adjudicator"},
	claims.TypeFlag:    {"payer/adjudicator"},
	claims.TypeReview:  {"payer/adjudicator"},
	claims.TypePay:     {"payer/admin"},
}

// readers is who may read a claim of unity-health-plan's member, submitted
// by northside-hospital, written out as data: every member of the payer
// and of the provider, and the patient under this very pseudonym. Every
// other signer (another hospital or clinic, another payer's kind, the
// patient under their chain-wide id, another member's pseudonym) MUST
// read nothing but counts.
var readers = []string{
	"payer/admin", "payer/adjudicator",
	"hospital/admin", "hospital/clinician", "hospital/pharmacist", "hospital/coordinator", "hospital/biller",
	"pseudonym",
}

type signer struct {
	ID, KindRole, Org string
	I                 int
}

// fixture is a chain ready for every claims type: the golden policy, a
// member, an adjudicated claim, a pended claim and a requested prior
// authorization, and one signer per role of every kind, a patient and
// the member's pseudonym.
type fixture struct {
	ch                      *chaintest.Chain
	signers                 []signer
	member, other           string
	adjudicated, pended, pa string
	clinicians              map[string]string
}

func newFixture(t *testing.T) *fixture {
	c := consortium().WithEveryRole()
	ch := newChain(t, c)
	golden(t, ch)
	f := &fixture{ch: ch, clinicians: map[string]string{provider: rendering, "lakeside-clinic": "lakeside-clinic/dr-patel"}}
	f.member = enrol(t, ch, claimstest.MemberKey("matrix"), "gold", "2025-01-01", "2025-12-31")
	f.other = enrol(t, ch, claimstest.MemberKey("matrix-other"), "gold", "2025-01-01", "2025-12-31")
	f.adjudicated = submit(t, ch, claimFor(f.member, rendering, "99213", "2025-02-03")).ID
	pended := claimFor(f.member, rendering, "80053", "2025-02-04")
	pended.Lines = append(pended.Lines, claims.LineIn{Code: "80048", Pointers: []int{1}, Units: 1, ChargeCents: 18000, Date: "2025-02-04"})
	cl := submit(t, ch, pended)
	if cl.Status != claims.StatusPended {
		t.Fatalf("the fixture's pended claim is %s", cl.Status)
	}
	f.pended = cl.ID
	ok(t, ch, "ask", ch.Sign(biller, claims.TypeAuthAsk, claims.AuthRequestBody{Payer: payer, Member: f.member, Codes: []string{"70553"}, From: "2025-03-01", To: "2025-06-01"}))
	f.pa = claims.MemberAuths(ch.Latest(), payer, f.member)[0].ID
	for _, kind := range identity.Kinds {
		org := c.OrgOfKind(kind)
		for _, role := range identity.RolesByKind[kind] {
			id := c.MemberWithRole(org, role)
			if id == "" {
				t.Fatalf("no %s at %s", role, org)
			}
			f.signers = append(f.signers, signer{ID: id, KindRole: kind + "/" + role, Org: org, I: len(f.signers)})
		}
	}
	f.signers = append(f.signers, signer{ID: c.Patients[0].ID(), KindRole: "patient", I: len(f.signers)},
		signer{ID: f.member, KindRole: "pseudonym", I: len(f.signers) + 1})
	return f
}

func claimFor(member, rendering, code, date string) claims.SubmitBody {
	return claims.SubmitBody{Payer: payer, Member: member, Rendering: rendering, Diagnoses: []string{"E11.9"},
		Lines: []claims.LineIn{{Code: code, Pointers: []int{1}, Units: 1, ChargeCents: 15000, Date: date}}}
}

// body is a body of typ for s that succeeds when s may send typ.
func (f *fixture) body(t *testing.T, typ string, s signer) any {
	switch typ {
	case claims.TypePublish:
		file, err := claimstest.Load()
		if err != nil {
			t.Fatal(err)
		}
		b, err := file.PolicyBody()
		if err != nil {
			t.Fatal(err)
		}
		b.Policy.Version = uint64(10 + s.I)
		return b
	case claims.TypeEnroll:
		return claimstest.Case{Name: fmt.Sprint("enrol-", s.I), Plan: "gold", From: "2025-01-01", To: "2025-12-31"}.Enroll("")
	case claims.TypeSubmit:
		r := f.clinicians[s.Org]
		if r == "" {
			r = rendering
		}
		return claimFor(f.member, r, "99214", fmt.Sprintf("2025-04-%02d", 1+s.I%28))
	case claims.TypeAuthAsk:
		return claims.AuthRequestBody{Payer: payer, Member: f.member, Codes: []string{"70553"}, From: "2025-05-01", To: "2025-05-10"}
	case claims.TypeAuthDo:
		return claims.AuthDecideBody{ID: f.pa, Approve: true, Reason: "matrix"}
	case claims.TypeFlag:
		return claims.FlagBody{Claim: f.adjudicated, Code: "peer-outlier", Reason: fmt.Sprint("matrix ", s.I)}
	case claims.TypeReview:
		return claims.ReviewBody{Claim: f.pended, Action: claims.ActionApprove, Reason: "matrix"}
	case claims.TypePay:
		return claims.PayBody{Claims: []string{f.adjudicated}, Trace: fmt.Sprint("T", s.I)}
	}
	t.Fatalf("no body for %s", typ)
	return nil
}

// TestClaimsAuthorizationMatrix sends every claims transaction type from a
// signer of every role of every kind, a patient and a member's
// pseudonym: refused signers get tx/unauthorized (in CheckTx too); allowed
// ones succeed.
func TestClaimsAuthorizationMatrix(t *testing.T) {
	var types []string
	for _, r := range (claims.Module{}).Routes() {
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
			f := newFixture(t)
			var txs [][]byte
			for _, s := range f.signers {
				raw := f.ch.Sign(s.ID, typ, f.body(t, typ, s))
				if !slices.Contains(allowed[typ], s.KindRole) {
					if r := f.ch.Check(raw); !chaintest.Is(r, tx.ErrUnauthorized) {
						t.Errorf("CheckTx: %s (%s) sending %s: %s, want tx/unauthorized", s.ID, s.KindRole, typ, chaintest.Describe(r))
					}
				}
				txs = append(txs, raw)
			}
			res := f.ch.Block(txs...)
			n := 0
			for i, s := range f.signers {
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

// TestClaimsReadMatrix: who may read a claim's details, a prior
// authorization and a member's coverage, for every role of every kind, a
// patient, the member's pseudonym and another member's (claims.Party, the
// rule the API serves by).
func TestClaimsReadMatrix(t *testing.T) {
	f := newFixture(t)
	snap := f.ch.Latest()
	cl, _ := claims.GetClaim(snap, f.adjudicated)
	pa, _ := claims.GetAuth(snap, f.pa)
	m, _ := claims.GetMember(snap, payer, f.member)
	signers := append(f.signers, signer{ID: f.other, KindRole: "other-pseudonym"})
	for _, s := range signers {
		who := app.Signer{ID: s.ID}
		switch s.KindRole {
		case "patient":
			who.Kind = app.KindPatient
		case "pseudonym", "other-pseudonym":
			who.Kind, who.Context = app.KindPseudonym, claims.Context(payer)
		default:
			o, _ := identity.GetOrg(snap, s.Org)
			who.Kind, who.Org, who.OrgKind = app.KindMember, s.Org, o.Kind
		}
		want := slices.Contains(readers, s.KindRole)
		if got := claims.CanReadClaim(who, &cl); got != want {
			t.Errorf("%s (%s) reads claim details: %v, want %v", s.ID, s.KindRole, got, want)
		}
		if got := claims.CanReadAuth(who, &pa); got != want {
			t.Errorf("%s (%s) reads a prior authorization: %v, want %v", s.ID, s.KindRole, got, want)
		}
		wantMember := want && !(who.Kind == app.KindMember && who.Org == provider)
		if got := claims.CanReadMember(who, &m); got != wantMember {
			t.Errorf("%s (%s) reads the member's coverage: %v, want %v", s.ID, s.KindRole, got, wantMember)
		}
	}
	// A pseudonym of another context with the member's id cannot be, but
	// the rule checks the context all the same.
	if claims.CanReadClaim(app.Signer{ID: f.member, Kind: app.KindPseudonym, Context: "trials/x"}, &cl) {
		t.Error("a pseudonym of another context reads the claim")
	}
}
