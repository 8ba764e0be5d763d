package vc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// W3C names.
const (
	ContextV2       = "https://www.w3.org/ns/credentials/v2"
	TypeCredential  = "VerifiableCredential"
	TypePresent     = "VerifiablePresentation"
	TypeEnveloped   = "EnvelopedVerifiableCredential"
	StatusEntryType = "BitstringStatusListEntry"

	MediaTypeVC    = "application/vc"
	MediaTypeVCJWT = "application/vc+jwt"
	MediaTypeVPJWT = "application/vp+jwt"
	TypVC          = "vc+jwt" // the JOSE typ of a credential
	TypVP          = "vp+jwt" // of a presentation
)

// MaxFile bounds a credential or presentation file: far above what
// medledger writes (a few kilobytes), far below what would cost a
// verifier.
const MaxFile = 64 << 10

// ErrFormat is the error of every decoder here for input that is not what
// it should be; match it with errors.Is.
var ErrFormat = errors.New("not a well-formed credential")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Credential is a W3C Verifiable Credential 2.0: the members medledger
// writes and a verifier reads. Decoding accepts the forms the data model
// allows (an issuer as a string or an object with an id, one subject or
// many, one status entry or many); encoding writes the simplest.
type Credential struct {
	Context    []string
	ID         string
	Type       []string
	Issuer     string
	ValidFrom  time.Time // zero: absent
	ValidUntil time.Time // zero: absent
	Subjects   []Subject
	Status     []StatusEntry
}

// Subject is a credentialSubject: its id and the claims about it.
type Subject struct {
	ID     string
	Claims map[string]json.RawMessage // every member but id
}

