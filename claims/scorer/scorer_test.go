package scorer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/scorer"
)

// claimsOf makes n adjudicated claims of provider, each one line of code
// with units and a charge of perUnit a unit.
func claimsOf(provider, code string, n int, units, perUnit int64, next *int) []claims.Claim {
	var out []claims.Claim
	for range n {
		*next++
		out = append(out, claims.Claim{ID: fmt.Sprint("clm-", *next), Provider: provider, Status: claims.StatusAdjudicated,
			Lines: []claims.Line{{Seq: 1, LineIn: claims.LineIn{Code: code, Units: units, ChargeCents: units * perUnit}, Result: claims.Result{Status: claims.LinePaid}}}})
	}
	return out
}

// TestScore: a provider billing far more units a line than its peers is
// flagged, claim by claim, with the numbers that say so; its paid claims
// and those flagged already are not; peers within the spread, a code with
// too few providers and billing below the peers are never flagged; a run
// is the same whatever the order of the input's providers.
func TestScore(t *testing.T) {
	n := 0
	var cs []claims.Claim
	cs = append(cs, claimsOf("a-clinic", "97110", 5, 2, 4000, &n)...)
	cs = append(cs, claimsOf("b-clinic", "97110", 5, 3, 4000, &n)...)
	cs = append(cs, claimsOf("c-clinic", "97110", 5, 2, 4200, &n)...)
	cs = append(cs, claimsOf("d-clinic", "97110", 5, 1, 4000, &n)...) // below the peers
	cs = append(cs, claimsOf("outlier", "97110", 3, 12, 4000, &n)...)
	cs = append(cs, claimsOf("outlier", "99213", 3, 9, 9500, &n)...) // a code only it bills
	cs[len(cs)-4].Status = claims.StatusPaid                         // one of the outlier's 97110 claims is paid
	cs[len(cs)-5].Flags = []claims.Flag{{Code: scorer.FlagCode}}     // one is flagged already
	flags := scorer.Score(cs, scorer.Options{})
	if len(flags) != 1 {
		t.Fatalf("flags %+v, want the outlier's one unflagged, unpaid 97110 claim", flags)
	}
	f := flags[0]
	if f.Provider != "outlier" || f.Code != "97110" || f.Claim != cs[len(cs)-6].ID || f.Metric != "units_per_line" {
		t.Fatalf("flag %+v", f)
	}
	for _, want := range []string{"outlier bills 97110 at 12 units a line", "median is 2", "MAD 1", "robust score 6.745"} {
		if !strings.Contains(f.Reason, want) {
			t.Errorf("the reason does not say %q: %s", want, f.Reason)
		}
	}
	if len(f.Reason) > 300 {
		t.Errorf("the reason is %d bytes: a flag's reason is at most 300", len(f.Reason))
	}
	// The same claims, providers met in another order: the same flags.
	rev := append([]claims.Claim(nil), cs...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	again := scorer.Score(rev, scorer.Options{})
	if len(again) != 1 || again[0].Reason != f.Reason {
		t.Fatalf("in another order: %+v", again)
	}
	// A higher threshold flags nothing; fewer peers needed flags the code
	// only the outlier bills? No: one provider has no peers.
	if got := scorer.Score(cs, scorer.Options{Threshold: 7000}); len(got) != 0 {
		t.Fatalf("threshold 7: %+v", got)
	}
	// Everyone alike: MAD 0 and no mean deviation, nothing flagged.
	n = 0
	alike := append(claimsOf("x", "80053", 2, 1, 20000, &n), claimsOf("y", "80053", 2, 1, 20000, &n)...)
	alike = append(alike, claimsOf("z", "80053", 2, 1, 20000, &n)...)
	if got := scorer.Score(alike, scorer.Options{}); len(got) != 0 {
		t.Fatalf("alike: %+v", got)
	}
	// MAD 0 with one apart: the mean-deviation fallback still names it.
	apart := append(alike, claimsOf("w", "80053", 2, 1, 90000, &n)...)
	apart = append(apart, claimsOf("v", "80053", 2, 1, 20000, &n)...)
	got := scorer.Score(apart, scorer.Options{})
	if len(got) != 2 || got[0].Provider != "w" || got[0].Metric != "charge_per_unit" {
		t.Fatalf("apart: %+v", got)
	}
}
