package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

// guarded is the guardian set of TestGuardianMatrix: the hospital that
// enrolled the patient (through its admins and clinicians), a relative
// with a patient key of their own, and one clinician of another
// organization named personally; 2 of 3.
func guarded(relative string) identity.GuardiansBody {
	return identity.GuardiansBody{Guardians: []string{"northside-hospital", relative, "lakeside-clinic/dr-patel"}, Threshold: 2}
}

// guardianRow is one signer of the guardian matrix and what each of its
// acts on a patient it may or may not guard must give.
type guardianRow struct {
	who                              string // a signer id, or "self" for the patient, "relative" for the guardian patient
	request, approve, cancel, freeze medledger.Code
}

var ok = medledger.Code{}

// guardianMatrix is who may act on a guarded patient, as data. Approve and
// cancel act on a recovery the relative asked for; freeze names the
// patient. Every signer not listed (every other role of every kind, and
// another patient) MUST get identity/not-guardian for all four: that is
// the default row.
var guardianMatrix = []guardianRow{
	// The patient is not their own guardian, but cancels any recovery and
	// freezes themselves.
	{"self", identity.ErrNotGuardian, identity.ErrNotGuardian, ok, ok},
	// The relative asked, so approving again is refused; cancels their own.
	{"relative", ok, identity.ErrAlreadyApproved, ok, ok},
	// The hospital acts through its admins and clinicians: each is the
	// hospital, one guardian.
	{"northside-hospital/admin", ok, ok, identity.ErrNotGuardian, ok},
	{"northside-hospital/dr-chen", ok, ok, identity.ErrNotGuardian, ok},
	// Its other roles are not the hospital.
	{"northside-hospital/pharmacist", identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian},
	{"northside-hospital/coordinator", identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian},
	{"northside-hospital/biller", identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian},
	// A member named personally is a guardian; their organization's
	// admin is not.
	{"lakeside-clinic/dr-patel", ok, ok, identity.ErrNotGuardian, ok},
	{"lakeside-clinic/admin", identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian, identity.ErrNotGuardian},
}

var notGuardian = guardianRow{request: identity.ErrNotGuardian, approve: identity.ErrNotGuardian, cancel: identity.ErrNotGuardian, freeze: identity.ErrNotGuardian}

