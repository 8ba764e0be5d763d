// Issuance and status: credentials/issue, credentials/revoke,
// credentials/suspend and credentials/reinstate.

package credentials

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
)

// IssueBody records a credential its issuer signed off-chain. Every field
// but Digest and KeyID is also inside the signed file, where a verifier
// compares it with this record.
type IssueBody struct {
	ID           string    `json:"id"` // crd-..., drawn at random by the issuer
	Type         string    `json:"type"`
	Subject      string    `json:"subject"` // a member "org/name" or an organization id
	Jurisdiction string    `json:"jurisdiction"`
	ValidFrom    time.Time `json:"valid_from"` // whole seconds
	ValidUntil   time.Time `json:"valid_until"`
	Digest       string    `json:"digest"` // SHA-256 of the VC-JWT, lowercase hex
	KeyID        string    `json:"key_id"` // the signer's current key, which signed the file
	StatusList   uint32    `json:"status_list"`
	StatusIndex  uint32    `json:"status_index"` // drawn at random below ListSize
}

func issue(ctx *app.Context, raw json.RawMessage) error {
	var b IssueBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if !ValidID(b.ID) {
		return ErrInvalid.New("credential id %s is not %s followed by 26 characters of lowercase base32", medledger.Quote(b.ID), IDPrefix)
	}
	if ctx.KV.Get(credentialKey(b.ID)) != nil {
		return ErrExists.New("credential %s exists already: draw another id", b.ID)
	}
	t, ok := TypeOf(b.Type)
	if !ok {
		return ErrUnknownType.New("credential type %s is not one of %s", medledger.Quote(b.Type), strings.Join(TypeNames(), ", "))
	}
	if !validJurisdiction(b.Jurisdiction) {
		return ErrInvalid.New("jurisdiction %s is not an ISO 3166 code such as US or US-CA", medledger.Quote(b.Jurisdiction))
	}
	org := ctx.Signer.Org
	if _, ok := authorizationFor(ctx.KV, org, t.Name, b.Jurisdiction); !ok {
		return ErrNotAuthorized.New("%s is not authorized to issue %s in %s: the consortium votes issuers in (medledger credentials issuers lists them)", org, t.Name, b.Jurisdiction)
	}
	if err := checkSubject(ctx, t, b.Subject); err != nil {
		return err
	}
	if err := checkPeriod(ctx, b.ValidFrom, b.ValidUntil); err != nil {
		return err
	}
	if !validDigest(b.Digest) {
		return ErrInvalid.New("digest must be the SHA-256 of the credential file, 64 lowercase hex characters")
	}
	_, pub, err := ctx.IDs.Authenticate(ctx.KV, ctx.Signer.ID, b.KeyID)
	if err != nil {
		return ErrKeyNotCurrent.New("key %s is not %s's current key: sign the credential with the key that signs this transaction", medledger.Quote(b.KeyID), ctx.Signer.ID)
	}
	var ls ListState
	get(ctx.KV, listKey(org), &ls)
	if b.StatusList != ls.Current {
		return ErrSlotTaken.New("%s issues into status list %d now, not %d: sign the credential again with a slot of list %d", org, ls.Current, b.StatusList, ls.Current)
	}
	if b.StatusIndex >= ListSize {
		return ErrInvalid.New("status index %d is past the list's %d entries", b.StatusIndex, ListSize)
	}
	if id := ctx.KV.Get(slotKey(org, b.StatusList, b.StatusIndex)); id != nil {
		return ErrSlotTaken.New("slot %d of %s's status list %d is taken: sign the credential again with another index", b.StatusIndex, org, b.StatusList)
	}
	c := Credential{ID: b.ID, Type: t.Name, Subject: b.Subject, Issuer: org, IssuedBy: ctx.Signer.ID, KeyID: b.KeyID, IssuerKey: pub,
		Jurisdiction: b.Jurisdiction, ValidFrom: b.ValidFrom.UTC(), ValidUntil: b.ValidUntil.UTC(), Digest: b.Digest, Status: StatusActive,
		List: b.StatusList, Index: b.StatusIndex, Height: ctx.Height, Time: ctx.Time.UTC()}
	put(ctx.KV, credentialKey(c.ID), c)
	ctx.KV.Set(subjectKey(c.Subject, c.ID), []byte{})
	ctx.KV.Set(issuedKey(org, c.ID), []byte{})
	ctx.KV.Set(expiryKey(c.ValidUntil, c.ID), []byte{})
	ctx.KV.Set(slotKey(org, c.List, c.Index), []byte(c.ID))
	if ls.Used++; ls.Used >= ListFill {
		ls.Current, ls.Used = ls.Current+1, 0
	}
	put(ctx.KV, listKey(org), ls)
	ctx.Emit(EventIssued, "credential", c.ID, "type", c.Type, "subject", c.Subject, "issuer", c.Issuer,
		"status_list", strconv.FormatUint(uint64(c.List), 10), "status_index", strconv.FormatUint(uint64(c.Index), 10))
	return nil
}

