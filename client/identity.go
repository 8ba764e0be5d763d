package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/httpsig"
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
// named none answers identity/no-guardians. A read by anyone but the
// patient carries s's identity/lookup, which the node commits, putting the
// read on the patient's log, before it answers.
func (c *Client) Guardians(ctx context.Context, s Signer, patient string) (identity.Guardians, error) {
	var g identity.Guardians
	return g, c.getGuardians(ctx, s, identity.LookupBody{Patient: patient}, "/v1/patients/"+url.PathEscape(patient)+"/guardians", &g)
}

// Recovery reads a recovery of a patient's identity (rcv-N), with a
// request signed by s (the patient, one of their guardians or of those who
// asked for or approved it, or a regulator's inspector), logged as
// Guardians is.
func (c *Client) Recovery(ctx context.Context, s Signer, id string) (identity.Recovery, error) {
	var r identity.Recovery
	return r, c.getGuardians(ctx, s, identity.LookupBody{Recovery: id}, "/v1/recoveries/"+url.PathEscape(id), &r)
}

// OpenRecoveries lists a patient's recoveries that are open or waiting to
// take effect, with requests signed by s (as Guardians; each page its own
// lookup).
func (c *Client) OpenRecoveries(ctx context.Context, s Signer, patient string) ([]identity.Recovery, error) {
	v := url.Values{}
	v.Set("limit", strconv.Itoa(api.MaxPageSize))
	all := []identity.Recovery{}
	for {
		var p api.Page[identity.Recovery]
		if err := c.getGuardians(ctx, s, identity.LookupBody{Patient: patient}, "/v1/patients/"+url.PathEscape(patient)+"/recoveries?"+v.Encode(), &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(p.Items) == 0 {
			return all, nil
		}
		v.Set("cursor", p.NextCursor)
	}
}

// getGuardians fetches path, a read of a patient's guardians or
// recoveries, signed by s, with s's identity/lookup of b unless s is the
// patient b names.
func (c *Client) getGuardians(ctx context.Context, s Signer, b identity.LookupBody, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return err
	}
	if s.Key.ID != b.Patient {
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		if s.ChainID == "" {
			s.ChainID = st.ChainID
		}
		raw, err := s.Build(identity.TypeLookup, b, st.LatestHeight)
		if err != nil {
			return err
		}
		req.Header.Set(identity.LookupHeader, base64.StdEncoding.EncodeToString(raw))
	}
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return err
	}
	return c.send(req, out)
}