// StatusEntry is a credentialStatus of type BitstringStatusListEntry.
type StatusEntry struct {
	ID                   string `json:"id,omitempty"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Index is the entry's statusListIndex as a number.
func (e StatusEntry) Index() (uint64, error) {
	if e.StatusListIndex == "" || len(e.StatusListIndex) > 19 || (len(e.StatusListIndex) > 1 && e.StatusListIndex[0] == '0') {
		return 0, formatErr("statusListIndex %q is not a base-10 integer", short(e.StatusListIndex))
	}
	n, err := strconv.ParseUint(e.StatusListIndex, 10, 64)
	if err != nil {
		return 0, formatErr("statusListIndex %q is not a base-10 integer", short(e.StatusListIndex))
	}
	return n, nil
}

type wireCredential struct {
	Context    json.RawMessage `json:"@context"`
	ID         string          `json:"id,omitempty"`
	Type       json.RawMessage `json:"type"`
	Issuer     json.RawMessage `json:"issuer"`
	ValidFrom  string          `json:"validFrom,omitempty"`
	ValidUntil string          `json:"validUntil,omitempty"`
	Subject    json.RawMessage `json:"credentialSubject"`
	Status     json.RawMessage `json:"credentialStatus,omitempty"`
}

// MarshalJSON writes the credential (application/vc).
func (c Credential) MarshalJSON() ([]byte, error) {
	w := wireCredential{ID: c.ID}
	var err error
	if w.Context, err = json.Marshal(c.Context); err != nil {
		return nil, err
	}
	if w.Type, err = json.Marshal(c.Type); err != nil {
		return nil, err
	}
	if w.Issuer, err = json.Marshal(c.Issuer); err != nil {
		return nil, err
	}
	if !c.ValidFrom.IsZero() {
		w.ValidFrom = formatTime(c.ValidFrom)
	}
	if !c.ValidUntil.IsZero() {
		w.ValidUntil = formatTime(c.ValidUntil)
	}
	subs := make([]json.RawMessage, len(c.Subjects))
	for i, s := range c.Subjects {
		if subs[i], err = s.MarshalJSON(); err != nil {
			return nil, err
		}
	}
	if len(subs) == 1 {
		w.Subject = subs[0]
	} else if w.Subject, err = json.Marshal(subs); err != nil {
		return nil, err
	}
	switch len(c.Status) {
	case 0:
	case 1:
		w.Status, err = json.Marshal(c.Status[0])
	default:
		w.Status, err = json.Marshal(c.Status)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a credential and checks the data model's MUSTs that
// a verifier relies on: the v2 context first, the VerifiableCredential
// type, an issuer, at least one subject, dates in XML Schema dateTime form,
// status entries with their required members.
func (c *Credential) UnmarshalJSON(b []byte) error {
	var w wireCredential
	if err := json.Unmarshal(b, &w); err != nil {
		return formatErr("%v", err)
	}
	var err error
	if c.Context, err = stringOrStrings(w.Context, true); err != nil {
		return formatErr("@context: %v", err)
	}
	if len(c.Context) == 0 || c.Context[0] != ContextV2 {
		return formatErr("@context must start with %s", ContextV2)
	}
	c.ID = w.ID
	if c.Type, err = stringOrStrings(w.Type, false); err != nil {
		return formatErr("type: %v", err)
	}
	if !contains(c.Type, TypeCredential) {
		return formatErr("type must include %s", TypeCredential)
	}
	if c.Issuer, err = idOf(w.Issuer); err != nil || c.Issuer == "" {
		return formatErr("issuer must be a URL, or an object with an id")
	}
	if c.ValidFrom, err = parseTime(w.ValidFrom); err != nil {
		return formatErr("validFrom: %v", err)
	}
	if c.ValidUntil, err = parseTime(w.ValidUntil); err != nil {
		return formatErr("validUntil: %v", err)
	}
	subs, err := objectOrObjects(w.Subject)
	if err != nil || len(subs) == 0 {
		return formatErr("credentialSubject must be an object or a non-empty array of objects")
	}
	c.Subjects = make([]Subject, len(subs))
	for i, s := range subs {
		if err := c.Subjects[i].UnmarshalJSON(s); err != nil {
			return err
		}
	}
	c.Status = nil
	if len(w.Status) > 0 && string(w.Status) != "null" {
		entries, err := objectOrObjects(w.Status)
		if err != nil {
			return formatErr("credentialStatus must be an object or an array of objects")
		}
		for _, raw := range entries {
			var e StatusEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return formatErr("credentialStatus: %v", err)
			}
			if e.Type == StatusEntryType {
				if e.StatusPurpose == "" || e.StatusListCredential == "" {
					return formatErr("a %s needs statusPurpose and statusListCredential", StatusEntryType)
				}
				if _, err := e.Index(); err != nil {
					return err
				}
			}
			c.Status = append(c.Status, e)
		}
	}
	return nil
}

// MarshalJSON writes the subject: id first, then its claims in key order.
func (s Subject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	if s.ID != "" {
		buf.WriteString(`"id":`)
		id, _ := json.Marshal(s.ID)
		buf.Write(id)
		n++
	}
	keys := make([]string, 0, len(s.Claims))
	for k := range s.Claims {
		if k != "id" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		v := s.Claims[k]
		if !json.Valid(v) {
			return nil, fmt.Errorf("claim %q is not JSON", k)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, v); err != nil {
			return nil, err
		}
		buf.Write(compact.Bytes())
		n++
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads a subject object.
func (s *Subject) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return formatErr("credentialSubject must be an object")
	}
	s.ID = ""
	if raw, ok := m["id"]; ok {
		if err := json.Unmarshal(raw, &s.ID); err != nil {
			return formatErr("credentialSubject.id must be a string")
		}
		delete(m, "id")
	}
	s.Claims = m
	return nil
}

// Claim decodes the subject's claim name into v; ok is false if it is
// absent or not of v's type.
func (s Subject) Claim(name string, v any) bool {
	raw, ok := s.Claims[name]
	return ok && json.Unmarshal(raw, v) == nil
}

// --- helpers for the data model's flexible forms ---

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
		out = append(out, "") // an inline JSON-LD context
	}
	return out, nil
}

func objectOrObjects(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	if raw[0] == '{' {
		return []json.RawMessage{raw}, nil
	}
	var many []json.RawMessage
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, err
	}
	for _, m := range many {
		if m = bytes.TrimSpace(m); len(m) == 0 || m[0] != '{' {
			return nil, errors.New("must hold objects")
		}
	}
	return many, nil
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

// parseTime reads an XML Schema dateTime with a time zone (RFC 3339).
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 40 {
		return time.Time{}, errors.New("not a dateTime")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a dateTime with a time zone", short(s))
	}
	return t, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