// checkSubject refuses a subject the type may not be issued to.
func checkSubject(ctx *app.Context, t Type, subject string) error {
	org, _, isMember := strings.Cut(subject, "/")
	if isMember {
		switch {
		case t.Subject == SubjectOrg:
			return ErrSubject.New("a %s is issued to an organization (a %s), not to a member", t.Name, or(t.OrgKinds))
		case !ctx.IDs.Member(ctx.KV, subject):
			return ErrSubject.New("no member %s on this chain", medledger.Quote(subject))
		case t.Subject == SubjectOwnMember && org != ctx.Signer.Org:
			return ErrSubject.New("%s grants %s to its own staff only, and %s is not one of them", ctx.Signer.Org, t.Name, subject)
		}
		return nil
	}
	if t.Subject != SubjectOrg && t.Subject != SubjectEither {
		return ErrSubject.New("a %s is issued to a person, a member ORG/NAME, not to an organization", t.Name)
	}
	o, ok := ctx.IDs.Org(ctx.KV, subject)
	if !ok {
		return ErrSubject.New("no organization %s on this chain", medledger.Quote(subject))
	}
	for _, k := range t.OrgKinds {
		if k == o.Kind {
			return nil
		}
	}
	return ErrSubject.New("a %s is issued to a %s; %s is a %s", t.Name, or(t.OrgKinds), o.ID, o.Kind)
}

func checkPeriod(ctx *app.Context, from, until time.Time) error {
	switch {
	case from.IsZero() || until.IsZero():
		return ErrInvalid.New("valid_from and valid_until are required")
	case from.Nanosecond() != 0 || until.Nanosecond() != 0:
		return ErrInvalid.New("valid_from and valid_until are whole seconds, as the credential file states them")
	case !until.After(from):
		return ErrInvalid.New("valid_until %s must be after valid_from %s", until.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	case !until.After(ctx.Time):
		return ErrInvalid.New("valid_until %s is past: a credential is issued for a period that has not ended", until.UTC().Format(time.RFC3339))
	case until.Sub(from) > MaxTerm:
		return ErrInvalid.New("a credential is valid for at most 10 years")
	}
	return nil
}

func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// StatusBody revokes, suspends or reinstates a credential, for a reason
// code (RevokeReasons, SuspendReasons, ReinstateReasons).
type StatusBody struct {
	Credential string `json:"credential"`
	Reason     string `json:"reason"`
}

func setStatus(status string) func(*app.Context, json.RawMessage) error {
	return func(ctx *app.Context, raw json.RawMessage) error {
		var b StatusBody
		if err := app.DecodeBody(raw, &b); err != nil {
			return err
		}
		var c Credential
		if !get(ctx.KV, credentialKey(b.Credential), &c) {
			return ErrNotFound.New("no credential %s", medledger.Quote(b.Credential))
		}
		if c.Issuer != ctx.Signer.Org {
			return ErrNotIssuer.New("credential %s was issued by %s: only its issuer changes its status", c.ID, c.Issuer)
		}
		if !ValidReason(status, b.Reason) {
			return ErrInvalid.New("reason %s is not one of %s", medledger.Quote(b.Reason), strings.Join(reasonsFor(status), ", "))
		}
		switch {
		case c.Status == StatusRevoked:
			return ErrWrongStatus.New("credential %s is revoked: a revocation is final", c.ID)
		case status == StatusSuspended && c.Status != StatusActive:
			return ErrWrongStatus.New("credential %s is %s already", c.ID, c.Status)
		case status == StatusActive && c.Status != StatusSuspended:
			return ErrWrongStatus.New("credential %s is not suspended: only a suspended credential is reinstated", c.ID)
		}
		c.Status = status
		c.Changes = append(c.Changes, StatusChange{Status: status, Reason: b.Reason, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.UTC()})
		put(ctx.KV, credentialKey(c.ID), c)
		rev, sus := bitKey(c.Issuer, PurposeRevocation, c.List, c.Index), bitKey(c.Issuer, PurposeSuspension, c.List, c.Index)
		ev := EventReinstated
		switch status {
		case StatusRevoked:
			ctx.KV.Set(rev, []byte{})
			ctx.KV.Delete(sus)
			ev = EventRevoked
		case StatusSuspended:
			ctx.KV.Set(sus, []byte{})
			ev = EventSuspended
		default:
			ctx.KV.Delete(sus)
		}
		ctx.Emit(ev, "credential", c.ID, "issuer", c.Issuer, "reason", b.Reason)
		return nil
	}
}

func reasonsFor(status string) []string {
	switch status {
	case StatusRevoked:
		return RevokeReasons
	case StatusSuspended:
		return SuspendReasons
	}
	return ReinstateReasons
}
