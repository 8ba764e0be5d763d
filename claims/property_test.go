package claims_test

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/internal/chaintest"
)

// The property test submits random claims (one to five lines of covered,
// uncovered, limited, timed and authorization-bound codes, random units,
// charges, modifiers and dates, some outside the coverage), reviews, flags
// and pays them, in blocks of one to three, for members of each plan. After
// every block, for every line: paid + the patient's share + the other
// adjustments = the charge, the patient's share is the PR adjustments, and
// nothing is negative or above what it should be; for every member: the
// deductible met never exceeds the plan's deductible, the out-of-pocket
// never its maximum, and both equal what the model sums from the claims
// that count (adjudicated or paid, not denied on review).

var propCodes = []string{"99213", "99214", "99396", "83036", "80053", "80048", "70553", "97110", "97140", "99283"}

var propPlans = map[string]claims.Plan{
	"gold":   {ID: "gold", DeductibleCents: 50000, OutOfPocketMaxCents: 300000},
	"bronze": {ID: "bronze", DeductibleCents: 200000, OutOfPocketMaxCents: 800000},
	"silver": {ID: "silver", DeductibleCents: 10000, OutOfPocketMaxCents: 15000},
}

func TestClaimsProperty(t *testing.T) {
	ch := newChain(t, consortium())
	golden(t, ch)
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		var members []string
		planOf := map[string]string{}
		for _, plan := range []string{"gold", "bronze", "silver"} {
			m := enrol(rt, ch, claimstest.MemberKey(fmt.Sprint("prop-", cases, "-", plan)), plan, "2025-01-01", "2025-12-31")
			members = append(members, m)
			planOf[m] = plan
		}
		var mine []string // this case's claims
		steps := rapid.IntRange(1, 12).Draw(rt, "blocks")
		for range steps {
			var txs [][]byte
			for range rapid.IntRange(1, 3).Draw(rt, "txs") {
				switch rapid.IntRange(0, 9).Draw(rt, "op") {
				case 0, 1, 2, 3, 4, 5:
					txs = append(txs, ch.Sign(biller, claims.TypeSubmit, drawClaim(rt, rapid.SampledFrom(members).Draw(rt, "member"))))
				case 6:
					if id := pick(rt, ch, mine, claims.StatusPended); id != "" {
						action := rapid.SampledFrom([]string{claims.ActionApprove, claims.ActionDeny}).Draw(rt, "action")
						txs = append(txs, ch.Sign(adjudicator, claims.TypeReview, claims.ReviewBody{Claim: id, Action: action, Reason: "property"}))
					}
				case 7:
					if id := pick(rt, ch, mine, claims.StatusAdjudicated); id != "" {
						txs = append(txs, ch.Sign(adjudicator, claims.TypeFlag, claims.FlagBody{Claim: id, Code: "peer-outlier", Reason: "property"}))
					}
				case 8:
					if id := pick(rt, ch, mine, claims.StatusAdjudicated); id != "" {
						txs = append(txs, ch.Sign(admin, claims.TypePay, claims.PayBody{Claims: []string{id}, Trace: fmt.Sprint("P", ch.Nonce())}))
					}
				case 9:
					m := rapid.SampledFrom(members).Draw(rt, "member")
					txs = append(txs, ch.Sign(biller, claims.TypeAuthAsk, claims.AuthRequestBody{Payer: payer, Member: m, Codes: []string{"70553"},
						From: drawDate(rt, "from"), To: "2025-12-31"}))
				}
			}
			for _, r := range ch.Block(txs...) {
				if r.Code != 0 && !chaintest.Is(r, claims.ErrInvalid) && !chaintest.Is(r, claims.ErrState) {
					rt.Fatalf("unexpected refusal: %s", chaintest.Describe(r))
				}
				for _, ev := range r.Events {
					for _, a := range ev.Attributes {
						if ev.Type == claims.EventSubmitted && a.Key == "claim" {
							mine = append(mine, a.Value)
						}
					}
				}
			}
			snap := ch.Latest()
			counted := map[string][]int64{} // member -> deductible, out-of-pocket from the claims that count
			for _, id := range mine {
				c, _ := claims.GetClaim(snap, id)
				checkLines(rt, c)
				if c.Status == claims.StatusPended && c.Adjudicated == nil {
					continue
				}
				sum := counted[c.Member]
				if sum == nil {
					sum = make([]int64, 2)
				}
				for _, l := range c.Lines {
					for _, a := range l.Adjustments {
						if a.Group == claims.GroupPatient && a.CARC == claims.CARCDeductible {
							sum[0] += a.AmountCents
						}
					}
					sum[1] += l.PatientCents
				}
				counted[c.Member] = sum
			}
			for _, id := range members {
				m, _ := claims.GetMember(snap, payer, id)
				plan := propPlans[planOf[id]]
				cov := m.Coverage[0]
				if cov.DeductibleMetCents < 0 || cov.DeductibleMetCents > plan.DeductibleCents {
					rt.Fatalf("member %s (%s): deductible met %d, the plan's deductible %d", id, plan.ID, cov.DeductibleMetCents, plan.DeductibleCents)
				}
				if cov.OutOfPocketCents < 0 || cov.OutOfPocketCents > plan.OutOfPocketMaxCents {
					rt.Fatalf("member %s (%s): out of pocket %d, the maximum %d", id, plan.ID, cov.OutOfPocketCents, plan.OutOfPocketMaxCents)
				}
				want := counted[id]
				if want == nil {
					want = []int64{0, 0}
				}
				if cov.DeductibleMetCents != want[0] || cov.OutOfPocketCents != want[1] {
					rt.Fatalf("member %s (%s): deductible met %d, out of pocket %d; the claims that count sum %d and %d",
						id, plan.ID, cov.DeductibleMetCents, cov.OutOfPocketCents, want[0], want[1])
				}
			}
		}
	})
}

