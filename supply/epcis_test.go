package supply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/internal/epcisschema"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/supply/gs1"
)

// Test identifiers: the GS1 example GTIN 09506000134352 (company prefix
// 9506000) and SSCCs of company prefix 0614141.
const (
	epcisGTIN   = "09506000134352"
	epcisGTIN2  = "09506000134345"
	epcisCase   = "006141410000000012"
	epcisPallet = "006141410000000029"
)

func epcisCheckDigit(t *testing.T, data string) string {
	t.Helper()
	cd, err := gs1.CheckDigit(data)
	if err != nil {
		t.Fatalf("CheckDigit(%s): %v", data, err)
	}
	return data + string(cd)
}

// TestEPCCheckDigits checks the identifiers the tests below use against
// gs1.CheckDigit, so that the tables rest on computed, not copied, keys.
func TestEPCCheckDigits(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"1061414112345", "10614141123459"},         // urn:epc:id:sgtin:0614141.112345.*
		{"8061414112345", "80614141123458"},         // urn:epc:id:sgtin:0614141.812345.* (EPC TDS example)
		{"10614141234567890", "106141412345678908"}, // urn:epc:id:sscc:0614141.1234567890 (EPC TDS example)
		{"0950600013435", epcisGTIN},                // GS1 Digital Link example
		{"0950600013434", epcisGTIN2},               //
		{"00614141000000001", epcisCase},            // urn:epc:id:sscc:0614141.0000000001
		{"00614141000000002", epcisPallet},          //
		{"0061414100001", "00614141000012"},         // a GTIN-13 padded
	} {
		if got := epcisCheckDigit(t, tc.data); got != tc.want {
			t.Errorf("%s + check digit = %s, want %s", tc.data, got, tc.want)
		}
	}
}

func TestParseEPC(t *testing.T) {
	for _, tc := range []struct {
		name, epc string
		want      Item
	}{
		{"sgtin urn indicator 1", "urn:epc:id:sgtin:0614141.112345.400", Pack("10614141123459", "400")},
		{"sgtin urn TDS example", "urn:epc:id:sgtin:0614141.812345.6789", Pack("80614141123458", "6789")},
		{"sgtin urn TDS example serial 400", "urn:epc:id:sgtin:0614141.812345.400", Pack("80614141123458", "400")},
		{"sgtin urn 7-digit prefix", "urn:epc:id:sgtin:9506000.013435.SN4", Pack(epcisGTIN, "SN4")},
		{"sgtin urn 12-digit prefix", "urn:epc:id:sgtin:950600013435.0.X", Pack(epcisGTIN, "X")},
		{"sgtin urn 6-digit prefix", "urn:epc:id:sgtin:950600.0013435.X", Pack(epcisGTIN, "X")},
		{"sgtin urn escaped serial", "urn:epc:id:sgtin:9506000.013435.a%2Fb%25c%22%26%3C%3E%3F", Pack(epcisGTIN, `a/b%c"&<>?`)},
		{"sgtin urn serial with dots", "urn:epc:id:sgtin:9506000.013435.1.2.3", Pack(epcisGTIN, "1.2.3")},
		{"sgtin urn upper-case scheme", "URN:EPC:ID:SGTIN:9506000.013435.7", Pack(epcisGTIN, "7")},
		{"sscc urn TDS example", "urn:epc:id:sscc:0614141.1234567890", Case("106141412345678908")},
		{"sscc urn", "urn:epc:id:sscc:0614141.0000000001", Case(epcisCase)},
		{"digital link pack", "https://id.gs1.org/01/09506000134352/21/abc", Pack(epcisGTIN, "abc")},
		{"digital link escaped serial", "https://id.gs1.org/01/09506000134352/21/abc%2F1", Pack(epcisGTIN, "abc/1")},
		{"digital link other host and prefix", "https://brand.example.com/a/b/01/09506000134352/21/X1?17=271231", Pack(epcisGTIN, "X1")},
		{"digital link http", "http://example.org/01/09506000134352/21/X1", Pack(epcisGTIN, "X1")},
		{"digital link with lot and cpv", "https://id.gs1.org/01/09506000134352/22/2A/10/LOT1/21/X1", Pack(epcisGTIN, "X1")},
		{"digital link with lot", "https://id.gs1.org/01/09506000134352/10/LOT1/21/X1", Pack(epcisGTIN, "X1")},
		{"digital link short names", "https://id.gs1.org/gtin/09506000134352/ser/X1", Pack(epcisGTIN, "X1")},
		{"digital link GTIN-13", "https://id.gs1.org/01/9506000134352/21/X1", Pack(epcisGTIN, "X1")},
		{"digital link GTIN-12", "https://id.gs1.org/01/614141000012/21/X1", Pack("00614141000012", "X1")},
		{"digital link GTIN-8", "https://id.gs1.org/01/95060002/21/X1", Pack("00000095060002", "X1")},
		{"digital link sscc", "https://id.gs1.org/00/106141412345678908", Case("106141412345678908")},
		{"digital link every cset82 character", "https://id.gs1.org/01/09506000134352/21/" + escapeSerial(`!"%&'()*+,-./:;<=>?_`, func(byte) bool { return false }), Pack(epcisGTIN, `!"%&'()*+,-./:;<=>?_`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseEPC(tc.epc)
			if err != nil {
				t.Fatalf("parseEPC(%q): %v", tc.epc, err)
			}
			if got != tc.want {
				t.Fatalf("parseEPC(%q) = %+v, want %+v", tc.epc, got, tc.want)
			}
			if err := got.validate(); err != nil {
				t.Fatalf("parseEPC(%q) gave an invalid item: %v", tc.epc, err)
			}
		})
	}
}

