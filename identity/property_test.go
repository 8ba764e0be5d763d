package identity_test

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// The property test applies random sequences of identity transactions, by
// random signers (unauthorized, suspended, unknown and stale-keyed ones
// included), through the app in blocks, and compares every result and the
// state after every block with a simple in-memory model of the consortium.

// accepted is the outcome of an accepted transaction.
var accepted = medledger.Code{}

// idModel is the consortium as the test expects it.
type idModel struct {
	orgs      map[string]identity.Org
	members   map[string]identity.Member
	patients  map[string]identity.Patient
	proposals []identity.Proposal // proposal i+1
	votes     []map[string]bool   // per proposal: organization -> approve

	height int64
	now    time.Time
}

func newIDModel(c *chaintest.Consortium) *idModel {
	m := &idModel{orgs: map[string]identity.Org{}, members: map[string]identity.Member{}, patients: map[string]identity.Patient{}}
	for _, o := range c.Orgs {
		o.Status, o.Since = identity.StatusActive, 1
		m.orgs[o.ID] = o
	}
	for _, gm := range c.Members {
		org, _, _ := strings.Cut(gm.ID, "/")
		m.members[gm.ID] = newMember(gm.ID, org, gm.Role, gm.Key, 1)
	}
	for _, p := range c.Patients {
		m.patients[p.ID()] = newPatient(p.Key, p.EnrolledBy, 1)
	}
	return m
}

func newMember(id, org, role string, k chaintest.Key, since int64) identity.Member {
	return identity.Member{ID: id, Org: org, Role: role, SignKey: k.Public(), EncKey: k.Enc, KeyID: k.KeyID(),
		Status: identity.StatusActive, Since: since}
}

func newPatient(k chaintest.Key, by string, since int64) identity.Patient {
	return identity.Patient{ID: identity.PatientID(k.Public()), SignKey: k.Public(), EncKey: k.Enc, KeyID: k.KeyID(),
		Status: identity.StatusActive, EnrolledBy: by, Since: since}
}

// modelSigner is who the model authenticated.
type modelSigner struct {
	id, org, kindRole string
}

// authenticate follows the app's envelope checks, in their order, for a
// transaction of id signed with key (and naming key's id).
func (m *idModel) authenticate(id string, key chaintest.Key) (modelSigner, medledger.Code) {
	if strings.HasPrefix(id, identity.PatientPrefix) {
		p, found := m.patients[id]
		switch {
		case !found:
			return modelSigner{}, tx.ErrUnknownSigner
		case p.KeyID != key.KeyID():
			return modelSigner{}, tx.ErrKeyMismatch
		}
		return modelSigner{id: id, kindRole: "patient"}, accepted
	}
	mem, found := m.members[id]
	if !found {
		return modelSigner{}, tx.ErrUnknownSigner
	}
	org := m.orgs[mem.Org]
	switch {
	case org.Status != identity.StatusActive, mem.Status != identity.StatusActive:
		return modelSigner{}, tx.ErrSuspended
	case mem.KeyID != key.KeyID():
		return modelSigner{}, tx.ErrKeyMismatch
	}
	return modelSigner{id: id, org: org.ID, kindRole: org.Kind + "/" + mem.Role}, accepted
}

// apply is the model of one transaction: it returns the expected outcome
// and changes the model only if the transaction is accepted.
func (m *idModel) apply(id string, key chaintest.Key, typ string, body any) medledger.Code {
	s, code := m.authenticate(id, key)
	if code != accepted {
		return code
	}
	if !slices.Contains(identityAllowed[typ], s.kindRole) { // the table of authz_test.go
		return tx.ErrUnauthorized
	}
	switch b := body.(type) {
	case identity.ProposeBody:
		return m.propose(s, b)
	case identity.VoteBody:
		return m.vote(s, b)
	case identity.EnrollBody:
		if len(b.SignKey) != 32 || len(b.EncKey) != 32 {
			return identity.ErrBadKey
		}
		pid := identity.PatientID(b.SignKey)
		if _, dup := m.patients[pid]; dup {
			return identity.ErrPatientExists
		}
		m.patients[pid] = identity.Patient{ID: pid, SignKey: b.SignKey, EncKey: b.EncKey, KeyID: tx.KeyID(b.SignKey),
			Status: identity.StatusActive, EnrolledBy: s.org, Since: m.height}
		return accepted
	case identity.MemberBody:
		return m.member(s, typ, b)
	}
	panic(fmt.Sprintf("no model of %T", body))
}