// TestGuardianMatrix sends each act of recovery and freezing from every
// role of every kind, the patient, their guardian relative and another
// patient, each on a patient of its own with the same guardians, and
// checks the matrix: only the patient's guardians act, an organization
// only through its admins and clinicians.
func TestGuardianMatrix(t *testing.T) {
	c := chaintest.Demo().WithEveryRole()
	relative := chaintest.Patient{Key: chaintest.NewKey("relative"), EnrolledBy: "northside-hospital"}
	c.Patients = append(c.Patients, relative)
	rows := slices.Clone(guardianMatrix)
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.who] = true
	}
	for _, m := range c.Members {
		if !listed[m.ID] {
			r := notGuardian
			r.who = m.ID
			rows = append(rows, r)
		}
	}
	other := notGuardian
	other.who = c.Patients[1].ID()
	rows = append(rows, other)
	// Every row guards a patient of its own (guarded by the same three).
	wardOf := func(i int) chaintest.Key { return chaintest.NewKey(fmt.Sprintf("guarded-%d", i)) }
	for i := range rows {
		c.Patients = append(c.Patients, chaintest.Patient{Key: wardOf(i), EnrolledBy: "northside-hospital"})
	}
	for _, op := range []string{"request", "approve", "cancel", "freeze"} {
		t.Run(op, func(t *testing.T) {
			ch := chaintest.New(t, c)
			ch.Block()
			var setup, txs [][]byte
			for i := range rows {
				w := identity.PatientID(wardOf(i).Public())
				setup = append(setup, ch.Sign(w, identity.TypePatientGuardians, guarded(relative.ID())))
			}
			for i := range rows {
				if op == "approve" || op == "cancel" {
					k := chaintest.NewKey(fmt.Sprintf("asked-%d", i))
					setup = append(setup, ch.Sign(relative.ID(), identity.TypeRecoveryRequest,
						identity.RecoveryRequestBody{Patient: identity.PatientID(wardOf(i).Public()), SignKey: k.Public(), EncKey: k.Enc}))
				}
			}
			for i, r := range ch.Block(setup...) {
				chaintest.RequireOK(t, r, fmt.Sprintf("setup %d", i))
			}
			var want []medledger.Code
			for i, r := range rows {
				w := identity.PatientID(wardOf(i).Public())
				signer := r.who
				switch r.who {
				case "self":
					signer = w
				case "relative":
					signer = relative.ID()
				}
				rcv := identity.RecoveryRef{Recovery: fmt.Sprintf("rcv-%d", i+1)}
				k := chaintest.NewKey(fmt.Sprintf("new-%d", i))
				switch op {
				case "request":
					txs = append(txs, ch.Sign(signer, identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: w, SignKey: k.Public(), EncKey: k.Enc}))
					want = append(want, r.request)
				case "approve":
					txs = append(txs, ch.Sign(signer, identity.TypeRecoveryApprove, rcv))
					want = append(want, r.approve)
				case "cancel":
					txs = append(txs, ch.Sign(signer, identity.TypeRecoveryCancel, rcv))
					want = append(want, r.cancel)
				case "freeze":
					txs = append(txs, ch.Sign(signer, identity.TypePatientFreeze, identity.FreezeBody{Patient: w}))
					want = append(want, r.freeze)
				}
			}
			for i, res := range ch.Block(txs...) {
				switch {
				case want[i] == ok && res.Code != 0:
					t.Errorf("%s by %s: got %s, want ok", op, rows[i].who, chaintest.Describe(res))
				case want[i] != ok && !chaintest.Is(res, want[i]):
					t.Errorf("%s by %s: got %s, want %s", op, rows[i].who, chaintest.Describe(res), want[i].Slug)
				}
			}
		})
	}
}

// recoveryChain is the demo consortium with the records module (which
// keeps the patients' log), a relative patient, and alice's guardians set.
type recoveryChain struct {
	*chaintest.Chain
	c                *chaintest.Consortium
	alice, relative  string
	aliceKey, relKey chaintest.Key
	wait             time.Duration
}

func newRecoveryChain(t *testing.T) *recoveryChain {
	c := chaintest.Demo()
	c.Modules = []app.Module{records.Module{}}
	c.RecoveryWait = 72 * time.Hour
	rc := &recoveryChain{c: c, aliceKey: c.Patients[0].Key, relKey: chaintest.NewKey("relative"), wait: c.RecoveryWait}
	c.Patients = append(c.Patients, chaintest.Patient{Key: rc.relKey, EnrolledBy: "northside-hospital"})
	rc.alice, rc.relative = c.Patients[0].ID(), c.Patients[2].ID()
	rc.Chain = chaintest.New(t, c)
	rc.Block()
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.alice, identity.TypePatientGuardians, guarded(rc.relative))), "alice names guardians")
	return rc
}

func (rc *recoveryChain) patient(t *testing.T) identity.Patient {
	t.Helper()
	p, found := identity.GetPatient(rc.Latest(), rc.alice)
	if !found {
		t.Fatal("alice is gone")
	}
	return p
}

// logEvents lists the identity events on alice's log, in order.
func (rc *recoveryChain) logEvents() []string {
	var out []string
	for _, d := range records.PatientDisclosures(rc.Latest(), rc.alice) {
		if d.Identity != nil {
			out = append(out, d.Identity.Event)
		}
	}
	return out
}

