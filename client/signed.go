package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/httpsig"
)

// Signed reads: GET requests signed with HTTP Message Signatures (RFC
// 9421) by s's key, for routes that serve their details only to those
// entitled (api.SignedReads); s may be a member, a patient, or a patient
// under a pseudonym (a keystore.Key whose ID is the pseudonym's).

// GetAs fetches path into out with a request signed by s.
func (c *Client) GetAs(ctx context.Context, s Signer, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return err
	}
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return err
	}
	return c.send(req, out)
}

// AllAs reads every page of the list endpoint at path with requests signed
// by s (each page its own signature), as All does unsigned.
func AllAs[T any](ctx context.Context, c *Client, s Signer, path string, q url.Values) ([]T, error) {
	v := url.Values{}
	for k, vs := range q {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("limit", strconv.Itoa(api.MaxPageSize))
	all := []T{}
	for {
		var p api.Page[T]
		if err := c.GetAs(ctx, s, path+"?"+v.Encode(), &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(p.Items) == 0 {
			return all, nil
		}
		v.Set("cursor", p.NextCursor)
	}
}

// TxAs looks up a committed transaction by hex hash, as Tx does, with a
// request signed by s: a transaction about a patient (api.Private) shows
// its body and events only to its own signer or an auditor, and
// unsigned only that it committed.
func (c *Client) TxAs(ctx context.Context, s Signer, hash string, prove bool) (api.TxResponse, error) {
	var r api.TxResponse
	return r, c.GetAs(ctx, s, "/v1/tx/"+hash+"?prove="+strconv.FormatBool(prove), &r)
}