// checkLines checks every line's amounts of c.
func checkLines(t chaintest.TB, c claims.Claim) {
	t.Helper()
	for _, l := range c.Lines {
		var pr, other int64
		for _, a := range l.Adjustments {
			if a.AmountCents < 0 {
				t.Fatalf("%s line %d: a negative adjustment %+v", c.ID, l.Seq, a)
			}
			if a.Group == claims.GroupPatient {
				pr += a.AmountCents
			} else {
				other += a.AmountCents
			}
		}
		switch {
		case l.PaidCents+l.PatientCents+other != l.ChargeCents:
			t.Fatalf("%s line %d: paid %d + patient %d + adjustments %d != charge %d (%s)", c.ID, l.Seq, l.PaidCents, l.PatientCents, other, l.ChargeCents, adjustments(l))
		case pr != l.PatientCents:
			t.Fatalf("%s line %d: patient %d, PR adjustments %d", c.ID, l.Seq, l.PatientCents, pr)
		case l.PaidCents < 0 || l.PatientCents < 0 || l.AllowedCents < 0 || l.PaidCents+l.PatientCents != l.AllowedCents || l.AllowedCents > l.ChargeCents:
			t.Fatalf("%s line %d: allowed %d, paid %d, patient %d, charge %d", c.ID, l.Seq, l.AllowedCents, l.PaidCents, l.PatientCents, l.ChargeCents)
		case l.Status == claims.LineDenied && (l.PaidCents != 0 || l.PatientCents != 0):
			t.Fatalf("%s line %d: denied but pays %d, patient %d", c.ID, l.Seq, l.PaidCents, l.PatientCents)
		}
	}
}

func drawDate(t *rapid.T, label string) string {
	month := rapid.IntRange(1, 12).Draw(t, label+"-month")
	day := rapid.IntRange(1, 28).Draw(t, label+"-day")
	year := 2025
	if rapid.IntRange(0, 19).Draw(t, label+"-outside") == 0 {
		year = 2026
	}
	return fmt.Sprintf("%d-%02d-%02d", year, month, day)
}

func drawClaim(t *rapid.T, member string) claims.SubmitBody {
	b := claims.SubmitBody{Payer: payer, Member: member, Rendering: rendering,
		Diagnoses: []string{rapid.SampledFrom([]string{"E11.9", "R73.03", "Z00.00", "M54.50"}).Draw(t, "dx"), "I10"}}
	date := drawDate(t, "date")
	for range rapid.IntRange(1, 5).Draw(t, "lines") {
		l := claims.LineIn{Code: rapid.SampledFrom(propCodes).Draw(t, "code"), Pointers: []int{1}, Units: rapid.Int64Range(1, 20).Draw(t, "units"),
			ChargeCents: rapid.Int64Range(0, 300000).Draw(t, "charge"), Date: date}
		if rapid.IntRange(0, 4).Draw(t, "mod") == 0 {
			l.Modifiers = []string{"25"}
		}
		if rapid.IntRange(0, 3).Draw(t, "other-date") == 0 {
			l.Date = drawDate(t, "line-date")
		}
		b.Lines = append(b.Lines, l)
	}
	return b
}

// pick draws one of ids whose claim is in status, or "".
func pick(t *rapid.T, ch *chaintest.Chain, ids []string, status string) string {
	var in []string
	snap := ch.Latest()
	for _, id := range ids {
		if c, ok := claims.GetClaim(snap, id); ok && c.Status == status {
			in = append(in, id)
		}
	}
	if len(in) == 0 {
		return ""
	}
	return rapid.SampledFrom(in).Draw(t, "claim")
}