// TestRecoveryLifecycle: a recovery by the threshold takes effect only
// after the waiting period (at the end of the first block past it), the
// old key can cancel it within the period, a recovery below the threshold
// never takes effect, the patient's id never changes, the old key is
// refused after, and every step is on the patient's log.
func TestRecoveryLifecycle(t *testing.T) {
	rc := newRecoveryChain(t)
	newKey := chaintest.NewKey("alice-new-phone")
	ask := func(by string, k chaintest.Key) *chaintest.Chain {
		chaintest.RequireOK(t, rc.Deliver(rc.Sign(by, identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: rc.alice, SignKey: k.Public(), EncKey: k.Enc})), by+" asks")
		return rc.Chain
	}

	// Below the threshold: one guardian asks, and the waiting period
	// passes; nothing happens.
	ask("northside-hospital/admin", newKey)
	rc.BlockAt(rc.Time.Add(2 * rc.wait))
	if p := rc.patient(t); p.KeyID != rc.aliceKey.KeyID() {
		t.Fatal("a recovery asked by one guardian took effect")
	}
	r, _ := identity.GetRecovery(rc.Latest(), "rcv-1")
	if r.Status != identity.RecoveryOpen || len(r.Approvals) != 1 || !r.Due.IsZero() {
		t.Fatalf("rcv-1 after the period with one approval: %+v", r)
	}
	// The hospital's clinician is the hospital again: refused.
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("northside-hospital/dr-chen", identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"})),
		identity.ErrAlreadyApproved, "the same organization approves twice")

	// The relative approves: the threshold is reached, the period starts.
	approvedAt := rc.Time.Add(chaintest.BlockInterval)
	res := rc.BlockAt(approvedAt, rc.Sign(rc.relative, identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"}))
	chaintest.RequireOK(t, res[0], "relative approves")
	r, _ = identity.GetRecovery(rc.Latest(), "rcv-1")
	if r.Status != identity.RecoveryWaiting || !r.Due.Equal(approvedAt.Add(rc.wait)) {
		t.Fatalf("rcv-1 approved by 2 of 2: %+v, want waiting until %s", r, approvedAt.Add(rc.wait))
	}
	// Within the period, the old key cancels it.
	rc.BlockAt(r.Due.Add(-time.Minute))
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.alice, identity.TypeRecoveryCancel, identity.RecoveryRef{Recovery: "rcv-1"})), "alice cancels with her key")
	rc.BlockAt(r.Due.Add(time.Hour))
	if p := rc.patient(t); p.KeyID != rc.aliceKey.KeyID() {
		t.Fatal("a cancelled recovery took effect")
	}
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("lakeside-clinic/dr-patel", identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"})),
		identity.ErrRecoveryClosed, "approving a cancelled recovery")

	// Again, approved by 2 of 3, and not cancelled: it takes effect at the
	// end of the first block at or past its due time, not before.
	ask("lakeside-clinic/dr-patel", newKey)
	approvedAt = rc.Time.Add(chaintest.BlockInterval)
	chaintest.RequireOK(t, rc.BlockAt(approvedAt, rc.Sign("northside-hospital/dr-chen", identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-2"}))[0], "dr-chen approves for the hospital")
	due := approvedAt.Add(rc.wait)
	rc.BlockAt(due.Add(-time.Nanosecond))
	if p := rc.patient(t); p.KeyID != rc.aliceKey.KeyID() {
		t.Fatal("the recovery took effect before its due time")
	}
	// The old key still signs until then: a transaction of the last block.
	oldTx := rc.Sign(rc.alice, notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest("x"), Kind: "lab-report"})
	fin := rc.Finalize(due)
	rc.Commit(fin.AppHash)
	evs := map[string]bool{}
	for _, e := range fin.Events {
		evs[e.Type] = true
	}
	if !evs[identity.EventRecoveryCompleted] || !evs[app.EventPatientKeyChanged] {
		t.Fatalf("the block at the due time has events %v, want the recovery's", fin.Events)
	}
	p := rc.patient(t)
	if p.ID != rc.alice || p.KeyID != newKey.KeyID() || p.Since != rc.Height {
		t.Fatalf("after the recovery alice is %+v, want id %s and key %s", p, rc.alice, newKey.KeyID())
	}
	if r, _ := identity.GetRecovery(rc.Latest(), "rcv-2"); r.Status != identity.RecoveryCompleted || r.ClosedHeight != rc.Height {
		t.Fatalf("rcv-2 after its due time: %+v", r)
	}
	if open := identity.OpenRecoveries(rc.Latest(), rc.alice); len(open) != 0 {
		t.Fatalf("open recoveries after completion: %+v", open)
	}
	// The old key is refused; the new one signs as the same id.
	chaintest.RequireCode(t, rc.Deliver(oldTx), tx.ErrKeyMismatch, "the old key after the recovery")
	rc.SetKey(rc.alice, newKey.Sign)
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic",
		Purposes: []string{records.PurposeTreatment}, NotAfter: rc.Time.Add(24 * time.Hour)})), "alice grants with her new key")

	want := []string{app.PatientGuardiansSet, app.PatientRecoveryRequested, app.PatientRecoveryApproved, app.PatientRecoveryCancelled,
		app.PatientRecoveryRequested, app.PatientRecoveryApproved, app.PatientRecoveryCompleted}
	if got := rc.logEvents(); !slices.Equal(got, want) {
		t.Fatalf("alice's log: %v, want %v", got, want)
	}
	// The pending recovery shows on the log with when it takes effect.
	for _, d := range records.PatientDisclosures(rc.Latest(), rc.alice) {
		if d.Identity != nil && d.Identity.Event == app.PatientRecoveryApproved && d.Identity.Recovery == "rcv-2" {
			if !d.Identity.Due.Equal(due) || d.Identity.Approvals != 2 || d.Identity.Threshold != 2 || d.Identity.Actor != "northside-hospital" || d.Identity.Signer != "northside-hospital/dr-chen" {
				t.Fatalf("the approval on the log: %+v", d.Identity)
			}
		}
	}
}

