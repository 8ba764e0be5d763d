package supply

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// HTTPRoutes are the supply module's read-only REST routes.
func HTTPRoutes(s *api.Server) []api.Route {
	page := []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	withSnap := s.WithSnapshot
	packParams := []api.Param{{Name: "gtin", In: "path", Description: "GTIN-14"}, {Name: "serial", In: "path", Description: "serial number (AI 21)"}}
	return []api.Route{
		{Method: "GET", Path: "/v1/verify/pack", Summary: "Verify a pack or case by its scanned GS1 element string: verified, unknown, mismatch, recalled, expired, dispensed, decommissioned, stolen, quarantined or illegitimate",
			Params: []api.Param{{Name: "code", In: "query", Description: "GS1 element string, bracketed ((01)...(21)...) or as scanned (FNC1 as ASCII 29)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				code := r.URL.Query().Get("code")
				if code == "" {
					api.WriteProblem(w, r, ErrBadCode.New("give the scanned code: ?code=(01)...(21)..."))
					return
				}
				bt := app.BlockTime(snap)
				v, err := Verify(snap, code, bt)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				v.Height = snap.Version()
				noteLicence(s, snap, &v, bt)
				if !bt.IsZero() {
					v.BlockTime = bt.UTC().Format("2006-01-02T15:04:05Z07:00")
				}
				api.WriteJSON(w, v)
			})},
		{Method: "GET", Path: "/v1/packs/{gtin}/{serial}", Summary: "A pack's own state (custody through containers: see /v1/verify/pack)", Params: packParams,
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				p, ok := GetPack(snap, r.PathValue("gtin"), r.PathValue("serial"))
				if !ok {
					api.WriteProblem(w, r, ErrPackNotFound.New("pack %s was never commissioned", medledger.Quote(Pack(r.PathValue("gtin"), r.PathValue("serial")).String())))
					return
				}
				api.WriteJSON(w, p)
			})},
		{Method: "GET", Path: "/v1/packs/{gtin}/{serial}/history", Summary: "A pack's chain of custody, the cases it travelled in included; ?format=epcis for an EPCIS 2.0 document",
			Params: append(packParams, api.Param{Name: "format", In: "query", Description: "json (default) or epcis"}),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				writeHistory(w, r, snap, Pack(r.PathValue("gtin"), r.PathValue("serial")))
			})},
		{Method: "GET", Path: "/v1/cases/{sscc}", Summary: "A case or pallet and the items directly inside it",
			Params: append([]api.Param{{Name: "sscc", In: "path", Description: "SSCC (18 digits)"}}, page...),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				c, ok := GetCase(snap, r.PathValue("sscc"))
				if !ok {
					api.WriteProblem(w, r, ErrCaseNotFound.New("no case or pallet %s", medledger.Quote(r.PathValue("sscc"))))
					return
				}
				items, err := api.Paginate(r, Contents(snap, c.SSCC), Item.key)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				api.WriteJSON(w, struct {
					CaseState
					Contents api.Page[Item] `json:"contents"`
				}{c, items})
			})},
		{Method: "GET", Path: "/v1/cases/{sscc}/history", Summary: "A case's or pallet's chain of custody; ?format=epcis for EPCIS 2.0",
			Params: []api.Param{{Name: "sscc", In: "path", Description: "SSCC"}, {Name: "format", In: "query", Description: "json (default) or epcis"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				writeHistory(w, r, snap, Case(r.PathValue("sscc")))
			})},
		{Method: "GET", Path: "/v1/products/{gtin}", Summary: "A product", Params: []api.Param{{Name: "gtin", In: "path", Description: "GTIN-14"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				p, ok := GetProduct(snap, r.PathValue("gtin"))
				if !ok {
					api.WriteProblem(w, r, ErrProductNotFound.New("no product %s", medledger.Quote(r.PathValue("gtin"))))
					return
				}
				api.WriteJSON(w, p)
			})},
		{Method: "GET", Path: "/v1/products/{gtin}/lots/{lot}", Summary: "A lot: expiry, packs commissioned, recall",
			Params: []api.Param{{Name: "gtin", In: "path", Description: "GTIN-14"}, {Name: "lot", In: "path", Description: "lot (AI 10)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				l, ok := GetLot(snap, r.PathValue("gtin"), r.PathValue("lot"))
				if !ok {
					api.WriteProblem(w, r, ErrLotNotFound.New("no lot %s of %s", medledger.Quote(r.PathValue("lot")), medledger.Quote(r.PathValue("gtin"))))
					return
				}
				api.WriteJSON(w, l)
			})},
		{Method: "GET", Path: "/v1/shipments/{id}", Summary: "A shipment", Params: []api.Param{{Name: "id", In: "path", Description: "shipment id (shp-N)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				sh, ok := GetShipment(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrShipmentNotFound.New("no shipment %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, sh)
			})},
		{Method: "GET", Path: "/v1/orgs/{id}/shipments", Summary: "An organization's open shipments: ?direction=incoming (default) or outgoing",
			Params: append([]api.Param{{Name: "id", In: "path", Description: "organization id"}, {Name: "direction", In: "query", Description: "incoming or outgoing"}}, page...),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				dir := r.URL.Query().Get("direction")
				if dir != "" && dir != "incoming" && dir != "outgoing" {
					api.WriteProblem(w, r, ErrInvalid.New("direction must be incoming or outgoing"))
					return
				}
				list := Shipments(snap, r.PathValue("id"), dir != "outgoing")
				api.WritePage(w, r, list, func(s Shipment) string { return fmt.Sprintf("%020d/%s", s.Height, s.ID) })
			})},
		{Method: "GET", Path: "/v1/recalls/{id}", Summary: "A recall", Params: []api.Param{{Name: "id", In: "path", Description: "recall id (rcl-N)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				rc, ok := GetRecall(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrRecallNotFound.New("no recall %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				api.WriteJSON(w, rc)
			})},
		{Method: "GET", Path: "/v1/supply/reports", Summary: "Every suspect-product report (the regulators' view)", Params: page,
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				writeReports(w, r, Reports(snap, ""))
			})},
		{Method: "GET", Path: "/v1/orgs/{id}/suspect-reports", Summary: "Suspect-product reports about a manufacturer's products",
			Params: append([]api.Param{{Name: "id", In: "path", Description: "manufacturer organization id"}}, page...),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				writeReports(w, r, Reports(snap, r.PathValue("id")))
			})},
		inventoryRoute(s, page),
		{Method: "GET", Path: "/v1/supply/reports/{id}", Summary: "A suspect-product report, and once determined, its outcome: the illegitimate-product notification's fields and who was told",
			Params: []api.Param{{Name: "id", In: "path", Description: "report id (rpt-N)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				rp, _, err := loadReport(snap, r.PathValue("id"))
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				api.WriteJSON(w, rp)
			})},
		{Method: "GET", Path: "/v1/supply/notifications", Summary: "Every open suspect-product and illegitimate-product notification, oldest first (the regulators' view); overdue ones marked",
			Params: page,
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				writeNotices(w, r, Notifications(snap, "", app.BlockTime(snap)))
			})},
		{Method: "GET", Path: "/v1/orgs/{id}/notifications", Summary: "An organization's open suspect-product and illegitimate-product notifications (a regulator's: every one); overdue ones marked",
			Params: append([]api.Param{{Name: "id", In: "path", Description: "organization id"}}, page...),
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				org := r.PathValue("id")
				if o, ok := s.Identities().Org(snap, org); ok && o.Kind == "regulator" {
					org = ""
				}
				writeNotices(w, r, Notifications(snap, org, app.BlockTime(snap)))
			})},
		{Method: "GET", Path: "/v1/shipments/{id}/ti", Summary: "A shipment's transaction information, history and statement (DSCSA TI, TH, TS), generated from the chain",
			Params: []api.Param{{Name: "id", In: "path", Description: "shipment id (shp-N)"}},
			Handler: withSnap(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
				sh, ok := GetShipment(snap, r.PathValue("id"))
				if !ok {
					api.WriteProblem(w, r, ErrShipmentNotFound.New("no shipment %s", medledger.Quote(r.PathValue("id"))))
					return
				}
				shipped, err := s.SnapshotAt(sh.Height)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				ti, err := ShipmentTI(snap, shipped, s.Identities(), s.Licences(), sh.ID, snap.Version())
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				api.WriteJSON(w, ti)
			})},
	}
}

