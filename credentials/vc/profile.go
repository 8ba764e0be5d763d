package vc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/credentials"
)

// Issuance is what an issuer's member signs: the fields the chain records
// (credentials.IssueBody, whose Digest Issue fills in), the issuing
// organization and member, the holder's details for the file only, and
// where status lists are served.
type Issuance struct {
	Body      credentials.IssueBody
	IssuerOrg string
	Member    string // "org/name", whose key signs
	// Claims are what the credential says of its subject beyond the chain's
	// record (a licence number, a specialty, a name): they stay in the
	// file, off the chain. "id" and "jurisdiction" are the profile's.
	Claims map[string]json.RawMessage
	// StatusBase is the URL of the node whose REST API serves the status
	// lists (http://127.0.0.1:26680): statusListCredential is
	// StatusBase/v1/credentials/status/ORG/LIST/PURPOSE.
	StatusBase string
}

// ReservedClaims are the subject claims the profile writes itself.
var ReservedClaims = []string{"id", "jurisdiction"}

// TypeTerm is the VC type of a credential type: medical-license is
// MedicalLicenseCredential.
func TypeTerm(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Credential"
}

// typeName is the inverse of TypeTerm for the types the chain knows.
func typeName(term string) (string, bool) {
	for _, t := range credentials.Types {
		if TypeTerm(t.Name) == term {
			return t.Name, true
		}
	}
	return "", false
}

// StatusListURL is where the node at base serves an issuer's status list.
func StatusListURL(base, org string, list uint32, purpose string) string {
	return strings.TrimRight(base, "/") + "/v1/credentials/status/" + org + "/" + strconv.FormatUint(uint64(list), 10) + "/" + purpose
}

// Credential builds the credential of is.
func (is Issuance) Credential() (Credential, error) {
	b := is.Body
	claims := map[string]json.RawMessage{}
	for k, v := range is.Claims {
		for _, r := range ReservedClaims {
			if k == r {
				return Credential{}, fmt.Errorf("claim %q is the profile's own: leave it out of the claims", k)
			}
		}
		if !json.Valid(v) {
			return Credential{}, fmt.Errorf("claim %q is not JSON", k)
		}
		claims[k] = v
	}
	j, _ := json.Marshal(b.Jurisdiction)
	claims["jurisdiction"] = j
	c := Credential{
		Context:    []string{ContextV2},
		ID:         credentials.CredentialURI(b.ID),
		Type:       []string{TypeCredential, TypeTerm(b.Type)},
		Issuer:     credentials.PartyURI(is.IssuerOrg),
		ValidFrom:  b.ValidFrom.UTC(),
		ValidUntil: b.ValidUntil.UTC(),
		Subjects:   []Subject{{ID: credentials.PartyURI(b.Subject), Claims: claims}},
	}
	for _, p := range []string{credentials.PurposeRevocation, credentials.PurposeSuspension} {
		u := StatusListURL(is.StatusBase, is.IssuerOrg, b.StatusList, p)
		idx := strconv.FormatUint(uint64(b.StatusIndex), 10)
		c.Status = append(c.Status, StatusEntry{ID: u + "#" + idx, Type: StatusEntryType, StatusPurpose: p, StatusListIndex: idx, StatusListCredential: u})
	}
	return c, nil
}

// Issue signs the credential of is with the member's key as a VC-JOSE file
// (application/vc+jwt) and returns it with the body to send as
// credentials/issue, its Digest and KeyID filled in.
func Issue(is Issuance, key ed25519.PrivateKey) (file string, body credentials.IssueBody, err error) {
	c, err := is.Credential()
	if err != nil {
		return "", body, err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", body, err
	}
	body = is.Body
	body.KeyID = keyID(key.Public().(ed25519.PublicKey))
	file, err = SignJWS(payload, key, TypVC, "vc", credentials.KeyURI(is.Member, body.KeyID))
	if err != nil {
		return "", body, err
	}
	body.Digest = Digest(file)
	return file, body, nil
}

// Digest is what the chain records of a credential file: the SHA-256 of
// its bytes (the compact JWS, without surrounding white space), lowercase
// hex.
func Digest(file string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(file)))
	return hex.EncodeToString(h[:])
}

func keyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:16])
}

// File is a credential file read without trusting it: its JWS, its
// credential, and what it says in the chain's terms.
type File struct {
	JWS        *JWS
	Credential Credential
	// What the file says, in the chain's terms.
	ID, Type, Subject, Issuer, IssuedBy, KeyID, Jurisdiction string
	ValidFrom, ValidUntil                                    time.Time
	StatusList, StatusIndex                                  uint32
}