// TestRotation: the patient rotates with the current key; the old key is
// refused from the next transaction, the id stays, open recoveries are
// cancelled, and a patient's own freeze is lifted.
func TestRotation(t *testing.T) {
	rc := newRecoveryChain(t)
	stranger := chaintest.NewKey("stranger")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypeRecoveryRequest,
		identity.RecoveryRequestBody{Patient: rc.alice, SignKey: stranger.Public(), EncKey: stranger.Enc})), "a request")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.alice, identity.TypePatientFreeze, identity.FreezeBody{})), "alice freezes")
	if p := rc.patient(t); p.Frozen != identity.FrozenByPatient {
		t.Fatalf("alice after freezing: %+v", p)
	}
	next := chaintest.NewKey("alice-2")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign(rc.alice, identity.TypePatientRotate, identity.RotateBody{SignKey: rc.aliceKey.Public(), EncKey: next.Enc})),
		identity.ErrBadKey, "rotating to the current key")
	old := rc.Sign(rc.alice, identity.TypePatientFreeze, identity.FreezeBody{})
	res := rc.Block(rc.Sign(rc.alice, identity.TypePatientRotate, identity.RotateBody{SignKey: next.Public(), EncKey: next.Enc}), old)
	chaintest.RequireOK(t, res[0], "rotation")
	chaintest.RequireCode(t, res[1], tx.ErrKeyMismatch, "the old key in the same block, after the rotation")
	p := rc.patient(t)
	if p.ID != rc.alice || p.KeyID != next.KeyID() || p.Frozen != "" || string(p.EncKey) != string(next.Enc) {
		t.Fatalf("alice after rotating: %+v", p)
	}
	if r, _ := identity.GetRecovery(rc.Latest(), "rcv-1"); r.Status != identity.RecoveryCancelled || r.Reason != identity.ReasonRotated {
		t.Fatalf("the open recovery after a rotation: %+v", r)
	}
	want := []string{app.PatientGuardiansSet, app.PatientRecoveryRequested, app.PatientFrozen, app.PatientKeyRotated, app.PatientUnfrozen, app.PatientRecoveryCancelled}
	if got := rc.logEvents(); !slices.Equal(got, want) {
		t.Fatalf("alice's log: %v, want %v", got, want)
	}
}

