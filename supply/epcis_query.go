package supply

// The pieces of the EPCIS 2.0 query interface (GET /epcis/events, served
// by supply/epcisapi) that read state: the chain's events in order, each
// as an EPCIS event, and the partner's own event merged with what the
// chain adds to it. Like the rest of the EPCIS code, they read no clock.

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/medledger/medledger/state"
)

// EventsAfter returns up to n of the chain's supply events whose sequence
// number is above after, oldest first, each with its whole item list (a
// commissioning's serials as packs).
func EventsAfter(r state.Reader, after uint64, n int) []HistoryEntry {
	var out []HistoryEntry
	for seq := after + 1; len(out) < n; seq++ {
		e, ok := GetEvent(r, seq)
		if !ok {
			break
		}
		out = append(out, fullEntry(e))
	}
	return out
}

// fullEntry is an event as a history entry naming all its items.
func fullEntry(e Event) HistoryEntry {
	n := len(e.Items)
	if e.Type == EvCommission {
		n = len(e.Serials)
		e.Items = make([]Item, len(e.Serials))
		for k, s := range e.Serials {
			e.Items[k] = Pack(e.GTIN, s)
		}
	}
	e.Serials = nil
	return HistoryEntry{Event: e, ItemCount: n}
}

// EPCISEvent renders one history entry of subject's history (or of
// EventsAfter, subject then unused) as an EPCIS 2.0 event, as the history
// export writes it.
func EPCISEvent(r state.Reader, subject Item, e HistoryEntry) (json.RawMessage, error) {
	out, err := exportEntry(r, subject, e)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// EPCISBizStep is the bare CBV word of an exported event's bizStep, for
// filters: "shipping" for shipping, urn:epcglobal:cbv:bizstep:shipping and
// https://ref.gs1.org/cbv/BizStep-shipping alike.
func EPCISBizStep(v string) string { return cbvWord("bizstep", v) }

// ParseEPC reads an EPC as the import does: a GS1 Digital Link URI or an
// EPC pure identity URI naming a pack or a case.
func ParseEPC(s string) (Item, error) { return parseEPC(s) }

// MergeKept returns the event a trading partner sent (kept, one member of
// its eventList as captured, and the @context of its document) with what
// the chain adds: recordTime (the block's time), an eventID when it had
// none, and the medledger members of the chain's own rendering, chain
// (medledger:tx, :height, :actor, ...). Everything the partner wrote stays
// as written: sensor data, persistentDisposition, certificationInfo,
// readPoint, bizLocation, its extensions.
func MergeKept(chain json.RawMessage, kept json.RawMessage, context json.RawMessage, recordTime time.Time) (json.RawMessage, error) {
	var ours, theirs map[string]json.RawMessage
	if err := json.Unmarshal(chain, &ours); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(kept, &theirs); err != nil || theirs == nil {
		return chain, nil
	}
	for _, k := range slices.Sorted(maps.Keys(ours)) {
		if len(k) > len("medledger:") && k[:len("medledger:")] == "medledger:" {
			theirs[k] = ours[k]
		}
	}
	if _, ok := theirs["eventID"]; !ok {
		theirs["eventID"] = ours["eventID"]
	}
	if _, ok := theirs["@context"]; !ok && len(context) > 0 {
		theirs["@context"] = context
	}
	theirs["recordTime"], _ = json.Marshal(epcisTime(recordTime))
	return json.Marshal(theirs)
}

// EPCISQueryDocument wraps events in an EPCISQueryDocument of a
// SimpleEventQuery, created at created (the state's block time).
func EPCISQueryDocument(events []json.RawMessage, created time.Time) ([]byte, error) {
	if events == nil {
		events = []json.RawMessage{}
	}
	doc := map[string]any{
		"@context":      []any{epcisContext, medledgerContext{Medledger: medledgerNamespace}},
		"type":          epcisQueryDocument,
		"schemaVersion": epcisSchemaVersion,
		"creationDate":  epcisTime(created),
		"epcisBody": map[string]any{"queryResults": map[string]any{
			"queryName":   "SimpleEventQuery",
			"resultsBody": map[string]any{"eventList": events},
		}},
	}
	return json.Marshal(doc)
}

// EventSeq reads the sequence number of an exported event's eventID
// (urn:medledger:event:N); ok is false for any other id.
func EventSeq(eventID string) (uint64, bool) {
	if len(eventID) <= len(eventURIPrefix) || eventID[:len(eventURIPrefix)] != eventURIPrefix {
		return 0, false
	}
	n, err := strconv.ParseUint(eventID[len(eventURIPrefix):], 10, 64)
	return n, err == nil
}
