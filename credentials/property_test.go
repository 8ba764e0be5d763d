package credentials_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/internal/chaintest"
)

// The property test applies random sequences of issuances and status
// changes, by authorized issuers mostly and by others sometimes, to random
// subjects with random validity periods and status slots, in blocks whose
// time jumps by seconds, days or months. A simple model says what each
// transaction should do; after every block the chain must hold what the
// model holds: each credential's status, each issuer's status list bits,
// the licence check (app.Licences.Held) of every subject for every set of
// types now and at an earlier moment, and what expires within 60 days.

// propIssuers are the members that issue, with what their organization is
// authorized for (the demo genesis) and the subjects a type may name.
var propIssuers = []string{registrar, inspector, hospital + "/admin", clinic + "/admin", hospital + "/clinician"}

var propSubjects = []string{chen, patel, "cityrx-pharmacy/pharmacist", "cityrx-pharmacy", "medsupply-dist", "acme-pharma", hospital, "nobody/at-all"}

var propTypeSets = [][]string{
	{credentials.MedicalLicense, credentials.PharmacistLicense},
	{credentials.WholesaleDistributorLicense}, {credentials.DispenserLicense}, {credentials.ManufacturerLicense},
	{credentials.ControlledSubstanceRegistration}, {credentials.ClinicalPrivileges},
}

var propKinds = map[string]string{"cityrx-pharmacy": "pharmacy", "medsupply-dist": "distributor", "acme-pharma": "manufacturer", hospital: "hospital"}

type mChange struct {
	status string
	at     time.Time
}

type mCred struct {
	id, issuer, typ, subject string
	from, until              time.Time
	index                    uint32
	status                   string
	changes                  []mChange
}

func (c *mCred) statusAt(t time.Time) string {
	s := credentials.StatusActive
	for _, ch := range c.changes {
		if !ch.at.After(t) {
			s = ch.status
		}
	}
	return s
}

type model struct {
	creds []*mCred
	slots map[string]bool // issuer|index
}

func (m *model) find(id string) *mCred {
	for _, c := range m.creds {
		if c.id == id {
			return c
		}
	}
	return nil
}

func orgOf(member string) string {
	for i := range member {
		if member[i] == '/' {
			return member[:i]
		}
	}
	return member
}

// mayIssue is what the model expects of an issuance.
func (m *model) mayIssue(signer string, b credentials.IssueBody, now time.Time) bool {
	org := orgOf(signer)
	if signer == hospital+"/clinician" { // no issuer role
		return false
	}
	authorized := false
	for _, a := range demoAuthorizations() {
		authorized = authorized || a.Issuer == org && a.Type == b.Type
	}
	if !authorized {
		return false
	}
	t, _ := credentials.TypeOf(b.Type)
	subjOrg := orgOf(b.Subject)
	isMember := subjOrg != b.Subject
	switch {
	case b.Subject == "nobody/at-all":
		return false
	case isMember && t.Subject == credentials.SubjectOrg:
		return false
	case isMember && t.Subject == credentials.SubjectOwnMember && subjOrg != org:
		return false
	case !isMember && (t.Subject != credentials.SubjectOrg && t.Subject != credentials.SubjectEither || !slices.Contains(t.OrgKinds, propKinds[b.Subject])):
		return false
	case !b.ValidUntil.After(b.ValidFrom) || !b.ValidUntil.After(now) || b.ValidUntil.Sub(b.ValidFrom) > credentials.MaxTerm:
		return false
	case m.slots[fmt.Sprint(org, "|", b.StatusIndex)]:
		return false
	}
	return true
}

// held is the model's licence check.
func (m *model) held(subject string, types []string, at time.Time) bool {
	for _, c := range m.creds {
		if c.subject == subject && slices.Contains(types, c.typ) && !at.Before(c.from) && at.Before(c.until) && c.statusAt(at) == credentials.StatusActive {
			return true
		}
	}
	return false
}

func TestCredentialsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ch := chaintest.New(t, consortium(true))
		ch.Block()
		m := &model{slots: map[string]bool{}}
		n := 0
		var times []time.Time
		blocks := rapid.IntRange(3, 8).Draw(rt, "blocks")
		for blk := 0; blk < blocks; blk++ {
			step := rapid.SampledFrom([]time.Duration{5 * time.Second, 24 * time.Hour, 30 * 24 * time.Hour, 200 * 24 * time.Hour}).Draw(rt, "step")
			now := ch.Time.Add(step)
			var txs [][]byte
			var expect []bool
			var apply []func()
			for k := rapid.IntRange(1, 4).Draw(rt, "txs"); k > 0; k-- {
				if len(m.creds) == 0 || rapid.Bool().Draw(rt, "issue") {
					n++
					signer := rapid.SampledFrom(propIssuers).Draw(rt, "issuer")
					typ := rapid.SampledFrom(credentials.TypeNames()).Draw(rt, "type")
					subject := rapid.SampledFrom(propSubjects).Draw(rt, "subject")
					from := now.Add(-time.Duration(rapid.IntRange(0, 400).Draw(rt, "age")) * 24 * time.Hour).Truncate(time.Second)
					until := from.Add(time.Duration(rapid.IntRange(1, 800).Draw(rt, "term")) * 24 * time.Hour)
					b := body(signer, n, typ, subject, now, uint32(rapid.IntRange(0, 7).Draw(rt, "index")))
					b.ValidFrom, b.ValidUntil = from, until
					ok := m.mayIssue(signer, b, now)
					txs, expect = append(txs, ch.Sign(signer, credentials.TypeIssue, b)), append(expect, ok)
					if ok {
						c := &mCred{id: b.ID, issuer: orgOf(signer), typ: typ, subject: subject, from: from, until: until, index: b.StatusIndex, status: credentials.StatusActive}
						m.slots[fmt.Sprint(c.issuer, "|", c.index)] = true
						apply = append(apply, func() { m.creds = append(m.creds, c) })
					} else {
						apply = append(apply, nil)
					}
					continue
				}
				c := rapid.SampledFrom(m.creds).Draw(rt, "credential")
				typ := rapid.SampledFrom([]string{credentials.TypeRevoke, credentials.TypeSuspend, credentials.TypeReinstate}).Draw(rt, "change")
				to := map[string]string{credentials.TypeRevoke: credentials.StatusRevoked, credentials.TypeSuspend: credentials.StatusSuspended, credentials.TypeReinstate: credentials.StatusActive}[typ]
				signer := rapid.SampledFrom(propIssuers[:4]).Draw(rt, "by")
				reason := rapid.SampledFrom([]string{"other", "administrative", "disciplinary-action", "lapsed", "nonsense"}).Draw(rt, "reason")
				ok := orgOf(signer) == c.issuer && credentials.ValidReason(to, reason)
				switch {
				case c.status == credentials.StatusRevoked:
					ok = false
				case to == credentials.StatusSuspended && c.status != credentials.StatusActive:
					ok = false
				case to == credentials.StatusActive && c.status != credentials.StatusSuspended:
					ok = false
				}
				txs, expect = append(txs, ch.Sign(signer, typ, credentials.StatusBody{Credential: c.id, Reason: reason})), append(expect, ok)
				if ok {
					c.status = to // later transactions of the block see it
					apply = append(apply, func() { c.changes = append(c.changes, mChange{to, now}) })
				} else {
					apply = append(apply, nil)
				}
			}
			res := ch.BlockAt(now, txs...)
			for i, r := range res {
				if (r.Code == 0) != expect[i] {
					rt.Fatalf("block %d tx %d: got %s, model expected ok=%v", blk, i, chaintest.Describe(r), expect[i])
				}
				if apply[i] != nil {
					apply[i]()
				}
			}
			times = append(times, now)
			checkModel(rt, ch, m, now, rapid.SampledFrom(times).Draw(rt, "past"))
		}
	})
}

func checkModel(rt *rapid.T, ch *chaintest.Chain, m *model, now, past time.Time) {
	r := ch.Latest()
	lic := credentials.Module{}
	if got, want := len(credentials.All(r)), len(m.creds); got != want {
		rt.Fatalf("%d credentials on chain, model %d", got, want)
	}
	bits := map[string][]byte{}
	for _, c := range m.creds {
		got, ok := credentials.GetCredential(r, c.id)
		if !ok || got.Status != c.status || len(got.Changes) != len(c.changes) {
			rt.Fatalf("credential %s: chain %+v, model status %s with %d changes", c.id, got, c.status, len(c.changes))
		}
		for _, p := range []string{credentials.PurposeRevocation, credentials.PurposeSuspension} {
			k := c.issuer + "|" + p
			if bits[k] == nil {
				b, ok := credentials.StatusBits(r, c.issuer, p, 0)
				if !ok {
					rt.Fatalf("no %s list of %s", p, c.issuer)
				}
				bits[k] = b
			}
			set := bits[k][c.index/8]&(0x80>>(c.index%8)) != 0
			want := p == credentials.PurposeRevocation && c.status == credentials.StatusRevoked || p == credentials.PurposeSuspension && c.status == credentials.StatusSuspended
			if set != want {
				rt.Fatalf("%s: %s bit %d of %s is %v, model status %s", c.id, p, c.index, c.issuer, set, c.status)
			}
		}
	}
	for _, s := range propSubjects {
		for _, types := range propTypeSets {
			for _, at := range []time.Time{now, past} {
				got := lic.Held(r, s, types, at)
				if want := m.held(s, types, at); got.Valid != want {
					rt.Fatalf("Held(%s, %v, %s) = %+v, model %v", s, types, at, got, want)
				}
				if !got.Valid && got.Why == "" {
					rt.Fatalf("Held(%s) refused without saying why", s)
				}
			}
		}
	}
	var want []string
	for _, c := range m.creds {
		if c.status == credentials.StatusActive && !c.until.Before(now) && c.until.Before(now.Add(60*24*time.Hour)) {
			want = append(want, c.id)
		}
	}
	var got []string
	for _, c := range credentials.Expiring(r, now, now.Add(60*24*time.Hour)) {
		got = append(got, c.ID)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		rt.Fatalf("expiring within 60 days: chain %v, model %v", got, want)
	}
}
