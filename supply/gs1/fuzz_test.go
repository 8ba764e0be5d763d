package gs1

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse: no input makes Parse panic; an error is a well-formed *Error;
// a Code that parses is valid and survives both formats.
func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add(tc.in)
	}
	for _, tc := range invalidCases {
		f.Add(tc.in)
	}
	f.Add(`(01)00312345678906(21)\(\(\(\(\(\(\(\(\(\(\(\(\(\(\(\(\(\(\(\((10)\(`)
	f.Add("]d2" + sep + "00106141411234567897" + sep + "0100312345678906" + sep + "11000229" + "17991200" + "10(" + sep + "21)" + sep)
	ref := time.Date(FixedReferenceYear, time.July, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if c2, err2 := ParseAt(s, ref); c2 != c || (err == nil) != (err2 == nil) {
			t.Fatalf("ParseAt with the reference year disagrees with Parse: %+v, %v vs %+v, %v", c2, err2, c, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.Kind == 0 || int(e.Kind) >= len(kindNames) {
				t.Fatalf("error of unknown kind %d: %v", e.Kind, err)
			}
			if e.Pos < 0 || e.Pos > len(s) {
				t.Fatalf("error Pos %d outside the input of %d bytes: %v", e.Pos, len(s), err)
			}
			if c != (Code{}) {
				t.Fatalf("Parse returned %+v beside its error %v", c, err)
			}
			if e.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %+v, which fails Validate: %v", s, c, err)
		}
		for _, form := range []string{Format(c), FormatRaw(c)} {
			got, err := Parse(form)
			if err != nil {
				t.Fatalf("Parse(%q) = %+v, but Parse(%q): %v", s, c, form, err)
			}
			if got != c {
				t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v", s, c, form, got)
			}
		}
	})
}
