package supply

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// State keys, all under "supply/". Pack keys follow DESIGN.md:
// supply/pack/<gtin>/<serial>. '|' is outside GS1 character set 82, so it
// ends an item key inside the history index unambiguously.
const (
	prefixProduct  = "supply/product/"  // + gtin -> Product
	prefixLot      = "supply/lot/"      // + gtin + "/" + lot -> Lot
	prefixPack     = "supply/pack/"     // + gtin + "/" + serial -> PackState
	prefixCase     = "supply/case/"     // + sscc -> CaseState
	prefixContent  = "supply/content/"  // + sscc + "/" + item key -> ""
	prefixShipment = "supply/ship/"     // + id -> Shipment
	prefixInbox    = "supply/inbox/"    // + to org + "/" + id -> "" while in transit
	prefixOutbox   = "supply/outbox/"   // + from org + "/" + id -> "" while in transit
	prefixEvent    = "supply/event/"    // + seq(8) -> Event
	prefixHistory  = "supply/hist/"     // + item key + "|" + seq(8) -> ""
	prefixLotEvent = "supply/lotev/"    // + gtin + "/" + lot + "|" + seq(8) -> "" (commissioning events)
	prefixRecall   = "supply/recall/"   // + id -> Recall
	prefixReport   = "supply/report/"   // + seq(8) -> Report
	prefixOrgRep   = "supply/orgrep/"   // + manufacturer org + "/" + seq(8) -> ""
	prefixOpen     = "supply/open/"     // + seq(8) -> "" while a report or notification is open
	prefixNotice   = "supply/notice/"   // + org + "/" + seq(8) -> "" while open: the organizations told of it
	keySeqEvent    = "supply/seq/event" //
	keySeqShipment = "supply/seq/shipment"
	keySeqRecall   = "supply/seq/recall"
	keySeqReport   = "supply/seq/report"
)

func productKey(gtin string) []byte      { return []byte(prefixProduct + gtin) }
func lotKey(gtin, lot string) []byte     { return []byte(prefixLot + gtin + "/" + lot) }
func packKey(gtin, serial string) []byte { return []byte(prefixPack + gtin + "/" + serial) }
func caseKey(sscc string) []byte         { return []byte(prefixCase + sscc) }
func contentPrefix(sscc string) []byte   { return []byte(prefixContent + sscc + "/") }
func contentKey(sscc string, it Item) []byte {
	return []byte(prefixContent + sscc + "/" + it.key())
}
func shipmentKey(id string) []byte { return []byte(prefixShipment + id) }
func boxKey(prefix, org, id string) []byte {
	return []byte(prefix + org + "/" + id)
}
func seq8(prefix string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix), seq)
}
func eventKey(seq uint64) []byte            { return seq8(prefixEvent, seq) }
func historyPrefix(it Item) []byte          { return []byte(prefixHistory + it.key() + "|") }
func historyKey(it Item, seq uint64) []byte { return seq8(string(historyPrefix(it)), seq) }
func lotEventPrefix(gtin, lot string) []byte {
	return []byte(prefixLotEvent + gtin + "/" + lot + "|")
}
func recallKey(id string) []byte                 { return []byte(prefixRecall + id) }
func reportKey(seq uint64) []byte                { return seq8(prefixReport, seq) }
func orgReportKey(org string, seq uint64) []byte { return seq8(prefixOrgRep+org+"/", seq) }
func openKey(seq uint64) []byte                  { return seq8(prefixOpen, seq) }
func noticeKey(org string, seq uint64) []byte    { return seq8(prefixNotice+org+"/", seq) }

func shipmentID(n uint64) string { return fmt.Sprintf("shp-%d", n) }
func recallID(n uint64) string   { return fmt.Sprintf("rcl-%d", n) }
func reportID(n uint64) string   { return fmt.Sprintf("rpt-%d", n) }

// parseReportID returns the sequence number of a report id rpt-N, or
// false.
func parseReportID(id string) (uint64, bool) {
	n, ok := strings.CutPrefix(id, "rpt-")
	if !ok || n == "" || len(n) > 19 || n[0] == '0' {
		return 0, false
	}
	v, err := strconv.ParseUint(n, 10, 64)
	return v, err == nil && v > 0
}
