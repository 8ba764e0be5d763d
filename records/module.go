package records

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// Transaction types.
const (
	TypeAdd    = "records/add"
	TypeGrant  = "records/grant"
	TypeRevoke = "records/revoke"
	TypeAccess = "records/access"
	TypeErase  = "records/erase"
)

// Event types.
const (
	EventAdded     = "records.added"
	EventGranted   = "records.consent_granted"
	EventRevoked   = "records.consent_revoked"
	EventDisclosed = "records.disclosed"
	EventRefused   = "records.refused"
	EventErased    = "records.erased"
)

// Limits.
const (
	MaxScopeItems   = 64
	MaxJurisdiction = 32
	// MaxConsentTerm is the longest a consent may run.
	MaxConsentTerm = 10 * 365 * 24 * time.Hour
)

var (
	clinical = []app.Grant{
		{OrgKind: "hospital", Role: "clinician"}, {OrgKind: "clinic", Role: "clinician"},
	}
	anyMember = []app.Grant{{OrgKind: "*", Role: "*"}}
)

// Policies is the role-by-action table of the records module. Object-level
// rules (only the record's patient may erase it, a consent must cover the
// read, only clinicians may break glass) are in the handlers.
var Policies = map[string]app.Policy{
	TypeAdd:    {Grants: clinical},
	TypeGrant:  {Patients: true, Pseudonyms: true},
	TypeRevoke: {Patients: true, Pseudonyms: true},
	TypeAccess: {Grants: anyMember, Patients: true, Pseudonyms: true},
	TypeErase:  {Patients: true, Pseudonyms: true},
	// The clinicians who add records, and the admins of their front desk.
	TypeEnroll: {Grants: append(slices.Clone(clinical), app.Grant{OrgKind: "hospital", Role: "admin"}, app.Grant{OrgKind: "clinic", Role: "admin"})},
	// A patient's own reads are not logged: only members send lookups.
	TypeLookup: {Grants: anyMember},
}

// Module is the records module.
type Module struct{}

var _ app.Module = Module{}

func (Module) Name() string { return "records" }

func (Module) InitGenesis(*app.Context, json.RawMessage) error { return nil }

func (Module) Routes() []app.Route {
	return []app.Route{
		{Type: TypeAdd, Policy: Policies[TypeAdd], Handle: add},
		{Type: TypeGrant, Policy: Policies[TypeGrant], Handle: grant},
		{Type: TypeRevoke, Policy: Policies[TypeRevoke], Handle: revoke},
		{Type: TypeAccess, Policy: Policies[TypeAccess], Handle: access},
		{Type: TypeErase, Policy: Policies[TypeErase], Handle: erase},
		{Type: TypeLookup, Policy: Policies[TypeLookup], Handle: lookup},
		{Type: TypeEnroll, Policy: Policies[TypeEnroll], Handle: enroll},
	}
}

// AddBody records a document's fingerprint for a patient.
type AddBody struct {
	Patient       string   `json:"patient"`
	ResourceTypes []string `json:"resource_types"`
	Category      string   `json:"category"`
	// Confidentiality R with a Sensitivity tag marks a sensitive record;
	// its Category is then CategoryRestricted.
	Confidentiality string `json:"confidentiality,omitempty"`
	Sensitivity     string `json:"sensitivity,omitempty"`
	Digest          string `json:"digest"`
	Ref             string `json:"ref"`
}

