package identity_test

import (
	"cmp"
	"fmt"
	"maps"
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

// The recovery property test applies random sequences of a patient's key
// transactions (rotations, guardians, recovery requests, approvals and
// cancellations, freezes) by random signers (patients with their current
// or an old key, guardians and strangers, organizations through every
// kind of member) in blocks of random block time steps, some past the
// waiting period, and compares every result and, after every block, every
// patient, guardian set and recovery with a simple model. The model
// applies waiting recoveries at the end of the block, as the chain must.

// recWait is the test chain's waiting period.
const recWait = time.Hour

// recModel is the patients' keys, guardians and recoveries as the test
// expects them.
type recModel struct {
	patients   map[string]*recPatient
	guardians  map[string]*identity.Guardians
	recoveries []*identity.Recovery // rcv-(i+1)
	now        time.Time
	height     int64
}

type recPatient struct {
	key          chaintest.Key
	frozen       string
	frozenHeight int64
	since        int64
}

// recMember is a member signer of the test and its role.
type recMember struct{ id, org, role string }

var recMembers = []recMember{
	{"northside-hospital/admin", "northside-hospital", identity.RoleAdmin},
	{"northside-hospital/dr-chen", "northside-hospital", identity.RoleClinician},
	{"northside-hospital/pharmacist", "northside-hospital", identity.RolePharmacist},
	{"lakeside-clinic/admin", "lakeside-clinic", identity.RoleAdmin},
	{"lakeside-clinic/dr-patel", "lakeside-clinic", identity.RoleClinician},
	{"cityrx-pharmacy/admin", "cityrx-pharmacy", identity.RoleAdmin},
	{"cityrx-pharmacy/pharmacist", "cityrx-pharmacy", identity.RolePharmacist},
}

// acting is the model's answer to "which guardian of list does signer act
// as".
func (m *recModel) acting(signer string, list []string) (string, bool) {
	if _, isPatient := m.patients[signer]; isPatient {
		return signer, slices.Contains(list, signer)
	}
	if slices.Contains(list, signer) {
		return signer, true
	}
	for _, mem := range recMembers {
		if mem.id == signer && slices.Contains(list, mem.org) && (mem.role == identity.RoleAdmin || mem.role == identity.RoleClinician) {
			return mem.org, true
		}
	}
	return "", false
}

func (m *recModel) open(patient string) []*identity.Recovery {
	var out []*identity.Recovery
	for _, r := range m.recoveries {
		if r.Patient == patient && (r.Status == identity.RecoveryOpen || r.Status == identity.RecoveryWaiting) {
			out = append(out, r)
		}
	}
	return out
}

func (m *recModel) cancelOpen(patient, by, reason string) {
	for _, r := range m.open(patient) {
		r.Status, r.ClosedHeight, r.CancelledBy, r.Reason = identity.RecoveryCancelled, m.height, by, reason
	}
}

// setKeys is a rotation or recovery in the model.
func (m *recModel) setKeys(patient string, k chaintest.Key, how string) {
	p := m.patients[patient]
	p.key, p.frozen, p.frozenHeight, p.since = k, "", 0, m.height
	if g := m.guardians[patient]; g != nil {
		g.FreezeVotes = nil
	}
	if how == identity.ReasonRotated {
		m.cancelOpen(patient, patient, identity.ReasonRotated)
	} else {
		m.cancelOpen(patient, "", identity.ReasonSuperseded)
	}
}

var recModelOrgs = []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy"}

// checkGuardians mirrors the rules of a guardian set, in their order.
func (m *recModel) checkGuardians(patient string, list []string, th int) medledger.Code {
	if len(list) < identity.MinThreshold || len(list) > identity.MaxGuardians || th < identity.MinThreshold || th > len(list) {
		return identity.ErrInvalid
	}
	parties := map[string]bool{}
	for _, g := range list {
		party := g
		switch {
		case g == patient:
			return identity.ErrInvalid
		case strings.HasPrefix(g, identity.PatientPrefix):
			if m.patients[g] == nil {
				return identity.ErrPatientNotFound
			}
		case strings.Contains(g, "/"):
			if !slices.ContainsFunc(recMembers, func(r recMember) bool { return r.id == g }) {
				return identity.ErrMemberNotFound
			}
			party, _, _ = strings.Cut(g, "/")
		default:
			if !slices.Contains(recModelOrgs, g) {
				return identity.ErrOrgNotFound
			}
		}
		if parties[party] {
			return identity.ErrInvalid
		}
		parties[party] = true
	}
	return accepted
}

// apply is the model of one transaction of signer, signed with key.
func (m *recModel) apply(signer string, key chaintest.Key, typ string, body any) medledger.Code {
	p, isPatient := m.patients[signer]
	if isPatient && p.key.KeyID() != key.KeyID() {
		return tx.ErrKeyMismatch
	}
	if !isPatient && (typ == identity.TypePatientRotate || typ == identity.TypePatientGuardians) {
		return tx.ErrUnauthorized
	}
	switch b := body.(type) {
	case identity.RotateBody:
		if p.frozen == identity.FrozenByGuardians {
			return identity.ErrFrozen
		}
		if string(b.SignKey) == string(p.key.Public()) {
			return identity.ErrBadKey
		}
		m.setKeys(signer, recKeyOf(b.SignKey), identity.ReasonRotated)
	case identity.GuardiansBody:
		if p.frozen != "" {
			return identity.ErrFrozen
		}
		if c := m.checkGuardians(signer, b.Guardians, b.Threshold); c != accepted {
			return c
		}
		m.cancelOpen(signer, signer, identity.ReasonGuardiansChanged)
		m.guardians[signer] = &identity.Guardians{Patient: signer, Guardians: slices.Clone(b.Guardians), Threshold: b.Threshold, Height: m.height}
	case identity.RecoveryRequestBody:
		target := m.patients[b.Patient]
		if target == nil {
			return identity.ErrPatientNotFound
		}
		g := m.guardians[b.Patient]
		if g == nil {
			return identity.ErrNoGuardians
		}
		who, ok := m.acting(signer, g.Guardians)
		if !ok {
			return identity.ErrNotGuardian
		}
		if string(b.SignKey) == string(target.key.Public()) {
			return identity.ErrBadKey
		}
		for _, r := range m.open(b.Patient) {
			if r.RequestedBy == who {
				return identity.ErrRecoveryPending
			}
		}
		r := &identity.Recovery{ID: fmt.Sprintf("rcv-%d", len(m.recoveries)+1), Patient: b.Patient, SignKey: b.SignKey, EncKey: b.EncKey,
			KeyID: recKeyOf(b.SignKey).KeyID(), RequestedBy: who, Approvals: []string{who}, Threshold: g.Threshold, Status: identity.RecoveryOpen,
			Height: m.height, Time: m.now}
		m.recoveries = append(m.recoveries, r)
	case identity.RecoveryRef:
		r := m.recovery(b.Recovery)
		if r == nil {
			return identity.ErrRecoveryNotFound
		}
		if typ == identity.TypeRecoveryApprove {
			if r.Status != identity.RecoveryOpen {
				return identity.ErrRecoveryClosed
			}
			who, ok := m.acting(signer, m.guardians[r.Patient].Guardians)
			if !ok {
				return identity.ErrNotGuardian
			}
			if slices.Contains(r.Approvals, who) {
				return identity.ErrAlreadyApproved
			}
			r.Approvals = append(r.Approvals, who)
			if len(r.Approvals) >= r.Threshold {
				r.Status, r.Due = identity.RecoveryWaiting, m.now.Add(recWait)
			}
			return accepted
		}
		if r.Status != identity.RecoveryOpen && r.Status != identity.RecoveryWaiting {
			return identity.ErrRecoveryClosed
		}
		who := ""
		if signer == r.Patient {
			if m.patients[r.Patient].frozen == identity.FrozenByGuardians {
				return identity.ErrFrozen
			}
			who = signer
		} else if w, ok := m.acting(signer, m.guardians[r.Patient].Guardians); ok && w == r.RequestedBy {
			who = w
		}
		if who == "" {
			return identity.ErrNotGuardian
		}
		r.Status, r.ClosedHeight, r.CancelledBy, r.Reason = identity.RecoveryCancelled, m.height, who, identity.ReasonCancelled
	case identity.FreezeBody:
		if b.Patient == "" || b.Patient == signer {
			if !isPatient {
				return identity.ErrInvalid
			}
			if p.frozen != "" {
				return identity.ErrWrongStatus
			}
			p.frozen, p.frozenHeight = identity.FrozenByPatient, m.height
			return accepted
		}
		target := m.patients[b.Patient]
		if target == nil {
			return identity.ErrPatientNotFound
		}
		g := m.guardians[b.Patient]
		if g == nil {
			return identity.ErrNoGuardians
		}
		who, ok := m.acting(signer, g.Guardians)
		if !ok {
			return identity.ErrNotGuardian
		}
		if target.frozen == identity.FrozenByGuardians {
			return identity.ErrWrongStatus
		}
		if slices.Contains(g.FreezeVotes, who) {
			return identity.ErrAlreadyApproved
		}
		g.FreezeVotes = append(g.FreezeVotes, who)
		if len(g.FreezeVotes) >= g.Threshold {
			g.FreezeVotes = nil
			target.frozen, target.frozenHeight = identity.FrozenByGuardians, m.height
		}
	}
	return accepted
}

// endBlock applies, in the order they fall due, the waiting recoveries
// whose due time the block's time has reached.
func (m *recModel) endBlock() {
	var due []*identity.Recovery
	for _, r := range m.recoveries {
		if r.Status == identity.RecoveryWaiting && !r.Due.After(m.now) {
			due = append(due, r)
		}
	}
	slices.SortStableFunc(due, func(a, b *identity.Recovery) int {
		return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.ID, b.ID))
	})
	for _, r := range due {
		if r.Status != identity.RecoveryWaiting {
			continue // superseded by one due earlier in this block
		}
		r.Status, r.ClosedHeight = identity.RecoveryCompleted, m.height
		m.setKeys(r.Patient, recKeyOf(r.SignKey), identity.ReasonRecovered)
	}
}

