package client

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/medledger/medledger/supply"
)

// The supply module's reads: verification at the counter, products, lots,
// shipments, histories and suspect-product reports.

// VerifyPack asks the node what it knows of a scanned code (a pack's or a
// case's GS1 element string, bracketed or raw). The answer also comes as
// the node sent it, for callers that pass it on unchanged.
func (c *Client) VerifyPack(ctx context.Context, code string) (supply.Verification, json.RawMessage, error) {
	var raw json.RawMessage
	var v supply.Verification
	if err := c.Get(ctx, "/v1/verify/pack?code="+url.QueryEscape(code), &raw); err != nil {
		return v, nil, err
	}
	return v, raw, json.Unmarshal(raw, &v)
}

// Product reads a product by GTIN-14.
func (c *Client) Product(ctx context.Context, gtin string) (supply.Product, error) {
	var p supply.Product
	return p, c.Get(ctx, "/v1/products/"+url.PathEscape(gtin), &p)
}

// Lot reads a lot of a product.
func (c *Client) Lot(ctx context.Context, gtin, lot string) (supply.Lot, error) {
	var l supply.Lot
	return l, c.Get(ctx, "/v1/products/"+url.PathEscape(gtin)+"/lots/"+url.PathEscape(lot), &l)
}

// Shipment reads a shipment by id (shp-N).
func (c *Client) Shipment(ctx context.Context, id string) (supply.Shipment, error) {
	var s supply.Shipment
	return s, c.Get(ctx, "/v1/shipments/"+url.PathEscape(id), &s)
}

// Shipments lists an organization's open shipments: coming to it, or sent
// by it when outgoing.
func (c *Client) Shipments(ctx context.Context, org string, outgoing bool) ([]supply.Shipment, error) {
	dir := "incoming"
	if outgoing {
		dir = "outgoing"
	}
	return All[supply.Shipment](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/shipments", url.Values{"direction": {dir}})
}

// SuspectReports lists suspect-product reports: every one, or those about
// a manufacturer's products when manufacturer is not empty.
func (c *Client) SuspectReports(ctx context.Context, manufacturer string) ([]supply.Report, error) {
	path := "/v1/supply/reports"
	if manufacturer != "" {
		path = "/v1/orgs/" + url.PathEscape(manufacturer) + "/suspect-reports"
	}
	return All[supply.Report](ctx, c, path, nil)
}

func historyPath(it supply.Item) string {
	if it.IsCase() {
		return "/v1/cases/" + url.PathEscape(it.SSCC) + "/history"
	}
	return "/v1/packs/" + url.PathEscape(it.GTIN) + "/" + url.PathEscape(it.Serial) + "/history"
}

// History reads a pack's or case's chain of custody, the cases it
// travelled in included.
func (c *Client) History(ctx context.Context, it supply.Item) (supply.HistoryResponse, error) {
	var h supply.HistoryResponse
	return h, c.Get(ctx, historyPath(it), &h)
}

// HistoryEPCIS reads the same history as an EPCIS 2.0 JSON-LD document.
func (c *Client) HistoryEPCIS(ctx context.Context, it supply.Item) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.Get(ctx, historyPath(it)+"?format=epcis", &raw)
}

// Inventory lists what org holds now: packs, cases and pallets outside any
// container and not in transit.
func (c *Client) Inventory(ctx context.Context, org string) ([]supply.InventoryItem, error) {
	return All[supply.InventoryItem](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/inventory", nil)
}
