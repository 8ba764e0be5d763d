// Package statuslist is the W3C Bitstring Status List v1.0 encoding: a
// list of status bits (bit 0 the left-most bit of the first byte),
// GZIP-compressed, base64url without padding, prefixed with the multibase
// code "u" (EncodeList, DecodeList, Bit), and the BitstringStatusList
// credential that carries it (New, Parse).
//
// Its decoders read outside input: each bounds what it reads before work
// and inflates no more than MaxListBytes, returns ErrFormat for what does
// not parse, and never panics (the fuzz tests hold it). It does no I/O and
// reads no clock.
package statuslist

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// W3C names.
const (
	ContextV2                = "https://www.w3.org/ns/credentials/v2"
	TypeCredential           = "VerifiableCredential"
	MediaType                = "application/vc" // a status list credential, unsecured
	TypeStatusListCredential = "BitstringStatusListCredential"
	TypeStatusList           = "BitstringStatusList"
	// MinListBits is the shortest list the specification allows (16 KB).
	MinListBits = 131072
	// MaxListBytes bounds a decoded list (16 Mbit): a verifier decoding
	// someone else's list stops there rather than inflate a GZIP bomb.
	MaxListBytes = 2 << 20
	// maxEncodedList bounds the encoded form read.
	maxEncodedList = 4 << 20
)