func (m *recModel) recovery(id string) *identity.Recovery {
	for _, r := range m.recoveries {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// recKeys are every key the test makes, by their public signing key.
var recKeys = map[string]chaintest.Key{}

func recKey(name string) chaintest.Key {
	k := chaintest.NewKey(name)
	recKeys[string(k.Public())] = k
	return k
}

func recKeyOf(pub []byte) chaintest.Key { return recKeys[string(pub)] }

// check compares the chain's state with the model, and the invariants no
// model is needed for: a completed recovery had the threshold and reached
// its due time; a patient's id never changes.
func (m *recModel) check(t *rapid.T, snap state.Reader) {
	for _, id := range slices.Sorted(maps.Keys(m.patients)) {
		want := m.patients[id]
		got, found := identity.GetPatient(snap, id)
		if !found || got.ID != id || got.KeyID != want.key.KeyID() || string(got.EncKey) != string(want.key.Enc) ||
			got.Frozen != want.frozen || got.FrozenHeight != want.frozenHeight || (want.since != 0 && got.Since != want.since) {
			t.Fatalf("patient %s: got %+v, want key %s frozen %q at %d since %d", id, got, want.key.KeyID(), want.frozen, want.frozenHeight, want.since)
		}
		g, found := identity.GetGuardians(snap, id)
		if wg := m.guardians[id]; (wg == nil) != !found || (wg != nil && (!slices.Equal(g.Guardians, wg.Guardians) || g.Threshold != wg.Threshold ||
			!slices.Equal(g.FreezeVotes, wg.FreezeVotes) || g.Height != wg.Height)) {
			t.Fatalf("guardians of %s: got %+v (%v), want %+v", id, g, found, wg)
		}
		var wantOpen []string
		for _, r := range m.open(id) {
			wantOpen = append(wantOpen, r.ID)
		}
		var gotOpen []string
		for _, r := range identity.OpenRecoveries(snap, id) {
			gotOpen = append(gotOpen, r.ID)
		}
		if !slices.Equal(gotOpen, wantOpen) {
			t.Fatalf("open recoveries of %s: got %v, want %v", id, gotOpen, wantOpen)
		}
	}
	for _, want := range m.recoveries {
		got, found := identity.GetRecovery(snap, want.ID)
		if !found || got.Status != want.Status || !slices.Equal(got.Approvals, want.Approvals) || !got.Due.Equal(want.Due) ||
			got.RequestedBy != want.RequestedBy || got.ClosedHeight != want.ClosedHeight || got.CancelledBy != want.CancelledBy ||
			got.Reason != want.Reason || got.KeyID != want.KeyID || got.Threshold != want.Threshold {
			t.Fatalf("recovery %s: got %+v, want %+v", want.ID, got, *want)
		}
		if got.Status == identity.RecoveryCompleted && (len(got.Approvals) < got.Threshold || got.Threshold < identity.MinThreshold || got.Due.After(m.now)) {
			t.Fatalf("recovery %s completed with %d approvals of %d, due %s at %s", got.ID, len(got.Approvals), got.Threshold, got.Due, m.now)
		}
	}
	if _, found := identity.GetRecovery(snap, fmt.Sprintf("rcv-%d", len(m.recoveries)+1)); found {
		t.Fatalf("the chain has more recoveries than the model's %d", len(m.recoveries))
	}
}

// recRun draws the transactions of one run.
type recRun struct {
	t       *rapid.T
	m       *recModel
	ids     []string                   // the patients, in a fixed order
	oldKeys map[string][]chaintest.Key // every key each patient had
	serial  int
}

func (r *recRun) newKey() chaintest.Key {
	r.serial++
	return recKey(fmt.Sprintf("recovery-property-%d", r.serial))
}

// drawSigner picks a patient (with their current key, mostly) or a member.
func (r *recRun) drawSigner() (string, chaintest.Key) {
	t := r.t
	if rapid.IntRange(0, 1).Draw(t, "patient signs") == 0 {
		id := rapid.SampledFrom(r.ids).Draw(t, "patient")
		if ks := r.oldKeys[id]; len(ks) > 0 && rapid.IntRange(0, 5).Draw(t, "old key") == 0 {
			return id, rapid.SampledFrom(ks).Draw(t, "which old key")
		}
		return id, r.m.patients[id].key
	}
	mem := rapid.SampledFrom(recMembers).Draw(t, "member")
	return mem.id, chaintest.NewKey(mem.id)
}

// guardianCandidates may be named guardians: organizations, members,
// patients (one of them the patient, one unknown), and nonsense.
func (r *recRun) guardianCandidates() []string {
	return append([]string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy", "lakeside-clinic/dr-patel", "northside-hospital/dr-chen",
		"cityrx-pharmacy/pharmacist", "ghost-clinic", "pat-aaaaaaaaaaaaaaaaaaaaaaaa"}, r.ids...)
}

func (r *recRun) drawTx(signer string) (string, any) {
	t := r.t
	patient := rapid.SampledFrom(r.ids).Draw(t, "about patient")
	newKeys := func() (chaintest.Key, []byte, []byte) {
		k := r.newKey()
		if rapid.IntRange(0, 14).Draw(t, "current key again") == 0 {
			k = r.m.patients[patient].key
		}
		return k, k.Public(), k.Enc
	}
	recoveryRef := func() identity.RecoveryRef {
		n := len(r.m.recoveries)
		if n > 0 && rapid.IntRange(0, 3).Draw(t, "a live recovery") != 0 {
			var live []string
			for _, rec := range r.m.recoveries {
				if rec.Status == identity.RecoveryOpen || rec.Status == identity.RecoveryWaiting {
					live = append(live, rec.ID)
				}
			}
			if len(live) > 0 {
				return identity.RecoveryRef{Recovery: rapid.SampledFrom(live).Draw(t, "live recovery")}
			}
		}
		return identity.RecoveryRef{Recovery: fmt.Sprintf("rcv-%d", rapid.IntRange(1, n+1).Draw(t, "recovery"))}
	}
	switch n := rapid.IntRange(0, 19).Draw(t, "type"); {
	case n < 1:
		if _, isPatient := r.m.patients[signer]; isPatient {
			patient = signer
		}
		_, s, e := newKeys()
		return identity.TypePatientRotate, identity.RotateBody{SignKey: s, EncKey: e}
	case n < 3:
		cands := r.guardianCandidates()
		list := []string{}
		for range rapid.IntRange(1, 4).Draw(t, "guardians") {
			list = append(list, rapid.SampledFrom(cands).Draw(t, "guardian"))
		}
		return identity.TypePatientGuardians, identity.GuardiansBody{Guardians: list, Threshold: rapid.IntRange(1, 4).Draw(t, "threshold")}
	case n < 9:
		_, s, e := newKeys()
		return identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: patient, SignKey: s, EncKey: e}
	case n < 14:
		return identity.TypeRecoveryApprove, recoveryRef()
	case n < 16:
		return identity.TypeRecoveryCancel, recoveryRef()
	default:
		if rapid.IntRange(0, 3).Draw(t, "self freeze") == 0 {
			return identity.TypePatientFreeze, identity.FreezeBody{}
		}
		return identity.TypePatientFreeze, identity.FreezeBody{Patient: patient}
	}
}