func add(ctx *app.Context, raw json.RawMessage) error {
	var b AddBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if len(b.ResourceTypes) == 0 || len(b.ResourceTypes) > MaxScopeItems {
		return ErrInvalid.New("resource_types must list 1 to %d FHIR resource types", MaxScopeItems)
	}
	for _, t := range b.ResourceTypes {
		if !validResourceType(t) {
			return ErrInvalid.New("resource type %s is not a FHIR resource type name (e.g. Observation)", medledger.Quote(t))
		}
	}
	switch {
	case b.Confidentiality == ConfidentialityRestricted:
		if b.Category != CategoryRestricted || !validTag(b.Sensitivity) {
			return ErrInvalid.New("a restricted record (confidentiality R) has category %s and a sensitivity tag of 64 lowercase hex characters, as its custodian's upload answers; never its sensitive category", CategoryRestricted)
		}
	case b.Confidentiality != "" || b.Sensitivity != "" || b.Category == CategoryRestricted:
		return ErrInvalid.New("confidentiality is R (restricted, with a sensitivity tag and category %s) or absent", CategoryRestricted)
	case !slices.Contains(Categories, b.Category):
		return ErrInvalid.New("category %s is not one of %s", medledger.Quote(b.Category), strings.Join(Categories, ", "))
	}
	if !validDigest(b.Digest) {
		return ErrInvalid.New("digest must be 64 lowercase hex characters (the vault's salted SHA-256)")
	}
	if !validRef(b.Ref) {
		return ErrInvalid.New("ref must be the vault document id: 1 to 128 letters, digits and -_.:")
	}
	if err := holder(ctx.KV, ctx.IDs, b.Patient, ctx.Signer.Org); err != nil {
		return err
	}
	n := nextSeq(ctx.KV, keySeqRecord)
	rec := Record{ID: recordID(n), Patient: b.Patient, Custodian: ctx.Signer.Org, Author: ctx.Signer.ID, ResourceTypes: b.ResourceTypes,
		Category: b.Category, Confidentiality: b.Confidentiality, Sensitivity: b.Sensitivity, Digest: b.Digest, Ref: b.Ref, Height: ctx.Height, Time: ctx.Time.UTC(), Status: StatusActive}
	put(ctx.KV, RecordKey(rec.ID), rec)
	ctx.KV.Set(byPatientKey(rec.Patient, rec.ID), []byte{})
	ctx.Emit(EventAdded, "record", rec.ID, "patient", rec.Patient, "custodian", rec.Custodian, "category", rec.Category)
	return nil
}

// GrantBody grants a consent.
type GrantBody struct {
	Grantee       string    `json:"grantee"`
	Scope         Scope     `json:"scope"`
	Purposes      []string  `json:"purposes"`
	NotBefore     time.Time `json:"not_before,omitempty"` // zero: from now
	NotAfter      time.Time `json:"not_after"`
	Jurisdictions []string  `json:"jurisdictions,omitempty"`
}

