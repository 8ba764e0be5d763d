package epcisapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/supply"
)

// queryParams are the EPCIS query parameters GET /epcis/events reads; any
// other is refused, so that a query never answers as if it asked less.
var queryParams = []string{"MATCH_epc", "MATCH_anyEPC", "EQ_bizStep", "eventType", "GE_eventTime", "LT_eventTime", "perPage", "nextPageToken"}

type eventQuery struct {
	item       *supply.Item
	bizSteps   []string
	types      []string
	ge, lt     time.Time
	perPage    int
	after      uint64 // all events: the last sequence number seen; a history: entries seen
	subjectEPC string
}

func parseQuery(q url.Values) (eventQuery, error) {
	eq := eventQuery{perPage: DefaultPerPage}
	for k := range q {
		if !slices.Contains(queryParams, k) {
			return eq, supply.ErrInvalid.New("query parameter %s is not supported here: use %s", medledger.Quote(k), strings.Join(queryParams, ", "))
		}
	}
	epc := q.Get("MATCH_epc")
	if any := q.Get("MATCH_anyEPC"); any != "" {
		if epc != "" && epc != any {
			return eq, supply.ErrInvalid.New("give MATCH_epc or MATCH_anyEPC, one EPC")
		}
		epc = any
	}
	if epc != "" {
		it, err := supply.ParseEPC(epc)
		if err != nil {
			return eq, supply.ErrInvalid.New("MATCH_epc %s: %v", medledger.Quote(epc), err)
		}
		eq.item, eq.subjectEPC = &it, epc
	}
	for _, s := range strings.Split(q.Get("EQ_bizStep"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			eq.bizSteps = append(eq.bizSteps, supply.EPCISBizStep(s))
		}
	}
	for _, s := range strings.Split(q.Get("eventType"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			eq.types = append(eq.types, s)
		}
	}
	for name, dst := range map[string]*time.Time{"GE_eventTime": &eq.ge, "LT_eventTime": &eq.lt} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return eq, supply.ErrInvalid.New("%s %s is not an RFC 3339 date-time", name, medledger.Quote(v))
			}
			*dst = t
		}
	}
	if v := q.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPerPage {
			return eq, supply.ErrInvalid.New("perPage must be 1 to %d", MaxPerPage)
		}
		eq.perPage = n
	}
	if v := q.Get("nextPageToken"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseUint(string(b), 10, 64)
		if err != nil || err2 != nil {
			return eq, supply.ErrInvalid.New("nextPageToken is not one this node gave")
		}
		eq.after = n
	}
	return eq, nil
}

func (eq eventQuery) match(e supply.HistoryEntry, raw json.RawMessage) bool {
	if !eq.ge.IsZero() && e.Time.Before(eq.ge) || !eq.lt.IsZero() && !e.Time.Before(eq.lt) {
		return false
	}
	if len(eq.bizSteps) == 0 && len(eq.types) == 0 {
		return true
	}
	var ev struct{ Type, BizStep string }
	json.Unmarshal(raw, &ev)
	return (len(eq.bizSteps) == 0 || slices.Contains(eq.bizSteps, supply.EPCISBizStep(ev.BizStep))) &&
		(len(eq.types) == 0 || slices.Contains(eq.types, ev.Type))
}

// events answers GET /epcis/events: the chain's supply events, oldest
// first (or, with MATCH_epc, the EPC's history), as an EPCISQueryDocument,
// a page at a time; the next page is in the Link header (rel="next",
// nextPageToken). An event a partner captured here comes back as the
// partner sent it, with the chain's members added (supply.MergeKept).
// Reads of supply events are public, as GET /v1/packs/.../history is.
func (s *Service) events(w http.ResponseWriter, r *http.Request) {
	eq, err := parseQuery(r.URL.Query())
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	snap := s.store.Latest()
	var out []json.RawMessage
	next := uint64(0)
	add := func(subject supply.Item, e supply.HistoryEntry) (bool, error) {
		raw, err := supply.EPCISEvent(snap, subject, e)
		if err != nil {
			return false, err
		}
		if !eq.match(e, raw) {
			return false, nil
		}
		s.mu.Lock()
		k, kept := s.kept[e.TxHash]
		s.mu.Unlock()
		if kept {
			if k.Op > 0 {
				return false, nil // the event came back with its first transaction
			}
			if raw, err = supply.MergeKept(raw, k.JSON, k.Context, e.Time); err != nil {
				return false, err
			}
		}
		out = append(out, raw)
		return true, nil
	}
	if eq.item != nil {
		h, err := supply.History(snap, *eq.item)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		for i := int(min(eq.after, uint64(len(h)))); i < len(h); i++ {
			if len(out) == eq.perPage {
				next = uint64(i)
				break
			}
			if _, err := add(*eq.item, h[i]); err != nil {
				api.WriteProblem(w, r, err)
				return
			}
		}
	} else {
		after := eq.after
	scan:
		for {
			batch := supply.EventsAfter(snap, after, 256)
			if len(batch) == 0 {
				break
			}
			for _, e := range batch {
				if len(out) == eq.perPage {
					next = after
					break scan
				}
				if _, err := add(supply.Item{}, e); err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				after = e.Seq
			}
		}
	}
	doc, err := supply.EPCISQueryDocument(out, app.BlockTime(snap))
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	if next > 0 {
		q := r.URL.Query()
		q.Set("nextPageToken", base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(next, 10))))
		w.Header().Set("Link", "<"+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", "application/ld+json")
	w.Header().Set("GS1-EPCIS-Version", "2.0.0")
	w.Write(doc)
}