// drawGuardianApproval, now and then, has a guardian of a live
// recovery's patient approve it, so that runs reach the threshold and the
// waiting period often.
func (r *recRun) drawGuardianApproval() (string, chaintest.Key, identity.RecoveryRef, bool) {
	t := r.t
	var live []*identity.Recovery
	for _, rec := range r.m.recoveries {
		if rec.Status == identity.RecoveryOpen {
			live = append(live, rec)
		}
	}
	if len(live) == 0 || rapid.IntRange(0, 2).Draw(t, "guardian approves") != 0 {
		return "", chaintest.Key{}, identity.RecoveryRef{}, false
	}
	rec := rapid.SampledFrom(live).Draw(t, "recovery to approve")
	g := rapid.SampledFrom(r.m.guardians[rec.Patient].Guardians).Draw(t, "approving guardian")
	if p := r.m.patients[g]; p != nil {
		return g, p.key, identity.RecoveryRef{Recovery: rec.ID}, true
	}
	var signers []string
	for _, mem := range recMembers {
		if mem.id == g || (mem.org == g && (mem.role == identity.RoleAdmin || mem.role == identity.RoleClinician)) {
			signers = append(signers, mem.id)
		}
	}
	if len(signers) == 0 {
		return "", chaintest.Key{}, identity.RecoveryRef{}, false
	}
	id := rapid.SampledFrom(signers).Draw(t, "signing for the guardian")
	return id, chaintest.NewKey(id), identity.RecoveryRef{Recovery: rec.ID}, true
}

