package gs1

import (
	"fmt"
	"strings"
	"time"
)

// MaxLen is the longest input Parse and ParseAt read, in bytes. The longest
// valid input is 152 bytes (every AI in the bracketed form, the serial and
// lot 20 escaped '(' each, behind a symbology identifier and a GS);
// anything over MaxLen is refused with ErrTooLong before any other work.
const MaxLen = 200

// gs is the group separator, ASCII 29, which a scanner sends for FNC1.
const gs = 0x1D

// Code is the content of one GS1 element string. An absent element is the
// zero value: "" for the strings, HasExpiry or HasProduction false with a
// zero Date. Codes are comparable with ==.
type Code struct {
	SSCC string // AI 00: 18 digits, check digit valid
	GTIN string // AI 01: 14 digits (GTIN-14 form), check digit valid
	// Serial is AI 21 and Lot AI 10: 1 to 20 characters of GS1 AI
	// encodable character set 82.
	Serial string
	Lot    string

	Expiry        Date // AI 17, use by or expiry date
	HasExpiry     bool
	Production    Date // AI 11, production date
	HasProduction bool
}

// String returns the bracketed form, as Format.
func (c Code) String() string { return Format(c) }

// The AIs this package accepts.
type aiKind uint8

const (
	aiKey  aiKind = iota + 1 // digits, the last a mod-10 check digit
	aiDate                   // YYMMDD
	aiText                   // character set 82, variable length
)

type aiSpec struct {
	id    int    // index into parser.seen
	ai    string // "01"
	kind  aiKind
	fixed int // length of a predefined-length value, 0 for variable
	max   int // maximum length of a variable-length value
}

var (
	specSSCC       = aiSpec{id: 0, ai: "00", kind: aiKey, fixed: 18}
	specGTIN       = aiSpec{id: 1, ai: "01", kind: aiKey, fixed: 14}
	specLot        = aiSpec{id: 2, ai: "10", kind: aiText, max: 20}
	specProduction = aiSpec{id: 3, ai: "11", kind: aiDate, fixed: 6}
	specExpiry     = aiSpec{id: 4, ai: "17", kind: aiDate, fixed: 6}
	specSerial     = aiSpec{id: 5, ai: "21", kind: aiText, max: 20}
)

const numSpecs = 6

const acceptedAIs = "(00), (01), (10), (11), (17) and (21)"

func lookup(ai string) *aiSpec {
	switch ai {
	case "00":
		return &specSSCC
	case "01":
		return &specGTIN
	case "10":
		return &specLot
	case "11":
		return &specProduction
	case "17":
		return &specExpiry
	case "21":
		return &specSerial
	}
	return nil
}

// gs1AILen returns the length of the GS1 AIs that begin with the two digits
// p, from the GS1 General Specifications' table of AI lengths by prefix, so
// that an unknown AI in the raw form is named whole ("7003", not "70").
func gs1AILen(p string) int {
	switch p {
	case "23", "24", "25", "40", "41", "42", "71":
		return 3
	case "31", "32", "33", "34", "35", "36", "39", "43", "70", "72", "80", "81", "82":
		return 4
	}
	return 2
}