// TestFreezeByGuardians: guardians freeze by the threshold; the frozen key
// can then neither rotate, nor cancel a recovery, nor name guardians, and
// records refuses grants and erasure and logs reads by the patient or on
// consent as refused while break-glass works; a recovery lifts it.
func TestFreezeByGuardians(t *testing.T) {
	rc := newRecoveryChain(t)
	// A record of alice's and a consent for lakeside, before the freeze.
	add := records.AddBody{Patient: rc.alice, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: chaintest.Digest("doc"), Ref: "doc-1"}
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("northside-hospital/dr-chen", records.TypeAdd, add)), "add a record")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.alice, records.TypeGrant, records.GrantBody{Grantee: "lakeside-clinic",
		Purposes: []string{records.PurposeTreatment}, NotAfter: rc.Time.Add(24 * time.Hour)})), "grant")

	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.relative, identity.TypePatientFreeze, identity.FreezeBody{Patient: rc.alice})), "relative asks to freeze")
	if p := rc.patient(t); p.Frozen != "" {
		t.Fatal("one guardian froze alice")
	}
	chaintest.RequireCode(t, rc.Deliver(rc.Sign(rc.relative, identity.TypePatientFreeze, identity.FreezeBody{Patient: rc.alice})),
		identity.ErrAlreadyApproved, "the same guardian again")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("unity-health-plan/admin", identity.TypePatientFreeze, identity.FreezeBody{Patient: rc.alice})),
		identity.ErrNotGuardian, "a stranger")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypePatientFreeze, identity.FreezeBody{Patient: rc.alice})), "the hospital asks")
	if p := rc.patient(t); p.Frozen != identity.FrozenByGuardians {
		t.Fatalf("alice after 2 of 3 guardians: %+v", p)
	}

	next := chaintest.NewKey("thief-key")
	for _, tc := range []struct {
		what string
		typ  string
		body any
		want medledger.Code
	}{
		{"rotate", identity.TypePatientRotate, identity.RotateBody{SignKey: next.Public(), EncKey: next.Enc}, identity.ErrFrozen},
		{"name guardians", identity.TypePatientGuardians, guarded(rc.relative), identity.ErrFrozen},
		{"grant", records.TypeGrant, records.GrantBody{Grantee: "cityrx-pharmacy", Purposes: []string{records.PurposeTreatment}, NotAfter: rc.Time.Add(time.Hour)}, records.ErrFrozen},
		{"erase", records.TypeErase, records.RecordRef{Record: "rec-1"}, records.ErrFrozen},
		{"freeze again", identity.TypePatientFreeze, identity.FreezeBody{}, identity.ErrWrongStatus},
	} {
		chaintest.RequireCode(t, rc.Deliver(rc.Sign(rc.alice, tc.typ, tc.body)), tc.want, "frozen alice: "+tc.what)
	}
	// Reads: alice's own and lakeside's on consent are logged refused;
	// break-glass and northside's clinician (the custodian) read.
	reads := []struct {
		who, purpose, glass, outcome string
	}{
		{rc.alice, records.PurposeTreatment, "", records.OutcomeRefused},
		{"lakeside-clinic/dr-patel", records.PurposeTreatment, "", records.OutcomeRefused},
		{"lakeside-clinic/dr-patel", records.PurposeEmergencyTreatment, "unconscious-patient", records.OutcomeGranted},
		{"northside-hospital/dr-chen", records.PurposeTreatment, "", records.OutcomeGranted},
	}
	for _, r := range reads {
		chaintest.RequireOK(t, rc.Deliver(rc.Sign(r.who, records.TypeAccess, records.AccessBody{Record: "rec-1", Purpose: r.purpose, BreakGlass: r.glass})), "access by "+r.who)
		ds := records.PatientDisclosures(rc.Latest(), rc.alice)
		if d := ds[len(ds)-1]; d.Outcome != r.outcome || (r.outcome == records.OutcomeRefused && !strings.Contains(d.Missing, "frozen")) {
			t.Errorf("read by %s of frozen alice: %s (%s), want %s", r.who, d.Outcome, d.Missing, r.outcome)
		}
	}
	// The frozen key cannot cancel a recovery; the guardians recover.
	newKey := chaintest.NewKey("alice-new-phone")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.relative, identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: rc.alice, SignKey: newKey.Public(), EncKey: newKey.Enc})), "request")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("lakeside-clinic/dr-patel", identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"})), "approve")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign(rc.alice, identity.TypeRecoveryCancel, identity.RecoveryRef{Recovery: "rcv-1"})), identity.ErrFrozen, "the frozen key cancels")
	rc.BlockAt(rc.Time.Add(rc.wait))
	p := rc.patient(t)
	if p.Frozen != "" || p.KeyID != newKey.KeyID() {
		t.Fatalf("alice after the recovery: %+v", p)
	}
	rc.SetKey(rc.alice, newKey.Sign)
	chaintest.RequireOK(t, rc.Deliver(rc.Sign(rc.alice, records.TypeAccess, records.AccessBody{Record: "rec-1", Purpose: records.PurposeTreatment})), "alice reads again")
	ds := records.PatientDisclosures(rc.Latest(), rc.alice)
	if d := ds[len(ds)-1]; d.Outcome != records.OutcomeGranted || d.Ground != records.GroundPatient {
		t.Fatalf("alice's read after the recovery: %+v", d)
	}
	events := rc.logEvents()
	for _, want := range []string{app.PatientFreezeRequested, app.PatientFrozen, app.PatientRecoveryCompleted, app.PatientUnfrozen} {
		if !slices.Contains(events, want) {
			t.Errorf("alice's log lacks %s: %v", want, events)
		}
	}
}

