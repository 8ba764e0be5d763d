package gs1

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const sep = "\x1d" // GS, the raw form's FNC1 separator

func date(y int, m time.Month, d int, raw string) Date {
	return Date{Year: y, Month: m, Day: d, Raw: raw}
}

// pack is the code of the package doc's example.
var pack = Code{
	GTIN:      "00312345678906",
	Serial:    "SN1234",
	Lot:       "LOT42",
	Expiry:    date(2027, time.December, 31, "271231"),
	HasExpiry: true,
}

var validCases = []struct {
	name string
	in   string
	want Code
}{
	{"bracketed", "(01)00312345678906(21)SN1234(10)LOT42(17)271231", pack},
	{"bracketed, other order", "(17)271231(10)LOT42(01)00312345678906(21)SN1234", pack},
	{"raw, brief order", "010031234567890621SN1234" + sep + "10LOT42" + sep + "17271231", pack},
	{"raw, fixed first", "010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, DataMatrix identifier", "]d2010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, GS1-128 identifier", "]C1010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, QR identifier", "]Q3010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, DataBar identifier", "]e0010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, leading GS", sep + "010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, identifier and leading GS", "]d2" + sep + "010031234567890617271231" + "10LOT42" + sep + "21SN1234", pack},
	{"raw, redundant GS after fixed fields", "0100312345678906" + sep + "17271231" + sep + "10LOT42" + sep + "21SN1234", pack},
	{"raw, trailing GS", "010031234567890617271231" + "10LOT42" + sep + "21SN1234" + sep, pack},
	{"GTIN only", "(01)09521234543213", Code{GTIN: "09521234543213"}},
	{"GTIN only, raw", "0109521234543213", Code{GTIN: "09521234543213"}},
	{"SSCC", "(00)106141411234567897", Code{SSCC: "106141411234567897"}},
	{"SSCC, raw", "]C100106141411234567897", Code{SSCC: "106141411234567897"}},
	{"SSCC and GTIN", "(00)106141411234567897(01)09521234543213", Code{SSCC: "106141411234567897", GTIN: "09521234543213"}},
	{"day 00, non-leap February", "(01)00312345678906(17)270200",
		Code{GTIN: "00312345678906", Expiry: date(2027, time.February, 28, "270200"), HasExpiry: true}},
	{"day 00, leap February", "(01)00312345678906(17)280200",
		Code{GTIN: "00312345678906", Expiry: date(2028, time.February, 29, "280200"), HasExpiry: true}},
	{"29 February of a leap year", "(01)00312345678906(17)280229",
		Code{GTIN: "00312345678906", Expiry: date(2028, time.February, 29, "280229"), HasExpiry: true}},
	{"29 February 2000", "(01)00312345678906(17)000229",
		Code{GTIN: "00312345678906", Expiry: date(2000, time.February, 29, "000229"), HasExpiry: true}},
	{"YY 50 is 2050", "(01)00312345678906(17)501231",
		Code{GTIN: "00312345678906", Expiry: date(2050, time.December, 31, "501231"), HasExpiry: true}},
	{"YY 99 is 1999", "(01)00312345678906(11)991231",
		Code{GTIN: "00312345678906", Production: date(1999, time.December, 31, "991231"), HasProduction: true}},
	{"production and expiry", "0100312345678906112501151727013110L1",
		Code{GTIN: "00312345678906", Lot: "L1",
			Production: date(2025, time.January, 15, "250115"), HasProduction: true,
			Expiry: date(2027, time.January, 31, "270131"), HasExpiry: true}},
	{"escaped ( in a serial", `(01)00312345678906(21)A\(1)B(10)X)`,
		Code{GTIN: "00312345678906", Serial: "A(1)B", Lot: "X)"}},
	{"( in a raw serial", "0100312345678906" + "21A(1)B" + sep + "10X)",
		Code{GTIN: "00312345678906", Serial: "A(1)B", Lot: "X)"}},
	{"serial of every special character, 20 long", `(01)00312345678906(21)!"%&'\()*+,-./:;<=>?_`,
		Code{GTIN: "00312345678906", Serial: `!"%&'()*+,-./:;<=>?_`}},
	{"lot of 20", "(01)00312345678906(10)ABCDEFGHIJKLMNOPQRST",
		Code{GTIN: "00312345678906", Lot: "ABCDEFGHIJKLMNOPQRST"}},
	{"lot of 20, raw and last", "0100312345678906" + "10abcdefghijklmnopqrs9",
		Code{GTIN: "00312345678906", Lot: "abcdefghijklmnopqrs9"}},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

var invalidCases = []struct {
	name string
	in   string
	kind Kind
	ai   string // the AI the error names, "" for none
	pos  int    // the byte offset, or -1 not to check
}{
	{"empty", "", ErrEmpty, "", 0},
	{"identifier only", "]d2", ErrEmpty, "", 3},
	{"GS only", sep, ErrEmpty, "", 1},
	{"identifier and GS only", "]d2" + sep, ErrEmpty, "", 4},
	{"too long", "(01)00312345678906(21)" + strings.Repeat("A", MaxLen), ErrTooLong, "", MaxLen},
	{"foreign identifier", "]d1010031234567890617271231", ErrSyntax, "", 0},
	{"short identifier", "]d", ErrSyntax, "", 0},
	{"unclosed AI", "(01", ErrSyntax, "", 0},
	{"one-digit AI", "(1)2", ErrSyntax, "", 0},
	{"five-digit AI", "(12345)2", ErrSyntax, "", 0},
	{"letters in AI", "(0A)2", ErrSyntax, "", 0},
	{"raw, letter first", "X0100312345678906", ErrSyntax, "", 0},
	{"raw, ends inside an AI", "01003123456789061", ErrSyntax, "", 16},
	{"raw, letter in AI", "01003123456789061X", ErrSyntax, "", 17},
	{"raw, double GS", "0100312345678906" + sep + sep + "21A", ErrSyntax, "", 17},
	{"bracketed unknown AI", "(01)00312345678906(99)ABC", ErrUnknownAI, "99", 18},
	{"bracketed unknown 3-digit AI", "(01)00312345678906(240)ABC", ErrUnknownAI, "240", 18},
	{"raw unknown AI", "0100312345678906" + "02" + "00312345678906", ErrUnknownAI, "02", 16},
	{"raw unknown 4-digit AI", "0100312345678906" + "7003" + "2712312359", ErrUnknownAI, "7003", 16},
	{"raw unknown 3-digit AI", "]d20100312345678906" + "240" + "X", ErrUnknownAI, "240", 19},
	{"raw unknown AI cut short", "0100312345678906" + "700", ErrUnknownAI, "700", 16},
	{"duplicate GTIN", "(01)00312345678906(01)00312345678906", ErrDuplicateAI, "01", 18},
	{"duplicate serial, raw", "0100312345678906" + "21A" + sep + "21B", ErrDuplicateAI, "21", 20},
	{"short GTIN", "(01)0031234567890", ErrLength, "01", 4},
	{"long GTIN", "(01)003123456789060", ErrLength, "01", 4},
	{"raw GTIN cut short", "01003123", ErrLength, "01", 2},
	{"raw GS inside GTIN", "01003123" + sep + "21A", ErrLength, "01", 2},
	{"empty serial", "(01)00312345678906(21)(10)L", ErrLength, "21", 22},
	{"empty serial, raw", "0100312345678906" + "21" + sep + "10L", ErrLength, "21", 18},
	{"serial of 21", "(01)00312345678906(21)" + strings.Repeat("S", 21), ErrLength, "21", 42},
	{"short date", "(01)00312345678906(17)27123", ErrLength, "17", 22},
	{"letter in GTIN", "(01)0031234567890X", ErrCharset, "01", 17},
	{"space in serial", "(01)00312345678906(21)SN 1", ErrCharset, "21", 24},
	{"backslash in serial", `(01)00312345678906(21)A\B`, ErrCharset, "21", 23},
	{"charset position after an escape", `(01)00312345678906(21)\(\(#`, ErrCharset, "21", 26},
	{"non-ASCII lot", "(01)00312345678906(10)L\u00e9", ErrCharset, "10", 23},
	{"hash in raw serial", "0100312345678906" + "21SN#1", ErrCharset, "21", 20},
	{"GS in bracketed serial", "(01)00312345678906(21)A" + sep, ErrCharset, "21", 23},
	{"letter in date", "(01)00312345678906(17)27I231", ErrCharset, "17", 24},
	{"GTIN check digit", "(01)00312345678907", ErrCheckDigit, "01", 17},
	{"SSCC check digit", "00106141411234567898", ErrCheckDigit, "00", 19},
	{"month 13", "(01)00312345678906(17)271331", ErrDate, "17", 24},
	{"month 00", "(01)00312345678906(17)270001", ErrDate, "17", 24},
	{"30 February", "(01)00312345678906(17)270230", ErrDate, "17", 26},
	{"29 February 2029", "(01)00312345678906(17)290229", ErrDate, "17", 26},
	{"31 April, production", "(01)00312345678906(11)270431", ErrDate, "11", 26},
	{"raw, separators dropped", "0100312345678906" + "21SN1234" + "10LOT42" + "17271231", ErrMissingSeparator, "21", 38},
	{"raw, lot runs on", "0100312345678906" + "10" + strings.Repeat("L", 21), ErrMissingSeparator, "10", 38},
	{"serial without GTIN", "(21)SN1234", ErrAssociation, "21", 0},
	{"lot and expiry without GTIN", "(17)271231(10)L", ErrAssociation, "17", 0},
	{"SSCC with serial", "(00)106141411234567897(21)X", ErrAssociation, "21", 22},
	{"raw production date alone", "11250115", ErrAssociation, "11", 0},
}

func TestParseInvalid(t *testing.T) {
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error of kind %v", tc.in, c, tc.kind)
			}
			if c != (Code{}) {
				t.Errorf("Parse(%q) returned %+v beside its error; want the zero Code", tc.in, c)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T is not an *Error", tc.in, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Parse(%q) = %v (kind %v), want kind %v", tc.in, err, e.Kind, tc.kind)
			}
			if e.AI != tc.ai {
				t.Errorf("Parse(%q) error AI = %q, want %q (%v)", tc.in, e.AI, tc.ai, err)
			}
			if tc.pos >= 0 && e.Pos != tc.pos {
				t.Errorf("Parse(%q) error Pos = %d, want %d (%v)", tc.in, e.Pos, tc.pos, err)
			}
			if e.Reason == "" || strings.HasSuffix(e.Reason, ".") {
				t.Errorf("reason %q: want a non-empty reason with no trailing period", e.Reason)
			}
		})
	}
}