func grant(ctx *app.Context, raw json.RawMessage) error {
	var b GrantBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := asPatient(ctx); err != nil {
		return err
	}
	if err := frozen(ctx, ctx.Signer.ID, "grant"); err != nil {
		return err
	}
	if err := validGrantee(ctx, b.Grantee); err != nil {
		return err
	}
	if len(b.Purposes) == 0 {
		return ErrInvalid.New("purposes must list at least one of %s", strings.Join(Purposes, ", "))
	}
	for _, p := range b.Purposes {
		if !slices.Contains(Purposes, p) {
			return ErrInvalid.New("purpose %s is not one of %s", medledger.Quote(p), strings.Join(Purposes, ", "))
		}
	}
	s := b.Scope
	if len(s.ResourceTypes) > MaxScopeItems || len(s.Categories) > MaxScopeItems || len(s.Records) > MaxScopeItems || len(s.Sensitivities) > MaxScopeItems || len(b.Jurisdictions) > MaxJurisdiction {
		return ErrInvalid.New("a scope lists at most %d items of each kind and %d jurisdictions", MaxScopeItems, MaxJurisdiction)
	}
	for _, t := range s.ResourceTypes {
		if !validResourceType(t) {
			return ErrInvalid.New("resource type %s is not a FHIR resource type name", medledger.Quote(t))
		}
	}
	for _, c := range s.Categories {
		if !slices.Contains(Categories, c) {
			return ErrInvalid.New("category %s is not one of %s", medledger.Quote(c), strings.Join(Categories, ", "))
		}
	}
	for _, tag := range s.Sensitivities {
		if !validTag(tag) {
			return ErrInvalid.New("sensitivity %s is not a sensitivity tag (64 lowercase hex characters, as the custodian gives the patient); a consent never names a sensitive category in clear", medledger.Quote(tag))
		}
	}
	for _, id := range s.Records {
		var rec Record
		if !get(ctx.KV, RecordKey(id), &rec) {
			return ErrRecordNotFound.New("no record %s", medledger.Quote(id))
		}
		if rec.Patient != ctx.Signer.ID {
			return ErrNotYours.New("record %s is not yours: a patient grants access to their own records only", id)
		}
	}
	for _, j := range b.Jurisdictions {
		if !validJurisdiction(j) {
			return ErrInvalid.New("jurisdiction %s is not an ISO 3166 code such as DE or US-CA", medledger.Quote(j))
		}
	}
	nb := b.NotBefore
	if nb.IsZero() || nb.Before(ctx.Time) {
		nb = ctx.Time
	}
	if !b.NotAfter.After(nb) {
		return ErrInvalid.New("not_after %s must be later than not_before %s", b.NotAfter.Format(time.RFC3339), nb.Format(time.RFC3339))
	}
	if b.NotAfter.Sub(nb) > MaxConsentTerm {
		return ErrInvalid.New("a consent may run at most %d days", int(MaxConsentTerm/(24*time.Hour)))
	}
	c := Consent{ID: consentID(nextSeq(ctx.KV, keySeqConsent)), Patient: ctx.Signer.ID, Grantee: b.Grantee, Scope: s, Purposes: b.Purposes,
		NotBefore: nb.UTC(), NotAfter: b.NotAfter.UTC(), Jurisdictions: b.Jurisdictions, Status: ConsentActive, Height: ctx.Height}
	put(ctx.KV, ConsentKey(c.ID), c)
	ctx.KV.Set(patConsentKey(c.Patient, c.ID), []byte{})
	ctx.KV.Set(granteeKey(c.Grantee, c.Patient, c.ID), []byte{})
	ctx.Emit(EventGranted, "consent", c.ID, "patient", c.Patient, "grantee", c.Grantee)
	return nil
}

func validGrantee(ctx *app.Context, g string) error {
	org, _, isMember := strings.Cut(g, "/")
	o, ok := ctx.IDs.Org(ctx.KV, org)
	if !ok || g == "" {
		return ErrGranteeNotFound.New("no organization %s to grant to", medledger.Quote(org))
	}
	if !o.Active {
		return ErrGranteeNotFound.New("organization %s is suspended", org)
	}
	// NOTE: a suspended member is still a grantee one may name; while
	// suspended they cannot sign, so cannot read.
	if isMember && !ctx.IDs.Member(ctx.KV, g) {
		return ErrGranteeNotFound.New("no member %s", medledger.Quote(g))
	}
	return nil
}

// ConsentRef names a consent.
type ConsentRef struct {
	Consent string `json:"consent"`
}

func revoke(ctx *app.Context, raw json.RawMessage) error {
	var b ConsentRef
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	var c Consent
	if !get(ctx.KV, ConsentKey(b.Consent), &c) {
		return ErrConsentNotFound.New("no consent %s", medledger.Quote(b.Consent))
	}
	if c.Patient != ctx.Signer.ID {
		return ErrNotYours.New("consent %s was granted by another patient", c.ID)
	}
	if c.Status == ConsentRevoked {
		return ErrRevoked.New("consent %s was revoked at height %d", c.ID, c.RevokedHeight)
	}
	c.Status, c.RevokedHeight = ConsentRevoked, ctx.Height
	put(ctx.KV, ConsentKey(c.ID), c)
	ctx.KV.Delete(granteeKey(c.Grantee, c.Patient, c.ID))
	ctx.Emit(EventRevoked, "consent", c.ID, "patient", c.Patient, "grantee", c.Grantee)
	return nil
}

// AccessBody asks to read a record. It is signed by the reader; the
// custodian's node submits it and hands out the document only after the
// disclosure it produces is committed with outcome "granted".
type AccessBody struct {
	Record     string `json:"record"`
	Purpose    string `json:"purpose"`
	BreakGlass string `json:"break_glass,omitempty"` // a reason code from BreakGlassReasons
}

