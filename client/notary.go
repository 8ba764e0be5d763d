package client

import (
	"context"
	"net/url"

	"github.com/medledger/medledger/notary"
)

// Anchor reads the anchor of a document digest (hex SHA-256), the node's
// word; VerifyAnchor checks it against the validators' signatures.
func (c *Client) Anchor(ctx context.Context, digest string) (notary.Anchor, error) {
	var a notary.Anchor
	return a, c.Get(ctx, "/v1/anchors/"+url.PathEscape(digest), &a)
}