// cset82 marks the bytes of the GS1 AI encodable character set 82 (GS1
// General Specifications figure 7.11-1).
var cset82 = func() (t [256]bool) {
	for _, c := range []byte(`!"%&'()*+,-./:;<=>?_`) {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	return t
}()

// InCharset82 reports whether c is in GS1 AI encodable character set 82,
// the characters of serials and lots.
func InCharset82(c byte) bool { return cset82[c] }

// Parse parses a GS1 element string in the bracketed or the raw form (see
// the package doc), resolving the century of dates around
// FixedReferenceYear. Every error is an *Error.
func Parse(s string) (Code, error) {
	return parse(s, FixedReferenceYear)
}

// ParseAt is Parse with the century of dates resolved around now's year,
// per GS1 General Specifications 7.12. Only now's year is read. A state
// transition MUST pass the block time.
func ParseAt(s string, now time.Time) (Code, error) {
	return parse(s, now.Year())
}

type parser struct {
	in      string
	refYear int
	code    Code
	seen    [numSpecs]int // 1 + the AI's byte offset, 0 while unseen
	values  [numSpecs]string
}

func parse(s string, refYear int) (Code, error) {
	if len(s) > MaxLen {
		return Code{}, &Error{Kind: ErrTooLong, Pos: MaxLen,
			Reason: fmt.Sprintf("input is %d bytes, over the limit of %d", len(s), MaxLen)}
	}
	p := &parser{in: s, refYear: refYear}
	i := 0
	if strings.HasPrefix(s, "]") {
		switch id := s[:min(3, len(s))]; id {
		case "]d2", "]C1", "]Q3", "]e0":
			i = 3
		default:
			return Code{}, &Error{Kind: ErrSyntax, Pos: 0,
				Reason: fmt.Sprintf("symbology identifier %s is not a GS1 one; want ]d2, ]C1, ]Q3 or ]e0", quoteIfNeeded(id))}
		}
	}
	if i < len(s) && s[i] == gs {
		i++
	}
	if i == len(s) {
		return Code{}, &Error{Kind: ErrEmpty, Pos: i, Reason: "no element string"}
	}
	var err *Error
	if s[i] == '(' {
		err = p.bracketed(i)
	} else {
		err = p.raw(i)
	}
	if err == nil {
		err = p.associations()
	}
	if err != nil {
		return Code{}, err
	}
	return p.code, nil
}

// raw reads the scanner form from byte i on.
func (p *parser) raw(i int) *Error {
	s := p.in
	for i < len(s) {
		aiPos := i
		if !isDigit(s[i]) {
			return &Error{Kind: ErrSyntax, Pos: i, Reason: fmt.Sprintf("%s at byte %d; want the digits of an AI", describeByte(s[i]), i)}
		}
		if i+1 == len(s) {
			return &Error{Kind: ErrSyntax, Pos: i, Reason: fmt.Sprintf("input ends inside an AI at byte %d", i)}
		}
		if !isDigit(s[i+1]) {
			return &Error{Kind: ErrSyntax, Pos: i + 1, Reason: fmt.Sprintf("%s at byte %d; want the digits of an AI", describeByte(s[i+1]), i+1)}
		}
		sp := lookup(s[i : i+2])
		if sp == nil {
			end := i + 2
			for end < min(i+gs1AILen(s[i:i+2]), len(s)) && isDigit(s[end]) {
				end++
			}
			return unknownAI(s[i:end], i)
		}
		start := i + 2
		var v string
		if sp.fixed > 0 {
			end := start + sp.fixed
			v = s[start:min(end, len(s))]
			if k := strings.IndexByte(v, gs); k >= 0 {
				return &Error{Kind: ErrLength, AI: sp.ai, Value: v[:k], Pos: start,
					Reason: fmt.Sprintf("%d characters before a GS separator, want exactly %d", k, sp.fixed)}
			}
			if end > len(s) {
				return &Error{Kind: ErrLength, AI: sp.ai, Value: v, Pos: start,
					Reason: fmt.Sprintf("input ends after %d of its %d characters", len(v), sp.fixed)}
			}
			i = end
			if i < len(s) && s[i] == gs { // redundant, but some encoders write it
				i++
			}
		} else {
			end := len(s)
			if k := strings.IndexByte(s[start:], gs); k >= 0 {
				end = start + k
			}
			v = s[start:end]
			if len(v) > sp.max {
				return &Error{Kind: ErrMissingSeparator, AI: sp.ai, Value: v, Pos: start + sp.max,
					Reason: fmt.Sprintf("runs %d characters with no GS separator, over its maximum of %d; "+
						"the separator after a variable-length field may be missing (a scanner in keyboard mode often drops it)", len(v), sp.max)}
			}
			i = end
			if i < len(s) {
				i++ // the GS
			}
		}
		if err := p.set(sp, v, aiPos, func(k int) int { return start + k }); err != nil {
			return err
		}
	}
	return nil
}

// bracketed reads the human-readable form from byte i on; s[i] is '('.
func (p *parser) bracketed(i int) *Error {
	s := p.in
	for i < len(s) {
		aiPos := i
		j := i + 1
		for j < len(s) && j-i <= 5 && isDigit(s[j]) {
			j++
		}
		if n := j - i - 1; n < 2 || n > 4 || j == len(s) || s[j] != ')' {
			return &Error{Kind: ErrSyntax, Pos: i,
				Reason: fmt.Sprintf("want an AI of 2 to 4 digits in parentheses at byte %d, like (01)", i)}
		}
		ai := s[i+1 : j]
		sp := lookup(ai)
		if sp == nil {
			return unknownAI(ai, i)
		}
		start := j + 1
		end := start
		var v string
		if sp.kind == aiText {
			var b strings.Builder
			for end < len(s) && s[end] != '(' {
				if s[end] == '\\' && end+1 < len(s) && s[end+1] == '(' {
					b.WriteByte('(')
					end += 2
					continue
				}
				b.WriteByte(s[end])
				end++
			}
			v = b.String()
		} else {
			for end < len(s) && s[end] != '(' {
				end++
			}
			v = s[start:end]
		}
		rawv := s[start:end]
		pos := func(k int) int { return start + unescapedOffset(rawv, k) }
		if err := p.set(sp, v, aiPos, pos); err != nil {
			return err
		}
		i = end
	}
	return nil
}

// unescapedOffset maps index k of an unescaped bracketed value to its
// offset in the escaped text raw, where \( is one character.
func unescapedOffset(raw string, k int) int {
	off := 0
	for ; k > 0 && off < len(raw); k-- {
		if raw[off] == '\\' && off+1 < len(raw) && raw[off+1] == '(' {
			off++
		}
		off++
	}
	return off
}

func unknownAI(ai string, pos int) *Error {
	return &Error{Kind: ErrUnknownAI, AI: ai, Pos: pos,
		Reason: "application identifier not accepted here; this parser reads " + acceptedAIs}
}

// set checks value v of AI sp, which starts at byte aiPos, and stores it.
// pos maps an index of v to its byte offset in the input.
func (p *parser) set(sp *aiSpec, v string, aiPos int, pos func(int) int) *Error {
	if first := p.seen[sp.id]; first != 0 {
		return &Error{Kind: ErrDuplicateAI, AI: sp.ai, Value: v, Pos: aiPos,
			Reason: fmt.Sprintf("appears twice (first at byte %d); each AI may appear once", first-1)}
	}
	p.seen[sp.id] = aiPos + 1
	p.values[sp.id] = v
	switch sp.kind {
	case aiKey:
		if err := checkKey(sp.ai, v, sp.fixed, pos(0)); err != nil {
			return err
		}
	case aiText:
		if err := checkText(sp.ai, v, sp.max, pos); err != nil {
			return err
		}
	case aiDate:
		d, err := parseDate(sp.ai, v, p.refYear, pos(0))
		if err != nil {
			return err
		}
		if sp == &specExpiry {
			p.code.Expiry, p.code.HasExpiry = d, true
		} else {
			p.code.Production, p.code.HasProduction = d, true
		}
		return nil
	}
	switch sp {
	case &specSSCC:
		p.code.SSCC = v
	case &specGTIN:
		p.code.GTIN = v
	case &specSerial:
		p.code.Serial = v
	case &specLot:
		p.code.Lot = v
	}
	return nil
}

// associations applies the Syntax Dictionary's "req" rules that concern
// the accepted AIs: (10), (11), (17) and (21) each need (01). The element
// reported is the earliest in the input.
func (p *parser) associations() *Error {
	if p.seen[specGTIN.id] != 0 {
		return nil
	}
	var worst *aiSpec
	for _, sp := range []*aiSpec{&specSerial, &specLot, &specExpiry, &specProduction} {
		if at := p.seen[sp.id]; at != 0 && (worst == nil || at < p.seen[worst.id]) {
			worst = sp
		}
	}
	if worst == nil {
		return nil
	}
	return &Error{Kind: ErrAssociation, AI: worst.ai, Value: p.values[worst.id], Pos: p.seen[worst.id] - 1,
		Reason: "needs a GTIN (01) in the same element string"}
}

// checkText checks a character set 82 value of at most max characters.
func checkText(ai, v string, max int, pos func(int) int) *Error {
	if v == "" {
		return &Error{Kind: ErrLength, AI: ai, Pos: pos(0), Reason: fmt.Sprintf("empty, want 1 to %d characters", max)}
	}
	if len(v) > max {
		return &Error{Kind: ErrLength, AI: ai, Value: v, Pos: pos(max),
			Reason: fmt.Sprintf("%d characters, want 1 to %d", len(v), max)}
	}
	for k := 0; k < len(v); k++ {
		if c := v[k]; !cset82[c] {
			r := fmt.Sprintf("%s at position %d is not in GS1 character set 82", describeByte(c), k+1)
			if c == '\\' {
				r += `; write \( for a literal '(' in the bracketed form`
			}
			return &Error{Kind: ErrCharset, AI: ai, Value: v, Pos: pos(k), Reason: r}
		}
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Validate reports whether c can be formatted and parsed back: each present
// element well formed (as Parse would accept it), each Date consistent with
// its Raw digits, absent dates zero, and (21), (10), (17), (11) only beside
// a GTIN. Errors have Pos -1.
//
// NOTE: Validate cannot check a Date's Year against the century window of a
// later parse: a Year outside the window parses back as another century.
func (c Code) Validate() error {
	if err := c.validate(); err != nil {
		err.Pos = -1
		return err
	}
	return nil
}

func (c Code) validate() *Error {
	if c == (Code{}) {
		return &Error{Kind: ErrEmpty, Reason: "no element"}
	}
	at := func(int) int { return 0 }
	if c.SSCC != "" {
		if err := checkKey("00", c.SSCC, 18, 0); err != nil {
			return err
		}
	}
	if c.GTIN != "" {
		if err := checkKey("01", c.GTIN, 14, 0); err != nil {
			return err
		}
	}
	if c.Serial != "" {
		if err := checkText("21", c.Serial, 20, at); err != nil {
			return err
		}
	}
	if c.Lot != "" {
		if err := checkText("10", c.Lot, 20, at); err != nil {
			return err
		}
	}
	if err := validDate("11", c.Production, c.HasProduction); err != nil {
		return err
	}
	if err := validDate("17", c.Expiry, c.HasExpiry); err != nil {
		return err
	}
	if c.GTIN == "" {
		for _, dep := range []struct {
			ai      string
			present bool
		}{{"21", c.Serial != ""}, {"10", c.Lot != ""}, {"17", c.HasExpiry}, {"11", c.HasProduction}} {
			if dep.present {
				return &Error{Kind: ErrAssociation, AI: dep.ai, Reason: "needs a GTIN (01) in the same element string"}
			}
		}
	}
	return nil
}

// validDate checks that d is zero when absent, and otherwise that its Raw
// is a date whose resolution around d.Year is d itself.
func validDate(ai string, d Date, has bool) *Error {
	if !has {
		if d != (Date{}) {
			return &Error{Kind: ErrDate, AI: ai, Value: d.Raw, Reason: "date set but marked absent"}
		}
		return nil
	}
	// The window around d.Year contains d.Year, so a consistent Raw
	// resolves to exactly d.
	got, err := parseDate(ai, d.Raw, d.Year, 0)
	if err != nil {
		return err
	}
	if got != d {
		return &Error{Kind: ErrDate, AI: ai, Value: d.Raw,
			Reason: fmt.Sprintf("Year, Month and Day (%s) do not match the digits %s, which read as %s", d, d.Raw, got)}
	}
	return nil
}

// Format returns the bracketed form of c, with the AIs in the order (00),
// (01), (21), (10), (11), (17), each present one once, and '(' in a serial
// or lot escaped as \(. For a Code from Parse, Parse(Format(c)) == c.
// c MUST be valid (Validate returns nil); otherwise the result may not
// parse.
func Format(c Code) string {
	var b strings.Builder
	if c.SSCC != "" {
		b.WriteString("(00)" + c.SSCC)
	}
	if c.GTIN != "" {
		b.WriteString("(01)" + c.GTIN)
	}
	if c.Serial != "" {
		b.WriteString("(21)" + strings.ReplaceAll(c.Serial, "(", `\(`))
	}
	if c.Lot != "" {
		b.WriteString("(10)" + strings.ReplaceAll(c.Lot, "(", `\(`))
	}
	if c.HasProduction {
		b.WriteString("(11)" + c.Production.Raw)
	}
	if c.HasExpiry {
		b.WriteString("(17)" + c.Expiry.Raw)
	}
	return b.String()
}

// FormatRaw returns the raw form of c, as encoded in a barcode after the
// leading FNC1: the predefined-length AIs first, (00), (01), (11), (17),
// then (10) and (21), a GS between these two and none at the end. Putting
// predefined-length fields first, as GS1 recommends, saves separators. No
// symbology identifier is written. For a Code from Parse,
// Parse(FormatRaw(c)) == c. c MUST be valid (Validate returns nil).
func FormatRaw(c Code) string {
	var b strings.Builder
	if c.SSCC != "" {
		b.WriteString("00" + c.SSCC)
	}
	if c.GTIN != "" {
		b.WriteString("01" + c.GTIN)
	}
	if c.HasProduction {
		b.WriteString("11" + c.Production.Raw)
	}
	if c.HasExpiry {
		b.WriteString("17" + c.Expiry.Raw)
	}
	if c.Lot != "" {
		b.WriteString("10" + c.Lot)
		if c.Serial != "" {
			b.WriteByte(gs)
		}
	}
	if c.Serial != "" {
		b.WriteString("21" + c.Serial)
	}
	return b.String()
}
