package client

import (
	"context"
	"net/url"
	"time"

	"github.com/medledger/medledger/records"
)

// ErasureReceipt fetches the receipt the custodian node of record signed
// when it destroyed the record's document, with a request signed by s, the
// record's patient, and checks its signature (ErasureReceipt.Verify). With
// wait > 0 it retries while the node has not destroyed it yet (api
// unavailable) for up to wait.
func (c *Client) ErasureReceipt(ctx context.Context, s Signer, record string, wait time.Duration) (records.ErasureReceipt, error) {
	deadline := time.Now().Add(wait)
	for {
		var r records.ErasureReceipt
		err := c.GetAs(ctx, s, "/v1/records/"+url.PathEscape(record)+"/erasure-receipt", &r)
		if err == nil {
			return r, r.Verify()
		}
		if !IsCode(err, "api", "unavailable") || time.Now().After(deadline) {
			return r, err
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
