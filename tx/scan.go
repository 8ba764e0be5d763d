package tx

import (
	"bytes"
	"errors"
)

// scanner is StrictJSON's fast path: one pass over the bytes that finds
// every object key without decoding values. It decides only what it is
// sure of: a key with an escape or a non-ASCII byte (which encoding/json
// would unescape or replace) and any malformed input return errUndecided,
// and the decoder-based walk answers instead.
type scanner struct {
	b []byte
	i int
}

var errUndecided = errors.New("undecided")

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value scans one value of shape sh. It returns nil when the value keeps
// the rules, else errUndecided (a violation included: the walk finds it
// again and words it with its path).
func (s *scanner) value(depth int, sh shape) error {
	if depth > maxDepth {
		return errUndecided
	}
	s.ws()
	if s.i >= len(s.b) {
		return errUndecided
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth, sh)
	case c == '[':
		s.i++
		var next shape
		if sh.elem != nil {
			next = shapeOf(sh.elem)
		}
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for n := 0; ; n++ {
			if err := s.value(depth+1, next); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return errUndecided
			}
			switch s.b[s.i] {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return errUndecided
			}
		}
	case c == '"':
		_, err := s.str()
		return err
	default:
		start := s.i
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'E' {
				s.i++
				continue
			}
			break
		}
		if s.i == start {
			return errUndecided
		}
		return nil
	}
}

// str skips a string at s.i and returns its raw content, or errUndecided
// for an escape or a non-ASCII byte (in a key, encoding/json could read
// two different spellings as one name).
func (s *scanner) str() ([]byte, error) {
	s.i++ // the quote
	start := s.i
	escaped := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if escaped {
				return nil, nil
			}
			return s.b[start : s.i-1], nil
		case c == '\\':
			escaped = true
			s.i += 2
			continue
		case c < 0x20:
			return nil, errUndecided
		case c >= 0x80:
			escaped = true
		}
		s.i++
	}
	return nil, errUndecided
}

func (s *scanner) object(depth int, sh shape) error {
	s.i++ // {
	var seen [][]byte
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return errUndecided
		}
		k, err := s.str()
		if err != nil {
			return err
		}
		if k == nil {
			return errUndecided // escaped or non-ASCII key
		}
		for _, p := range seen {
			if bytes.Equal(p, k) {
				return errUndecided
			}
		}
		seen = append(seen, k)
		if sh.fields != nil && !containsBytes(sh.fields, k) {
			return errUndecided
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errUndecided
		}
		s.i++
		var next shape
		if t, ok := sh.sub[string(k)]; ok {
			next = shapeOf(t)
		}
		if err := s.value(depth+1, next); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return errUndecided
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errUndecided
		}
	}
}

func containsBytes(xs []string, k []byte) bool {
	for _, x := range xs {
		if x == string(k) {
			return true
		}
	}
	return false
}