func access(ctx *app.Context, raw json.RawMessage) error {
	var b AccessBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := asPatient(ctx); err != nil {
		return err
	}
	if !slices.Contains(Purposes, b.Purpose) {
		return ErrInvalid.New("purpose %s is not one of %s", medledger.Quote(b.Purpose), strings.Join(Purposes, ", "))
	}
	var rec Record
	if !get(ctx.KV, RecordKey(b.Record), &rec) {
		return ErrRecordNotFound.New("no record %s", medledger.Quote(b.Record))
	}
	if rec.Status == StatusErased {
		return ErrErased.New("record %s was erased at the patient's request at height %d", rec.ID, rec.ErasedHeight)
	}
	d := Disclosure{Record: rec.ID, Patient: rec.Patient, Custodian: rec.Custodian, Reader: ctx.Signer.ID, ReaderOrg: ctx.Signer.Org,
		Purpose: b.Purpose, Height: ctx.Height, Time: ctx.Time.UTC(), TxHash: fmt.Sprintf("%X", ctx.TxHash)}
	isClinician := ctx.Signer.Role == "clinician" && (ctx.Signer.OrgKind == "hospital" || ctx.Signer.OrgKind == "clinic")
	switch {
	case b.BreakGlass != "":
		if !slices.Contains(BreakGlassReasons, b.BreakGlass) {
			return ErrInvalid.New("break-glass reason %s is not one of %s", medledger.Quote(b.BreakGlass), strings.Join(BreakGlassReasons, ", "))
		}
		if !isClinician {
			return ErrBreakGlassRole.New("only clinicians of hospitals and clinics may break glass; %s is %s", ctx.Signer.ID, ctx.Signer.Role)
		}
		d.Outcome, d.Ground, d.BreakGlass, d.Reason = OutcomeGranted, GroundBreakGlass, true, b.BreakGlass
		d.Review = rec.Confidentiality == ConfidentialityRestricted
		if why := unlicensedReader(ctx); why != "" {
			// Logged as any refusal is, and listed with the break-glass
			// reads for review.
			d.Outcome, d.Ground, d.Missing = OutcomeRefused, "", why
		}
	case ctx.Signer.Org == rec.Custodian && isClinician && b.Purpose == PurposeTreatment:
		d.Outcome, d.Ground = OutcomeGranted, GroundCustodian
	case ctx.IDs.Frozen(ctx.KV, rec.Patient):
		// Neither the patient's key (which may be in a thief's hands) nor
		// a consent it granted reads while the identity is frozen; care
		// goes on through the custodian's clinicians and break-glass.
		d.Outcome, d.Missing = OutcomeRefused, fmt.Sprintf("patient %s is frozen: no read on the patient's key or consent until a key rotation or a recovery completes", rec.Patient)
	case ctx.Signer.ID == rec.Patient:
		d.Outcome, d.Ground = OutcomeGranted, GroundPatient
	default:
		id, why := consentFor(ctx.KV, ctx.IDs, ctx.Signer, ctx.Time, rec, b.Purpose)
		if id != "" {
			d.Outcome, d.Ground, d.Consent = OutcomeGranted, GroundConsent, id
		} else {
			d.Outcome, d.Missing = OutcomeRefused, why
		}
	}
	d.Seq = nextSeq(ctx.KV, keySeqDisclosure)
	put(ctx.KV, DisclosureKey(d.Patient, d.Seq), d)
	ctx.KV.Set(seqKey(prefixOrgDisc, d.Custodian, d.Seq), []byte(d.Patient))
	if d.ReaderOrg != "" {
		ctx.KV.Set(seqKey(prefixReaderDisc, d.ReaderOrg, d.Seq), []byte(d.Patient))
	}
	if d.BreakGlass {
		ctx.KV.Set(seqKey(prefixBreakGlass, d.ReaderOrg, d.Seq), []byte(d.Patient))
	}
	seq := strconv.FormatUint(d.Seq, 10)
	if d.Outcome == OutcomeGranted {
		ctx.Emit(EventDisclosed, "disclosure", seq, "record", d.Record, "patient", d.Patient, "reader", d.Reader,
			"purpose", d.Purpose, "ground", d.Ground, "break_glass", strconv.FormatBool(d.BreakGlass), "review", strconv.FormatBool(d.Review))
	} else {
		ctx.Emit(EventRefused, "disclosure", seq, "record", d.Record, "patient", d.Patient, "reader", d.Reader, "purpose", d.Purpose, "missing", d.Missing)
	}
	return nil
}

