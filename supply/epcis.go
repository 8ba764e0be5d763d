package supply

import (
	"io"

	"github.com/medledger/medledger/state"
)

// Op is one transaction an EPCIS document maps to: its type (TypeCommission,
// ...) and body (*CommissionBody, ...), with the index of the EPCIS event in
// the document's eventList it came from.
type Op struct {
	Event int    `json:"event"`
	Type  string `json:"type"`
	Body  any    `json:"body"`
}

// ImportEPCIS reads an EPCIS 2.0 JSON(-LD) document and maps its events to
// supply transactions, in document order.
func ImportEPCIS(r io.Reader) ([]Op, error) {
	return nil, ErrInvalid.New("EPCIS import is not built yet")
}

// exportEPCIS renders an item's history as an EPCIS 2.0 JSON document.
func exportEPCIS(r state.Reader, it Item, h []HistoryEntry) (any, error) {
	return nil, ErrInvalid.New("EPCIS export is not built yet")
}
