package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/medledger/medledger/api"
)

// All reads every page of the list endpoint at path (e.g. "/v1/orgs") with
// the query q (may be nil), following next_cursor, and returns the items
// in the node's order. It asks for the largest pages the node serves.
func All[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, error) {
	v := url.Values{}
	for k, vs := range q {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("limit", strconv.Itoa(api.MaxPageSize))
	all := []T{}
	for {
		var p api.Page[T]
		if err := c.Get(ctx, path+"?"+v.Encode(), &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(p.Items) == 0 {
			return all, nil
		}
		v.Set("cursor", p.NextCursor)
	}
}