// TestErrorMessage pins the one message format the package documents; all
// other tests match errors by kind.
func TestErrorMessage(t *testing.T) {
	_, err := Parse("(01)00312345678907")
	if got, want := err.Error(), "gs1: (01) 00312345678907: check digit is 7, want 6"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = Parse("(01)00312345678906(21)A" + sep)
	if got := err.Error(); !strings.Contains(got, `"A\x1d"`) || !strings.Contains(got, "GS (0x1D)") {
		t.Errorf("a control byte must show quoted: %q", got)
	}
}

// TestKinds pins the kinds' numbers and names: they are append-only.
func TestKinds(t *testing.T) {
	want := []string{"", "empty", "too-long", "syntax", "unknown-ai", "duplicate-ai", "length",
		"charset", "check-digit", "date", "missing-separator", "association"}
	for i := 1; i < len(want); i++ {
		if got := Kind(i).String(); got != want[i] {
			t.Errorf("Kind(%d) = %q, want %q", i, got, want[i])
		}
	}
	if len(kindNames) != len(want) {
		t.Errorf("%d kinds, this test knows %d: add the new kind here", len(kindNames)-1, len(want)-1)
	}
	if got := ErrCheckDigit.Error(); got != "gs1: check-digit" {
		t.Errorf("ErrCheckDigit.Error() = %q", got)
	}
	if got := Kind(200).String(); got != "kind-200" {
		t.Errorf("Kind(200) = %q, want kind-200", got)
	}
	if errors.Is(&Error{Kind: ErrLength}, ErrCharset) || !errors.Is(&Error{Kind: ErrLength}, ErrLength) {
		t.Error("errors.Is must match by kind")
	}
}

