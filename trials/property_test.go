package trials_test

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/trials"
)

// The property test applies random sequences of trial operations (enrol,
// consent, withdraw, amend with or without re-consent and outcome changes,
// data, results), by the right signer mostly and by a wrong one sometimes,
// in blocks of one to three. A model of the trial says what each should
// do; after every block, the trial and every subject must be as the model
// says.

// propOutcomes are the outcome lists an amendment draws from.
var propOutcomes = [][]trials.Outcome{
	outcomes,
	{outcomes[0]},
	{outcomes[0], {Code: "S2", Kind: trials.Secondary, Measure: "Hypoglycaemia", TimeFrame: "26 weeks"}},
	{{Code: "P1", Kind: trials.Primary, Measure: "Change in HbA1c from baseline", TimeFrame: "52 weeks"}, outcomes[1]},
}

type modelSubject struct {
	enrolled, withdrawn bool
	versions            []uint64
}

type model struct {
	version, required uint64
	outcomes          []trials.Outcome
	firstEnrolment    bool
	switches          int
	subjects          map[int]*modelSubject
	batches, records  int
}

func diffCount(old, new []trials.Outcome) int {
	n := 0
	for _, o := range old {
		i := slices.IndexFunc(new, func(x trials.Outcome) bool { return x.Code == o.Code })
		if i < 0 || new[i] != o {
			n++
		}
	}
	for _, x := range new {
		if !slices.ContainsFunc(old, func(o trials.Outcome) bool { return o.Code == x.Code }) {
			n++
		}
	}
	return n
}

