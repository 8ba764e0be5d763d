package gs1

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind classifies an *Error. A Kind is itself an error, so the constants
// below are the sentinels callers match with errors.Is. Kinds are
// append-only: their numbers and names never change and are never reused,
// because callers (and the supply module's stable error codes) depend on
// them.
type Kind uint8

const (
	_                   Kind = iota // 0 is never used
	ErrEmpty                        // no element at all
	ErrTooLong                      // the input is over MaxLen bytes
	ErrSyntax                       // not an element string: bad brackets, a stray byte, a foreign symbology identifier
	ErrUnknownAI                    // an AI this package does not accept
	ErrDuplicateAI                  // the same AI twice
	ErrLength                       // a value of the wrong length
	ErrCharset                      // a character the AI does not allow
	ErrCheckDigit                   // a GTIN or SSCC whose check digit is wrong
	ErrDate                         // a YYMMDD that is no date
	ErrMissingSeparator             // raw form: a variable-length field runs on, most likely for want of a GS
	ErrAssociation                  // an AI without the AI it needs, e.g. (21) without (01)
)

var kindNames = [...]string{
	ErrEmpty:            "empty",
	ErrTooLong:          "too-long",
	ErrSyntax:           "syntax",
	ErrUnknownAI:        "unknown-ai",
	ErrDuplicateAI:      "duplicate-ai",
	ErrLength:           "length",
	ErrCharset:          "charset",
	ErrCheckDigit:       "check-digit",
	ErrDate:             "date",
	ErrMissingSeparator: "missing-separator",
	ErrAssociation:      "association",
}

// String returns the kind's stable kebab-case name, e.g. "check-digit".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind-" + strconv.Itoa(int(k))
}

// Error makes a Kind usable as a sentinel error.
func (k Kind) Error() string { return "gs1: " + k.String() }

// Error is the one error type of this package.
type Error struct {
	Kind Kind
	// AI is the application identifier of the element at fault, without
	// parentheses ("01"); empty when the fault is in no one element.
	AI string
	// Value is the element's data as read (with \( unescaped), empty when
	// there is none.
	Value string
	// Pos is the byte offset in the input at which the fault starts, or -1
	// when there is no input (Validate, CheckDigit on a value not from
	// Parse).
	Pos int
	// Reason says what is wrong and, where it helps, what was wanted:
	// lowercase, no trailing period.
	Reason string
}

// Error renders "gs1: (01) 00312345678907: check digit is 7, want 6".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("gs1: ")
	if e.AI != "" {
		b.WriteString("(" + e.AI + ")")
		if e.Value != "" {
			b.WriteString(" " + quoteIfNeeded(e.Value))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Is reports whether target is e's Kind, so that errors.Is(err,
// gs1.ErrCheckDigit) holds for every check-digit error.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// quoteIfNeeded leaves printable, space-free ASCII as it is and quotes
// anything else, so that a control byte in a scanned value shows.
func quoteIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return strconv.Quote(s)
		}
	}
	return s
}

// describeByte names a byte for a message: 'x' for printable ASCII, GS for
// the separator, 0x.. otherwise.
func describeByte(c byte) string {
	switch {
	case c == gs:
		return "GS (0x1D)"
	case c > ' ' && c <= '~':
		return strconv.QuoteRune(rune(c))
	case c == ' ':
		return "space"
	default:
		return fmt.Sprintf("byte 0x%02X", c)
	}
}