func TestValidate(t *testing.T) {
	gtin := "00312345678906"
	expiry := date(2027, time.December, 31, "271231")
	for _, tc := range []struct {
		name string
		c    Code
		want Kind // 0 for valid
	}{
		{"pack", pack, 0},
		{"zero", Code{}, ErrEmpty},
		{"bad GTIN", Code{GTIN: "00312345678907"}, ErrCheckDigit},
		{"short SSCC", Code{SSCC: "1061414112345678"}, ErrLength},
		{"bad serial", Code{GTIN: gtin, Serial: "A B"}, ErrCharset},
		{"long lot", Code{GTIN: gtin, Lot: strings.Repeat("L", 21)}, ErrLength},
		{"serial without GTIN", Code{Serial: "A"}, ErrAssociation},
		{"expiry without GTIN", Code{Expiry: expiry, HasExpiry: true}, ErrAssociation},
		{"expiry not marked", Code{GTIN: gtin, Expiry: expiry}, ErrDate},
		{"expiry without raw", Code{GTIN: gtin, Expiry: Date{Year: 2027, Month: 12, Day: 31}, HasExpiry: true}, ErrLength},
		{"expiry day disagrees", Code{GTIN: gtin, Expiry: date(2027, time.December, 30, "271231"), HasExpiry: true}, ErrDate},
		{"expiry year disagrees", Code{GTIN: gtin, Expiry: date(2028, time.December, 31, "271231"), HasExpiry: true}, ErrDate},
		{"day 00 resolved", Code{GTIN: gtin, Expiry: date(2028, time.February, 29, "280200"), HasExpiry: true}, 0},
		{"day 00 unresolved", Code{GTIN: gtin, Expiry: date(2028, time.February, 0, "280200"), HasExpiry: true}, ErrDate},
		{"invalid production", Code{GTIN: gtin, Production: date(2027, time.February, 30, "270230"), HasProduction: true}, ErrDate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Validate = %v, want kind %v", err, tc.want)
			}
			if e := err.(*Error); e.Pos != -1 {
				t.Errorf("Pos = %d, want -1", e.Pos)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	if got, want := Format(pack), "(01)00312345678906(21)SN1234(10)LOT42(17)271231"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got, want := FormatRaw(pack), "010031234567890617271231"+"10LOT42"+sep+"21SN1234"; got != want {
		t.Errorf("FormatRaw = %q, want %q", got, want)
	}
	all := Code{SSCC: "106141411234567897", GTIN: "00312345678906", Serial: "S(1", Lot: "L(2",
		Production: date(2025, time.January, 0+15, "250115"), HasProduction: true,
		Expiry: date(2027, time.February, 28, "270200"), HasExpiry: true}
	if got, want := Format(all), `(00)106141411234567897(01)00312345678906(21)S\(1(10)L\(2(11)250115(17)270200`; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got, want := FormatRaw(all), "00106141411234567897"+"0100312345678906"+"11250115"+"17270200"+"10L(2"+sep+"21S(1"; got != want {
		t.Errorf("FormatRaw = %q, want %q", got, want)
	}
	if got, want := FormatRaw(Code{GTIN: "00312345678906", Serial: "S"}), "0100312345678906"+"21S"; got != want {
		t.Errorf("FormatRaw = %q, want %q", got, want)
	}
	if got := pack.String(); got != Format(pack) {
		t.Errorf("String = %q, want Format's %q", got, Format(pack))
	}
}
