package gs1

import (
	"errors"
	"testing"
)

// Published check digit examples. Each is also worked by hand in its
// comment (weights 3, 1, 3, ... from the right of the data digits; the
// check digit rounds the sum up to a multiple of ten), so the test does not
// rest on the citation alone.
var publishedKeys = []struct {
	name, data string
	want       byte
	source     string
}{
	// GS1 General Specifications 7.9.1, the worked GTIN-13 example.
	// 6 2 9 1 0 4 1 5 0 0 2 1 weighted 1 3 1 3 1 3 1 3 1 3 1 3:
	// 6+6+9+3+0+12+1+15+0+0+2+3 = 57, so 3.
	{"GTIN-13", "629104150021", '3', "GS1 General Specifications 7.9.1"},
	// The SSCC of the GS1 examples with GS1 Company Prefix 0614141
	// (extension digit 1, serial reference 123456789).
	// 1 0 6 1 4 1 4 1 1 2 3 4 5 6 7 8 9 weighted 3 1 3 1 ...:
	// 3+0+18+1+12+1+12+1+3+2+9+4+15+6+21+8+27 = 143, so 7.
	{"SSCC", "10614141123456789", '7', "GS1 General Specifications, SSCC example, Company Prefix 0614141"},
	// The GTIN of the GS1 Digital Link standard's examples, 09521234543213.
	// 0 9 5 2 1 2 3 4 5 4 3 2 1 weighted 3 1 3 1 ...:
	// 0+9+15+2+3+2+9+4+15+4+9+2+3 = 77, so 3.
	{"GTIN-14", "0952123454321", '3', "GS1 Digital Link standard, example GTIN"},
	// The GTIN-8 of the GS1 General Specifications' EAN-8 examples, 96385074.
	// 9 6 3 8 5 0 7 weighted 3 1 3 1 3 1 3: 27+6+9+8+15+0+21 = 86, so 4.
	{"GTIN-8", "9638507", '4', "GS1 General Specifications, EAN-8 example"},
	// The UPC-A (GTIN-12) of the GS1 US examples, 614141000036.
	// 6 1 4 1 4 1 0 0 0 0 3 weighted 3 1 3 1 ...: 18+1+12+1+12+1+0+0+0+0+9 = 54, so 6.
	{"GTIN-12", "61414100003", '6', "GS1 US, UPC-A example, Company Prefix 0614141"},
	// The brief's GTIN, not a published one: worked by hand only.
	// 0 0 3 1 2 3 4 5 6 7 8 9 0 weighted 3 1 3 1 ...:
	// 0+0+9+1+6+3+12+5+18+7+24+9+0 = 94, so 6.
	{"GTIN-14 (brief)", "0031234567890", '6', "hand computation"},
}

func TestCheckDigitPublished(t *testing.T) {
	for _, tc := range publishedKeys {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckDigit(tc.data)
			if err != nil {
				t.Fatalf("CheckDigit(%q): %v", tc.data, err)
			}
			if got != tc.want {
				t.Errorf("CheckDigit(%q) = %c, want %c (%s)", tc.data, got, tc.want, tc.source)
			}
		})
	}
}

func TestCheckDigitErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Kind
	}{
		{"empty", "", ErrEmpty},
		{"letter", "62910415002X", ErrCharset},
		{"too long", "123456789012345678", ErrLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CheckDigit(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("CheckDigit(%q) = %v, want kind %v", tc.in, err, tc.want)
			}
		})
	}
}

func TestValidKeys(t *testing.T) {
	for _, tc := range []struct {
		in         string
		gtin, sscc bool
	}{
		{"6291041500213", true, false},
		{"6291041500212", false, false},
		{"09521234543213", true, false},
		{"00312345678906", true, false},
		{"00312345678907", false, false},
		{"96385074", true, false},
		{"614141000036", true, false},
		{"106141411234567897", false, true},
		{"106141411234567898", false, false},
		{"0952123454321", false, false}, // 13 digits, wrong check digit for a GTIN-13
		{"", false, false},
		{"629104150021a", false, false},
		{"1234567", false, false},
	} {
		if got := ValidGTIN(tc.in); got != tc.gtin {
			t.Errorf("ValidGTIN(%q) = %v, want %v", tc.in, got, tc.gtin)
		}
		if got := ValidSSCC(tc.in); got != tc.sscc {
			t.Errorf("ValidSSCC(%q) = %v, want %v", tc.in, got, tc.sscc)
		}
	}
}

func TestGTIN14(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      Kind
	}{
		{in: "96385074", want: "00000096385074"},
		{in: "614141000036", want: "00614141000036"},
		{in: "6291041500213", want: "06291041500213"},
		{in: "09521234543213", want: "09521234543213"},
		{in: "", err: ErrEmpty},
		{in: "123456789", err: ErrLength},
		{in: "6291041500212", err: ErrCheckDigit},
		{in: "629104150021X", err: ErrCharset},
	} {
		got, err := GTIN14(tc.in)
		if tc.err != 0 {
			if !errors.Is(err, tc.err) {
				t.Errorf("GTIN14(%q) error = %v, want kind %v", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("GTIN14(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !ValidGTIN(got) {
			t.Errorf("ValidGTIN(GTIN14(%q)) = false", tc.in)
		}
	}
}
