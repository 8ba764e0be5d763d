package client

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/medledger/medledger/identity"
)

// The identity module's reads: organizations, members, patients (their
// guardians and recoveries, signed reads) and the consortium's proposals.

// Orgs lists every organization of the consortium.
func (c *Client) Orgs(ctx context.Context) ([]identity.Org, error) {
	return All[identity.Org](ctx, c, "/v1/orgs", nil)
}

// OrgInfo is an organization with its members, as GET /v1/orgs/{id}
// answers.
type OrgInfo struct {
	identity.Org
	Members []identity.Member `json:"members"`
}

// Org reads one organization and its members.
func (c *Client) Org(ctx context.Context, id string) (OrgInfo, error) {
	var o OrgInfo
	return o, c.Get(ctx, "/v1/orgs/"+url.PathEscape(id), &o)
}

// Member reads a member by id ("org/name").
func (c *Client) Member(ctx context.Context, id string) (identity.Member, error) {
	var m identity.Member
	org, name, ok := strings.Cut(id, "/")
	if !ok {
		return m, fmt.Errorf("member id %q is not org/name", id)
	}
	return m, c.Get(ctx, "/v1/members/"+url.PathEscape(org)+"/"+url.PathEscape(name), &m)
}

// Patient reads a patient by pseudonymous id (pat-...).
func (c *Client) Patient(ctx context.Context, id string) (identity.Patient, error) {
	var p identity.Patient
	return p, c.Get(ctx, "/v1/patients/"+url.PathEscape(id), &p)
}

// Proposals lists the consortium's governance proposals.
func (c *Client) Proposals(ctx context.Context) ([]identity.Proposal, error) {
	return All[identity.Proposal](ctx, c, "/v1/proposals", nil)
}

// Proposal reads proposal id as of height (0: the latest state).
func (c *Client) Proposal(ctx context.Context, id uint64, height int64) (identity.Proposal, error) {
	var p identity.Proposal
	path := fmt.Sprintf("/v1/proposals/%d", id)
	if height > 0 {
		path += fmt.Sprintf("?height=%d", height)
	}
	return p, c.Get(ctx, path, &p)
}

// Guardians reads the guardians and threshold a patient named, with a
// request signed by s (the patient, one of their guardians, or a
// regulator's inspector; others get identity/not-guardian); a patient who
// named none answers identity/no-guardians.
func (c *Client) Guardians(ctx context.Context, s Signer, patient string) (identity.Guardians, error) {
	var g identity.Guardians
	return g, c.GetAs(ctx, s, "/v1/patients/"+url.PathEscape(patient)+"/guardians", &g)
}

// Recovery reads a recovery of a patient's identity (rcv-N), with a
// request signed by s (the patient, one of their guardians or of those who
// asked for or approved it, or a regulator's inspector).
func (c *Client) Recovery(ctx context.Context, s Signer, id string) (identity.Recovery, error) {
	var r identity.Recovery
	return r, c.GetAs(ctx, s, "/v1/recoveries/"+url.PathEscape(id), &r)
}

// OpenRecoveries lists a patient's recoveries that are open or waiting to
// take effect, with requests signed by s (as Guardians).
func (c *Client) OpenRecoveries(ctx context.Context, s Signer, patient string) ([]identity.Recovery, error) {
	return AllAs[identity.Recovery](ctx, c, s, "/v1/patients/"+url.PathEscape(patient)+"/recoveries", nil)
}
