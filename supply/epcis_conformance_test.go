package supply

// Issue 11: EPCIS exports that validate against GS1's EPCIS 2.0 JSON
// schema, and imports that refuse contradictions. Each test's case is the
// issue's reproduction.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/state"
)

// epcisChain is a chain of the demo consortium with the supply module and
// the product epcisGTIN registered by acme-pharma.
func epcisChain(t *testing.T) *chaintest.Chain {
	t.Helper()
	c := chaintest.Demo()
	c.Modules = []app.Module{Module{}}
	ch := chaintest.New(t, c)
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/admin", TypeProduct, ProductBody{GTIN: epcisGTIN, Name: "Examplin 10 mg"})), "register product")
	return ch
}

// exportedEvents exports it's history from the chain (checked against the
// schema by epcisExportFrom) and returns its events.
func exportedEvents(t *testing.T, snap state.Reader, it Item) []map[string]any {
	t.Helper()
	h, err := History(snap, it)
	if err != nil {
		t.Fatal(err)
	}
	raw := epcisExportFrom(t, snap, it, h)
	var doc struct {
		Body struct {
			EventList []map[string]any `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Body.EventList
}

// TestEPCISExportRecalledLot: the history of a pack in a recalled lot (the
// dev chain's (01)00312345678906(21)101001) wrote ilmd on the recall's
// OBSERVE event, which EPCIS allows only with ADD.
func TestEPCISExportRecalledLot(t *testing.T) {
	ch := epcisChain(t)
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/packager", TypeCommission, CommissionBody{GTIN: epcisGTIN, Lot: "A101", Expiry: "281130", Serials: []string{"101001", "101002"}})), "commission")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/admin", TypeRecall, RecallBody{GTIN: epcisGTIN, Lot: "A101", Reason: "potency below specification"})), "recall")
	evs := exportedEvents(t, ch.Latest(), Pack(epcisGTIN, "101001"))
	if len(evs) != 2 {
		t.Fatalf("%d events, want commissioning and recall", len(evs))
	}
	for k, ev := range evs {
		if _, has := ev["ilmd"]; has && ev["action"] != actionAdd {
			t.Errorf("event %d: ilmd on action %v", k, ev["action"])
		}
	}
	if evs[1]["bizStep"] != bizHolding || evs[1]["medledger:lot"] != "A101" || evs[1]["medledger:recall"] == nil {
		t.Errorf("the recall event: %v", evs[1])
	}
}

// TestEPCISExportCaseOver50: a case holding more than 50 packs exported its
// packing as an AggregationEvent ADD with no childEPCs, which the schema
// refuses and our own import refused ("childEPCs is empty").
func TestEPCISExportCaseOver50(t *testing.T) {
	ch := epcisChain(t)
	var serials []string
	var items []Item
	for i := range 60 {
		s := fmt.Sprintf("C%03d", i)
		serials = append(serials, s)
		items = append(items, Pack(epcisGTIN, s))
	}
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/packager", TypeCommission, CommissionBody{GTIN: epcisGTIN, Lot: "L60", Expiry: "291231", Serials: serials})), "commission")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/packager", TypeAggregate, AggregateBody{SSCC: epcisCase, Items: items})), "pack 60")
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/packager", TypeDisaggregate, DisaggregateBody{SSCC: epcisCase})), "unpack all")
	snap := ch.Latest()
	evs := exportedEvents(t, snap, Case(epcisCase))
	if len(evs) != 2 || evs[0]["type"] != aggregationEvent || evs[0]["action"] != actionAdd {
		t.Fatalf("case history: %v", evs)
	}
	if children, _ := evs[0]["childEPCs"].([]any); len(children) != 60 {
		t.Fatalf("the packing names %d children, want 60", len(children))
	}
	// The export imports again: the same packing and unpacking.
	h, _ := History(snap, Case(epcisCase))
	ops, err := ImportEPCIS(bytes.NewReader(epcisExportFrom(t, snap, Case(epcisCase), h)))
	if err != nil {
		t.Fatalf("import of the export: %v", err)
	}
	if len(ops) != 2 || len(ops[0].Body.(*AggregateBody).Items) != 60 {
		t.Fatalf("ops %s", epcisOpsJSON(ops))
	}
	// A pack's own history still names it, and validates.
	exportedEvents(t, snap, Pack(epcisGTIN, "C007"))
}

func commissioningDoc(epcs []string, ilmd, eventTime string) string {
	ev := `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["` + strings.Join(epcs, `","`) + `"]`
	if ilmd != "" {
		ev += `,"ilmd":` + ilmd
	}
	if eventTime != "" {
		ev += `,"eventTime":` + eventTime
	}
	return `{"type":"EPCISDocument","epcisBody":{"eventList":[` + ev + `}]}}`
}

// TestImportEPCISContradictions: a commissioning whose Digital Link says
// lot LOTA while its ilmd says LOTB was imported as lot LOTB; an event
// without eventTime, or with an invalid one, was imported.
func TestImportEPCISContradictions(t *testing.T) {
	dl := func(path string) string { return "https://id.gs1.org/01/09506000134352" + path }
	at := `"2025-03-01T09:00:00Z"`
	refused := []struct {
		name, doc string
		want      []string
	}{
		{"lot LOTA against ilmd LOTB", commissioningDoc([]string{dl("/10/LOTA/21/S1")}, `{"cbvmda:lotNumber":"LOTB"}`, at), []string{"eventList[0]", `lot "LOTA"`, `"LOTB"`}},
		{"lot in the query against ilmd", commissioningDoc([]string{dl("/21/S1?10=LOTA")}, `{"cbvmda:lotNumber":"LOTB"}`, at), []string{"eventList[0]", `"LOTA"`}},
		{"two Digital Links, two lots", commissioningDoc([]string{dl("/10/LOTA/21/S1"), dl("/10/LOTC/21/S2")}, "", at), []string{"epcList[1]", `"LOTC"`, "epcList[0]"}},
		{"expiry against ilmd", commissioningDoc([]string{dl("/10/LOTA/21/S1?17=271231")}, `{"cbvmda:itemExpirationDate":"2027-11-30"}`, at), []string{"expiry 271231", "ilmd"}},
		{"no eventTime", commissioningDoc([]string{dl("/21/S1")}, `{"cbvmda:lotNumber":"LOTA"}`, ""), []string{"eventList[0]", "no eventTime"}},
		{"null eventTime", commissioningDoc([]string{dl("/21/S1")}, `{"cbvmda:lotNumber":"LOTA"}`, "null"), []string{"no eventTime"}},
		{"eventTime not a string", commissioningDoc([]string{dl("/21/S1")}, `{"cbvmda:lotNumber":"LOTA"}`, "20250301"), []string{"eventList[0]"}},
	}
	for _, bad := range []string{`"yesterday"`, `""`, `"2025-13-01T00:00:00Z"`, `"2025-03-01 09:00:00Z"`, `"2025-03-01T09:00:00"`, `"2025-02-30T09:00:00Z"`, `"2025-03-01t09:00:00z"`, `"25-03-01T09:00:00Z"`} {
		refused = append(refused, struct {
			name, doc string
			want      []string
		}{"eventTime " + bad, commissioningDoc([]string{dl("/21/S1")}, `{"cbvmda:lotNumber":"LOTA"}`, bad), []string{"eventList[0]", "eventTime"}})
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := ImportEPCIS(strings.NewReader(tc.doc))
			if !medledger.HasCode(err, ErrInvalid) {
				t.Fatalf("got %v (ops %s), want a refusal", err, epcisOpsJSON(ops))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	t.Run("bad eventTimeZoneOffset", func(t *testing.T) {
		doc := strings.Replace(commissioningDoc([]string{dl("/21/S1")}, `{"cbvmda:lotNumber":"LOTA"}`, at), `"eventTime"`, `"eventTimeZoneOffset":"+15:00","eventTime"`, 1)
		if _, err := ImportEPCIS(strings.NewReader(doc)); !medledger.HasCode(err, ErrInvalid) || !strings.Contains(err.Error(), "eventTimeZoneOffset") {
			t.Fatalf("got %v", err)
		}
	})

	// What agrees is accepted: the lot said once, in either place, or the
	// same in both; an offset time.
	for _, tc := range []struct {
		name, doc   string
		lot, expiry string
	}{
		{"the same lot twice", commissioningDoc([]string{dl("/10/LOTA/21/S1")}, `{"cbvmda:lotNumber":"LOTA"}`, at), "LOTA", ""},
		{"the lot in the Digital Link only", commissioningDoc([]string{dl("/10/LOTA/21/S1"), dl("/21/S2")}, "", `"2025-03-01T10:00:00.5+01:00"`), "LOTA", ""},
		{"expiry in the query", commissioningDoc([]string{dl("/10/LOTA/21/S1?17=271231")}, `{"cbvmda:itemExpirationDate":"2027-12-31"}`, at), "LOTA", "271231"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := ImportEPCIS(strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			b := ops[0].Body.(*CommissionBody)
			if b.Lot != tc.lot || b.Expiry != tc.expiry {
				t.Fatalf("lot %q expiry %q, want %q %q", b.Lot, b.Expiry, tc.lot, tc.expiry)
			}
		})
	}
}

// TestDigitalLinkContradictions: the parser ignored a query string that
// contradicts the path (.../21/S1?21=OTHER) and took raw '<' and '>'.
func TestDigitalLinkContradictions(t *testing.T) {
	base := "https://id.gs1.org/01/09506000134352"
	for _, tc := range []struct{ epc, want string }{
		{base + "/21/S1?21=OTHER", "contradicts"},
		{base + "/21/S1?ser=OTHER", "contradicts"},
		{base + "/21/S1?01=09506000134345", "contradicts"},
		{base + "/10/L1/21/S1?10=L2", "contradicts"},
		{base + "/21/S1?22=V1", "does not name"},
		{base + "/21/S1?21=S1&21=S2", "twice"},
		{base + "/21/S1?17=271399", "YYMMDD"},
		{base + "/21/S<1>", "raw"},
		{base + "/21/S1?x=<b>", "raw"},
		{base + "/21/S 1", "raw"},
		{"https://id.gs1.org/00/006141410000000012?00=006141410000000029", "contradicts"},
	} {
		if _, err := parseEPC(tc.epc); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseEPC(%q) = %v, want an error saying %q", tc.epc, err, tc.want)
		}
	}
	for _, tc := range []struct {
		epc  string
		want epcRef
	}{
		{base + "/21/S%3C1%3E", epcRef{Item: Pack(epcisGTIN, "S<1>")}},
		{base + "/21/S1?21=S1", epcRef{Item: Pack(epcisGTIN, "S1")}},
		{base + "/21/S1?10=L1&17=271231&linkType=gs1:verificationService", epcRef{Item: Pack(epcisGTIN, "S1"), Lot: "L1", Expiry: "271231"}},
		{base + "/10/L1/21/S1?10=L1", epcRef{Item: Pack(epcisGTIN, "S1"), Lot: "L1"}},
	} {
		got, err := parseEPCRef(tc.epc)
		if err != nil || got != tc.want {
			t.Errorf("parseEPCRef(%q) = %+v, %v, want %+v", tc.epc, got, err, tc.want)
		}
	}
}

// TestEPCISExportProperty exports random histories (every event type, item
// lists given or left out, packs and cases, travelling in cases) and checks
// every document against the schema; events other than recalls import
// back as the transactions that made them.
func TestEPCISExportProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		serial := rapid.StringMatching(`[A-Za-z0-9!"%&'()*+,\-./:;<=>?_]{1,20}`)
		pack := func(label string) Item { return Pack(epcisGTIN, serial.Draw(rt, label)) }
		cases := []string{epcisCase, epcisPallet}
		subject := pack("subject")
		if rapid.Bool().Draw(rt, "case subject") {
			subject = Case(epcisCase)
		}
		orgs := []string{"acme-pharma", "medsupply-dist", "cityrx-pharmacy"}
		var h []HistoryEntry
		kv := memReader{}
		n := rapid.IntRange(0, 12).Draw(rt, "events")
		for i := range n {
			seq := uint64(i + 1)
			types := []string{EvCommission, EvAggregate, EvDisaggregate, EvShip, EvReceive, EvReturn, EvDispense, EvDecommission, EvRecall}
			if subject.IsCase() {
				types = []string{EvAggregate, EvDisaggregate, EvShip, EvReceive, EvReturn, EvDecommission}
			}
			typ := rapid.SampledFrom(types).Draw(rt, "type")
			e := epcisEntry(seq, typ, func(e *HistoryEntry) {
				e.From, e.To = rapid.SampledFrom(orgs).Draw(rt, "from"), rapid.SampledFrom(orgs).Draw(rt, "to")
				switch typ {
				case EvCommission:
					e.GTIN, e.Lot = epcisGTIN, "L"+serial.Draw(rt, "lot")[:1]
					if strings.ContainsAny(e.Lot, "/") {
						e.Lot = "L1"
					}
					e.Expiry = rapid.SampledFrom([]string{"", "271231", "271200", "280229"}).Draw(rt, "expiry")
					e.ItemCount = rapid.IntRange(1, 20000).Draw(rt, "count")
				case EvAggregate, EvDisaggregate:
					e.Parent = rapid.SampledFrom(cases).Draw(rt, "parent")
				case EvDecommission:
					e.Reason = rapid.SampledFrom(DecommissionReasons).Draw(rt, "reason")
				case EvRecall:
					e.GTIN, e.Lot, e.Recall, e.Reason = epcisGTIN, "L1", "rcl-1", "why"
				}
				if typ != EvCommission && typ != EvRecall && typ != EvDispense {
					switch rapid.IntRange(0, 2).Draw(rt, "list") {
					case 0: // left out: more than 50 items
						e.ItemCount = 51 + rapid.IntRange(0, 100).Draw(rt, "count")
						full := make([]Item, e.ItemCount)
						for k := range full {
							full[k] = Pack(epcisGTIN, fmt.Sprintf("F%d", k))
						}
						kv.put(Event{Seq: seq, Type: typ, Items: full, Parent: e.Parent})
					case 1:
						e.Items = []Item{subject}
					default:
						e.Items = []Item{subject, pack("other")}
						if e.Items[0] == e.Items[1] {
							e.Items = e.Items[:1]
						}
					}
				}
				if typ == EvDispense {
					e.Items = []Item{pack("dispensed")}
				}
				if typ == EvShip || typ == EvReceive {
					if rapid.Bool().Draw(rt, "via") {
						e.Via = epcisCase
						if e.Items == nil {
							e.Items = []Item{Case(epcisCase)}
						}
					}
				}
			})
			if e.Type == EvAggregate || e.Type == EvDisaggregate {
				if e.Items != nil && slicesContains(e.Items, Case(e.Parent)) {
					e.Items = []Item{pack("child")} // nothing is packed into itself
				}
			}
			h = append(h, e)
		}
		raw := epcisExportFrom(rt, kv, subject, h)
		if bytes.Contains(raw, []byte(`"ilmd"`)) && !bytes.Contains(raw, []byte(`"ADD"`)) {
			rt.Fatalf("ilmd without ADD:\n%s", raw)
		}
		var keep []HistoryEntry
		for _, e := range h {
			if e.Type != EvRecall {
				keep = append(keep, e)
			}
		}
		if _, err := ImportEPCIS(bytes.NewReader(epcisExportFrom(rt, kv, subject, keep))); err != nil {
			var dup bool
			for _, e := range keep {
				dup = dup || len(e.Items) > 1 && e.Items[0] == e.Items[1]
			}
			if !dup && !strings.Contains(err.Error(), "list each") {
				rt.Fatalf("import of the export: %v", err)
			}
		}
	})
}

func slicesContains(items []Item, it Item) bool {
	for _, x := range items {
		if x == it {
			return true
		}
	}
	return false
}

// memReader is a state.Reader of a few events, for exports of synthetic
// histories whose lists were left out.
type memReader map[string][]byte

func (m memReader) put(e Event) {
	b, _ := json.Marshal(e)
	m[string(eventKey(e.Seq))] = b
}

func (m memReader) Get(key []byte) []byte { return m[string(key)] }

func (m memReader) Iterate(start, end []byte, fn func(key, value []byte) bool) {}
