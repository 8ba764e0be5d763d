package supply

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/state"
)

// epcisDocOut is an EPCIS 2.0 JSON-LD document as the export writes
// it. Its fields are in the order they are written.
type epcisDocOut struct {
	Context       []any  `json:"@context"`
	Type          string `json:"type"`
	SchemaVersion string `json:"schemaVersion"`
	CreationDate  string `json:"creationDate"`
	Body          struct {
		EventList []epcisEventOut `json:"eventList"`
	} `json:"epcisBody"`
}

// medledgerContext binds the medledger: prefix of the extension members.
type medledgerContext struct {
	Medledger string `json:"medledger"`
}

// epcisEventOut is one exported event: the EPCIS members, then the
// medledger extension members.
type epcisEventOut struct {
	Type                string        `json:"type"`
	EventTime           string        `json:"eventTime"`
	EventTimeZoneOffset string        `json:"eventTimeZoneOffset"`
	EventID             string        `json:"eventID"`
	EPCList             []string      `json:"epcList,omitempty"`
	ParentID            string        `json:"parentID,omitempty"`
	ChildEPCs           []string      `json:"childEPCs,omitempty"`
	Action              string        `json:"action"`
	BizStep             string        `json:"bizStep"`
	Disposition         string        `json:"disposition,omitempty"`
	SourceList          []epcisSource `json:"sourceList,omitempty"`
	DestinationList     []epcisDest   `json:"destinationList,omitempty"`
	ILMD                *epcisILMD    `json:"ilmd,omitempty"`
	Return              bool          `json:"medledger:return,omitempty"`
	Shipment            string        `json:"medledger:shipment,omitempty"`
	Reason              string        `json:"medledger:reason,omitempty"`
	Recall              string        `json:"medledger:recall,omitempty"`
	Report              string        `json:"medledger:report,omitempty"`
	Lot                 string        `json:"medledger:lot,omitempty"`
	FromCase            string        `json:"medledger:parent,omitempty"`
	ItemCount           int           `json:"medledger:itemCount,omitempty"`
	Height              int64         `json:"medledger:height"`
	TxHash              string        `json:"medledger:tx"`
	Actor               string        `json:"medledger:actor"`
	Via                 string        `json:"medledger:via,omitempty"`
}

type epcisSource struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

type epcisDest struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// epcisILMD is the instance/lot master data of a commissioning (or recall)
// event. Expiry is the raw YYMMDD, written only when its day is
// unspecified (DD 00), which itemExpirationDate cannot say.
type epcisILMD struct {
	Lot            string `json:"cbvmda:lotNumber,omitempty"`
	ExpirationDate string `json:"cbvmda:itemExpirationDate,omitempty"`
	Expiry         string `json:"medledger:expiry,omitempty"`
}

// exportEPCIS renders an item's history as an EPCIS 2.0 JSON document: an
// EPCISDocument whose eventList has one event per history entry, in order,
// and whose creationDate is the last event's time. The output depends only
// on it, h and the events of h in r, so the same history always gives the
// same bytes. EPCs are GS1 Digital Link URIs on id.gs1.org. Every document
// it writes is valid by GS1's EPCIS 2.0 JSON schema.
//
// An entry whose item list was left out of the history (Items nil, over 50
// items) names the item the history is about, or the case it travelled in
// (Via), and says how many items the event named in medledger:itemCount;
// but a packing or unpacking of the item itself (the case's own history)
// lists every child, read from the event in r: EPCIS requires an
// AggregationEvent ADD to name its children.
func exportEPCIS(r state.Reader, it Item, h []HistoryEntry) (any, error) {
	doc := epcisDocOut{
		Context:       []any{epcisContext, medledgerContext{Medledger: medledgerNamespace}},
		Type:          epcisDocument,
		SchemaVersion: epcisSchemaVersion,
		CreationDate:  epcisTime(time.Time{}),
	}
	doc.Body.EventList = make([]epcisEventOut, 0, len(h))
	for _, e := range h {
		ev, err := exportEntry(r, it, e)
		if err != nil {
			return nil, err
		}
		doc.Body.EventList = append(doc.Body.EventList, ev)
		doc.CreationDate = epcisTime(e.Time)
	}
	return doc, nil
}

// exportEntry is exportEvent, with the children of an aggregation of the
// item itself read from r when the history left them out.
func exportEntry(r state.Reader, it Item, e HistoryEntry) (epcisEventOut, error) {
	own := e.Parent != "" && it == Case(e.Parent) && e.Via == "" && (e.Type == EvAggregate || e.Type == EvDisaggregate)
	if own && e.Items == nil && e.ItemCount > 0 {
		full, ok := Event{}, false
		if r != nil {
			full, ok = GetEvent(r, e.Seq)
		}
		switch {
		case ok && len(full.Items) > 0:
			e.Items = full.Items
		case e.Type == EvAggregate:
			return epcisEventOut{}, fmt.Errorf("supply: export: the children of event %d are not in state", e.Seq)
		}
	}
	return exportEvent(it, e), nil
}

