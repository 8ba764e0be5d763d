package claims

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/medledger/medledger/state"
)

// The encoding of the values a claim writes, without reflection. Each
// claim writes its claim record and its member (with up to MaxHistory past
// services), in CheckTx, at each mempool recheck and in its block; through
// encoding/json's reflection that was about a fifth of a claim's time.
// The bytes MUST be exactly what json.Marshal writes (the state is hashed
// and decoded with encoding/json): codec_test.go compares them over random
// values of every field, with the characters encoding/json escapes. A
// field added to one of these types must be added here too, which that
// test catches.

// encode returns v's JSON, as json.Marshal would, for the types a claim
// writes; ok is false for any other type.
func encode(v any) (b []byte, ok bool) {
	switch x := v.(type) {
	case *Claim:
		return appendClaim(make([]byte, 0, 1024+1024*len(x.Lines)), x), true
	case Member:
		return appendMember(make([]byte, 0, 256+240*len(x.History)), &x), true
	case []dupEntry:
		return appendDups(make([]byte, 0, 64*len(x)+2), x), true
	case dayRecord:
		return append(strconv.AppendInt(append(make([]byte, 0, 32), `{"minutes":`...), x.Minutes, 10), '}'), true
	case Stats:
		return appendStats(make([]byte, 0, 128), x), true
	}
	return nil, false
}

func put(kv state.KV, key []byte, v any) {
	b, ok := encode(v)
	if !ok {
		state.PutJSON(kv, key, v)
		return
	}
	kv.Set(key, b)
	if m, isMember := v.(Member); isMember {
		// The next claim of this member reads these bytes (its CheckTx, or
		// this one's block): remember what they decode to.
		if _, had := memberMemo.get(key, b); !had {
			if d, ok := m.decoded(); ok {
				d.facts = historyFactsSlice(d.History)
				memberMemo.put(key, b, d)
			}
		}
	}
}

