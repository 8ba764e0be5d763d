package client

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/statuslist"
	"github.com/medledger/medledger/credentials/vc"
)

// The credentials module's reads, issuance (the file signed here, its
// digest recorded on chain) and verification of credential files and
// presentations against the chain.

// Credential reads what the chain holds of a credential, with its status
// at the node's last block and whether its issuer was authorized when it
// issued.
func (c *Client) Credential(ctx context.Context, id string) (credentials.Facts, error) {
	var f credentials.Facts
	return f, c.Get(ctx, "/v1/credentials/"+url.PathEscape(id), &f)
}

// CredentialFilter narrows Credentials; empty fields do not.
type CredentialFilter struct {
	Subject string // a member ORG/NAME or an organization: its whole file
	Issuer  string
	Type    string
	Status  string // active, suspended, revoked or expired
}

// Credentials lists the credentials that f selects, in id order.
func (c *Client) Credentials(ctx context.Context, f CredentialFilter) ([]credentials.Facts, error) {
	q := url.Values{}
	for k, v := range map[string]string{"subject": f.Subject, "issuer": f.Issuer, "type": f.Type, "status": f.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return All[credentials.Facts](ctx, c, "/v1/credentials", q)
}

// ExpiringCredentials lists the credentials neither revoked nor suspended
// whose validity ends within the period (60d, 2w, 720h), soonest first;
// issuer and subject narrow it when not empty.
func (c *Client) ExpiringCredentials(ctx context.Context, within, issuer, subject string) ([]credentials.Facts, error) {
	q := url.Values{"within": {within}}
	if issuer != "" {
		q.Set("issuer", issuer)
	}
	if subject != "" {
		q.Set("subject", subject)
	}
	return All[credentials.Facts](ctx, c, "/v1/credentials/expiring", q)
}

// CredentialIssuers lists the issuer registry (of one organization when
// issuer is not empty).
func (c *Client) CredentialIssuers(ctx context.Context, issuer string) ([]credentials.Authorization, error) {
	var q url.Values
	if issuer != "" {
		q = url.Values{"issuer": {issuer}}
	}
	return All[credentials.Authorization](ctx, c, "/v1/credentials/issuers", q)
}

// CredentialLists reads an issuer's status list bookkeeping.
func (c *Client) CredentialLists(ctx context.Context, org string) (credentials.ListState, error) {
	var ls credentials.ListState
	return ls, c.Get(ctx, "/v1/credentials/issuers/"+url.PathEscape(org)+"/lists", &ls)
}

// CredentialTypes reads the credential types, reason codes and scopes.
func (c *Client) CredentialTypes(ctx context.Context) (credentials.TypesResponse, error) {
	var t credentials.TypesResponse
	return t, c.Get(ctx, "/v1/credentials/types", &t)
}

// CredentialEnforcement says, for each scope, whether licence checks are
// on.
func (c *Client) CredentialEnforcement(ctx context.Context) ([]credentials.Enforcement, error) {
	var e []credentials.Enforcement
	return e, c.Get(ctx, "/v1/credentials/enforcement", &e)
}

// CredentialProposals lists the credentials module's governance proposals.
func (c *Client) CredentialProposals(ctx context.Context) ([]credentials.Proposal, error) {
	return All[credentials.Proposal](ctx, c, "/v1/credentials/proposals", nil)
}

// CredentialProposal reads one.
func (c *Client) CredentialProposal(ctx context.Context, id uint64) (credentials.Proposal, error) {
	var p credentials.Proposal
	return p, c.Get(ctx, "/v1/credentials/proposals/"+strconv.FormatUint(id, 10), &p)
}

// StatusList reads an issuer's status list credential for purpose
// (revocation or suspension) and decodes its bits.
func (c *Client) StatusList(ctx context.Context, org string, list uint32, purpose string) (statuslist.Credential, []byte, error) {
	b, err := c.raw(ctx, vc.StatusListURL("", org, list, purpose))
	if err != nil {
		return statuslist.Credential{}, nil, err
	}
	return statuslist.Parse(b)
}

// Practitioner reads a member's FHIR R4 Practitioner with its
// qualifications (the credentials valid now).
func (c *Client) Practitioner(ctx context.Context, member string) (json.RawMessage, error) {
	return c.raw(ctx, "/fhir/Practitioner/"+url.PathEscape(credentials.PractitionerID(member)))
}

// raw GETs path and returns the body of a 200 answer; other answers are
// their *Error (a problem document, or a FHIR OperationOutcome's status).
func (c *Client) raw(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &UnreachableError{Node: c.Base, Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, &UnreachableError{Node: c.Base, Err: err}
	}
	if res.StatusCode != http.StatusOK {
		e := &Error{}
		if json.Unmarshal(b, &e.Problem) != nil || e.Problem.Title == "" {
			e.Problem = api.Problem{Title: http.StatusText(res.StatusCode), Status: res.StatusCode, Detail: strings.TrimSpace(string(b))}
		}
		return nil, e
	}
	return b, nil
}

// Issuance is what an issuer asks IssueCredential for.
type Issuance struct {
	Type    string
	Subject string // a member ORG/NAME or an organization
	// ValidFrom defaults to the chain's now (the latest block's time, to
	// the second); ValidUntil is required.
	ValidFrom, ValidUntil time.Time
	// Jurisdiction defaults to the issuing organization's.
	Jurisdiction string
	// Claims are the holder's details the file carries (off-chain).
	Claims map[string]json.RawMessage
}

// Issued is a credential issued: its file (application/vc+jwt), what the
// chain recorded, and the transaction that recorded it.
type Issued struct {
	File string
	Body credentials.IssueBody
	Tx   api.TxResponse
}

// maxSlotTries bounds how often IssueCredential draws another status slot
// after finding one taken (each draw is free at least half the time).
const maxSlotTries = 24

// PrepareCredential signs a credential as s (a member of the issuing
// organization) without sending it: the file, and the credentials/issue
// body that records it. The id and the status slot (in the issuer's
// current list) are drawn at random. For many credentials at once, send
// the bodies with SendAll; a slot taken meanwhile is refused with
// credentials/status-slot-taken, and a new preparation draws another.
func (c *Client) PrepareCredential(ctx context.Context, s Signer, is Issuance) (file string, body credentials.IssueBody, err error) {
	org, _, ok := strings.Cut(s.Key.ID, "/")
	if !ok {
		return "", body, fmt.Errorf("%s is not a member ORG/NAME: only an organization's member issues", s.Key.ID)
	}
	if is.Jurisdiction == "" {
		o, err := c.Org(ctx, org)
		if err != nil {
			return "", body, err
		}
		is.Jurisdiction = o.Jurisdiction
	}
	if is.ValidFrom.IsZero() {
		// The chain's now, not this machine's: the block that includes
		// the issuance is timed no earlier than the latest one (CometBFT's
		// block time follows the previous block's votes, so it can be a
		// block behind the wall clock), and a credential valid from the
		// wall clock would read as not yet valid in that block.
		is.ValidFrom = time.Now()
		if st, err := c.Status(ctx); err == nil && !st.LatestTime.IsZero() && st.LatestTime.Before(is.ValidFrom) {
			is.ValidFrom = st.LatestTime
		}
	}
	ls, err := c.CredentialLists(ctx, org)
	if err != nil {
		return "", body, err
	}
	id, index, err := draw()
	if err != nil {
		return "", body, err
	}
	return vc.Issue(vc.Issuance{Body: credentials.IssueBody{ID: id, Type: is.Type, Subject: is.Subject, Jurisdiction: is.Jurisdiction,
		ValidFrom: is.ValidFrom.UTC().Truncate(time.Second), ValidUntil: is.ValidUntil.UTC().Truncate(time.Second), StatusList: ls.Current, StatusIndex: index},
		IssuerOrg: org, Member: s.Key.ID, Claims: is.Claims, StatusBase: c.Base}, s.Key.Sign)
}

// IssueCredential signs a credential as s (PrepareCredential) and records
// it on chain, returning once its block committed. A status slot taken
// meanwhile is drawn again.
func (c *Client) IssueCredential(ctx context.Context, s Signer, is Issuance) (Issued, error) {
	var last error
	for try := 0; try < maxSlotTries; try++ {
		file, body, err := c.PrepareCredential(ctx, s, is)
		if err != nil {
			return Issued{}, err
		}
		res, err := c.Send(ctx, s, credentials.TypeIssue, body, "commit")
		if HasCode(err, credentials.ErrSlotTaken) {
			last = err
			continue
		}
		if err != nil {
			return Issued{}, err
		}
		return Issued{File: file, Body: body, Tx: res}, nil
	}
	return Issued{}, last
}

// draw draws a credential id (128 random bits) and a status slot.
func draw() (string, uint32, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", 0, err
	}
	id := credentials.IDPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:16]))
	return id, binary.BigEndian.Uint32(b[16:]) % credentials.ListSize, nil
}