// The CBV words of the suspect-product and returns events.
const (
	bizInspecting   = "inspecting"
	dispNonSellable = "non_sellable_other"
	dispSellable    = "sellable_accessible"
)

func epcisTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func exportEvent(it Item, e HistoryEntry) epcisEventOut {
	out := epcisEventOut{
		Type:                objectEvent,
		EventTime:           epcisTime(e.Time),
		EventTimeZoneOffset: "+00:00",
		EventID:             eventURIPrefix + strconv.FormatUint(e.Seq, 10),
		Action:              actionObserve,
		Height:              e.Height,
		TxHash:              e.TxHash,
		Actor:               e.Actor,
		Via:                 e.Via,
	}
	// subject is the item the event moved, as far as this history knows:
	// the innermost case of Via that the event named, or the item itself.
	subject := it
	if e.Via != "" {
		v := e.Via
		if k := strings.LastIndex(v, " in "); k >= 0 {
			v = v[k+len(" in "):]
		}
		subject = Case(v)
	}
	items := e.Items
	if items == nil && !(e.Parent != "" && subject == Case(e.Parent) && (e.Type == EvAggregate || e.Type == EvDisaggregate)) {
		items = []Item{subject}
	}
	epcs := make([]string, len(items))
	for k, x := range items {
		epcs[k] = digitalLink(x)
	}
	if n := e.ItemCount; n > len(items) {
		out.ItemCount = n
	}
	parties := func() {
		if e.From != "" {
			out.SourceList = []epcisSource{{Type: sdtOwningParty, Source: orgURIPrefix + e.From}}
		}
		if e.To != "" {
			out.DestinationList = []epcisDest{{Type: sdtOwningParty, Destination: orgURIPrefix + e.To}}
		}
		out.Shipment = e.Shipment
	}
	switch e.Type {
	case EvCommission:
		out.Action, out.BizStep, out.Disposition = actionAdd, bizCommissioning, dispActive
		out.EPCList = epcs
		out.ILMD = lotILMD(e.Lot, e.Expiry)
	case EvAggregate, EvDisaggregate:
		out.Type, out.Action, out.BizStep = aggregationEvent, actionAdd, bizPacking
		if e.Type == EvDisaggregate {
			out.Action, out.BizStep = actionDelete, bizUnpacking
		}
		out.ParentID = digitalLink(Case(e.Parent))
		out.ChildEPCs = epcs
	case EvShip, EvReturn:
		out.BizStep, out.Disposition = bizShipping, dispInTransit
		out.EPCList = epcs
		out.Return = e.Type == EvReturn
		parties()
	case EvReceive:
		out.BizStep, out.Disposition = bizReceiving, dispInProgress
		out.EPCList = epcs
		parties()
	case EvDispense:
		out.BizStep, out.Disposition = bizDispensing, dispDispensed
		out.EPCList = epcs
	case EvDecommission:
		out.BizStep, out.Disposition = bizDecommissioning, e.Reason
		for _, rd := range reasonDispositions {
			if rd.reason == e.Reason {
				out.Disposition = rd.disposition
			}
		}
		out.EPCList = epcs
		out.Reason = e.Reason
	case EvRecall:
		// NOTE: EPCIS allows ilmd only on ADD: the recalled lot is an
		// extension member of this OBSERVE event.
		out.BizStep, out.Disposition = bizHolding, dispRecalled
		out.EPCList = epcs
		out.Lot = e.Lot
		out.Recall = e.Recall
	case EvReport, EvIllegitimate:
		// Quarantined under a suspect-product report, or determined
		// illegitimate: held, not for sale.
		out.BizStep, out.Disposition = bizHolding, dispNonSellable
		out.EPCList = epcs
		out.Reason, out.Report = e.Reason, e.Report
	case EvCleared:
		out.BizStep, out.Disposition = bizHolding, dispSellable
		out.EPCList = epcs
		out.Reason, out.Report = e.Reason, e.Report
	case EvVerifyReturn:
		out.BizStep, out.Disposition = bizInspecting, dispSellable
		out.EPCList = epcs
	default:
		// An event type this export does not know yet: say what it is
		// rather than drop it.
		out.BizStep = medledgerNamespace + "event-" + e.Type
		out.EPCList = epcs
	}
	if e.Parent != "" && out.Type == objectEvent {
		// A pack dispensed or decommissioned out of a case left it.
		out.FromCase = digitalLink(Case(e.Parent))
	}
	return out
}

// lotILMD is the ilmd of a lot: its number and, when known, its expiry as
// YYYY-MM-DD (and raw, when the day is unspecified).
func lotILMD(lot, expiry string) *epcisILMD {
	if lot == "" && expiry == "" {
		return nil
	}
	m := &epcisILMD{Lot: lot}
	if expiry != "" {
		if d, err := ParseExpiry(expiry); err == nil {
			m.ExpirationDate = d.String()
			if d.DayUnspecified() {
				m.Expiry = d.Raw
			}
		} else {
			m.Expiry = expiry // not a date: kept as the chain holds it
		}
	}
	return m
}