// decoded is m as decoding its JSON gives it: a slice omitted when empty
// (omitempty) decodes to nil, and every slice is a copy. ok is false when
// a string is not ASCII (the chain's ids, codes and dates always are):
// JSON would not give back invalid UTF-8 as it was.
func (m Member) decoded() (Member, bool) {
	if !ascii(m.ID) || !ascii(m.Payer) || !ascii(m.EnrolledBy) {
		return m, false
	}
	for _, c := range m.Coverage {
		if !ascii(c.Plan) || !ascii(c.From) || !ascii(c.To) {
			return m, false
		}
	}
	m = m.clone()
	m.facts = nil
	for i := range m.History {
		s := &m.History[i]
		if !ascii(s.Claim) || !ascii(s.Code) || !ascii(s.Date) || !ascii(s.Provider) || !ascii(s.Rendering) || !ascii(s.Status) {
			return m, false
		}
		if len(s.Modifiers) == 0 {
			s.Modifiers = nil
			continue
		}
		s.Modifiers = append([]string(nil), s.Modifiers...)
		for _, x := range s.Modifiers {
			if !ascii(x) {
				return m, false
			}
		}
	}
	return m, true
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// jsonSafe says which ASCII bytes encoding/json writes as they are (with
// HTML escaping, its default): printable, and not '"', '\\', '<', '>' or
// '&'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString is encoding/json's string encoding (with HTML
// escaping, its default).
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// field appends ,"name": (or "name": first, when b ends with '{').
func field(b []byte, name string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func strField(b []byte, name, v string) []byte { return appendJSONString(field(b, name), v) }

func intField(b []byte, name string, v int64) []byte {
	return strconv.AppendInt(field(b, name), v, 10)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func appendInts(b []byte, ns []int) []byte {
	if ns == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, ']')
}

// appendTime is time.Time's JSON: RFC 3339 with nanoseconds, quoted.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendStamp(b []byte, s *Stamp) []byte {
	b = intField(append(b, '{'), "height", s.Height)
	return append(appendTime(field(b, "time"), s.Time), '}')
}

func appendFacts(b []byte, fs []Fact) []byte {
	if fs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strField(strField(append(b, '{'), "name", f.Name), "value", f.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendClaim(b []byte, c *Claim) []byte {
	b = append(b, '{')
	b = strField(b, "id", c.ID)
	b = strField(b, "payer", c.Payer)
	b = strField(b, "member", c.Member)
	b = strField(b, "provider", c.Provider)
	b = strField(b, "rendering", c.Rendering)
	b = strField(b, "submitter", c.Submitter)
	b = appendStrings(field(b, "diagnoses"), c.Diagnoses)
	b = field(b, "lines")
	if c.Lines == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range c.Lines {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLine(b, &c.Lines[i])
		}
		b = append(b, ']')
	}
	if len(c.Attachments) > 0 {
		b = append(field(b, "attachments"), '[')
		for i, a := range c.Attachments {
			if i > 0 {
				b = append(b, ',')
			}
			b = strField(append(b, '{'), "digest", a.Digest)
			if a.Ref != "" {
				b = strField(b, "ref", a.Ref)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = strField(b, "status", c.Status)
	if len(c.Flags) > 0 {
		b = append(field(b, "flags"), '[')
		for i := range c.Flags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFlag(b, &c.Flags[i])
		}
		b = append(b, ']')
	}
	if len(c.Decisions) > 0 {
		b = append(field(b, "decisions"), '[')
		for i := range c.Decisions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendDecision(b, &c.Decisions[i])
		}
		b = append(b, ']')
	}
	if p := c.Payment; p != nil {
		b = strField(append(field(b, "payment"), '{'), "trace", p.Trace)
		b = intField(b, "amount_cents", p.AmountCents)
		b = strField(b, "date", p.Date)
		b = append(strField(b, "by", p.By), '}')
	}
	b = appendStamp(field(b, "submitted"), &c.Submitted)
	for _, s := range []struct {
		name string
		s    *Stamp
	}{{"adjudicated", c.Adjudicated}, {"pended", c.Pended}, {"paid", c.Paid}} {
		if s.s != nil {
			b = appendStamp(field(b, s.name), s.s)
		}
	}
	b = intField(b, "charge_cents", c.ChargeCents)
	b = intField(b, "paid_cents", c.PaidCents)
	b = intField(b, "patient_cents", c.PatientCents)
	return append(b, '}')
}

// appendLine is a line: its seq, then its LineIn's and its Result's
// fields (embedded structs, flattened in order).
func appendLine(b []byte, l *Line) []byte {
	b = intField(append(b, '{'), "seq", int64(l.Seq))
	b = strField(b, "code", l.Code)
	if len(l.Modifiers) > 0 {
		b = appendStrings(field(b, "modifiers"), l.Modifiers)
	}
	b = appendInts(field(b, "diagnosis_pointers"), l.Pointers)
	b = intField(b, "units", l.Units)
	b = intField(b, "charge_cents", l.ChargeCents)
	b = strField(b, "date", l.Date)
	if l.Place != "" {
		b = strField(b, "place", l.Place)
	}
	r := &l.Result
	b = strField(b, "status", r.Status)
	b = intField(b, "allowed_cents", r.AllowedCents)
	b = intField(b, "paid_cents", r.PaidCents)
	b = intField(b, "patient_cents", r.PatientCents)
	b = field(b, "adjustments")
	if r.Adjustments == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, a := range r.Adjustments {
			if i > 0 {
				b = append(b, ',')
			}
			b = strField(strField(append(b, '{'), "group", a.Group), "carc", a.CARC)
			if a.RARC != "" {
				b = strField(b, "rarc", a.RARC)
			}
			b = append(intField(b, "amount_cents", a.AmountCents), '}')
		}
		b = append(b, ']')
	}
	b = strField(b, "rule", r.Rule)
	if r.Policy != 0 {
		b = strconv.AppendUint(field(b, "policy"), r.Policy, 10)
	}
	b = strField(b, "explanation", r.Explanation)
	if len(r.Saw) > 0 {
		b = appendFacts(field(b, "saw"), r.Saw)
	}
	return append(b, '}')
}

func appendFlag(b []byte, f *Flag) []byte {
	b = strField(append(b, '{'), "code", f.Code)
	if f.Line != 0 {
		b = intField(b, "line", int64(f.Line))
	}
	b = strField(b, "reason", f.Reason)
	if len(f.Facts) > 0 {
		b = appendFacts(field(b, "facts"), f.Facts)
	}
	b = strField(b, "by", f.By)
	return append(intField(b, "height", f.Height), '}')
}

func appendDecision(b []byte, d *Decision) []byte {
	b = strField(append(b, '{'), "action", d.Action)
	b = strField(b, "reason", d.Reason)
	if d.Group != "" {
		b = strField(b, "group", d.Group)
	}
	if d.CARC != "" {
		b = strField(b, "carc", d.CARC)
	}
	b = strField(b, "by", d.By)
	b = intField(b, "height", d.Height)
	return append(appendTime(field(b, "time"), d.Time), '}')
}

func appendMember(b []byte, m *Member) []byte {
	b = strField(append(b, '{'), "id", m.ID)
	b = strField(b, "payer", m.Payer)
	b = field(b, "coverage")
	if m.Coverage == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range m.Coverage {
			if i > 0 {
				b = append(b, ',')
			}
			b = strField(append(b, '{'), "plan", c.Plan)
			b = strField(b, "from", c.From)
			b = strField(b, "to", c.To)
			b = intField(b, "deductible_met_cents", c.DeductibleMetCents)
			b = append(intField(b, "out_of_pocket_cents", c.OutOfPocketCents), '}')
		}
		b = append(b, ']')
	}
	b = field(b, "history")
	if m.History == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range m.History {
			if i > 0 {
				b = append(b, ',')
			}
			s := &m.History[i]
			b = strField(append(b, '{'), "claim", s.Claim)
			b = intField(b, "seq", int64(s.Seq))
			b = strField(b, "code", s.Code)
			if len(s.Modifiers) > 0 {
				b = appendStrings(field(b, "modifiers"), s.Modifiers)
			}
			b = strField(b, "date", s.Date)
			b = intField(b, "units", s.Units)
			b = strField(b, "provider", s.Provider)
			b = strField(b, "rendering", s.Rendering)
			b = strField(b, "status", s.Status)
			b = append(intField(b, "paid_cents", s.PaidCents), '}')
		}
		b = append(b, ']')
	}
	b = strField(b, "enrolled_by", m.EnrolledBy)
	return append(intField(b, "height", m.Height), '}')
}

func appendDups(b []byte, es []dupEntry) []byte {
	if es == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = strField(append(b, '{'), "code", e.Code)
		if len(e.Modifiers) > 0 {
			b = appendStrings(field(b, "modifiers"), e.Modifiers)
		}
		b = strField(b, "claim", e.Claim)
		b = append(intField(b, "seq", int64(e.Seq)), '}')
	}
	return append(b, ']')
}

func appendStats(b []byte, s Stats) []byte {
	b = strField(append(b, '{'), "payer", s.Payer)
	b = intField(b, "claims", s.Claims)
	b = intField(b, "adjudicated", s.Adjudicated)
	b = intField(b, "pended", s.Pended)
	b = intField(b, "paid", s.Paid)
	return append(intField(b, "lines", s.Lines), '}')
}
