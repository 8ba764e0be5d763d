package medledger

import (
	"strconv"
	"unicode/utf8"
)

// QuoteMax is the longest value, in bytes, that Quote echoes whole.
const QuoteMax = 80

// quotePrefix is how many characters of a long value's quoted prefix Quote
// keeps, counted after escaping, so that a value of control characters or
// invalid UTF-8 shows no more than one of plain letters.
const quotePrefix = 64

// Quote returns s quoted for an error detail or a log line, the way %q
// would, but never more than a short prefix of it: a refusal MUST NOT echo
// outside input unbounded (a 10 KB name sent back in a 10 KB error).
//
// A value of at most QuoteMax bytes comes back whole, as strconv.Quote
// gives it. A longer one comes back as a quoted prefix, cut at a rune
// boundary (an invalid byte counts as a rune of its own), followed by its
// length in bytes:
//
//	"acme-pharma-acme-pharma-..."... (10000 bytes)
//
// The result is valid UTF-8 for any input and at most 4*QuoteMax+2 bytes
// long (an escaped byte takes four).
func Quote(s string) string {
	if len(s) <= QuoteMax {
		return strconv.Quote(s)
	}
	n, width := 0, 0
	for n < len(s) {
		_, size := utf8.DecodeRuneInString(s[n:])
		// Escaping is per rune, so the width of the quoted prefix is the
		// sum of the widths of its quoted runes.
		w := len(strconv.Quote(s[n:n+size])) - 2
		if width+w > quotePrefix {
			break
		}
		n, width = n+size, width+w
	}
	return strconv.Quote(s[:n]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}
