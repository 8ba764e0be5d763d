package httpsig

// The part of RFC 8941 (Structured Field Values) that signatures need:
// Dictionaries whose members are Items or Inner Lists, with Parameters, and
// every RFC 8941 bare item type (Integer, Decimal, String, Token, Byte
// Sequence, Boolean). RFC 9651's Date and Display String are not parsed.
//
// NOTE: RFC 8941 lets a later duplicate dictionary key or parameter key
// overwrite an earlier one. This parser refuses duplicates instead: a field
// that says two things about one signature is an attack or a bug, and either
// way it is safer to refuse than to pick one.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/medledger/medledger"
)

type itemKind uint8

const (
	kindInteger itemKind = iota + 1
	kindDecimal          // num holds the value in thousandths
	kindString
	kindToken
	kindBytes
	kindBool
)

// bareItem is one RFC 8941 bare item.
type bareItem struct {
	kind  itemKind
	num   int64  // integer, or decimal in thousandths
	str   string // string or token
	bytes []byte
	bool  bool
}

type param struct {
	key string
	val bareItem
}

type item struct {
	bare   bareItem
	params []param
}

type innerList struct {
	items  []item
	params []param
}

// member is a dictionary member: an item, or an inner list when isList.
type member struct {
	key    string
	isList bool
	item   item
	list   innerList
}

type dictionary []member

func (d dictionary) get(key string) (member, bool) {
	for _, m := range d {
		if m.key == key {
			return m, true
		}
	}
	return member{}, false
}

func paramValue(ps []param, key string) (bareItem, bool) {
	for _, p := range ps {
		if p.key == key {
			return p.val, true
		}
	}
	return bareItem{}, false
}

// Limits of RFC 8941 numbers.
const (
	maxIntegerDigits = 15
	maxDecimalInt    = 12
	maxDecimalFrac   = 3
)

var errSFV = errors.New("structured field")

type sfParser struct {
	s   string
	pos int
}

func (p *sfParser) fail(format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", errSFV, p.pos, fmt.Sprintf(format, args...))
}

func (p *sfParser) eof() bool { return p.pos >= len(p.s) }