func modelValidName(n string) bool {
	if len(n) < 2 || len(n) > 64 || n[0] == '-' || n[len(n)-1] == '-' {
		return false
	}
	return strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

func (m *idModel) member(s modelSigner, typ string, b identity.MemberBody) medledger.Code {
	name := b.Member
	if org, n, has := strings.Cut(name, "/"); has {
		if org != s.org {
			return identity.ErrNotOwnOrg
		}
		name = n
	}
	if !modelValidName(name) {
		return identity.ErrInvalid
	}
	id := s.org + "/" + name
	mem, exists := m.members[id]
	keysOK := len(b.SignKey) == 32 && len(b.EncKey) == 32
	switch typ {
	case identity.TypeAddMember:
		switch {
		case !slices.Contains(identity.RolesByKind[m.orgs[s.org].Kind], b.Role):
			return identity.ErrRoleNotAllowed
		case !keysOK:
			return identity.ErrBadKey
		case exists:
			return identity.ErrMemberExists
		}
		m.members[id] = identity.Member{ID: id, Org: s.org, Role: b.Role, SignKey: b.SignKey, EncKey: b.EncKey,
			KeyID: tx.KeyID(b.SignKey), Status: identity.StatusActive, Since: m.height}
	case identity.TypeSuspendMember, identity.TypeReinstateMember:
		status := identity.StatusSuspended
		if typ == identity.TypeReinstateMember {
			status = identity.StatusActive
		}
		switch {
		case id == s.id:
			return identity.ErrSelf
		case !exists:
			return identity.ErrMemberNotFound
		case mem.Status == status:
			return identity.ErrWrongStatus
		}
		mem.Status, mem.Since = status, m.height
		m.members[id] = mem
	case identity.TypeRotateKey:
		switch {
		case !exists:
			return identity.ErrMemberNotFound
		case !keysOK:
			return identity.ErrBadKey
		}
		mem.SignKey, mem.EncKey, mem.KeyID, mem.Since = b.SignKey, b.EncKey, tx.KeyID(b.SignKey), m.height
		m.members[id] = mem
	}
	return accepted
}

func (m *idModel) propose(s modelSigner, b identity.ProposeBody) medledger.Code {
	p := identity.Proposal{Action: b.Action, Proposer: s.id, Height: m.height, Deadline: m.now.Add(identity.ProposalTTL),
		Status: identity.ProposalOpen, Target: b.Target}
	switch b.Action {
	case identity.ActionAddOrg: // the generator makes only well-formed bodies
		if _, exists := m.orgs[b.Org.ID]; exists {
			return identity.ErrOrgExists
		}
		o := *b.Org
		o.Status = ""
		p.Org, p.Target = &o, o.ID
		p.Admin = &identity.GenesisMember{ID: b.Admin.ID, Role: identity.RoleAdmin, SignKey: b.Admin.SignKey, EncKey: b.Admin.EncKey}
	default:
		o, found := m.orgs[b.Target]
		switch {
		case !found:
			return identity.ErrOrgNotFound
		case b.Action == identity.ActionSuspendOrg && o.Status != identity.StatusActive,
			b.Action == identity.ActionReinstateOrg && o.Status != identity.StatusSuspended:
			return identity.ErrWrongStatus
		case b.Action == identity.ActionSuspendOrg && o.ID == s.org:
			return identity.ErrSelf
		}
	}
	p.ID = uint64(len(m.proposals) + 1)
	return m.castVote(p, map[string]bool{}, s.org, true, true)
}

func (m *idModel) vote(s modelSigner, b identity.VoteBody) medledger.Code {
	if b.Proposal == 0 || b.Proposal > uint64(len(m.proposals)) {
		return identity.ErrProposalNotFound
	}
	p := m.proposals[b.Proposal-1]
	switch {
	case p.Status != identity.ProposalOpen:
		return identity.ErrProposalClosed
	case !m.now.Before(p.Deadline):
		return identity.ErrProposalExpired
	}
	if _, voted := m.votes[b.Proposal-1][s.org]; voted {
		return identity.ErrAlreadyVoted
	}
	return m.castVote(p, m.votes[b.Proposal-1], s.org, b.Approve, false)
}

// castVote records org's vote, tallies the votes of the organizations
// active now against a strict majority of them, and executes a passed
// proposal; if execution fails, nothing changes.
func (m *idModel) castVote(p identity.Proposal, votes map[string]bool, org string, approve, isNew bool) medledger.Code {
	votes = maps.Clone(votes)
	votes[org] = approve
	active := 0
	for _, o := range m.orgs {
		if o.Status == identity.StatusActive {
			active++
		}
	}
	p.Yes, p.No = 0, 0
	for o, yes := range votes {
		if m.orgs[o].Status != identity.StatusActive {
			continue
		}
		if yes {
			p.Yes++
		} else {
			p.No++
		}
	}
	switch {
	case 2*p.Yes > active:
		p.Status = identity.ProposalPassed
		if p.Action == identity.ActionAddOrg {
			if _, exists := m.orgs[p.Org.ID]; exists {
				return identity.ErrOrgExists
			}
		}
	case 2*p.No >= active:
		p.Status = identity.ProposalRejected
	}
	if isNew {
		m.proposals, m.votes = append(m.proposals, p), append(m.votes, votes)
	} else {
		m.proposals[p.ID-1], m.votes[p.ID-1] = p, votes
	}
	if p.Status != identity.ProposalPassed {
		return accepted
	}
	switch p.Action {
	case identity.ActionAddOrg:
		o := *p.Org
		o.Status, o.Since = identity.StatusActive, m.height
		m.orgs[o.ID] = o
		id := o.ID + "/" + p.Admin.ID
		m.members[id] = identity.Member{ID: id, Org: o.ID, Role: identity.RoleAdmin, SignKey: p.Admin.SignKey, EncKey: p.Admin.EncKey,
			KeyID: tx.KeyID(p.Admin.SignKey), Status: identity.StatusActive, Since: m.height}
	case identity.ActionSuspendOrg, identity.ActionReinstateOrg:
		o := m.orgs[p.Target]
		o.Status, o.Since = identity.StatusSuspended, m.height
		if p.Action == identity.ActionReinstateOrg {
			o.Status = identity.StatusActive
		}
		m.orgs[o.ID] = o
	}
	return accepted
}

func showMember(m identity.Member) string {
	return fmt.Sprintf("{%s role=%s key=%s %s since=%d}", m.ID, m.Role, m.KeyID, m.Status, m.Since)
}

// check compares the committed state with the model.
func (m *idModel) check(t *rapid.T, snap state.Reader) {
	t.Helper()
	orgs := identity.ListOrgs(snap)
	wantIDs := slices.Sorted(maps.Keys(m.orgs))
	var ids []string
	for _, o := range orgs {
		ids = append(ids, o.ID)
	}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("organizations %v, want %v", ids, wantIDs)
	}
	for _, o := range orgs {
		if want := m.orgs[o.ID]; o != want {
			t.Fatalf("organization\n got %+v\nwant %+v", o, want)
		}
		var got, want []string
		for _, mem := range identity.ListMembers(snap, o.ID) {
			got = append(got, mem.ID)
		}
		for _, id := range slices.Sorted(maps.Keys(m.members)) {
			if m.members[id].Org == o.ID {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("members of %s: %v, want %v", o.ID, got, want)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.members)) {
		want := m.members[id]
		if got, found := identity.GetMember(snap, id); !found || !reflect.DeepEqual(got, want) {
			t.Fatalf("member %s: got %s (found %v), want %s", id, showMember(got), found, showMember(want))
		}
	}
	n := 0
	snap.Iterate([]byte("identity/patient/"), state.PrefixEnd([]byte("identity/patient/")), func(_, _ []byte) bool { n++; return true })
	if n != len(m.patients) {
		t.Fatalf("%d patients in state, model has %d", n, len(m.patients))
	}
	for _, id := range slices.Sorted(maps.Keys(m.patients)) {
		want := m.patients[id]
		if got, found := identity.GetPatient(snap, id); !found || !reflect.DeepEqual(got, want) {
			t.Fatalf("patient %s: got %+v (found %v), want %+v", id, got, found, want)
		}
	}
	props := identity.ListProposals(snap)
	if len(props) != len(m.proposals) {
		t.Fatalf("%d proposals in state, model has %d", len(props), len(m.proposals))
	}
	for i, got := range props {
		want := m.proposals[i]
		if !got.Deadline.Equal(want.Deadline) {
			t.Fatalf("proposal %d deadline %s, want %s", want.ID, got.Deadline, want.Deadline)
		}
		got.Deadline = want.Deadline
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("proposal %d\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
}

// newOrgs are the organizations add-org proposals may add.
var newOrgs = []identity.Org{
	{ID: "riverside-clinic", Name: "Riverside Clinic", Kind: identity.KindClinic, Jurisdiction: "US-CA"},
	{ID: "hilltop-hospital", Name: "Hilltop Hospital", Kind: identity.KindHospital, Jurisdiction: "US"},
	{ID: "bayview-pharmacy", Name: "Bayview Pharmacy", Kind: identity.KindPharmacy, Jurisdiction: "US-WA"},
}

var everyRole = []string{identity.RoleAdmin, identity.RoleClinician, identity.RolePharmacist, identity.RolePackager,
	identity.RoleWarehouse, identity.RoleAdjudicator, identity.RoleCoordinator, identity.RoleRegistrar, identity.RoleInspector,
	identity.RoleBiller, identity.RolePatient}

// propRun is one generated history.
type propRun struct {
	t  *rapid.T
	ch *chaintest.Chain
	m  *idModel
	// keys holds every key each signer has had, the current one last.
	keys   map[string][]chaintest.Key
	byID   map[string]chaintest.Key // every key the run made, by key id
	serial int
}

func (r *propRun) newKey() chaintest.Key {
	r.serial++
	return r.remember(chaintest.NewKey(fmt.Sprintf("property-%d", r.serial)))
}

func (r *propRun) remember(k chaintest.Key) chaintest.Key {
	r.byID[k.KeyID()] = k
	return k
}

func (r *propRun) orgIDs() []string {
	ids := slices.Sorted(maps.Keys(r.m.orgs))
	for _, o := range newOrgs {
		if !slices.Contains(ids, o.ID) {
			ids = append(ids, o.ID)
		}
	}
	return append(ids, "ghost-org")
}

// drawSigner picks who signs, and with which key.
func (r *propRun) drawSigner() (string, chaintest.Key) {
	t := r.t
	members := slices.Sorted(maps.Keys(r.m.members))
	switch n := rapid.IntRange(0, 99).Draw(t, "signer kind"); {
	case n < 60: // an admin, mostly of an organization that exists
		orgs := slices.Sorted(maps.Keys(r.m.orgs))
		if rapid.IntRange(0, 9).Draw(t, "any org") == 0 {
			orgs = r.orgIDs()
		}
		id := rapid.SampledFrom(orgs).Draw(t, "admin of") + "/admin"
		if ks := r.keys[id]; len(ks) > 0 {
			return id, ks[len(ks)-1]
		}
		return id, chaintest.NewKey(id)
	case n < 82:
		id := rapid.SampledFrom(members).Draw(t, "member")
		ks := r.keys[id]
		return id, ks[len(ks)-1]
	case n < 90:
		rotated := slices.DeleteFunc(slices.Clone(members), func(id string) bool { return len(r.keys[id]) < 2 })
		if len(rotated) == 0 {
			rotated = members
		}
		id := rapid.SampledFrom(rotated).Draw(t, "member with an old key")
		ks := r.keys[id]
		return id, ks[rapid.IntRange(0, len(ks)-1).Draw(t, "key")]
	case n < 96:
		id := rapid.SampledFrom(slices.Sorted(maps.Keys(r.m.patients))).Draw(t, "patient")
		ks := r.keys[id]
		return id, ks[len(ks)-1]
	default:
		return "ghost-org/admin", chaintest.NewKey("ghost-org/admin")
	}
}

// drawTx picks a transaction type and body for signer.
func (r *propRun) drawTx(signer string) (string, any) {
	t := r.t
	org, _, _ := strings.Cut(signer, "/")
	var colleagues []string // names of the members of the signer's organization
	for _, id := range slices.Sorted(maps.Keys(r.m.members)) {
		if o, name, _ := strings.Cut(id, "/"); o == org {
			colleagues = append(colleagues, name)
		}
	}
	// memberBody names a member: often a colleague with the wanted status
	// ("" for any), sometimes anyone or no one.
	memberBody := func(withKeys bool, status string) identity.MemberBody {
		name := rapid.SampledFrom([]string{"m1", "m2", "admin", "dr-chen", "packager", "x", "Bad_Name"}).Draw(t, "member name")
		var pool []string
		for _, c := range colleagues {
			if m := r.m.members[org+"/"+c]; (status == "" || m.Status == status) && m.ID != signer {
				pool = append(pool, c)
			}
		}
		if len(pool) > 0 && rapid.IntRange(0, 2).Draw(t, "colleague") != 0 {
			name = rapid.SampledFrom(pool).Draw(t, "colleague name")
		}
		if rapid.IntRange(0, 9).Draw(t, "qualified") == 0 {
			name = rapid.SampledFrom(r.orgIDs()).Draw(t, "member org") + "/" + name
		}
		b := identity.MemberBody{Member: name}
		if withKeys {
			k := r.newKey()
			b.SignKey, b.EncKey = k.Public(), k.Enc
			if rapid.IntRange(0, 19).Draw(t, "bad key") == 0 {
				b.SignKey = b.SignKey[:31]
			}
		}
		return b
	}
	switch n := rapid.IntRange(0, 19).Draw(t, "type"); {
	case n < 2:
		switch rapid.IntRange(0, 2).Draw(t, "action") {
		case 0:
			o := rapid.SampledFrom(append(slices.Clone(newOrgs), identity.Org{ID: "acme-pharma", Name: "Acme", Kind: identity.KindManufacturer, Jurisdiction: "US"})).Draw(t, "new org")
			k := r.remember(chaintest.NewKey(o.ID + "/admin"))
			return identity.TypePropose, identity.ProposeBody{Action: identity.ActionAddOrg, Org: &o,
				Admin: &identity.GenesisMember{ID: "admin", SignKey: k.Public(), EncKey: k.Enc}}
		case 1:
			return identity.TypePropose, identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: rapid.SampledFrom(r.orgIDs()).Draw(t, "target")}
		default:
			return identity.TypePropose, identity.ProposeBody{Action: identity.ActionReinstateOrg, Target: rapid.SampledFrom(r.orgIDs()).Draw(t, "target")}
		}
	case n < 10:
		p := uint64(rapid.IntRange(1, len(r.m.proposals)+1).Draw(t, "proposal"))
		var open []uint64
		for _, pr := range r.m.proposals {
			if pr.Status == identity.ProposalOpen {
				open = append(open, pr.ID)
			}
		}
		if len(open) > 0 {
			switch rapid.IntRange(0, 9).Draw(t, "which proposal") {
			case 0, 1, 2, 3, 4: // the oldest open one, so that some pass
				p = open[0]
			case 5, 6, 7:
				p = rapid.SampledFrom(open).Draw(t, "open")
			}
		}
		return identity.TypeVote, identity.VoteBody{Proposal: p, Approve: rapid.IntRange(0, 3).Draw(t, "approve") != 0}
	case n < 12:
		b := memberBody(true, "")
		b.Role = rapid.SampledFrom(everyRole).Draw(t, "role")
		return identity.TypeAddMember, b
	case n < 14:
		return identity.TypeSuspendMember, memberBody(false, identity.StatusActive)
	case n < 16:
		return identity.TypeReinstateMember, memberBody(false, identity.StatusSuspended)
	case n < 18:
		return identity.TypeRotateKey, memberBody(true, "")
	default:
		k := r.newKey()
		if len(r.m.patients) > 0 && rapid.IntRange(0, 4).Draw(t, "known patient") == 0 {
			ks := r.keys[rapid.SampledFrom(slices.Sorted(maps.Keys(r.m.patients))).Draw(t, "again")]
			k = ks[0]
		}
		return identity.TypeEnrollPatient, identity.EnrollBody{SignKey: k.Public(), EncKey: k.Enc}
	}
}

// learnKeys gives every member and patient whose key the model changed
// (a new member, a rotated key, an enrolled patient, a new org's admin) that
// key, so that later transactions can sign with it.
func (r *propRun) learnKeys() {
	learn := func(id, keyID string) {
		ks := r.keys[id]
		if len(ks) > 0 && ks[len(ks)-1].KeyID() == keyID {
			return
		}
		k, known := r.byID[keyID]
		if !known {
			r.t.Fatalf("no private key for %s (key id %s)", id, keyID)
		}
		r.keys[id] = append(ks, k)
	}
	for _, id := range slices.Sorted(maps.Keys(r.m.members)) {
		learn(id, r.m.members[id].KeyID)
	}
	for _, id := range slices.Sorted(maps.Keys(r.m.patients)) {
		learn(id, r.m.patients[id].KeyID)
	}
}

func TestIdentityModel(t *testing.T) {
	c := chaintest.Demo()
	outcomes := map[string]int{} // type and outcome -> count, to show what the runs exercised
	defer func() {
		if testing.Verbose() {
			for _, k := range slices.Sorted(maps.Keys(outcomes)) {
				t.Logf("%6d %s", outcomes[k], k)
			}
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		ch := chaintest.Open(rt, t.TempDir(), c)
		defer ch.Close()
		r := &propRun{t: rt, ch: ch, m: newIDModel(c), keys: map[string][]chaintest.Key{}, byID: map[string]chaintest.Key{}}
		for _, mem := range c.Members {
			r.keys[mem.ID] = []chaintest.Key{mem.Key}
		}
		for _, p := range c.Patients {
			r.keys[p.ID()] = []chaintest.Key{p.Key}
		}

		blocks := rapid.IntRange(1, 15).Draw(rt, "blocks")
		for range blocks {
			step := chaintest.BlockInterval
			switch rapid.IntRange(0, 39).Draw(rt, "time step") {
			case 0:
				step = identity.ProposalTTL + time.Hour
			case 1, 2, 3:
				step = 2 * 24 * time.Hour
			}
			r.m.height, r.m.now = ch.Height+1, ch.Time.Add(step)

			var txs [][]byte
			var wants []medledger.Code
			var what []string
			for range rapid.IntRange(0, 10).Draw(rt, "txs") {
				id, key := r.drawSigner()
				typ, body := r.drawTx(id)
				p := ch.Payload(id, typ, body)
				p.KeyID = key.KeyID()
				txs = append(txs, ch.SignWith(key.Sign, p))

				want := r.m.apply(id, key, typ, body)
				wants = append(wants, want)
				outcomes[fmt.Sprintf("%s %s", typ, cmp.Or(want.Slug, "ok"))]++
				if want == accepted && typ == identity.TypeVote {
					if pr := r.m.proposals[body.(identity.VoteBody).Proposal-1]; pr.Status != identity.ProposalOpen {
						outcomes["proposal "+pr.Status+" "+pr.Action]++
					}
				}
				r.learnKeys()
				what = append(what, fmt.Sprintf("%s by %s: %+v", typ, id, body))
			}
			res := ch.BlockAt(r.m.now, txs...)
			for i, got := range res {
				want := wants[i]
				if got.Code != want.Code || (want.Code != 0 && got.Codespace != want.Codespace) {
					rt.Fatalf("block %d tx %d, %s\n got %s\nwant %s/%d (%s)", ch.Height, i, what[i],
						chaintest.Describe(got), want.Codespace, want.Code, want.Slug)
				}
			}
			r.m.check(rt, ch.Latest())
		}
	})
}