// VerifyOptions say how to verify.
type VerifyOptions struct {
	// Now is the time validity and freshness are judged at (default: the
	// verifier's clock).
	Now time.Time
	// A presentation is checked for Audience (the verifier's organization)
	// and Nonce (the challenge it handed the holder); Replay, when set,
	// records each accepted (audience, nonce) until the given time and
	// reports whether it was fresh.
	Audience, Nonce string
	Replay          func(audience, nonce string, until time.Time) (fresh bool, err error)
}

// VerifyCredential checks a credential file against the chain: format,
// that the chain recorded it, the issuer's signature, that the file says
// what was recorded, the issuer's authorization when it issued, the status
// now and the validity period. The answer lists every check; an error is
// only a failure to ask the node.
func (c *Client) VerifyCredential(ctx context.Context, file string, opt VerifyOptions) (credentials.Verification, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	f, perr := vc.Parse(file)
	ch, err := c.chainFacts(ctx, f, opt.Now)
	if err != nil {
		return credentials.Verification{}, err
	}
	return vc.VerifyParsed(f, perr, ch), nil
}

// chainFacts gathers what the chain says of a parsed credential file (nil:
// it did not parse, and there is nothing to ask).
func (c *Client) chainFacts(ctx context.Context, f *vc.File, now time.Time) (vc.Chain, error) {
	ch := vc.Chain{Now: now}
	if f == nil {
		return ch, nil
	}
	facts, err := c.Credential(ctx, f.ID)
	switch {
	case err == nil:
		ch.Facts, ch.Height = &facts, facts.AtHeight
		return ch, nil
	case !IsCode(err, credentials.Codespace, credentials.ErrNotFound.Slug):
		return ch, err
	}
	// Never recorded: say more than that, from the signer's key and the
	// registry now.
	if m, err := c.Member(ctx, f.IssuedBy); err == nil {
		ch.MemberKey = m.SignKey
	} else if !IsProblem(err) {
		return ch, err
	}
	reg, err := c.CredentialIssuers(ctx, f.Issuer)
	if err != nil {
		return ch, err
	}
	for _, a := range reg {
		ch.AuthorizedNow = ch.AuthorizedNow || a.Active && a.Type == f.Type && credentials.Covers(a.Jurisdiction, f.Jurisdiction)
	}
	return ch, nil
}