// Parse reads a credential file of medledger's profile: a VC-JOSE JWS
// (typ vc+jwt, or none) whose kid names the signing member's key and whose
// payload is a credential of a known type, with a subject, an issuing
// organization, a validity period and its revocation and suspension status
// entries.
func Parse(raw string) (*File, error) {
	j, err := ParseJWS(raw)
	if err != nil {
		return nil, err
	}
	if j.Header.Typ != "" && j.Header.Typ != TypVC {
		return nil, formatErr("JOSE typ %q: a credential file is %s", short(j.Header.Typ), TypVC)
	}
	f := &File{JWS: j}
	if err := json.Unmarshal(j.Payload, &f.Credential); err != nil {
		return nil, err
	}
	c := &f.Credential
	var ok bool
	if f.IssuedBy, f.KeyID, ok = credentials.ParseKeyURI(j.Header.Kid); !ok {
		return nil, formatErr("kid %q does not name a member's key (urn:medledger:member:ORG/NAME#KEYID)", short(j.Header.Kid))
	}
	if f.ID, ok = credentials.ParseCredentialURI(c.ID); !ok {
		return nil, formatErr("id %q is not a medledger credential id", short(c.ID))
	}
	for _, t := range c.Type {
		if name, known := typeName(t); known {
			if f.Type != "" {
				return nil, formatErr("the credential has two credential types")
			}
			f.Type = name
		}
	}
	if f.Type == "" {
		return nil, formatErr("type names no credential type medledger knows (%s)", strings.Join(credentials.TypeNames(), ", "))
	}
	if f.Issuer, ok = credentials.ParsePartyURI(c.Issuer); !ok || strings.Contains(f.Issuer, "/") {
		return nil, formatErr("issuer %q is not an organization (urn:medledger:org:ORG)", short(c.Issuer))
	}
	if org, _, _ := strings.Cut(f.IssuedBy, "/"); org != f.Issuer {
		return nil, formatErr("signed by %s, who is not a member of the issuer %s", f.IssuedBy, f.Issuer)
	}
	if len(c.Subjects) != 1 {
		return nil, formatErr("a medledger credential has one subject")
	}
	if f.Subject, ok = credentials.ParsePartyURI(c.Subjects[0].ID); !ok {
		return nil, formatErr("credentialSubject.id %q is not a member or organization URI", short(c.Subjects[0].ID))
	}
	if !c.Subjects[0].Claim("jurisdiction", &f.Jurisdiction) || !credentials.ValidJurisdiction(f.Jurisdiction) {
		return nil, formatErr("credentialSubject.jurisdiction must be an ISO 3166 code")
	}
	if c.ValidFrom.IsZero() || c.ValidUntil.IsZero() {
		return nil, formatErr("validFrom and validUntil are required")
	}
	f.ValidFrom, f.ValidUntil = c.ValidFrom.UTC(), c.ValidUntil.UTC()
	seen := map[string]bool{}
	for _, e := range c.Status {
		if e.Type != StatusEntryType {
			continue
		}
		n, _ := e.Index()
		list, err := listOf(e.StatusListCredential, f.Issuer, e.StatusPurpose)
		if err != nil {
			return nil, err
		}
		if len(seen) > 0 && (uint64(f.StatusIndex) != n || f.StatusList != list) {
			return nil, formatErr("the status entries name different slots")
		}
		if n >= credentials.ListSize {
			return nil, formatErr("statusListIndex %d is past a list of %d", n, credentials.ListSize)
		}
		f.StatusList, f.StatusIndex = list, uint32(n)
		seen[e.StatusPurpose] = true
	}
	if !seen[credentials.PurposeRevocation] || !seen[credentials.PurposeSuspension] {
		return nil, formatErr("credentialStatus needs a revocation and a suspension entry")
	}
	return f, nil
}

// listOf reads the list number from a status list URL of the profile:
// .../v1/credentials/status/ORG/LIST/PURPOSE.
func listOf(u, org, purpose string) (uint32, error) {
	_, rest, ok := strings.Cut(u, "/v1/credentials/status/"+org+"/")
	n, p, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || p != purpose || n == "" || len(n) > 9 || strings.Trim(n, "0123456789") != "" {
		return 0, formatErr("statusListCredential %q is not a status list of %s for %s", short(u), org, short(purpose))
	}
	v, err := strconv.ParseUint(n, 10, 32)
	if err != nil {
		return 0, formatErr("statusListCredential %q names no list number", short(u))
	}
	return uint32(v), nil
}
