package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// txOut is the JSON every tx command prints, with the fields some add.
type txOut struct {
	Type     string `json:"type"`
	Signer   string `json:"signer"`
	Hash     string `json:"tx_hash"`
	Height   int64  `json:"height"`
	Proposal uint64 `json:"proposal"`
	Status   string `json:"status"`
	Yes      int    `json:"yes"`
	No       int    `json:"no"`
	Member   string `json:"member"`
	Patient  string `json:"patient"`
	KeyID    string `json:"key_id"`
}

func (e *testEnv) tx(t *testing.T, args ...string) txOut {
	t.Helper()
	var o txOut
	e.runJSON(t, &o, append([]string{"tx", "identity"}, args...)...)
	if o.Height < 1 || len(o.Hash) != 64 || o.Signer == "" {
		t.Fatalf("tx identity %v -o json = %+v: want height, hash and signer", args, o)
	}
	return o
}

func (e *testEnv) org(t *testing.T, id string) (identity.Org, bool) {
	t.Helper()
	r := e.run(t, "-o", "json", "query", "org", id)
	if r.code != 0 {
		r.refused(t, "org-not-found")
		return identity.Org{}, false
	}
	var o identity.Org
	r.json(t, &o)
	return o, true
}

func (e *testEnv) member(t *testing.T, id string) identity.Member {
	t.Helper()
	var m identity.Member
	e.runJSON(t, &m, "query", "member", id)
	return m
}

