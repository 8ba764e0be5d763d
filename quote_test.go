package medledger_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/medledger/medledger"
)

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"short", "acme", `"acme"`},
		{"escapes", "a\"b\n\x00", `"a\"b\n\x00"`},
		{"exactly max", strings.Repeat("a", 80), strconv.Quote(strings.Repeat("a", 80))},
		{"one over max", strings.Repeat("a", 81), `"` + strings.Repeat("a", 64) + `"... (81 bytes)`},
		{"huge", strings.Repeat("x", 10000), `"` + strings.Repeat("x", 64) + `"... (10000 bytes)`},
		// é is two bytes: 32 of them fill the 64-byte prefix exactly.
		{"multibyte", strings.Repeat("é", 100), `"` + strings.Repeat("é", 32) + `"... (200 bytes)`},
		// a 3-byte rune does not fit after 63 letters: the cut falls before it.
		{"rune boundary", strings.Repeat("a", 63) + "€" + strings.Repeat("a", 50), `"` + strings.Repeat("a", 63) + `"... (116 bytes)`},
		// an invalid byte is escaped as \xff (four characters) and counts as such.
		{"invalid utf-8", strings.Repeat("\xff", 100), `"` + strings.Repeat(`\xff`, 16) + `"... (100 bytes)`},
		{"short invalid utf-8", "\xff\xfe", `"\xff\xfe"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := medledger.Quote(tc.in); got != tc.want {
				t.Errorf("Quote(%d bytes) = %s, want %s", len(tc.in), got, tc.want)
			}
		})
	}
}

// FuzzQuote checks that Quote never panics, that its result is bounded and
// valid UTF-8 whatever the input, and that it is %q of the input when short
// and the %q of a true prefix of it when long.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "acme", strings.Repeat("x", 81), strings.Repeat("\xff", 200), strings.Repeat("\U0010ffff", 30), "a\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := medledger.Quote(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Quote(%q) = %q: not valid UTF-8", s, got)
		}
		if len(got) > 4*medledger.QuoteMax+2 {
			t.Fatalf("Quote(%d bytes) is %d bytes long", len(s), len(got))
		}
		if len(s) <= medledger.QuoteMax {
			if want := strconv.Quote(s); got != want {
				t.Fatalf("Quote(%q) = %s, want %s", s, got, want)
			}
			return
		}
		suffix := "... (" + strconv.Itoa(len(s)) + " bytes)"
		quoted, ok := strings.CutSuffix(got, suffix)
		if !ok {
			t.Fatalf("Quote(%q) = %s: no %q at the end", s, got, suffix)
		}
		prefix, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("Quote(%q) = %s: the prefix does not unquote: %v", s, got, err)
		}
		if !strings.HasPrefix(s, prefix) || len(prefix) == 0 || len(prefix) >= len(s) {
			t.Fatalf("Quote(%q) = %s: %q is no proper prefix", s, got, prefix)
		}
	})
}