func TestTrialsProperty(t *testing.T) {
	// One chain for every case, a new trial each: a new store per case
	// would cost most of the test's time.
	ch := newChain(t, chaintest.Demo())
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		trial := fmt.Sprint("PT", cases)
		ok(rt, ch, "register", ch.Sign(sponsor, trials.TypeRegister, registerBody(trial, siteA, siteB)))
		const n = 3
		parts := make([]participant, n)
		siteOf := func(i int) string {
			if i%2 == 0 {
				return siteA
			}
			return siteB
		}
		clinOf := map[string]string{siteA: clinA, siteB: clinB}
		for i := range parts {
			parts[i] = newParticipant(rt, ch, fmt.Sprint("p", i), trial)
		}
		m := &model{version: 1, required: 1, outcomes: outcomes, subjects: map[int]*modelSubject{}}
		for i := range n {
			m.subjects[i] = &modelSubject{}
		}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for step := 0; step < steps; step++ {
			k := rapid.IntRange(1, 3).Draw(rt, "txs")
			var raws [][]byte
			var want []medledger.Code // zero Code: ok
			for range k {
				p := rapid.IntRange(0, n-1).Draw(rt, "participant")
				s := m.subjects[p]
				var code medledger.Code
				var effect func()
				switch op := rapid.IntRange(0, 5).Draw(rt, "op"); op {
				case 0: // enrol at the participant's site
					raws = append(raws, ch.Sign(clinOf[siteOf(p)], trials.TypeEnroll, parts[p].EnrollBody))
					if s.enrolled {
						code = identity.ErrPseudonymExists
					} else {
						effect = func() { s.enrolled = true; m.firstEnrolment = true }
					}
				case 1: // consent to a drawn version
					v := uint64(rapid.IntRange(0, int(m.version)+1).Draw(rt, "version"))
					raws = append(raws, ch.Sign(parts[p].ID, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: siteOf(p), Version: v}))
					eff := v
					if eff == 0 {
						eff = m.version
					}
					switch {
					case !s.enrolled:
						code = identityUnknown
					case s.withdrawn:
						code = trials.ErrWithdrawn
					case eff > m.version || eff < m.required:
						code = trials.ErrVersion
					default:
						effect = func() { s.versions = append(s.versions, eff) }
					}
				case 2: // withdraw
					raws = append(raws, ch.Sign(parts[p].ID, trials.TypeWithdraw, trials.WithdrawBody{Trial: trial, RemoveData: rapid.Bool().Draw(rt, "remove")}))
					switch {
					case !s.enrolled:
						code = identityUnknown
					case s.withdrawn:
						code = trials.ErrWithdrawn
					default:
						effect = func() { s.withdrawn = true }
					}
				case 3: // amend
					list := propOutcomes[rapid.IntRange(0, len(propOutcomes)-1).Draw(rt, "outcomes")]
					change := rapid.Bool().Draw(rt, "changeOutcomes")
					re := rapid.Bool().Draw(rt, "reconsent")
					b := trials.AmendBody{Trial: trial, Protocol: trials.Document{Digest: hex64(fmt.Sprint(step, p))}, Reconsent: re}
					if change {
						b.Outcomes = list
					}
					raws = append(raws, ch.Sign(sponsor, trials.TypeAmend, b))
					effect = func() {
						m.version++
						if re {
							m.required = m.version
						}
						if change {
							if m.firstEnrolment {
								m.switches += diffCount(m.outcomes, list)
							}
							m.outcomes = list
						}
					}
				case 4: // data for one or two subjects of a site
					site := siteOf(p)
					subs := []int{p}
					if q := rapid.IntRange(0, n-1).Draw(rt, "second"); q != p && siteOf(q) == site {
						subs = append(subs, q)
					}
					ids := []string{}
					for _, i := range subs {
						ids = append(ids, parts[i].ID)
					}
					slices.Sort(ids)
					raws = append(raws, ch.Sign(clinOf[site], trials.TypeData, trials.DataBody{Trial: trial, Root: hex64(fmt.Sprint(step, ids)), Count: 3, Subjects: ids}))
					// the first failing subject in sorted order decides the code
					for _, id := range ids {
						i := slices.IndexFunc(parts, func(x participant) bool { return x.ID == id })
						ms := m.subjects[i]
						switch {
						case !ms.enrolled:
							code = trials.ErrSubjectNotFound
						case ms.withdrawn:
							code = trials.ErrWithdrawn
						case len(ms.versions) == 0 || ms.versions[len(ms.versions)-1] < m.required:
							code = trials.ErrNoConsent
						}
						if code != (medledger.Code{}) {
							break
						}
					}
					if code == (medledger.Code{}) {
						effect = func() { m.batches++; m.records += 3 }
					}
				case 5: // results
					raws = append(raws, ch.Sign(sponsor, trials.TypeResults, trials.ResultsBody{Trial: trial, Results: []trials.ResultOfBody{{Outcome: "P1", Summary: fmt.Sprint("r", step)}}}))
				}
				want = append(want, code)
				// Apply the effect now, so later transactions of the same
				// block see it, as the chain does.
				if code == (medledger.Code{}) && effect != nil {
					effect()
				}
			}
			res := ch.Block(raws...)
			for i, r := range res {
				switch w := want[i]; {
				case w == (medledger.Code{}) && r.Code != 0:
					rt.Fatalf("step %d tx %d: %s, want ok", step, i, chaintest.Describe(r))
				case w == identityUnknown && r.Code == 0:
					rt.Fatalf("step %d tx %d: ok, want a refusal of an unknown signer", step, i)
				case w != (medledger.Code{}) && w != identityUnknown && !chaintest.Is(r, w):
					rt.Fatalf("step %d tx %d: %s, want %s", step, i, chaintest.Describe(r), w.Slug)
				}
			}
			// Compare.
			tr := trialOf(rt, ch, trial)
			withdrawn, enrolled := 0, 0
			for i, ms := range m.subjects {
				sub, found := trials.GetSubject(ch.Latest(), trial, parts[i].ID)
				if found != ms.enrolled {
					rt.Fatalf("subject %d: stored %v, model enrolled %v", i, found, ms.enrolled)
				}
				if !found {
					continue
				}
				enrolled++
				if ms.withdrawn {
					withdrawn++
				}
				if (sub.Status == trials.SubjectWithdrawn) != ms.withdrawn || len(sub.Consents) != len(ms.versions) {
					rt.Fatalf("subject %d: %+v, model %+v", i, sub, ms)
				}
				for j, c := range sub.Consents {
					if c.Version != ms.versions[j] {
						rt.Fatalf("subject %d consent %d: version %d, model %d", i, j, c.Version, ms.versions[j])
					}
				}
			}
			if tr.Version != m.version || tr.RequiredVersion != m.required || int(tr.Switches) != m.switches || int(tr.Subjects) != enrolled ||
				int(tr.Withdrawn) != withdrawn || int(tr.Batches) != m.batches || int(tr.Records) != m.records || !slices.Equal(tr.Outcomes, m.outcomes) {
				rt.Fatalf("trial %+v, model %+v", tr, m)
			}
		}
	})
}

// identityUnknown stands for the refusal of a pseudonym no one registered
// (tx/unknown-signer, checked as "refused").
var identityUnknown = medledger.Code{Codespace: "model", Code: 1}