func (p *sfParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

func (p *sfParser) skipSP() {
	for !p.eof() && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *sfParser) skipOWS() {
	for !p.eof() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// parseDictionary parses a whole field value as an RFC 8941 Dictionary
// (section 4.2.2). Field lines are expected joined with ", " already.
func parseDictionary(s string) (dictionary, error) {
	p := &sfParser{s: s}
	p.skipSP()
	var d dictionary
	seen := map[string]bool{}
	for !p.eof() {
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, p.fail("dictionary key %s appears twice", medledger.Quote(key))
		}
		seen[key] = true
		m := member{key: key}
		if p.peek() == '=' {
			p.pos++
			if p.peek() == '(' {
				m.isList = true
				m.list, err = p.parseInnerList()
			} else {
				m.item, err = p.parseItem()
			}
		} else {
			m.item.bare = bareItem{kind: kindBool, bool: true}
			m.item.params, err = p.parseParams()
		}
		if err != nil {
			return nil, err
		}
		d = append(d, m)
		p.skipOWS()
		if p.eof() {
			return d, nil
		}
		if p.peek() != ',' {
			return nil, p.fail("want ',' between dictionary members, got %q", p.peek())
		}
		p.pos++
		p.skipOWS()
		if p.eof() {
			return nil, p.fail("trailing ',' after the last dictionary member")
		}
	}
	if len(d) == 0 {
		return nil, p.fail("empty dictionary")
	}
	return d, nil
}

func isLCAlpha(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool   { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// isTchar reports whether c is an RFC 9110 tchar.
func isTchar(c byte) bool {
	if isAlpha(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *sfParser) parseKey() (string, error) {
	start := p.pos
	if c := p.peek(); !isLCAlpha(c) && c != '*' {
		return "", p.fail("a key starts with a lowercase letter or '*', got %q", c)
	}
	for !p.eof() {
		c := p.s[p.pos]
		if !isLCAlpha(c) && !isDigit(c) && c != '_' && c != '-' && c != '.' && c != '*' {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos], nil
}

func (p *sfParser) parseParams() ([]param, error) {
	var ps []param
	for p.peek() == ';' {
		p.pos++
		p.skipSP()
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		for _, q := range ps {
			if q.key == key {
				return nil, p.fail("parameter %s appears twice", medledger.Quote(key))
			}
		}
		v := bareItem{kind: kindBool, bool: true}
		if p.peek() == '=' {
			p.pos++
			if v, err = p.parseBareItem(); err != nil {
				return nil, err
			}
		}
		ps = append(ps, param{key: key, val: v})
	}
	return ps, nil
}

func (p *sfParser) parseItem() (item, error) {
	b, err := p.parseBareItem()
	if err != nil {
		return item{}, err
	}
	ps, err := p.parseParams()
	if err != nil {
		return item{}, err
	}
	return item{bare: b, params: ps}, nil
}

func (p *sfParser) parseInnerList() (innerList, error) {
	if p.peek() != '(' {
		return innerList{}, p.fail("an inner list starts with '('")
	}
	p.pos++
	var l innerList
	for !p.eof() {
		p.skipSP()
		if p.peek() == ')' {
			p.pos++
			ps, err := p.parseParams()
			if err != nil {
				return innerList{}, err
			}
			l.params = ps
			return l, nil
		}
		it, err := p.parseItem()
		if err != nil {
			return innerList{}, err
		}
		l.items = append(l.items, it)
		if c := p.peek(); c != ' ' && c != ')' {
			return innerList{}, p.fail("want ' ' or ')' after an inner list item, got %q", c)
		}
	}
	return innerList{}, p.fail("inner list is not closed with ')'")
}

func (p *sfParser) parseBareItem() (bareItem, error) {
	c := p.peek()
	switch {
	case c == '-' || isDigit(c):
		return p.parseNumber()
	case c == '"':
		return p.parseString()
	case c == ':':
		return p.parseBytes()
	case c == '?':
		return p.parseBool()
	case isAlpha(c) || c == '*':
		return p.parseToken()
	case p.eof():
		return bareItem{}, p.fail("value missing at end of field")
	}
	return bareItem{}, p.fail("no value starts with %q", c)
}

func (p *sfParser) parseNumber() (bareItem, error) {
	neg := false
	if p.peek() == '-' {
		neg = true
		p.pos++
	}
	start := p.pos
	for !p.eof() && isDigit(p.s[p.pos]) {
		p.pos++
	}
	intPart := p.s[start:p.pos]
	if intPart == "" {
		return bareItem{}, p.fail("a number needs a digit")
	}
	if p.peek() != '.' {
		if len(intPart) > maxIntegerDigits {
			return bareItem{}, p.fail("integer has more than %d digits", maxIntegerDigits)
		}
		n, _ := strconv.ParseInt(intPart, 10, 64) // at most 15 digits: cannot overflow
		if neg {
			n = -n
		}
		return bareItem{kind: kindInteger, num: n}, nil
	}
	if len(intPart) > maxDecimalInt {
		return bareItem{}, p.fail("decimal has more than %d integer digits", maxDecimalInt)
	}
	p.pos++ // '.'
	fstart := p.pos
	for !p.eof() && isDigit(p.s[p.pos]) {
		p.pos++
	}
	frac := p.s[fstart:p.pos]
	if frac == "" || len(frac) > maxDecimalFrac {
		return bareItem{}, p.fail("decimal needs 1 to %d fractional digits", maxDecimalFrac)
	}
	n, _ := strconv.ParseInt(intPart, 10, 64)
	f, _ := strconv.ParseInt(frac+strings.Repeat("0", maxDecimalFrac-len(frac)), 10, 64)
	n = n*1000 + f
	if neg {
		n = -n
	}
	return bareItem{kind: kindDecimal, num: n}, nil
}

func (p *sfParser) parseString() (bareItem, error) {
	p.pos++ // '"'
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\':
			if p.eof() {
				return bareItem{}, p.fail("string ends inside an escape")
			}
			n := p.s[p.pos]
			if n != '"' && n != '\\' {
				return bareItem{}, p.fail("only '\\\"' and '\\\\' are escapes in a string, got '\\%c'", n)
			}
			b.WriteByte(n)
			p.pos++
		case c == '"':
			return bareItem{kind: kindString, str: b.String()}, nil
		case c < 0x20 || c > 0x7e:
			return bareItem{}, p.fail("byte 0x%02x is not allowed in a string", c)
		default:
			b.WriteByte(c)
		}
	}
	return bareItem{}, p.fail("string is not closed with '\"'")
}

func (p *sfParser) parseToken() (bareItem, error) {
	start := p.pos
	p.pos++ // first character checked by parseBareItem
	for !p.eof() {
		c := p.s[p.pos]
		if !isTchar(c) && c != ':' && c != '/' {
			break
		}
		p.pos++
	}
	return bareItem{kind: kindToken, str: p.s[start:p.pos]}, nil
}

func isBase64Char(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '='
}

func (p *sfParser) parseBytes() (bareItem, error) {
	p.pos++ // ':'
	start := p.pos
	for !p.eof() && p.s[p.pos] != ':' {
		if !isBase64Char(p.s[p.pos]) {
			return bareItem{}, p.fail("byte 0x%02x is not base64 in a byte sequence", p.s[p.pos])
		}
		p.pos++
	}
	if p.eof() {
		return bareItem{}, p.fail("byte sequence is not closed with ':'")
	}
	enc := p.s[start:p.pos]
	p.pos++ // ':'
	// RFC 8941 asks parsers to accept missing '=' padding.
	b, err := base64.RawStdEncoding.Strict().DecodeString(strings.TrimRight(enc, "="))
	if err != nil || strings.Contains(strings.TrimRight(enc, "="), "=") {
		return bareItem{}, p.fail("byte sequence is not valid base64")
	}
	return bareItem{kind: kindBytes, bytes: b}, nil
}

func (p *sfParser) parseBool() (bareItem, error) {
	p.pos++ // '?'
	switch p.peek() {
	case '1':
		p.pos++
		return bareItem{kind: kindBool, bool: true}, nil
	case '0':
		p.pos++
		return bareItem{kind: kindBool, bool: false}, nil
	}
	return bareItem{}, p.fail("a boolean is ?0 or ?1")
}

// Serialization (RFC 8941 section 4.1), canonical: what a verifier rebuilds
// for @signature-params and what Sign writes.

func (b bareItem) serialize(w *strings.Builder) {
	switch b.kind {
	case kindInteger:
		w.WriteString(strconv.FormatInt(b.num, 10))
	case kindDecimal:
		n := b.num
		if n < 0 {
			w.WriteByte('-')
			n = -n
		}
		w.WriteString(strconv.FormatInt(n/1000, 10))
		w.WriteByte('.')
		frac := strings.TrimRight(fmt.Sprintf("%03d", n%1000), "0")
		if frac == "" {
			frac = "0"
		}
		w.WriteString(frac)
	case kindString:
		w.WriteByte('"')
		for i := 0; i < len(b.str); i++ {
			if c := b.str[i]; c == '"' || c == '\\' {
				w.WriteByte('\\')
			}
			w.WriteByte(b.str[i])
		}
		w.WriteByte('"')
	case kindToken:
		w.WriteString(b.str)
	case kindBytes:
		w.WriteByte(':')
		w.WriteString(base64.StdEncoding.EncodeToString(b.bytes))
		w.WriteByte(':')
	case kindBool:
		if b.bool {
			w.WriteString("?1")
		} else {
			w.WriteString("?0")
		}
	}
}

func serializeParams(w *strings.Builder, ps []param) {
	for _, p := range ps {
		w.WriteByte(';')
		w.WriteString(p.key)
		if p.val.kind == kindBool && p.val.bool {
			continue
		}
		w.WriteByte('=')
		p.val.serialize(w)
	}
}

func (it item) serialize(w *strings.Builder) {
	it.bare.serialize(w)
	serializeParams(w, it.params)
}

func (l innerList) serialize(w *strings.Builder) {
	w.WriteByte('(')
	for i, it := range l.items {
		if i > 0 {
			w.WriteByte(' ')
		}
		it.serialize(w)
	}
	w.WriteByte(')')
	serializeParams(w, l.params)
}

func (l innerList) String() string {
	var w strings.Builder
	l.serialize(&w)
	return w.String()
}

func (d dictionary) String() string {
	var w strings.Builder
	for i, m := range d {
		if i > 0 {
			w.WriteString(", ")
		}
		w.WriteString(m.key)
		switch {
		case m.isList:
			w.WriteByte('=')
			m.list.serialize(&w)
		case m.item.bare.kind == kindBool && m.item.bare.bool:
			serializeParams(&w, m.item.params)
		default:
			w.WriteByte('=')
			m.item.serialize(&w)
		}
	}
	return w.String()
}

// validString reports whether s can be serialized as an sf-string.
func validString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