func TestParseEPCErrors(t *testing.T) {
	for _, tc := range []struct{ name, epc, want string }{
		{"dl bad gtin check digit", "https://id.gs1.org/01/09506000134353/21/abc", "check digit is 3, want 2"},
		{"dl bad sscc check digit", "https://id.gs1.org/00/106141412345678907", "check digit is 7, want 8"},
		{"dl gtin length", "https://id.gs1.org/01/0950600013/21/abc", "10 characters, want 8, 12, 13 or 14 digits"},
		{"dl gtin-13 check digit", "https://id.gs1.org/01/0950600013435/21/abc", "check digit is 5, want 9"},
		{"dl gtin letters", "https://id.gs1.org/01/0950600013435X/21/abc", "not 14 digits"},
		{"dl sscc length", "https://id.gs1.org/00/10614141234567890", "not 18 digits"},
		{"dl class only", "https://id.gs1.org/01/09506000134352", "add the serial"},
		{"dl lot only", "https://id.gs1.org/01/09506000134352/10/LOT1", "add the serial"},
		{"dl serial without gtin", "https://id.gs1.org/x/09506000134352/21/abc", "follows a GTIN"},
		{"dl serial too long", "https://id.gs1.org/01/09506000134352/21/123456789012345678901", "1 to 20 characters"},
		{"dl serial outside cset82", "https://id.gs1.org/01/09506000134352/21/a%20b", "character set 82"},
		{"dl empty serial", "https://id.gs1.org/01/09506000134352/21/", "1 to 20 characters"},
		{"dl bad escape", "https://id.gs1.org/01/09506000134352/21/a%zz", "not a valid URI"},
		{"dl no host", "https:///01/09506000134352/21/abc", "names a host"},
		{"dl unrelated", "https://example.com/products/42", "ends in /01/"},
		{"urn company prefix short", "urn:epc:id:sgtin:06141.1123456.1", "company prefix \"06141\""},
		{"urn company prefix letters", "urn:epc:id:sgtin:06141x1.112345.1", "not 6 to 12 digits"},
		{"urn item ref length", "urn:epc:id:sgtin:0614141.11234.400", "must be 6 digits"},
		{"urn item ref empty", "urn:epc:id:sgtin:061414112345.0614141.1", "must be 1 digits"},
		{"urn missing serial", "urn:epc:id:sgtin:0614141.112345", "urn:epc:id:sgtin:{company prefix}"},
		{"urn bad escape", "urn:epc:id:sgtin:0614141.112345.a%2", "not a %HH escape"},
		{"urn serial outside cset82", "urn:epc:id:sgtin:0614141.112345.a%7E", "character set 82"},
		{"sscc urn length", "urn:epc:id:sscc:0614141.123456789", "must be 10 digits"},
		{"sscc urn no dot", "urn:epc:id:sscc:06141411234567890", "urn:epc:id:sscc:{company prefix}"},
		{"tag uri", "urn:epc:tag:sgtin-96:3.0614141.812345.6789", "pure identity"},
		{"class uri", "urn:epc:class:lgtin:0614141.812345.LOT", "pure identity"},
		{"element string", "(01)09506000134352(21)abc", "not an EPC"},
		{"too long", "https://id.gs1.org/01/09506000134352/21/" + strings.Repeat("a", 600), "over 512"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it, err := parseEPC(tc.epc)
			if err == nil {
				t.Fatalf("parseEPC(%q) = %+v, want an error", tc.epc, it)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseEPC(%q): %q, want it to say %q", tc.epc, err, tc.want)
			}
		})
	}
}

// TestEPCFormats checks the formatters against the same published
// examples, and that each parses back.
func TestEPCFormats(t *testing.T) {
	for _, tc := range []struct {
		it    Item
		cpLen int
		urn   string
		dl    string
	}{
		{Pack("10614141123459", "400"), 7, "urn:epc:id:sgtin:0614141.112345.400", "https://id.gs1.org/01/10614141123459/21/400"},
		{Pack("80614141123458", "6789"), 7, "urn:epc:id:sgtin:0614141.812345.6789", "https://id.gs1.org/01/80614141123458/21/6789"},
		{Case("106141412345678908"), 7, "urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"},
		{Pack(epcisGTIN, "abc/1"), 7, "urn:epc:id:sgtin:9506000.013435.abc%2F1", "https://id.gs1.org/01/09506000134352/21/abc%2F1"},
		{Pack(epcisGTIN, `a"%&<>?`), 12, "urn:epc:id:sgtin:950600013435.0.a%22%25%26%3C%3E%3F", "https://id.gs1.org/01/09506000134352/21/a%22%25%26%3C%3E%3F"},
		{Pack(epcisGTIN, "x!'()*+,-.:;=_"), 6, "urn:epc:id:sgtin:950600.0013435.x!'()*+,-.:;=_", "https://id.gs1.org/01/09506000134352/21/x%21%27%28%29%2A%2B%2C-.%3A%3B%3D_"},
		{Pack("9506000134352", "X"), 7, "urn:epc:id:sgtin:9506000.013435.X", "https://id.gs1.org/01/09506000134352/21/X"},
	} {
		t.Run(tc.urn, func(t *testing.T) {
			urn, err := epcURN(tc.it, tc.cpLen)
			if err != nil || urn != tc.urn {
				t.Errorf("epcURN(%+v, %d) = %q, %v, want %q", tc.it, tc.cpLen, urn, err, tc.urn)
			}
			if dl := digitalLink(tc.it); dl != tc.dl {
				t.Errorf("digitalLink(%+v) = %q, want %q", tc.it, dl, tc.dl)
			}
			want := tc.it
			if !want.IsCase() {
				want.GTIN = strings.Repeat("0", 14-len(want.GTIN)) + want.GTIN
			}
			for _, s := range []string{tc.urn, tc.dl} {
				if got, err := parseEPC(s); err != nil || got != want {
					t.Errorf("parseEPC(%q) = %+v, %v, want %+v", s, got, err, want)
				}
			}
		})
	}
	if _, err := epcURN(Pack(epcisGTIN, "X"), 5); err == nil {
		t.Error("epcURN with a 5-digit company prefix: no error")
	}
}

func epcisTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "epcis", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withTime gives an event written as a JSON object the eventTime and
// eventTimeZoneOffset EPCIS requires.
func withTime(event string) string {
	if rest, ok := strings.CutPrefix(event, "{"); ok && !strings.Contains(event, `"eventTime"`) {
		return `{"eventTime":"2025-03-01T09:00:00Z","eventTimeZoneOffset":"+00:00",` + rest
	}
	return event
}

func epcisOpsJSON(ops []Op) string {
	b, _ := json.MarshalIndent(ops, "", "  ")
	return string(b)
}

func TestImportEPCIS(t *testing.T) {
	p := func(s string) Item { return Pack(epcisGTIN, s) }
	for _, tc := range []struct {
		file string
		want []Op
	}{
		{"commissioning.json", []Op{{0, TypeCommission, &CommissionBody{GTIN: epcisGTIN, Lot: "LOT42", Expiry: "271231", Serials: []string{"SN1", "SN2", "abc/1", "SN4"}}}}},
		{"packing.json", []Op{{0, TypeAggregate, &AggregateBody{SSCC: epcisCase, Items: []Item{p("SN1"), p("SN2")}}}}},
		{"unpacking.json", []Op{
			{0, TypeDisaggregate, &DisaggregateBody{SSCC: epcisCase}},
			{1, TypeDisaggregate, &DisaggregateBody{SSCC: epcisPallet, Items: []Item{Case(epcisCase)}}},
		}},
		{"shipping.json", []Op{{0, TypeShip, &ShipBody{To: "medsupply-dist", Items: []Item{Case(epcisCase), p("SN4")}}}}},
		{"receiving.json", []Op{{0, TypeReceive, &ReceiveBody{Items: []Item{Case(epcisCase), p("SN4")}}}}},
		{"dispensing.json", []Op{
			{0, TypeDispense, &DispenseBody{GTIN: epcisGTIN, Serial: "SN1"}},
			{0, TypeDispense, &DispenseBody{GTIN: epcisGTIN, Serial: "SN2"}},
		}},
		{"decommissioning.json", []Op{
			{0, TypeDecommission, &DecommissionBody{Items: []Item{p("abc/1")}, Reason: "stolen"}},
			{1, TypeDecommission, &DecommissionBody{Items: []Item{p("SN4")}, Reason: "destroyed"}},
		}},
		{"query.json", []Op{{0, TypeShip, &ShipBody{To: "cityrx-pharmacy", Items: []Item{p("SN4")}}}}},
		{"path.json", []Op{
			{0, TypeCommission, &CommissionBody{GTIN: epcisGTIN, Lot: "LOT42", Expiry: "271231", Serials: []string{"SN1", "SN2", "SN3"}}},
			{1, TypeAggregate, &AggregateBody{SSCC: epcisCase, Items: []Item{p("SN1"), p("SN2")}}},
			{2, TypeShip, &ShipBody{To: "medsupply-dist", Items: []Item{Case(epcisCase), p("SN3")}}},
			{3, TypeReceive, &ReceiveBody{Items: []Item{Case(epcisCase), p("SN3")}}},
			{4, TypeDisaggregate, &DisaggregateBody{SSCC: epcisCase}},
			{5, TypeShip, &ShipBody{To: "cityrx-pharmacy", Items: []Item{p("SN1"), p("SN2")}}},
			{6, TypeReceive, &ReceiveBody{Items: []Item{p("SN1"), p("SN2")}}},
			{7, TypeDispense, &DispenseBody{GTIN: epcisGTIN, Serial: "SN1"}},
			{8, TypeDecommission, &DecommissionBody{Items: []Item{p("SN2")}, Reason: "damaged"}},
			{9, TypeReturn, &ReturnBody{Items: []Item{p("SN3")}}},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ImportEPCIS(bytes.NewReader(epcisTestdata(t, tc.file)))
			if err != nil {
				t.Fatalf("ImportEPCIS: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s\nwant %s", epcisOpsJSON(got), epcisOpsJSON(tc.want))
			}
		})
	}
}