func TestRecoveryModel(t *testing.T) {
	c := chaintest.Demo()
	c.RecoveryWait = recWait
	c.AddMember("northside-hospital/pharmacist", identity.RolePharmacist)
	relative := chaintest.Patient{Key: recKey("relative"), EnrolledBy: "northside-hospital"}
	c.Patients = append(c.Patients, relative)
	for _, p := range c.Patients {
		recKeys[string(p.Key.Public())] = p.Key
	}
	outcomes := map[string]int{}
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
		m := &recModel{patients: map[string]*recPatient{}, guardians: map[string]*identity.Guardians{}}
		r := &recRun{t: rt, m: m, oldKeys: map[string][]chaintest.Key{}}
		for _, p := range c.Patients {
			m.patients[p.ID()] = &recPatient{key: p.Key}
			r.ids = append(r.ids, p.ID())
		}
		// Most runs start with guardians, so that recoveries get far.
		ch.Block()
		if rapid.IntRange(0, 4).Draw(rt, "start with guardians") != 0 {
			m.height, m.now = ch.Height+1, ch.Time.Add(chaintest.BlockInterval)
			var txs [][]byte
			for i, id := range r.ids {
				b := identity.GuardiansBody{Guardians: []string{"northside-hospital", "lakeside-clinic/dr-patel", r.ids[(i+1)%len(r.ids)]}, Threshold: 2}
				txs = append(txs, ch.Sign(id, identity.TypePatientGuardians, b))
				if got := m.apply(id, m.patients[id].key, identity.TypePatientGuardians, b); got != accepted {
					rt.Fatalf("the model refuses the starting guardians: %v", got)
				}
			}
			for i, res := range ch.BlockAt(m.now, txs...) {
				chaintest.RequireOK(rt, res, fmt.Sprintf("guardians %d", i))
			}
		}
		for range rapid.IntRange(1, 12).Draw(rt, "blocks") {
			step := chaintest.BlockInterval
			switch rapid.IntRange(0, 9).Draw(rt, "time step") {
			case 0, 1:
				step = recWait
			case 2:
				step = recWait - time.Second
			case 3:
				step = 2 * recWait
			}
			m.height, m.now = ch.Height+1, ch.Time.Add(step)
			var txs [][]byte
			var wants []medledger.Code
			var what []string
			for range rapid.IntRange(0, 6).Draw(rt, "txs") {
				id, key := r.drawSigner()
				typ, body := r.drawTx(id)
				if gid, gkey, ref, found := r.drawGuardianApproval(); found {
					id, key, typ, body = gid, gkey, identity.TypeRecoveryApprove, ref
				}
				p := ch.Payload(id, typ, body)
				p.KeyID = key.KeyID()
				txs = append(txs, ch.SignWith(key.Sign, p))
				before := m.patients[id]
				var oldKey chaintest.Key
				if before != nil {
					oldKey = before.key
				}
				want := m.apply(id, key, typ, body)
				if before != nil && before.key.KeyID() != oldKey.KeyID() {
					r.oldKeys[id] = append(r.oldKeys[id], oldKey)
				}
				wants = append(wants, want)
				outcomes[typ+" "+cmp.Or(want.Slug, "ok")]++
				what = append(what, fmt.Sprintf("%s by %s: %+v", typ, id, body))
			}
			prev := map[string]chaintest.Key{}
			for id, p := range m.patients {
				prev[id] = p.key
			}
			m.endBlock()
			for id, p := range m.patients {
				if p.key.KeyID() != prev[id].KeyID() {
					r.oldKeys[id] = append(r.oldKeys[id], prev[id])
					outcomes["recovery completed"]++
				}
			}
			res := ch.BlockAt(m.now, txs...)
			for i, got := range res {
				want := wants[i]
				if got.Code != want.Code || (want.Code != 0 && got.Codespace != want.Codespace) {
					rt.Fatalf("block %d tx %d, %s\n got %s\nwant %s/%d (%s)", ch.Height, i, what[i], chaintest.Describe(got), want.Codespace, want.Code, want.Slug)
				}
			}
			m.check(rt, ch.Latest())
		}
	})
}