// EncodeList is the encodedList of a bitstring: GZIP (RFC 1952), then
// base64url without padding, prefixed with the multibase code "u". The
// output is deterministic (no name, no time in the GZIP header).
func EncodeList(bits []byte) (string, error) {
	if len(bits)*8 < MinListBits {
		return "", formatErr("a status list is at least %d bits; got %d", MinListBits, len(bits)*8)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeList is the inverse of EncodeList: the bitstring of an
// encodedList. It refuses a list shorter than MinListBits (the
// specification's STATUS_LIST_LENGTH_ERROR) or longer than MaxListBytes.
// A list without the multibase prefix (as early drafts wrote them) is read
// too.
func DecodeList(s string) ([]byte, error) {
	if len(s) > maxEncodedList {
		return nil, formatErr("encodedList is over %d bytes", maxEncodedList)
	}
	s = strings.TrimPrefix(s, "u")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, formatErr("encodedList is not base64url: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, formatErr("encodedList is not GZIP: %v", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, MaxListBytes+1))
	if err != nil {
		return nil, formatErr("encodedList does not inflate: %v", err)
	}
	if len(bits) > MaxListBytes {
		return nil, formatErr("the status list is over %d bytes", MaxListBytes)
	}
	if len(bits)*8 < MinListBits {
		return nil, formatErr("the status list has %d bits, under the %d the specification requires", len(bits)*8, MinListBits)
	}
	return bits, nil
}

// Bit is bit index of a bitstring: bit 0 is the left-most (most
// significant) bit of the first byte.
func Bit(bits []byte, index uint64) (bool, error) {
	if index >= uint64(len(bits))*8 {
		return false, formatErr("index %d is past the list's %d bits", index, len(bits)*8)
	}
	return bits[index/8]&(0x80>>(index%8)) != 0, nil
}

// StatusList is the credentialSubject of a status list credential.
type StatusList struct {
	ID            string   `json:"id,omitempty"`
	Type          string   `json:"type"`
	StatusPurpose []string `json:"-"` // one or more
	EncodedList   string   `json:"encodedList"`
	TTL           int64    `json:"ttl,omitempty"` // milliseconds
}

// Credential is a BitstringStatusListCredential, as the node
// serves an issuer's list.
type Credential struct {
	Context    []string   `json:"@context"`
	ID         string     `json:"id"`
	Type       []string   `json:"type"`
	Issuer     string     `json:"issuer"`
	ValidFrom  string     `json:"validFrom,omitempty"`
	ValidUntil string     `json:"validUntil,omitempty"`
	Subject    StatusList `json:"credentialSubject"`
}

type wireStatusList struct {
	ID            string          `json:"id,omitempty"`
	Type          string          `json:"type"`
	StatusPurpose json.RawMessage `json:"statusPurpose"`
	EncodedList   string          `json:"encodedList"`
	TTL           int64           `json:"ttl,omitempty"`
}

// MarshalJSON writes a single purpose as a string, several as an array.
func (l StatusList) MarshalJSON() ([]byte, error) {
	w := wireStatusList{ID: l.ID, Type: l.Type, EncodedList: l.EncodedList, TTL: l.TTL}
	var err error
	if len(l.StatusPurpose) == 1 {
		w.StatusPurpose, err = json.Marshal(l.StatusPurpose[0])
	} else {
		w.StatusPurpose, err = json.Marshal(l.StatusPurpose)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads one purpose or several.
func (l *StatusList) UnmarshalJSON(b []byte) error {
	var w wireStatusList
	if err := json.Unmarshal(b, &w); err != nil {
		return formatErr("credentialSubject: %v", err)
	}
	p, err := stringOrStrings(w.StatusPurpose, false)
	if err != nil || len(p) == 0 {
		return formatErr("statusPurpose must be one or more strings")
	}
	*l = StatusList{ID: w.ID, Type: w.Type, StatusPurpose: p, EncodedList: w.EncodedList, TTL: w.TTL}
	return nil
}

// New builds the status list credential of bits, at URL id, of
// an issuer, for one purpose, valid from validFrom (the time of the state
// it was read from), to be fetched again after ttl.
func New(id, issuer, purpose string, validFrom time.Time, ttl time.Duration, bits []byte) (Credential, error) {
	enc, err := EncodeList(bits)
	if err != nil {
		return Credential{}, err
	}
	c := Credential{Context: []string{ContextV2}, ID: id, Type: []string{TypeCredential, TypeStatusListCredential},
		Issuer: issuer, Subject: StatusList{ID: id + "#list", Type: TypeStatusList, StatusPurpose: []string{purpose}, EncodedList: enc,
			TTL: ttl.Milliseconds()}}
	if !validFrom.IsZero() {
		c.ValidFrom = formatTime(validFrom)
	}
	return c, nil
}

// Parse reads a status list credential (application/vc, its
// JSON) and decodes its list. It checks what the specification's
// validation algorithm does of the list itself: the types, the purposes,
// the encoding and the length.
func Parse(b []byte) (Credential, []byte, error) {
	if len(b) > maxEncodedList+maxEnvelope {
		return Credential{}, nil, formatErr("a status list credential over %d bytes", maxEncodedList+maxEnvelope)
	}
	var c Credential
	var w struct {
		Context    json.RawMessage `json:"@context"`
		ID         string          `json:"id"`
		Type       json.RawMessage `json:"type"`
		Issuer     json.RawMessage `json:"issuer"`
		ValidFrom  string          `json:"validFrom"`
		ValidUntil string          `json:"validUntil"`
		Subject    StatusList      `json:"credentialSubject"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return c, nil, formatErr("%v", err)
	}
	ctx, err := stringOrStrings(w.Context, true)
	if err != nil || len(ctx) == 0 || ctx[0] != ContextV2 {
		return c, nil, formatErr("@context must start with %s", ContextV2)
	}
	types, err := stringOrStrings(w.Type, false)
	if err != nil || !contains(types, TypeCredential) || !contains(types, TypeStatusListCredential) {
		return c, nil, formatErr("type must include %s and %s", TypeCredential, TypeStatusListCredential)
	}
	if w.Subject.Type != TypeStatusList {
		return c, nil, formatErr("credentialSubject.type must be %s", TypeStatusList)
	}
	issuer, err := idOf(w.Issuer)
	if err != nil || issuer == "" {
		return c, nil, formatErr("issuer must be a URL, or an object with an id")
	}
	for _, s := range []string{w.ValidFrom, w.ValidUntil} {
		if _, err := parseTime(s); err != nil {
			return c, nil, formatErr("validity: %v", err)
		}
	}
	bits, err := DecodeList(w.Subject.EncodedList)
	if err != nil {
		return c, nil, err
	}
	c = Credential{Context: ctx, ID: w.ID, Type: types, Issuer: issuer, ValidFrom: w.ValidFrom, ValidUntil: w.ValidUntil, Subject: w.Subject}
	return c, bits, nil
}

// maxEnvelope bounds what a status list credential holds beyond its list.
const maxEnvelope = 64 << 10

// ErrFormat is the error of every decoder here for input that is not what
// it should be; match it with errors.Is.
var ErrFormat = errors.New("not a well-formed status list")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

func stringOrStrings(raw json.RawMessage, allowObjects bool) ([]string, error) {
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []json.RawMessage
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, errors.New("must be a string or an array")
	}
	out := make([]string, 0, len(many))
	for _, m := range many {
		var s string
		if json.Unmarshal(m, &s) == nil {
			out = append(out, s)
			continue
		}
		if !allowObjects || len(m) == 0 || m[0] != '{' {
			return nil, errors.New("must hold strings")
		}
		out = append(out, "")
	}
	return out, nil
}

func idOf(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", err
	}
	return o.ID, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 40 {
		return time.Time{}, errors.New("not a dateTime")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a dateTime with a time zone")
	}
	return t, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