// consentFor looks for an active consent of rec's patient that lets who
// (as a member, or through their organization) read rec for purpose at
// now; it returns its id, or why none does. It reads only r.
func consentFor(r state.Reader, ids app.Identities, who app.Signer, now time.Time, rec Record, purpose string) (string, string) {
	var candidates []string
	for _, g := range []string{who.ID, who.Org} {
		if g == "" {
			continue
		}
		candidates = append(candidates, grantsTo(r, g, rec.Patient)...)
	}
	if len(candidates) == 0 {
		return "", fmt.Sprintf("patient %s has granted no consent to %s or %s", rec.Patient, who.ID, who.Org)
	}
	readerOrg, _ := ids.Org(r, who.Org)
	custodian, _ := ids.Org(r, rec.Custodian)
	why := ""
	for _, id := range candidates {
		var c Consent
		if !get(r, ConsentKey(id), &c) || c.Status != ConsentActive {
			continue
		}
		switch ok, scopeWhy := c.Scope.covers(rec); {
		case now.Before(c.NotBefore):
			why = fmt.Sprintf("consent %s starts at %s", c.ID, c.NotBefore.Format(time.RFC3339))
		case !now.Before(c.NotAfter):
			why = fmt.Sprintf("consent %s expired at %s", c.ID, c.NotAfter.Format(time.RFC3339))
		case !slices.Contains(c.Purposes, purpose):
			why = fmt.Sprintf("consent %s allows %s, not %s", c.ID, strings.Join(c.Purposes, ", "), purpose)
		case !ok:
			why = fmt.Sprintf("consent %s: %s", c.ID, scopeWhy)
		case readerOrg.Jurisdiction != custodian.Jurisdiction && !slices.Contains(c.Jurisdictions, readerOrg.Jurisdiction):
			why = fmt.Sprintf("consent %s does not allow reading in %s (the record is held in %s; cross-border reading needs the patient's opt-in)", c.ID, readerOrg.Jurisdiction, custodian.Jurisdiction)
		default:
			return c.ID, ""
		}
	}
	return "", why
}

// RecordRef names a record.
type RecordRef struct {
	Record string `json:"record"`
}

func erase(ctx *app.Context, raw json.RawMessage) error {
	var b RecordRef
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	var rec Record
	if !get(ctx.KV, RecordKey(b.Record), &rec) {
		return ErrRecordNotFound.New("no record %s", medledger.Quote(b.Record))
	}
	if rec.Patient != ctx.Signer.ID {
		return ErrNotYours.New("record %s belongs to another patient", rec.ID)
	}
	if err := frozen(ctx, rec.Patient, "erasure"); err != nil {
		return err
	}
	if rec.Status == StatusErased {
		return ErrErased.New("record %s was erased already at height %d", rec.ID, rec.ErasedHeight)
	}
	// The salted digest stays as a tombstone: once the vault destroys the
	// salt with the document, it can no longer be linked to any content.
	rec.Status, rec.ErasedHeight = StatusErased, ctx.Height
	put(ctx.KV, RecordKey(rec.ID), rec)
	ctx.Emit(EventErased, "record", rec.ID, "patient", rec.Patient, "custodian", rec.Custodian)
	return nil
}

// --- encoding helpers ---

func put(kv state.KV, key []byte, v any)         { state.PutJSON(kv, key, v) }
func get(r state.Reader, key []byte, v any) bool { return state.GetJSON(r, key, v) }
func nextSeq(kv state.KV, key string) uint64     { return state.NextSeq(kv, []byte(key)) }
