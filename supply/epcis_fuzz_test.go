package supply

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medledger/medledger"
)

// FuzzImportEPCIS feeds ImportEPCIS arbitrary documents, seeded with the
// documents of testdata/epcis: it must never panic, every error must be a
// supply ErrInvalid, and every Op it returns must be one the chain could
// be sent: a known type, its body type, and items that validate.
//
// Run it by hand: go test ./supply -run '^$' -fuzz FuzzImportEPCIS -fuzztime 60s
func FuzzImportEPCIS(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "epcis", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed documents in testdata/epcis (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"resultsBody":{"eventList":[{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":["urn:epc:id:sscc:0614141.1234567890"]}]}}}}`))
	f.Add([]byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["urn:epc:id:sgtin:0614141.812345.a%2Fb"],"ilmd":{"lotNumber":"L1","medledger:expiry":"271200"}}]}}`))
	f.Add([]byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[{"isA":"ObjectEvent","action":"OBSERVE","bizStep":"decommissioning","disposition":"medledger:lost","epcList":["https://id.gs1.org/gtin/9506000134352/lot/L/ser/1"]}]}}`))

	f.Fuzz(func(t *testing.T, doc []byte) {
		ops, err := ImportEPCIS(bytes.NewReader(doc))
		if err != nil {
			var e *medledger.Error
			if !errors.As(err, &e) || !medledger.HasCode(err, ErrInvalid) {
				t.Fatalf("error %v (%T) is not a supply ErrInvalid", err, err)
			}
			if ops != nil {
				t.Fatalf("ops beside an error: %v", ops)
			}
			return
		}
		last := 0
		for k, op := range ops {
			if op.Event < last {
				t.Fatalf("op %d: event %d after event %d", k, op.Event, last)
			}
			last = op.Event
			checkEPCISOp(t, k, op)
			if _, err := json.Marshal(op); err != nil {
				t.Fatalf("op %d does not encode: %v", k, err)
			}
		}
	})
}

// checkEPCISOp checks that an imported op has the body of its type, and that
// the identifiers in it are well formed.
func checkEPCISOp(t *testing.T, k int, op Op) {
	t.Helper()
	items := func(list []Item, min int) {
		if len(list) < min || len(list) > MaxItems {
			t.Fatalf("op %d (%s): %d items", k, op.Type, len(list))
		}
		for _, it := range list {
			if err := it.validate(); err != nil {
				t.Fatalf("op %d (%s): item %+v: %v", k, op.Type, it, err)
			}
		}
	}
	ok := false
	switch b := op.Body.(type) {
	case *CommissionBody:
		ok = op.Type == TypeCommission
		if len(b.Serials) == 0 || len(b.Serials) > MaxSerials {
			t.Fatalf("op %d: %d serials", k, len(b.Serials))
		}
		for _, s := range b.Serials {
			if err := Pack(b.GTIN, s).validate(); err != nil {
				t.Fatalf("op %d: %v", k, err)
			}
		}
		if err := validLotName(b.Lot); err != nil {
			t.Fatalf("op %d: %v", k, err)
		}
		if b.Expiry != "" {
			if _, err := ParseExpiry(b.Expiry); err != nil {
				t.Fatalf("op %d: %v", k, err)
			}
		}
	case *AggregateBody:
		ok = op.Type == TypeAggregate && Case(b.SSCC).validate() == nil
		items(b.Items, 1)
	case *DisaggregateBody:
		ok = op.Type == TypeDisaggregate && Case(b.SSCC).validate() == nil
		items(b.Items, 0)
	case *ShipBody:
		ok = op.Type == TypeShip && validOrgID(b.To)
		items(b.Items, 1)
	case *ReturnBody:
		ok = op.Type == TypeReturn
		items(b.Items, 1)
	case *ReceiveBody:
		ok = op.Type == TypeReceive && b.Shipment == ""
		items(b.Items, 1)
	case *DispenseBody:
		ok = op.Type == TypeDispense && Pack(b.GTIN, b.Serial).validate() == nil
	case *DecommissionBody:
		ok = op.Type == TypeDecommission
		found := false
		for _, r := range DecommissionReasons {
			found = found || r == b.Reason
		}
		if !found {
			t.Fatalf("op %d: reason %q", k, b.Reason)
		}
		items(b.Items, 1)
	}
	if !ok {
		t.Fatalf("op %d: type %s with body %T %+v", k, op.Type, op.Body, op.Body)
	}
}