// TestImportEPCISErrors checks that a document that does not map is
// refused with ErrInvalid, naming the event and what is wrong.
func TestImportEPCISErrors(t *testing.T) {
	type tcase struct {
		name string
		doc  string
		want []string // substrings of the message
	}
	cases := []tcase{
		{"file unknown bizStep", "@err_bizstep.json", []string{"eventList[1]", `bizStep "loading"`, "not supported"}},
		{"file bad check digit", "@err_checkdigit.json", []string{"eventList[1]", "epcList[1]", "https://id.gs1.org/01/09506000134353/21/SN2", "check digit is 3, want 2"}},
		{"file mixed GTINs", "@err_mixed_gtins.json", []string{"eventList[1]", "epcList[1]", "09506000134345", "one GTIN"}},
		{"file unmappable destination", "@err_destination.json", []string{"eventList[1]", "urn:epc:id:pgln:9506000.00001", "cannot map to an organization"}},
		{"not json", "{", []string{"not valid JSON"}},
		{"not an object", "[]", []string{"not an EPCIS 2.0 JSON document", "want an object"}},
		{"empty", "", []string{"not valid JSON"}},
		{"no type", `{"epcisBody":{"eventList":[]}}`, []string{`no "type"`}},
		{"wrong type", `{"type":"EPCISMasterDataDocument","epcisBody":{"eventList":[]}}`, []string{"EPCISMasterDataDocument"}},
		{"no eventList", `{"type":"EPCISDocument","epcisBody":{}}`, []string{"no epcisBody.eventList"}},
		{"query document without results", `{"type":"EPCISQueryDocument","epcisBody":{}}`, []string{"resultsBody.eventList"}},
		{"eventList not an array", `{"type":"EPCISDocument","epcisBody":{"eventList":{}}}`, []string{"epcisBody.eventList", "want an array"}},
	}
	ev := func(e string) string {
		return `{"type":"EPCISDocument","epcisBody":{"eventList":[` + withTime(e) + `]}}`
	}
	pack := `"https://id.gs1.org/01/09506000134352/21/SN1"`
	caseEPC := `"https://id.gs1.org/00/006141410000000012"`
	for _, e := range []struct {
		name, event string
		want        []string
	}{
		{"event not an object", `42`, []string{"eventList[0]", "JSON number"}},
		{"epcList not an array", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":"x"}`, []string{"eventList[0]", "epcList", "want an array"}},
		{"no event type", `{"action":"OBSERVE","bizStep":"receiving","epcList":[` + pack + `]}`, []string{"eventList[0]", `no "type"`}},
		{"transformation event", `{"type":"TransformationEvent","bizStep":"commissioning"}`, []string{"eventList[0]", "TransformationEvent", "not supported"}},
		{"association event", `{"type":"AssociationEvent","action":"ADD","bizStep":"assembling"}`, []string{"eventList[0]", "AssociationEvent"}},
		{"no action", `{"type":"ObjectEvent","bizStep":"receiving","epcList":[` + pack + `]}`, []string{"eventList[0]", "no action"}},
		{"no bizStep", `{"type":"ObjectEvent","action":"OBSERVE","epcList":[` + pack + `]}`, []string{"eventList[0]", "no bizStep"}},
		{"foreign bizStep URI", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"urn:acme:step:receiving","epcList":[` + pack + `]}`, []string{"eventList[0]", "urn:acme:step:receiving"}},
		{"holding", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"holding","epcList":[` + pack + `]}`, []string{"eventList[0]", "supply/recall"}},
		{"event id named", `{"type":"ObjectEvent","eventID":"urn:uuid:1","action":"OBSERVE","bizStep":"loading","epcList":[` + pack + `]}`, []string{`eventList[0] ("urn:uuid:1")`}},
		{"quantities", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","quantityList":[{"epcClass":"urn:epc:class:lgtin:9506000.013435.L1","quantity":5}]}`, []string{"eventList[0]", "quantityList"}},
		{"error declaration", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":[` + pack + `],"errorDeclaration":{"declarationTime":"2025-01-01T00:00:00Z"}}`, []string{"eventList[0]", "errorDeclaration"}},
		{"commissioning action", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"commissioning","epcList":[` + pack + `],"ilmd":{"lotNumber":"L1"}}`, []string{"eventList[0]", "action ADD", `"OBSERVE"`}},
		{"shipping action", `{"type":"ObjectEvent","action":"ADD","bizStep":"shipping","epcList":[` + pack + `]}`, []string{"eventList[0]", "action OBSERVE"}},
		{"commissioning no lot", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + pack + `]}`, []string{"eventList[0]", "no lot"}},
		{"commissioning bad lot", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + pack + `],"ilmd":{"lotNumber":"L/1"}}`, []string{"eventList[0]", "lot \"L/1\""}},
		{"commissioning lot not a string", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + pack + `],"ilmd":{"cbvmda:lotNumber":42}}`, []string{"eventList[0]", "cbvmda:lotNumber is not a string"}},
		{"commissioning bad date", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + pack + `],"ilmd":{"lotNumber":"L1","itemExpirationDate":"2027-02-30"}}`, []string{"eventList[0]", `"2027-02-30"`, "YYYY-MM-DD"}},
		{"commissioning date out of window", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + pack + `],"ilmd":{"lotNumber":"L1","itemExpirationDate":"2051-01-01"}}`, []string{"eventList[0]", "1951 to 2050"}},
		{"commissioning a case", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + caseEPC + `],"ilmd":{"lotNumber":"L1"}}`, []string{"eventList[0]", "epcList[0]", "is a case"}},
		{"commissioning duplicate", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[` + pack + `,"urn:epc:id:sgtin:9506000.013435.SN1"],"ilmd":{"lotNumber":"L1"}}`, []string{"eventList[0]", "epcList[1]", "as epcList[0] does"}},
		{"commissioning empty", `{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":[],"ilmd":{"lotNumber":"L1"}}`, []string{"eventList[0]", "epcList is empty"}},
		{"receiving duplicate", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":[` + pack + `,` + pack + `]}`, []string{"eventList[0]", "epcList[1]", "list each item once"}},
		{"receiving empty", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving"}`, []string{"eventList[0]", "epcList is empty"}},
		{"dispensing a case", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"dispensing","epcList":[` + pack + `,` + caseEPC + `]}`, []string{"eventList[0]", "epcList[1]", "a case is not dispensed"}},
		{"decommissioning unknown disposition", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"decommissioning","disposition":"sellable_accessible","epcList":[` + pack + `]}`, []string{"eventList[0]", `"sellable_accessible"`, "no decommissioning reason"}},
		{"shipping no destination", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":[` + pack + `]}`, []string{"eventList[0]", "no owning_party"}},
		{"shipping location only", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":[` + pack + `],"destinationList":[{"type":"location","destination":"urn:medledger:org:cityrx-pharmacy"}]}`, []string{"eventList[0]", "no owning_party"}},
		{"shipping to an sgln", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":[` + pack + `],"destinationList":[{"type":"owning_party","destination":"urn:epc:id:sgln:9506000.00001.0"}]}`, []string{"eventList[0]", "GLN"}},
		{"shipping to a digital link gln", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":[` + pack + `],"destinationList":[{"type":"owning_party","destination":"https://id.gs1.org/417/9506000000013"}]}`, []string{"eventList[0]", "GLN"}},
		{"shipping to a bad org id", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":[` + pack + `],"destinationList":[{"type":"owning_party","destination":"urn:medledger:org:CityRx"}]}`, []string{"eventList[0]", `"CityRx" is no organization id`}},
		{"shipping to something else", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":[` + pack + `],"destinationList":[{"type":"owning_party","destination":"mailto:x@example.com"}]}`, []string{"eventList[0]", "cannot be mapped"}},
		{"return to a gln", `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","medledger:return":true,"epcList":[` + pack + `],"destinationList":[{"type":"owning_party","destination":"urn:epc:id:pgln:9506000.00001"}]}`, []string{"eventList[0]", "GLN"}},
		{"packing a pack into a pack", `{"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":` + pack + `,"childEPCs":[` + pack + `]}`, []string{"eventList[0]", "parentID", "is a pack"}},
		{"packing no parent", `{"type":"AggregationEvent","action":"ADD","bizStep":"packing","childEPCs":[` + pack + `]}`, []string{"eventList[0]", "no parentID"}},
		{"packing bad parent", `{"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"https://id.gs1.org/00/006141410000000013","childEPCs":[` + pack + `]}`, []string{"eventList[0]", "parentID", "check digit is 3, want 2"}},
		{"packing nothing", `{"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":` + caseEPC + `}`, []string{"eventList[0]", "childEPCs is empty"}},
		{"packing bad child", `{"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":` + caseEPC + `,"childEPCs":[` + pack + `,"urn:epc:id:sgtin:9506000.13435.X"]}`, []string{"eventList[0]", "childEPCs[1]", "must be 6 digits"}},
		{"aggregation observe", `{"type":"AggregationEvent","action":"OBSERVE","bizStep":"packing","parentID":` + caseEPC + `}`, []string{"eventList[0]", `action "OBSERVE"`}},
		{"aggregation wrong step", `{"type":"AggregationEvent","action":"ADD","bizStep":"loading","parentID":` + caseEPC + `,"childEPCs":[` + pack + `]}`, []string{"eventList[0]", `bizStep "loading"`, "want packing"}},
		{"unpacking with packing step", `{"type":"AggregationEvent","action":"DELETE","bizStep":"packing","parentID":` + caseEPC + `}`, []string{"eventList[0]", "want unpacking"}},
	} {
		cases = append(cases, tcase{e.name, ev(e.event), e.want})
	}
	// The index names the event at fault, not the first.
	cases = append(cases, tcase{"second event", `{"type":"EPCISDocument","epcisBody":{"eventList":[` +
		withTime(`{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":[`+pack+`]}`) + `,` +
		withTime(`{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":[`+pack+`]}`) + `,` +
		withTime(`{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":["urn:epc:id:sscc:0614141.12"]}`) + `]}}`,
		[]string{"eventList[2]", "epcList[0]", `"urn:epc:id:sscc:0614141.12"`, "must be 10 digits"}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := []byte(tc.doc)
			if name, ok := strings.CutPrefix(tc.doc, "@"); ok {
				doc = epcisTestdata(t, name)
			}
			ops, err := ImportEPCIS(bytes.NewReader(doc))
			if err == nil {
				t.Fatalf("no error, ops %s", epcisOpsJSON(ops))
			}
			if !medledger.HasCode(err, ErrInvalid) {
				t.Fatalf("error %v is not %s/%s", err, ErrInvalid.Codespace, ErrInvalid.Slug)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestImportEPCISLimits(t *testing.T) {
	epcs := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	doc := func(event string) []byte {
		return []byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[` + withTime(event) + `]}}`)
	}

	t.Run("commissioning is split", func(t *testing.T) {
		n := 2*MaxSerials + 3
		ops, err := ImportEPCIS(bytes.NewReader(doc(`{"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","ilmd":{"lotNumber":"L1"},"epcList":[` +
			epcs(n, `"https://id.gs1.org/01/09506000134352/21/S%d"`) + `]}`)))
		if err != nil {
			t.Fatal(err)
		}
		if len(ops) != 3 {
			t.Fatalf("%d ops, want 3", len(ops))
		}
		total := 0
		for k, op := range ops {
			b := op.Body.(*CommissionBody)
			if op.Type != TypeCommission || op.Event != 0 || len(b.Serials) > MaxSerials || b.GTIN != epcisGTIN || b.Lot != "L1" {
				t.Fatalf("op %d: %s %d gtin %s lot %s, %d serials", k, op.Type, op.Event, b.GTIN, b.Lot, len(b.Serials))
			}
			if b.Serials[0] != fmt.Sprintf("S%d", total) {
				t.Fatalf("op %d starts with %s, want S%d", k, b.Serials[0], total)
			}
			total += len(b.Serials)
		}
		if total != n {
			t.Fatalf("%d serials in all, want %d", total, n)
		}
	})
	t.Run("at most MaxItems EPCs", func(t *testing.T) {
		_, err := ImportEPCIS(bytes.NewReader(doc(`{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":[` +
			epcs(MaxItems+1, `"https://id.gs1.org/01/09506000134352/21/S%d"`) + `]}`)))
		if !medledger.HasCode(err, ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf("names %d EPCs, over %d", MaxItems+1, MaxItems)) {
			t.Fatalf("got %v, want a refusal over %d EPCs", err, MaxItems)
		}
		ops, err := ImportEPCIS(bytes.NewReader(doc(`{"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":[` +
			epcs(MaxItems, `"https://id.gs1.org/01/09506000134352/21/S%d"`) + `]}`)))
		if err != nil || len(ops[0].Body.(*ReceiveBody).Items) != MaxItems {
			t.Fatalf("MaxItems EPCs: %v", err)
		}
	})
	t.Run("document size", func(t *testing.T) {
		d := epcisTestdata(t, "path.json")
		if _, err := importEPCIS(bytes.NewReader(d), int64(len(d))); err != nil {
			t.Fatalf("a document at the limit: %v", err)
		}
		_, err := importEPCIS(bytes.NewReader(d), int64(len(d)-1))
		if !medledger.HasCode(err, ErrTooLarge) || !strings.Contains(err.Error(), "split it") {
			t.Fatalf("a document over the limit: %v", err)
		}
		if MaxEPCISSize != 256<<20 {
			t.Fatalf("MaxEPCISSize = %d, want 256 MiB", MaxEPCISSize)
		}
	})
	t.Run("empty eventList", func(t *testing.T) {
		ops, err := ImportEPCIS(strings.NewReader(`{"type":"EPCISDocument","epcisBody":{"eventList":[]}}`))
		if err != nil || len(ops) != 0 {
			t.Fatalf("got %v, %v, want no ops", ops, err)
		}
	})
}

// epcisEntry builds a history entry, edited by edit.
func epcisEntry(seq uint64, typ string, edit func(*HistoryEntry)) HistoryEntry {
	e := HistoryEntry{Event: Event{Seq: seq, Type: typ, Actor: "acme-pharma/packager", Org: "acme-pharma", Height: int64(10 + seq),
		Time: time.Date(2025, 3, 1, 9, 0, int(seq), 123000000, time.UTC), TxHash: fmt.Sprintf("%064X", seq)}}
	if edit != nil {
		edit(&e)
	}
	if e.ItemCount == 0 {
		e.ItemCount = max(1, len(e.Items))
	}
	return e
}

// checkEPCISRoundTrip checks the ops imported from an export of h, the
// history of it: one per event, of the event's type, naming the event's
// items (Items, or the item itself, or its case, when the list was left
// out).
func checkEPCISRoundTrip(t *testing.T, it Item, h []HistoryEntry, ops []Op) {
	t.Helper()
	if len(ops) != len(h) {
		t.Fatalf("%d ops for %d events:\n%s", len(ops), len(h), epcisOpsJSON(ops))
	}
	for k, e := range h {
		op := ops[k]
		if op.Event != k {
			t.Errorf("op %d: event %d, want %d", k, op.Event, k)
		}
		items := e.Items
		if items == nil {
			items = []Item{it}
			if e.Via != "" {
				v := strings.Split(e.Via, " in ")
				items = []Item{Case(v[len(v)-1])}
			}
		}
		var typ string
		var got []Item
		switch b := op.Body.(type) {
		case *CommissionBody:
			typ = EvCommission
			for _, s := range b.Serials {
				got = append(got, Pack(b.GTIN, s))
			}
			if b.Lot != e.Lot || b.Expiry != e.Expiry {
				t.Errorf("op %d: lot %s expiry %s, want %s %s", k, b.Lot, b.Expiry, e.Lot, e.Expiry)
			}
		case *AggregateBody:
			typ, got = EvAggregate, b.Items
			if b.SSCC != e.Parent {
				t.Errorf("op %d: sscc %s, want %s", k, b.SSCC, e.Parent)
			}
		case *DisaggregateBody:
			typ, got = EvDisaggregate, b.Items
			if b.SSCC != e.Parent {
				t.Errorf("op %d: sscc %s, want %s", k, b.SSCC, e.Parent)
			}
		case *ShipBody:
			typ, got = EvShip, b.Items
			if b.To != e.To {
				t.Errorf("op %d: to %s, want %s", k, b.To, e.To)
			}
		case *ReturnBody:
			typ, got = EvReturn, b.Items
		case *ReceiveBody:
			typ, got = EvReceive, b.Items
		case *DispenseBody:
			typ, got = EvDispense, []Item{Pack(b.GTIN, b.Serial)}
		case *DecommissionBody:
			typ, got = EvDecommission, b.Items
			if b.Reason != e.Reason {
				t.Errorf("op %d: reason %s, want %s", k, b.Reason, e.Reason)
			}
		default:
			t.Fatalf("op %d: body %T", k, op.Body)
		}
		if wantType := "supply/" + e.Type; op.Type != wantType || typ != e.Type {
			t.Errorf("op %d: type %s (body %T), want %s", k, op.Type, op.Body, wantType)
		}
		if !reflect.DeepEqual(got, items) {
			t.Errorf("op %d (%s): items %v, want %v", k, e.Type, got, items)
		}
	}
}

// epcisExportJSON exports h, the history of it, and checks the document
// against GS1's EPCIS 2.0 JSON schema.
func epcisExportJSON(t testing.TB, it Item, h []HistoryEntry) []byte {
	t.Helper()
	return epcisExportFrom(t, nil, it, h)
}

// fataler is what the export helpers need of a test: *testing.T and
// *rapid.T both have it.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// epcisExportFrom is epcisExportJSON reading left-out lists from r.
func epcisExportFrom(t fataler, r state.Reader, it Item, h []HistoryEntry) []byte {
	t.Helper()
	doc, err := exportEPCIS(r, it, h)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := epcisschema.Validate(b); err != nil {
		t.Fatalf("the export is not valid EPCIS 2.0: %v\n%s", err, b)
	}
	return b
}

// TestExportEPCISRoundTrip exports hand-built histories, imports the
// export and checks that every event comes back as the transaction that
// made it, with the same items.
func TestExportEPCISRoundTrip(t *testing.T) {
	pk := Pack(epcisGTIN, "abc/1")
	other := Pack(epcisGTIN, "SN2")
	many := make([]Item, 60)
	for i := range many {
		many[i] = Pack(epcisGTIN, fmt.Sprintf("M%d", i))
	}
	h := []HistoryEntry{
		epcisEntry(1, EvCommission, func(e *HistoryEntry) { e.GTIN, e.Lot, e.Expiry, e.ItemCount = epcisGTIN, "LOT42", "271200", 5000 }),
		epcisEntry(2, EvAggregate, func(e *HistoryEntry) { e.Items, e.Parent = []Item{pk, other}, epcisCase }),
		epcisEntry(3, EvAggregate, func(e *HistoryEntry) { e.Items, e.Parent, e.Via = []Item{Case(epcisCase)}, epcisPallet, epcisCase }),
		epcisEntry(4, EvShip, func(e *HistoryEntry) {
			e.Items, e.Via, e.Shipment, e.From, e.To = []Item{Case(epcisPallet)}, epcisCase+" in "+epcisPallet, "shp-1", "acme-pharma", "medsupply-dist"
		}),
		epcisEntry(5, EvReceive, func(e *HistoryEntry) {
			e.Via, e.Shipment, e.From, e.To, e.ItemCount = epcisCase+" in "+epcisPallet, "shp-1", "acme-pharma", "medsupply-dist", 70
		}),
		epcisEntry(6, EvDisaggregate, func(e *HistoryEntry) { e.Items, e.Parent, e.Via = []Item{Case(epcisCase)}, epcisPallet, epcisCase }),
		epcisEntry(7, EvDisaggregate, func(e *HistoryEntry) { e.Parent, e.ItemCount = epcisCase, 60 }), // list left out
		epcisEntry(8, EvShip, func(e *HistoryEntry) { e.Items, e.From, e.To = []Item{pk, other}, "medsupply-dist", "cityrx-pharmacy" }),
		epcisEntry(9, EvReturn, func(e *HistoryEntry) { e.Items, e.From, e.To = []Item{pk}, "cityrx-pharmacy", "medsupply-dist" }),
		epcisEntry(10, EvReceive, func(e *HistoryEntry) { e.Items, e.From, e.To = []Item{pk}, "cityrx-pharmacy", "medsupply-dist" }),
		epcisEntry(11, EvShip, func(e *HistoryEntry) { e.From, e.To, e.ItemCount = "medsupply-dist", "northside-hospital", len(many) }),
		epcisEntry(12, EvDispense, func(e *HistoryEntry) { e.Items, e.Parent = []Item{pk}, epcisCase }),
	}
	ops, err := ImportEPCIS(bytes.NewReader(epcisExportJSON(t, pk, h)))
	if err != nil {
		t.Fatalf("import of the export: %v", err)
	}
	checkEPCISRoundTrip(t, pk, h, ops)

	// Every decommissioning reason comes back.
	for _, reason := range DecommissionReasons {
		h := []HistoryEntry{epcisEntry(1, EvDecommission, func(e *HistoryEntry) { e.Items, e.Reason = []Item{pk}, reason })}
		ops, err := ImportEPCIS(bytes.NewReader(epcisExportJSON(t, pk, h)))
		if err != nil {
			t.Fatalf("%s: %v", reason, err)
		}
		checkEPCISRoundTrip(t, pk, h, ops)
	}
}

// TestExportEPCIS checks the shape of the document: the members a reader
// of EPCIS relies on and our extension members.
func TestExportEPCIS(t *testing.T) {
	pk := Pack(epcisGTIN, "abc/1")
	h := []HistoryEntry{
		epcisEntry(1, EvCommission, func(e *HistoryEntry) { e.GTIN, e.Lot, e.Expiry = epcisGTIN, "LOT42", "271231" }),
		epcisEntry(2, EvShip, func(e *HistoryEntry) {
			e.Items, e.Via, e.Shipment, e.From, e.To = []Item{Case(epcisCase)}, epcisCase, "shp-1", "acme-pharma", "medsupply-dist"
		}),
		epcisEntry(3, EvReturn, func(e *HistoryEntry) { e.Items, e.From, e.To = []Item{pk}, "medsupply-dist", "acme-pharma" }),
		epcisEntry(4, EvRecall, func(e *HistoryEntry) {
			e.GTIN, e.Lot, e.Recall, e.Reason = epcisGTIN, "LOT42", "rcl-1", "contamination"
		}),
		epcisEntry(5, EvDecommission, func(e *HistoryEntry) { e.Items, e.Reason, e.Parent = []Item{pk}, "stolen", epcisCase }),
		epcisEntry(6, EvAggregate, func(e *HistoryEntry) { e.Parent, e.ItemCount = epcisPallet, 80 }),
	}
	raw := epcisExportJSON(t, pk, h)
	if again := epcisExportJSON(t, pk, h); !bytes.Equal(raw, again) {
		t.Fatal("two exports of the same history differ")
	}
	var doc struct {
		Context       []json.RawMessage `json:"@context"`
		Type          string            `json:"type"`
		SchemaVersion string            `json:"schemaVersion"`
		CreationDate  string            `json:"creationDate"`
		Body          struct {
			EventList []map[string]any `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if js(doc.Context) != `["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"medledger":"https://medledger.org/epcis/"}]` {
		t.Errorf("@context %s", doc.Context)
	}
	if doc.Type != "EPCISDocument" || doc.SchemaVersion != "2.0" || doc.CreationDate != "2025-03-01T09:00:06.123Z" {
		t.Errorf("type %q schemaVersion %q creationDate %q", doc.Type, doc.SchemaVersion, doc.CreationDate)
	}
	evs := doc.Body.EventList
	if len(evs) != len(h) {
		t.Fatalf("%d events, want %d", len(evs), len(h))
	}
	for _, c := range []struct {
		ev         int
		key, value string // value as JSON
	}{
		{0, "type", `"ObjectEvent"`},
		{0, "action", `"ADD"`},
		{0, "bizStep", `"commissioning"`},
		{0, "disposition", `"active"`},
		{0, "epcList", `["https://id.gs1.org/01/09506000134352/21/abc%2F1"]`}, // the pack itself: an export of its lot mates would name them
		{0, "eventTime", `"2025-03-01T09:00:01.123Z"`},
		{0, "eventTimeZoneOffset", `"+00:00"`},
		{0, "eventID", `"urn:medledger:event:1"`},
		{0, "ilmd", `{"cbvmda:itemExpirationDate":"2027-12-31","cbvmda:lotNumber":"LOT42"}`},
		{0, "medledger:height", `11`},
		{0, "medledger:tx", `"` + fmt.Sprintf("%064X", 1) + `"`},
		{0, "medledger:actor", `"acme-pharma/packager"`},
		{1, "action", `"OBSERVE"`},
		{1, "bizStep", `"shipping"`},
		{1, "disposition", `"in_transit"`},
		{1, "epcList", `["https://id.gs1.org/00/006141410000000012"]`},
		{1, "sourceList", `[{"source":"urn:medledger:org:acme-pharma","type":"owning_party"}]`},
		{1, "destinationList", `[{"destination":"urn:medledger:org:medsupply-dist","type":"owning_party"}]`},
		{1, "medledger:via", `"006141410000000012"`},
		{1, "medledger:shipment", `"shp-1"`},
		{2, "medledger:return", `true`},
		{2, "destinationList", `[{"destination":"urn:medledger:org:acme-pharma","type":"owning_party"}]`},
		{3, "bizStep", `"holding"`},
		{3, "disposition", `"recalled"`},
		{3, "medledger:lot", `"LOT42"`},
		{3, "medledger:recall", `"rcl-1"`},
		{4, "bizStep", `"decommissioning"`},
		{4, "disposition", `"stolen"`},
		{4, "medledger:parent", `"https://id.gs1.org/00/006141410000000012"`},
		{5, "type", `"AggregationEvent"`},
		{5, "parentID", `"https://id.gs1.org/00/006141410000000029"`},
		{5, "childEPCs", `["https://id.gs1.org/01/09506000134352/21/abc%2F1"]`}, // the list was left out: the pack itself
		{5, "medledger:itemCount", `80`},
	} {
		if got := js(evs[c.ev][c.key]); got != c.value {
			t.Errorf("event %d %s = %s, want %s", c.ev, c.key, got, c.value)
		}
	}
	for k, absent := range map[int]string{0: "medledger:via", 1: "ilmd", 2: "bizLocation", 3: "ilmd", 4: "medledger:itemCount"} {
		if v, ok := evs[k][absent]; ok {
			t.Errorf("event %d has %s = %v", k, absent, v)
		}
	}
	// The recall is exported, but not imported: a recall is no custody
	// event a partner replays.
	_, err := ImportEPCIS(bytes.NewReader(raw))
	if !medledger.HasCode(err, ErrInvalid) || !strings.Contains(err.Error(), "eventList[3]") {
		t.Errorf("import of a recall: %v, want a refusal of eventList[3]", err)
	}

	// In the pallet's own history, a packing event whose list was left
	// out cannot be written without the state that holds it.
	if _, err := exportEPCIS(nil, Case(epcisPallet), h[5:]); err == nil {
		t.Error("an AggregationEvent ADD without its children was exported")
	}

	empty := epcisExportJSON(t, Case(epcisPallet), nil)
	if !bytes.Contains(empty, []byte(`"eventList": []`)) {
		t.Errorf("export of no events:\n%s", empty)
	}
}

// TestEPCISOnChain drives the whole path document through a chain, then
// exports each pack's history from the chain and imports the export.
func TestEPCISOnChain(t *testing.T) {
	c := chaintest.Demo()
	c.Modules = []app.Module{Module{}}
	ch := chaintest.New(t, c)
	ch.Block()
	chaintest.RequireOK(t, ch.Deliver(ch.Sign("acme-pharma/admin", TypeProduct, ProductBody{GTIN: epcisGTIN, Name: "Examplin 10 mg"})), "register product")

	ops, err := ImportEPCIS(bytes.NewReader(epcisTestdata(t, "path.json")))
	if err != nil {
		t.Fatal(err)
	}
	// The signer of each event of path.json.
	signers := []string{
		"acme-pharma/packager", "acme-pharma/packager", "acme-pharma/admin", "medsupply-dist/warehouse", "medsupply-dist/warehouse",
		"medsupply-dist/warehouse", "cityrx-pharmacy/pharmacist", "cityrx-pharmacy/pharmacist", "cityrx-pharmacy/pharmacist",
		"medsupply-dist/warehouse",
	}
	for _, op := range ops {
		chaintest.RequireOK(t, ch.Deliver(ch.Sign(signers[op.Event], op.Type, op.Body)), fmt.Sprintf("event %d, %s", op.Event, op.Type))
	}
	snap := ch.Latest()
	if p, _ := GetPack(snap, epcisGTIN, "SN1"); p.Status != StatusDispensed {
		t.Fatalf("SN1 is %s, want dispensed", p.Status)
	}
	if p, _ := GetPack(snap, epcisGTIN, "SN3"); p.Shipment == "" {
		t.Fatalf("SN3 is not on its way back")
	}

	for _, it := range []Item{Pack(epcisGTIN, "SN1"), Pack(epcisGTIN, "SN2"), Pack(epcisGTIN, "SN3"), Case(epcisCase)} {
		t.Run(it.String(), func(t *testing.T) {
			h, err := History(snap, it)
			if err != nil {
				t.Fatal(err)
			}
			raw := epcisExportFrom(t, snap, it, h)
			ops, err := ImportEPCIS(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("import of the export: %v\n%s", err, raw)
			}
			checkEPCISRoundTrip(t, it, h, ops)
		})
	}
	// SN1 travelled inside the case from acme-pharma to medsupply-dist:
	// its history carries the case's shipment, through the case.
	h, _ := History(snap, Pack(epcisGTIN, "SN1"))
	var types []string
	for _, e := range h {
		types = append(types, e.Type+"/"+e.Via)
	}
	want := []string{"commission/", "aggregate/", "ship/" + epcisCase, "receive/" + epcisCase, "disaggregate/", "ship/", "receive/", "dispense/"}
	if !reflect.DeepEqual(types, want) {
		t.Fatalf("SN1's history %v, want %v", types, want)
	}
}