// TestGuardiansRules: no guardian alone (a threshold of 1, one guardian,
// two of one organization), no unknown or suspended guardian, not oneself.
func TestGuardiansRules(t *testing.T) {
	rc := newRecoveryChain(t)
	for _, tc := range []struct {
		what string
		body identity.GuardiansBody
		want medledger.Code
	}{
		{"threshold 1", identity.GuardiansBody{Guardians: []string{"northside-hospital", rc.relative}, Threshold: 1}, identity.ErrInvalid},
		{"one guardian", identity.GuardiansBody{Guardians: []string{"northside-hospital"}, Threshold: 1}, identity.ErrInvalid},
		{"threshold above the guardians", identity.GuardiansBody{Guardians: []string{"northside-hospital", rc.relative}, Threshold: 3}, identity.ErrInvalid},
		{"an organization and its member", identity.GuardiansBody{Guardians: []string{"northside-hospital", "northside-hospital/dr-chen"}, Threshold: 2}, identity.ErrInvalid},
		{"two members of one organization", identity.GuardiansBody{Guardians: []string{"lakeside-clinic/admin", "lakeside-clinic/dr-patel"}, Threshold: 2}, identity.ErrInvalid},
		{"twice the same", identity.GuardiansBody{Guardians: []string{rc.relative, rc.relative}, Threshold: 2}, identity.ErrInvalid},
		{"oneself", identity.GuardiansBody{Guardians: []string{rc.alice, rc.relative}, Threshold: 2}, identity.ErrInvalid},
		{"unknown organization", identity.GuardiansBody{Guardians: []string{"nowhere-clinic", rc.relative}, Threshold: 2}, identity.ErrOrgNotFound},
		{"unknown member", identity.GuardiansBody{Guardians: []string{"lakeside-clinic/nobody", rc.relative}, Threshold: 2}, identity.ErrMemberNotFound},
		{"unknown patient", identity.GuardiansBody{Guardians: []string{"pat-aaaaaaaaaaaaaaaaaaaaaaaa", rc.relative}, Threshold: 2}, identity.ErrPatientNotFound},
		{"eight", identity.GuardiansBody{Guardians: []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy", "acme-pharma", "medsupply-dist", "unity-health-plan", "heartwell-trials", "state-medical-board"}, Threshold: 2}, identity.ErrInvalid},
	} {
		chaintest.RequireCode(t, rc.Deliver(rc.Sign(rc.alice, identity.TypePatientGuardians, tc.body)), tc.want, tc.what)
	}
	// A patient without guardians cannot be recovered or frozen by anyone.
	bob := rc.c.Patients[1].ID()
	k := chaintest.NewKey("bob-new")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: bob, SignKey: k.Public(), EncKey: k.Enc})),
		identity.ErrNoGuardians, "recovery of a patient without guardians")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypePatientFreeze, identity.FreezeBody{Patient: bob})),
		identity.ErrNoGuardians, "freeze of a patient without guardians")
	// Guardians at enrolment.
	carol := chaintest.NewKey("carol")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("northside-hospital/dr-chen", identity.TypeEnrollPatient, identity.EnrollBody{SignKey: carol.Public(), EncKey: carol.Enc,
		Guardians: []string{"northside-hospital", rc.relative}, Threshold: 2})), "enrol with guardians")
	if g, found := identity.GetGuardians(rc.Latest(), identity.PatientID(carol.Public())); !found || g.Threshold != 2 || len(g.Guardians) != 2 {
		t.Fatalf("carol's guardians: %+v", g)
	}
	dave := chaintest.NewKey("dave")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("northside-hospital/dr-chen", identity.TypeEnrollPatient, identity.EnrollBody{SignKey: dave.Public(), EncKey: dave.Enc,
		Guardians: []string{"northside-hospital"}, Threshold: 1})), identity.ErrInvalid, "enrol with one guardian")
	if _, found := identity.GetPatient(rc.Latest(), identity.PatientID(dave.Public())); found {
		t.Fatal("a refused enrolment enrolled dave")
	}
}

