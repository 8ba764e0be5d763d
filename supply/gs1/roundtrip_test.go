package gs1

import (
	"math/rand/v2"
	"testing"
	"time"
)

const cset82Chars = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func randKey(r *rand.Rand, n int) string {
	data := randDigits(r, n-1)
	cd, err := CheckDigit(data)
	if err != nil {
		panic(err)
	}
	return data + string(cd)
}

func randText(r *rand.Rand) string {
	b := make([]byte, 1+r.IntN(20))
	for i := range b {
		if r.IntN(4) == 0 { // brackets often: they are the bracketed form's hard case
			b[i] = "()"[r.IntN(2)]
			continue
		}
		b[i] = cset82Chars[r.IntN(len(cset82Chars))]
	}
	return string(b)
}

// randDate returns a date whose year lies in the century window of refYear.
func randDate(r *rand.Rand, refYear int) Date {
	year := refYear - 49 + r.IntN(100)
	month := time.Month(1 + r.IntN(12))
	d, err := NewDate(year, month, r.IntN(daysIn(year, month)+1))
	if err != nil {
		panic(err)
	}
	return d
}

// randCode returns a random valid Code whose dates lie in refYear's window.
func randCode(r *rand.Rand, refYear int) Code {
	var c Code
	shape := r.IntN(4)
	if shape != 0 {
		c.GTIN = randKey(r, 14)
	}
	if shape <= 1 {
		c.SSCC = randKey(r, 18)
	}
	if c.GTIN == "" {
		return c
	}
	if r.IntN(2) == 0 {
		c.Serial = randText(r)
	}
	if r.IntN(2) == 0 {
		c.Lot = randText(r)
	}
	if r.IntN(2) == 0 {
		c.Expiry, c.HasExpiry = randDate(r, refYear), true
	}
	if r.IntN(3) == 0 {
		c.Production, c.HasProduction = randDate(r, refYear), true
	}
	return c
}

// TestRoundTrip: for random valid codes, both forms (and the raw form as a
// scanner sends it) parse back to the same Code, under Parse and ParseAt.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(20260101, 7))
	for i := 0; i < 3000; i++ {
		refYear := FixedReferenceYear
		parse := Parse
		if i%2 == 1 {
			refYear = 1900 + r.IntN(300)
			now := time.Date(refYear, time.Month(1+r.IntN(12)), 1+r.IntN(28), 12, 0, 0, 0, time.UTC)
			parse = func(s string) (Code, error) { return ParseAt(s, now) }
		}
		c := randCode(r, refYear)
		if err := c.Validate(); err != nil {
			t.Fatalf("random code %+v: Validate: %v", c, err)
		}
		for _, s := range []string{Format(c), FormatRaw(c), "]d2" + FormatRaw(c), "]C1" + sep + FormatRaw(c)} {
			if len(s) > MaxLen {
				t.Fatalf("%q is over MaxLen", s)
			}
			got, err := parse(s)
			if err != nil {
				t.Fatalf("reference %d: Parse(%q): %v", refYear, s, err)
			}
			if got != c {
				t.Fatalf("reference %d: Parse(%q)\n got %+v\nwant %+v", refYear, s, got, c)
			}
		}
	}
}
