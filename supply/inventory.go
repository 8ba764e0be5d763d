// Inventory: what an organization holds now, for the supply partner's page
// of the web app.

package supply

import (
	"encoding/json"

	"github.com/medledger/medledger/state"
)

// InventoryItem is a pack, case or pallet an organization holds at the top
// level: outside any container (a case's contents are the case's) and not
// in transit.
type InventoryItem struct {
	Item
	Code   string `json:"code"` // the GS1 element string, bracketed
	Lot    string `json:"lot,omitempty"`
	Expiry string `json:"expiry,omitempty"`
	Status string `json:"status"`
	Level  int    `json:"level,omitempty"` // a case: 1 holds packs, 2 holds cases, ...
	Count  int    `json:"count,omitempty"` // a case: the items directly inside it
	Height int64  `json:"height"`
}

// Inventory lists what org holds at the top level, packs in key order then
// cases. It reads every pack and case (a read of committed state for a
// person's page, never used in a transition): an organization's own stock,
// not a query for a hot path.
func Inventory(r state.Reader, org string) []InventoryItem {
	var out []InventoryItem
	scan := func(prefix string, fn func(v []byte)) {
		p := []byte(prefix)
		r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool { fn(v); return true })
	}
	scan(prefixPack, func(v []byte) {
		var p PackState
		if json.Unmarshal(v, &p) != nil || p.Owner != org || p.Parent != "" || p.Shipment != "" || p.Status != StatusActive {
			return
		}
		it := Pack(p.GTIN, p.Serial)
		out = append(out, InventoryItem{Item: it, Code: it.String(), Lot: p.Lot, Expiry: p.Expiry, Status: p.Status, Height: p.Height})
	})
	scan(prefixCase, func(v []byte) {
		var c CaseState
		if json.Unmarshal(v, &c) != nil || c.Owner != org || c.Parent != "" || c.Shipment != "" || c.Status != StatusActive {
			return
		}
		it := Case(c.SSCC)
		out = append(out, InventoryItem{Item: it, Code: it.String(), Status: c.Status, Level: c.Level, Count: c.Count, Height: c.Height})
	})
	return out
}
