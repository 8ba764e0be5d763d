package supply

import (
	"strings"
	"testing"
	"time"
)

// TestExportEPCISSuspectAndReturns: the events of a report, its outcome
// and a return's verification export as valid EPCIS 2.0: held and not
// sellable while quarantined or illegitimate, sellable once cleared or
// verified, with the report named.
func TestExportEPCISSuspectAndReturns(t *testing.T) {
	pk := Pack(epcisGTIN, "SN9")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h := []HistoryEntry{
		{Event: Event{Seq: 1, Type: EvReport, Org: "cityrx-pharmacy", Actor: "cityrx-pharmacy/pharmacist", Height: 5, Time: at, TxHash: "AA", Items: []Item{pk}, Report: "rpt-1", Reason: "seal reglued"}, ItemCount: 1},
		{Event: Event{Seq: 2, Type: EvCleared, Org: "acme-pharma", Actor: "acme-pharma/admin", Height: 6, Time: at.Add(time.Hour), TxHash: "BB", Items: []Item{pk}, Report: "rpt-1", Reason: "genuine"}, ItemCount: 1},
		{Event: Event{Seq: 3, Type: EvVerifyReturn, Org: "medsupply-dist", Actor: "medsupply-dist/warehouse", Height: 7, Time: at.Add(2 * time.Hour), TxHash: "CC", Items: []Item{pk}}, ItemCount: 1},
		{Event: Event{Seq: 4, Type: EvReport, Org: "medsupply-dist", Actor: "medsupply-dist/warehouse", Height: 8, Time: at.Add(3 * time.Hour), TxHash: "DD", Items: []Item{pk}, Report: "rpt-2", Reason: "print blurred"}, ItemCount: 1},
		{Event: Event{Seq: 5, Type: EvIllegitimate, Org: "acme-pharma", Actor: "acme-pharma/admin", Height: 9, Time: at.Add(4 * time.Hour), TxHash: "EE", Items: []Item{pk}, Report: "rpt-2", Reason: "counterfeit"}, ItemCount: 1},
	}
	b := string(epcisExportJSON(t, pk, h))
	for _, want := range []string{`"bizStep": "holding"`, `"disposition": "non_sellable_other"`, `"disposition": "sellable_accessible"`, `"bizStep": "inspecting"`, `"medledger:report": "rpt-2"`} {
		if !strings.Contains(b, want) {
			t.Errorf("the export lacks %s:\n%s", want, b)
		}
	}
}
