package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/httpsig"
)

// The claims module's reads. Details of claims, prior authorizations,
// members and remittances are served only to the parties, so those reads
// are signed by s (GetAs); counts and policies are public.

// Claims lists the claims s is a party to (status "" for all).
func (c *Client) Claims(ctx context.Context, s Signer, status string) ([]claims.Claim, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	return AllAs[claims.Claim](ctx, c, s, "/v1/claims", q)
}

// Claim reads a claim s is a party to.
func (c *Client) Claim(ctx context.Context, s Signer, id string) (claims.Claim, error) {
	var out claims.Claim
	return out, c.GetAs(ctx, s, "/v1/claims/"+url.PathEscape(id), &out)
}

// ClaimCounts reads every payer's claim counts (public).
func (c *Client) ClaimCounts(ctx context.Context) ([]claims.Stats, error) {
	var out []claims.Stats
	return out, c.Get(ctx, "/v1/claims/counts", &out)
}

// ClaimPolicy reads a payer's policy version (0: the newest; public).
func (c *Client) ClaimPolicy(ctx context.Context, payer string, version uint64) (claims.PolicyRecord, error) {
	var out claims.PolicyRecord
	path := "/v1/claims/policies/" + url.PathEscape(payer)
	if version > 0 {
		path += "?version=" + strconv.FormatUint(version, 10)
	}
	return out, c.Get(ctx, path, &out)
}

// PriorAuths lists the prior authorizations s is a party to.
func (c *Client) PriorAuths(ctx context.Context, s Signer) ([]claims.PriorAuth, error) {
	return AllAs[claims.PriorAuth](ctx, c, s, "/v1/claims/priorauths", nil)
}

// PriorAuth reads a prior authorization s is a party to.
func (c *Client) PriorAuth(ctx context.Context, s Signer, id string) (claims.PriorAuth, error) {
	var out claims.PriorAuth
	return out, c.GetAs(ctx, s, "/v1/claims/priorauths/"+url.PathEscape(id), &out)
}

// ClaimMember reads a payer's member (its coverage and accumulators), as
// its payer or the patient.
func (c *Client) ClaimMember(ctx context.Context, s Signer, payer, id string) (claims.Member, error) {
	var out claims.Member
	return out, c.GetAs(ctx, s, "/v1/claims/members/"+url.PathEscape(payer)+"/"+url.PathEscape(id), &out)
}

// Remittance reads a remittance advice (a provider sees its own claims).
func (c *Client) Remittance(ctx context.Context, s Signer, payer, trace string) (claims.Remittance, error) {
	var out claims.Remittance
	return out, c.GetAs(ctx, s, "/v1/claims/remittances/"+url.PathEscape(payer)+"/"+url.PathEscape(trace), &out)
}

// SimulatePolicy runs a draft policy (JSON) over the claims of s's payer
// and returns the decisions it would change.
func (c *Client) SimulatePolicy(ctx context.Context, s Signer, policy []byte) (claims.Simulation, error) {
	var out claims.Simulation
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/v1/claims/policies/simulate", bytes.NewReader(policy))
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return out, err
	}
	return out, c.send(req, &out)
}

// Attachment is where a claim's document was stored: the vault ref and
// salted digest the claim names.
type Attachment struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	Size   int    `json:"size"`
}

// UploadAttachment stores a document a claim needs in the provider's node's
// vault (this client's node, which s's organization runs), with a request
// signed by s.
func (c *Client) UploadAttachment(ctx context.Context, s Signer, doc []byte) (Attachment, error) {
	var out Attachment
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/v1/claims/attachments", bytes.NewReader(doc))
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return out, err
	}
	return out, c.send(req, &out)
}

// ExplanationOfBenefit reads a claim as a FHIR R4 ExplanationOfBenefit.
func (c *Client) ExplanationOfBenefit(ctx context.Context, s Signer, id string) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.GetAs(ctx, s, "/fhir/ExplanationOfBenefit/"+url.PathEscape(id), &out)
}

// ExplanationsOfBenefit searches a member's explanations of benefits (a
// FHIR searchset Bundle), as the patient under their pseudonym or the
// payer.
func (c *Client) ExplanationsOfBenefit(ctx context.Context, s Signer, member string) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.GetAs(ctx, s, "/fhir/ExplanationOfBenefit?patient="+url.QueryEscape(member), &out)
}

// ClaimResponse reads a claim's adjudication as a FHIR R4 ClaimResponse.
func (c *Client) ClaimResponse(ctx context.Context, s Signer, id string) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.GetAs(ctx, s, "/fhir/ClaimResponse/"+url.PathEscape(id), &out)
}