// TestIdentityTx runs every tx identity command: the governance flow that
// adds an organization (a majority of the nine demo organizations, five, must
// approve), member management, key rotation, patient enrollment, and
// suspending and reinstating an organization.
func TestIdentityTx(t *testing.T) {
	t.Parallel()
	e := startEnv(t)

	// The new organization makes its admin key and hands over the public part.
	e.run(t, "keys", "add", "newco/admin", "--insecure").ok(t)

	// The add-org proposal needs 5 of 9 organizations: the proposer's is the first yes.
	p := e.tx(t, "propose-add-org", "--org", "newco", "--name", "New Co Clinic", "--kind", "clinic", "--jurisdiction", "US-CA", "--as", "northside-hospital/admin")
	if p.Proposal != 1 || p.Status != identity.ProposalOpen || p.Yes != 1 {
		t.Fatalf("propose-add-org = %+v, want proposal 1 open with 1 yes", p)
	}
	e.run(t, "tx", "identity", "vote", "1", "--as", "lakeside-clinic/admin").refused(t, "exactly one of --approve and --reject")
	e.run(t, "tx", "identity", "vote", "1", "--approve", "--reject", "--as", "lakeside-clinic/admin").refused(t, "exactly one of --approve and --reject")
	for i, as := range []string{"lakeside-clinic/admin", "cityrx-pharmacy/admin", "acme-pharma/admin"} {
		if _, ok := e.org(t, "newco"); ok {
			t.Fatalf("newco exists after %d yes votes", i+1)
		}
		v := e.tx(t, "vote", "1", "--approve", "--as", as)
		if v.Status != identity.ProposalOpen || v.Yes != i+2 {
			t.Fatalf("vote %d = %+v, want open with %d yes", i+2, v, i+2)
		}
	}
	v := e.tx(t, "vote", "1", "--reject", "--as", "medsupply-dist/admin")
	if v.Status != identity.ProposalOpen || v.Yes != 4 || v.No != 1 {
		t.Fatalf("reject vote = %+v, want open, 4 yes, 1 no", v)
	}
	if _, ok := e.org(t, "newco"); ok {
		t.Fatal("newco exists after 4 yes votes of 9")
	}
	e.run(t, "tx", "identity", "vote", "1", "--approve", "--as", "unity-health-plan/admin").ok(t).says(t, "passed")
	o, ok := e.org(t, "newco")
	if !ok || o.Status != identity.StatusActive || o.Kind != identity.KindClinic || o.Jurisdiction != "US-CA" {
		t.Fatalf("after the 5th yes: newco = %+v, %v; want an active clinic in US-CA", o, ok)
	}
	e.run(t, "query", "org", "newco").ok(t).says(t, "newco/admin", "admin")
	e.run(t, "tx", "identity", "vote", "1", "--approve", "--as", "heartwell-trials/admin").refused(t, "proposal-closed")
	e.run(t, "tx", "identity", "vote", "1", "--approve", "--as", "northside-hospital/admin").refused(t, "proposal-closed")
	e.run(t, "tx", "identity", "propose-add-org", "--org", "newco", "--kind", "clinic", "--as", "northside-hospital/admin").refused(t, "org-exists")
	e.run(t, "tx", "identity", "propose-add-org", "--org", "other", "--kind", "clinic", "--admin-key", "newco/admin", "--as", "northside-hospital/admin").refused(t, "not as a member of other")
	e.run(t, "tx", "identity", "propose-add-org", "--org", "other", "--kind", "castle", "--as", "northside-hospital/admin").refused(t, "kind")

	// The new admin adds a clinician, suspends and reinstates them.
	e.run(t, "keys", "add", "newco/dr-lee", "--insecure").ok(t)
	m := e.tx(t, "add-member", "dr-lee", "--role", "clinician", "--as", "newco/admin")
	if m.Member != "newco/dr-lee" {
		t.Fatalf("add-member = %+v", m)
	}
	if got := e.member(t, "newco/dr-lee"); got.Role != identity.RoleClinician || got.Status != identity.StatusActive {
		t.Fatalf("newco/dr-lee = %+v", got)
	}
	e.run(t, "tx", "identity", "add-member", "dr-lee", "--role", "clinician", "--as", "newco/admin").refused(t, "member-exists")
	e.run(t, "keys", "add", "newco/packager", "--insecure").ok(t)
	e.run(t, "tx", "identity", "add-member", "packager", "--role", "packager", "--as", "newco/admin").refused(t, "role-not-allowed")
	e.run(t, "tx", "identity", "add-member", "dr-lee-2", "--role", "clinician", "--key", "newco/dr-lee", "--as", "newco/admin").refused(t, "signs as newco/dr-lee")

	e.run(t, "tx", "identity", "suspend-member", "dr-lee", "--as", "newco/admin").ok(t).says(t, "suspended newco/dr-lee")
	if got := e.member(t, "newco/dr-lee"); got.Status != identity.StatusSuspended {
		t.Fatalf("after suspend-member: %+v", got)
	}
	e.run(t, "tx", "identity", "suspend-member", "dr-lee", "--as", "newco/admin").refused(t, "wrong-status")
	if s := e.tx(t, "reinstate-member", "newco/dr-lee", "--as", "newco/admin"); s.Member != "newco/dr-lee" || s.Status != identity.StatusActive {
		t.Fatalf("reinstate-member = %+v", s)
	}
	if got := e.member(t, "newco/dr-lee"); got.Status != identity.StatusActive {
		t.Fatalf("after reinstate-member: %+v", got)
	}

	// Key rotation: the new key signs as the member, the old one is refused.
	e.run(t, "keys", "add", "newco/dr-lee-2", "--id", "newco/dr-lee", "--insecure").ok(t)
	e.run(t, "tx", "identity", "rotate-key", "dr-lee", "--key", "newco/admin", "--as", "newco/admin").refused(t, "signs as newco/admin")
	rk := e.tx(t, "rotate-key", "dr-lee", "--key", "newco/dr-lee-2", "--as", "newco/admin")
	newKey, err := keystore.Store{Dir: node.Home(e.home).KeysDir()}.Info("newco/dr-lee-2")
	if err != nil {
		t.Fatal(err)
	}
	if rk.KeyID != newKey.KeyID {
		t.Fatalf("rotate-key = %+v, want key id %s", rk, newKey.KeyID)
	}
	if got := e.member(t, "newco/dr-lee"); got.KeyID != newKey.KeyID {
		t.Fatalf("after rotate-key: key id %s, want %s", got.KeyID, newKey.KeyID)
	}
	file := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(file, []byte("note\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "anchor", file, "--as", "newco/dr-lee").refused(t, "key-mismatch")
	e.run(t, "anchor", file, "--as", "newco/dr-lee-2").ok(t).says(t, "newco/dr-lee")

	// Enrollment by a clinic's clinician, under the new key.
	e.run(t, "keys", "add", "patient/carol", "--insecure").ok(t)
	en := e.tx(t, "enroll-patient", "--key", "patient/carol", "--as", "newco/dr-lee-2")
	carol, _ := keystore.Store{Dir: node.Home(e.home).KeysDir()}.Info("patient/carol")
	if en.Patient != carol.ID {
		t.Fatalf("enroll-patient = %+v, want patient %s", en, carol.ID)
	}
	var pat identity.Patient
	e.runJSON(t, &pat, "query", "patient", "patient/carol")
	if pat.ID != carol.ID || pat.EnrolledBy != "newco" || pat.Status != identity.StatusActive {
		t.Fatalf("query patient = %+v", pat)
	}
	e.run(t, "tx", "identity", "enroll-patient", "--key", "patient/carol", "--as", "newco/dr-lee-2").refused(t, "patient-exists")
	e.run(t, "tx", "identity", "enroll-patient", "--key", "newco/admin", "--as", "newco/dr-lee-2").refused(t, "not a patient key")

	// The consortium, ten organizations now, suspends newco (6 of 10), whose
	// members can then not sign.
	sp := e.tx(t, "propose-suspend-org", "newco", "--as", "northside-hospital/admin")
	if sp.Proposal != 2 || sp.Status != identity.ProposalOpen {
		t.Fatalf("propose-suspend-org = %+v", sp)
	}
	e.run(t, "tx", "identity", "propose-suspend-org", "newco", "--as", "newco/admin").refused(t, "self-action")
	for _, as := range []string{"lakeside-clinic/admin", "cityrx-pharmacy/admin", "acme-pharma/admin", "medsupply-dist/admin"} {
		v = e.tx(t, "vote", "2", "--approve", "--as", as)
	}
	if v.Status != identity.ProposalOpen || v.Yes != 5 {
		t.Fatalf("5th vote to suspend = %+v, want open: 5 of 10 is no majority", v)
	}
	if v = e.tx(t, "vote", "2", "--approve", "--as", "unity-health-plan/admin"); v.Status != identity.ProposalPassed {
		t.Fatalf("6th vote to suspend = %+v, want passed", v)
	}
	if o, _ := e.org(t, "newco"); o.Status != identity.StatusSuspended {
		t.Fatalf("newco after suspension = %+v", o)
	}
	e.run(t, "tx", "identity", "suspend-member", "dr-lee", "--as", "newco/admin").refused(t, "suspended-signer")

	// ... and reinstates it: newco does not count while suspended, 5 of 9 again.
	if rp := e.tx(t, "propose-reinstate-org", "newco", "--as", "drug-regulator/admin"); rp.Proposal != 3 || rp.Status != identity.ProposalOpen {
		t.Fatalf("propose-reinstate-org = %+v", rp)
	}
	for _, as := range []string{"lakeside-clinic/admin", "cityrx-pharmacy/admin", "acme-pharma/admin", "medsupply-dist/admin"} {
		v = e.tx(t, "vote", "3", "--approve", "--as", as)
	}
	if v.Status != identity.ProposalPassed {
		t.Fatalf("5th vote to reinstate = %+v, want passed", v)
	}
	if o, _ := e.org(t, "newco"); o.Status != identity.StatusActive {
		t.Fatalf("newco after reinstatement = %+v", o)
	}
	e.run(t, "query", "proposals").ok(t).says(t, "add-org", "suspend-org", "reinstate-org", "passed")
}

// TestRefused: a signer whose role may not act is refused by the node, and
// the CLI says so with a hint; so are local mistakes, before anything is sent.
func TestRefused(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	e.run(t, "keys", "add", "northside-hospital/nurse", "--insecure").ok(t)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"clinician adds a member", []string{"tx", "identity", "add-member", "nurse", "--role", "clinician", "--as", "northside-hospital/dr-chen"}, "unauthorized"},
		{"pharmacist enrolls a patient", []string{"tx", "identity", "enroll-patient", "--key", "patient/alice", "--as", "cityrx-pharmacy/pharmacist"}, "unauthorized"},
		{"clinician proposes", []string{"tx", "identity", "propose-suspend-org", "drug-regulator", "--as", "northside-hospital/dr-chen"}, "unauthorized"},
		{"admin of another org", []string{"tx", "identity", "suspend-member", "northside-hospital/dr-chen", "--as", "lakeside-clinic/admin"}, "not-own-org"},
		{"admin suspends self", []string{"tx", "identity", "suspend-member", "admin", "--as", "northside-hospital/admin"}, "self-action"},
		{"no such proposal", []string{"tx", "identity", "vote", "7", "--approve", "--as", "northside-hospital/admin"}, "proposal-not-found"},
		{"no such org", []string{"tx", "identity", "propose-reinstate-org", "nowhere", "--as", "northside-hospital/admin"}, "org-not-found"},
		{"no --as", []string{"tx", "identity", "suspend-member", "dr-chen"}, "--as is required"},
		{"unknown signer key", []string{"tx", "identity", "suspend-member", "dr-chen", "--as", "northside-hospital/nobody"}, "no such key"},
		{"no --role", []string{"tx", "identity", "add-member", "nurse", "--as", "northside-hospital/admin"}, "--role is required"},
		{"no --key", []string{"tx", "identity", "rotate-key", "dr-chen", "--as", "northside-hospital/admin"}, "--key is required"},
		{"bad proposal number", []string{"tx", "identity", "vote", "one", "--approve", "--as", "northside-hospital/admin"}, "not a proposal number"},
		{"patient signs", []string{"tx", "identity", "enroll-patient", "--key", "patient/bob", "--as", "patient/alice"}, "unauthorized"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.run(t, c.args...).refused(t, c.want)
		})
	}
	// The node cannot be reached.
	run(t, "--home", e.home, "--node", "http://127.0.0.1:1", "tx", "identity", "suspend-member", "dr-chen", "--as", "northside-hospital/admin").refused(t, "unreachable")
}