// VerifyPresentation checks a presentation file: the holder's signature
// with its current key, that the holder is the credential's subject (or a
// member of the subject organization), the audience, the nonce, its
// freshness and (with opt.Replay) that the nonce was not accepted before;
// then the credential inside, as VerifyCredential does.
func (c *Client) VerifyPresentation(ctx context.Context, file string, opt VerifyOptions) (credentials.Verification, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	p, err := vc.ParsePresentation(file)
	if err != nil {
		v := credentials.Verification{Status: credentials.StatusUnknown, CheckedAt: opt.Now.UTC()}
		v.Add(credentials.CheckFormat, false, strings.TrimPrefix(err.Error(), vc.ErrFormat.Error()+": "))
		return v, nil
	}
	f, perr := vc.Parse(p.Credential)
	ch, err := c.chainFacts(ctx, f, opt.Now)
	if err != nil {
		return credentials.Verification{}, err
	}
	v := vc.VerifyParsed(f, perr, ch)
	if perr != nil {
		f = nil
	}
	var holderKey []byte
	if m, err := c.Member(ctx, p.Holder); err == nil {
		holderKey = m.SignKey
	} else if err != nil && !IsProblem(err) {
		return v, err
	}
	subject := ""
	if f != nil {
		subject = f.Subject
	}
	var use func() (bool, error)
	if opt.Replay != nil {
		use = func() (bool, error) { return opt.Replay(opt.Audience, p.Nonce, p.Expires.Add(vc.Skew)) }
	}
	vc.CheckPresentation(&v, p, holderKey, subject, vc.Expect{Audience: opt.Audience, Nonce: opt.Nonce}, opt.Now, use)
	return v, nil
}