// TestCustodianCannotTakeOver: the organization that holds a patient's
// records, a guardian itself, cannot recover the patient alone by any
// number of its members, and an organization that holds records but is
// no guardian cannot even ask.
func TestCustodianCannotTakeOver(t *testing.T) {
	rc := newRecoveryChain(t)
	add := records.AddBody{Patient: rc.alice, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: chaintest.Digest("doc"), Ref: "doc-1"}
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("northside-hospital/dr-chen", records.TypeAdd, add)), "northside holds a record")
	thief := chaintest.NewKey("hospital-takeover")
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: rc.alice, SignKey: thief.Public(), EncKey: thief.Enc})), "the hospital asks")
	for _, m := range []string{"northside-hospital/dr-chen", "northside-hospital/admin"} {
		chaintest.RequireCode(t, rc.Deliver(rc.Sign(m, identity.TypeRecoveryApprove, identity.RecoveryRef{Recovery: "rcv-1"})), identity.ErrAlreadyApproved, m+" approves its own organization's request")
	}
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypePatientGuardians, guarded(rc.relative))), tx.ErrUnauthorized, "the hospital names guardians for alice")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("northside-hospital/admin", identity.TypePatientRotate, identity.RotateBody{SignKey: thief.Public(), EncKey: thief.Enc})), tx.ErrUnauthorized, "the hospital rotates alice's key")
	rc.BlockAt(rc.Time.Add(10 * rc.wait))
	if p := rc.patient(t); p.KeyID != rc.aliceKey.KeyID() {
		t.Fatal("the custodian took over alice alone")
	}
	// lakeside-clinic stores records of alice too, and is no guardian.
	chaintest.RequireOK(t, rc.Deliver(rc.Sign("lakeside-clinic/dr-patel", records.TypeAdd, add)), "lakeside holds a record")
	chaintest.RequireCode(t, rc.Deliver(rc.Sign("lakeside-clinic/admin", identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: rc.alice, SignKey: thief.Public(), EncKey: thief.Enc})),
		identity.ErrNotGuardian, "a custodian that is no guardian asks")
}