func writeNotices(w http.ResponseWriter, r *http.Request, list []Notice) {
	api.WritePage(w, r, list, func(n Notice) string { return fmt.Sprintf("%020d", reportSeq(n.ID)) })
}

// noteLicence names the custodian of a verified item when licence checks
// are on for supply and it holds no valid trading-partner licence.
func noteLicence(s *api.Server, snap *state.Snapshot, v *Verification, bt time.Time) {
	lic := s.Licences()
	if v.Custodian == "" || !lic.Enforced(snap, app.LicencesSupply) {
		return
	}
	if why := unlicensed(snap, s.Identities(), lic, v.Custodian, bt); why != "" {
		v.UnlicensedCustodian = why
		v.Reason += "; the custodian is not licensed: " + why
	}
}

func writeReports(w http.ResponseWriter, r *http.Request, list []Report) {
	api.WritePage(w, r, list, func(rp Report) string { return fmt.Sprintf("%020d", reportSeq(rp.ID)) })
}

func reportSeq(id string) uint64 {
	var n uint64
	for _, c := range strings.TrimPrefix(id, "rpt-") {
		n = n*10 + uint64(c-'0')
	}
	return n
}

// HistoryResponse is an item's chain of custody.
type HistoryResponse struct {
	Item   Item           `json:"item"`
	Code   string         `json:"code"`
	Height int64          `json:"height"`
	Events []HistoryEntry `json:"events"`
}

func writeHistory(w http.ResponseWriter, r *http.Request, snap *state.Snapshot, it Item) {
	if err := it.validate(); err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	h, err := History(snap, it)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		api.WriteJSON(w, HistoryResponse{Item: it, Code: it.String(), Height: snap.Version(), Events: h})
	case "epcis":
		doc, err := exportEPCIS(snap, it, h)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/ld+json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
	default:
		api.WriteProblem(w, r, ErrInvalid.New("format %s is not json or epcis", medledger.Quote(f)))
	}
}

// inventoryRoute is GET /v1/orgs/{id}/inventory.
func inventoryRoute(s *api.Server, page []api.Param) api.Route {
	return api.Route{Method: "GET", Path: "/v1/orgs/{id}/inventory", Summary: "What an organization holds now: packs, cases and pallets outside any container and not in transit",
		Params: append([]api.Param{{Name: "id", In: "path", Description: "organization id"}}, page...),
		Handler: s.WithSnapshot(func(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
			api.WritePage(w, r, Inventory(snap, r.PathValue("id")), func(i InventoryItem) string {
				if i.IsCase() {
					return "1" + i.SSCC // after every pack, as Inventory lists them
				}
				return fmt.Sprintf("0%s/%s", i.GTIN, i.Serial)
			})
		})}
}
