// Package scorer is the payer's off-chain claim scorer: it compares each
// provider's billing of a procedure code with its peers' and names the
// claims of providers far above them, with the numbers that say so. It
// needs no training data: for each code billed by at least MinPeers
// providers, it takes each provider's median units per line and median
// charge per unit, and their median and median absolute deviation (MAD)
// across providers; a provider whose modified z-score, 0.6745 (x -
// median) / MAD (Iglewicz and Hoaglin), is over Threshold is an outlier.
// When most providers bill alike (MAD 0) it uses their fallback, (x -
// median) / (1.253314 mean absolute deviation). Only billing far above the
// peers is flagged: over the threshold, and at least half as much again as
// their median; never below.
//
// A flag sends a claim to review; it never denies one (the chain holds the
// adjudicator to that). The scorer runs on the payer's node, over the
// claims its payer may read; it writes nothing itself: the command line
// sends its flags as claims/flag transactions signed by an adjudicator.
// All arithmetic is on integers (thousandths), and providers and codes are
// taken in the order the claims name them, so a run gives the same flags
// on every machine.
package scorer

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/medledger/medledger/claims"
)

// Defaults.
const (
	// MinPeers is the fewest providers billing a code for it to be scored.
	MinPeers = 3
	// Threshold is the modified z-score, in thousandths, over which a
	// provider is an outlier (3.5, Iglewicz and Hoaglin's).
	Threshold = 3500
	// FlagCode is the code of the scorer's flags.
	FlagCode = "peer-outlier"
)

// Options change what Score flags.
type Options struct {
	MinPeers  int   // 0: MinPeers
	Threshold int64 // thousandths; 0: Threshold
}

// Flag is one claim the scorer would flag, and why.
type Flag struct {
	Claim    string        `json:"claim"`
	Provider string        `json:"provider"`
	Code     string        `json:"code"`
	Metric   string        `json:"metric"`
	Reason   string        `json:"reason"`
	Facts    []claims.Fact `json:"facts"`
}

// metric is one measure of a provider's billing of a code, in thousandths.
type metric struct {
	name  string // "units_per_line", "charge_per_unit"
	words string
	of    func(l claims.Line) int64
}

var metrics = []metric{
	{"units_per_line", "units a line", func(l claims.Line) int64 { return l.Units * 1000 }},
	{"charge_per_unit", "cents charged a unit", func(l claims.Line) int64 { return l.ChargeCents * 1000 / max(l.Units, 1) }},
}

type key struct{ provider, code string }

type outlier struct {
	metric int
	facts  []claims.Fact
	reason string
}

// Score returns the flags for cs (a payer's claims): for each outlier
// provider and code, each of its claims with that code that is adjudicated
// (not yet paid) and not flagged by the scorer already, in claim order.
func Score(cs []claims.Claim, o Options) []Flag {
	if o.MinPeers <= 0 {
		o.MinPeers = MinPeers
	}
	if o.Threshold <= 0 {
		o.Threshold = Threshold
	}
	// provider and code -> line values, per metric; codes and their
	// providers in the order first met, so that no map order shows.
	values := map[key][][]int64{}
	var codes []string
	providersOf := map[string][]string{}
	for _, c := range cs {
		for _, l := range c.Lines {
			if l.Status == claims.LineDenied && l.Rule == claims.RuleDuplicate {
				continue
			}
			k := key{c.Provider, l.Code}
			if _, ok := values[k]; !ok {
				values[k] = make([][]int64, len(metrics))
				if _, seen := providersOf[l.Code]; !seen {
					codes = append(codes, l.Code)
				}
				providersOf[l.Code] = append(providersOf[l.Code], c.Provider)
			}
			for i, m := range metrics {
				values[k][i] = append(values[k][i], m.of(l))
			}
		}
	}
	slices.Sort(codes)
	found := map[key]outlier{}
	for _, code := range codes {
		provs := slices.Sorted(slices.Values(providersOf[code]))
		if len(provs) < o.MinPeers {
			continue
		}
		for mi, m := range metrics {
			per := make([]int64, len(provs))
			for i, p := range provs {
				per[i] = median(values[key{p, code}][mi])
			}
			med := median(per)
			dev := make([]int64, len(per))
			var meanAD int64
			for i, x := range per {
				dev[i] = abs(x - med)
				meanAD += dev[i]
			}
			meanAD /= int64(len(dev))
			mad := median(dev)
			// z is the modified z-score in thousandths.
			fallback := meanAD * 1253314 / 1000 // 1.253314 mean AD, x 1000
			if mad == 0 && fallback == 0 {
				continue
			}
			score := func(x int64) int64 {
				if mad > 0 {
					return 6745 * (x - med) / mad / 10
				}
				return (x - med) * 1_000_000 / fallback
			}
			spread := mad
			if mad == 0 {
				spread = fallback / 1000
			}
			for i, p := range provs {
				z := score(per[i])
				k := key{p, code}
				// Far above: over the threshold, and half as much again as
				// the median at least (a spread of zero makes any difference
				// look extreme).
				if z <= o.Threshold || 2*per[i] < 3*med {
					continue
				}
				if prev, ok := found[k]; ok && prev.metric < mi {
					continue
				}
				found[k] = outlier{metric: mi,
					facts: []claims.Fact{{Name: "metric", Value: m.name}, {Name: "value", Value: milli(per[i])}, {Name: "peer_median", Value: milli(med)},
						{Name: "peer_spread", Value: milli(spread)}, {Name: "score", Value: milli(z)}, {Name: "peers", Value: strconv.Itoa(len(provs))}},
					reason: fmt.Sprintf("%s bills %s at %s %s (median of its lines); the %d providers' median is %s, MAD %s: robust score %s over %s",
						p, code, milli(per[i]), m.words, len(provs), milli(med), milli(spread), milli(z), milli(o.Threshold))}
			}
		}
	}
	var out []Flag
	for _, c := range cs {
		if c.Status != claims.StatusAdjudicated || slices.ContainsFunc(c.Flags, func(f claims.Flag) bool { return f.Code == FlagCode }) {
			continue
		}
		for _, l := range c.Lines {
			if f, ok := found[key{c.Provider, l.Code}]; ok {
				out = append(out, Flag{Claim: c.ID, Provider: c.Provider, Code: l.Code, Metric: metrics[f.metric].name, Reason: f.reason, Facts: f.facts})
				break
			}
		}
	}
	return out
}

// median of integers: the mean of the two middle values, rounded down, for
// an even count.
func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// milli writes thousandths as a decimal with up to three places.
func milli(x int64) string {
	sign := ""
	if x < 0 {
		sign, x = "-", -x
	}
	s := strconv.FormatInt(x/1000, 10)
	if f := x % 1000; f != 0 {
		frac := fmt.Sprintf("%03d", f)
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		s += "." + frac
	}
	return sign + s
}
