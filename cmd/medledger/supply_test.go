package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/supply"
)

// The supply tests use the demo product of seed.go and cases 11, 28, 35.
const (
	testGTIN = demoGTIN
	sscc1    = "003123450000000011"
	sscc2    = "003123450000000028"
)

func packCode(serial string) string { return "(01)" + testGTIN + "(21)" + serial }

// verifyJSON runs verify-pack -o json and returns the answer.
func (e *testEnv) verifyJSON(t *testing.T, code string) supply.Verification {
	t.Helper()
	var v supply.Verification
	e.runJSON(t, &v, "verify-pack", code)
	return v
}

// TestSupplyStory runs a lot through the command line: register, commission
// random serials, pack a case, ship, receive (the whole shipment, then by
// items), dispense, verify each answer, recall, verify again, and read the
// chain of custody.
func TestSupplyStory(t *testing.T) {
	t.Parallel()
	e := startEnv(t)

	// A GTIN-12 is stored as the GTIN-14 it stands for.
	var prod struct {
		GTIN         string `json:"gtin"`
		Manufacturer string `json:"manufacturer"`
		Height       int64  `json:"height"`
	}
	e.runJSON(t, &prod, "supply", "product", "add", "--gtin", "312345678906", "--name", "Amoxicillin 500 mg capsules", "--strength", "500 mg", "--as", "acme-pharma/admin")
	if prod.GTIN != testGTIN || prod.Manufacturer != "acme-pharma" || prod.Height < 1 {
		t.Fatalf("product add -o json = %+v", prod)
	}
	e.run(t, "supply", "product", "add", "--gtin", testGTIN, "--name", "again", "--as", "acme-pharma/admin").refused(t, "already-exists")
	e.run(t, "supply", "product", "add", "--gtin", "00312345678907", "--name", "x", "--as", "acme-pharma/admin").refused(t, "check digit")

	var com struct {
		Count        int      `json:"count"`
		Serials      []string `json:"serials"`
		Transactions []txRef  `json:"transactions"`
		Rate         float64  `json:"serials_per_second"`
	}
	e.runJSON(t, &com, "supply", "commission", "--gtin", testGTIN, "--lot", "A1", "--expiry", "291231", "--count", "12", "--as", "acme-pharma/packager")
	if com.Count != 12 || len(com.Serials) != 12 || len(com.Transactions) != 1 || com.Rate <= 0 {
		t.Fatalf("commission --count 12 -o json = %+v", com)
	}
	for _, s := range com.Serials {
		if len(s) != serialLen || strings.Trim(s, serialAlphabet) != "" {
			t.Fatalf("drawn serial %q is not %d characters of [0-9A-Z]", s, serialLen)
		}
	}
	serials := com.Serials
	inCase, loose, home := serials[:5], serials[5], serials[6]

	// Text output says how many, how long, how fast; a lot over
	// MaxSerials goes in several transactions.
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "A1", "--serials", "S1,S2", "--as", "acme-pharma/packager").ok(t).
		says(t, "commissioned 2 packs", "serials/s", packCode("S1"))
	var big struct {
		Count        int      `json:"count"`
		Serials      []string `json:"serials"`
		Transactions []txRef  `json:"transactions"`
	}
	e.runJSON(t, &big, "supply", "commission", "--gtin", testGTIN, "--lot", "B1", "--expiry", "291231", "--count", "10003", "--as", "acme-pharma/packager")
	if big.Count != 10003 || len(big.Serials) != 10003 || len(big.Transactions) != 2 {
		t.Fatalf("commission --count 10003: %d serials in %d transactions, want 10003 in 2", big.Count, len(big.Transactions))
	}
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "A1", "--serials", "S1", "--as", "acme-pharma/packager").refused(t, "already-exists")
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "A1", "--serials", "S9", "--count", "3", "--as", "acme-pharma/packager").refused(t, "not both")
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "C1", "--expiry", "291340", "--count", "3", "--as", "acme-pharma/packager").refused(t, "--expiry")
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "C1", "--count", "3", "--as", "acme-pharma/packager").refused(t, "lot-not-found")

	var items []string
	for _, s := range inCase {
		items = append(items, packCode(s))
	}
	e.run(t, "supply", "pack", "--sscc", sscc1, "--items", strings.Join(items, ","), "--as", "acme-pharma/packager").ok(t).says(t, "packed 5 items into (00)"+sscc1)

	var sh shipmentView
	e.runJSON(t, &sh, "supply", "ship", "--to", "medsupply-dist", "--items", "(00)"+sscc1+","+packCode(loose), "--as", "acme-pharma/packager")
	if sh.Shipment == "" || sh.From != "acme-pharma" || sh.To != "medsupply-dist" || len(sh.Items) != 2 {
		t.Fatalf("ship -o json = %+v", sh)
	}
	e.run(t, "supply", "shipments", "--org", "medsupply-dist").ok(t).says(t, sh.Shipment, "acme-pharma", "in-transit")
	if v := e.verifyJSON(t, packCode(inCase[0])); v.Result != supply.ResultVerified || v.InTransitTo != "medsupply-dist" {
		t.Fatalf("a pack in a case in transit verifies as %+v", v)
	}
	e.run(t, "supply", "dispense", packCode(loose), "--as", "cityrx-pharmacy/pharmacist").refused(t, "in-transit")
	e.run(t, "supply", "receive", "--shipment", sh.Shipment, "--as", "cityrx-pharmacy/pharmacist").refused(t, "wrong-partner")
	// Without --items: exactly what was shipped.
	e.run(t, "supply", "receive", "--shipment", sh.Shipment, "--as", "medsupply-dist/warehouse").ok(t).says(t, "received 2 items of shipment "+sh.Shipment+" from acme-pharma")

	var sh2 shipmentView
	e.runJSON(t, &sh2, "supply", "ship", "--to", "cityrx-pharmacy", "--items", "(00)"+sscc1, "--items", packCode(loose), "--as", "medsupply-dist/warehouse")
	e.run(t, "supply", "shipments", "--org", "medsupply-dist", "--outgoing").ok(t).says(t, sh2.Shipment, "cityrx-pharmacy")
	e.run(t, "supply", "receive", "--items", packCode(loose), "--as", "cityrx-pharmacy/pharmacist").refused(t, "receipt-mismatch")
	// With --items and no --shipment: the shipment the first item travels in.
	var got shipmentView
	e.runJSON(t, &got, "supply", "receive", "--items", packCode(loose)+",(00)"+sscc1, "--as", "cityrx-pharmacy/pharmacist")
	if got.Shipment != sh2.Shipment || got.From != "medsupply-dist" {
		t.Fatalf("receive -o json = %+v, want shipment %s from medsupply-dist", got, sh2.Shipment)
	}
	e.run(t, "supply", "shipments", "--as", "cityrx-pharmacy/pharmacist").ok(t).says(t, "no open incoming shipments of cityrx-pharmacy")

	r := e.run(t, "supply", "dispense", packCode(loose), "--as", "acme-pharma/packager").refused(t, "unauthorized")
	if !strings.Contains(r.stderr, "pharmacy's pharmacist") {
		t.Fatalf("the hint does not say who may dispense:\n%s", r.stderr)
	}
	e.run(t, "supply", "dispense", packCode(loose), "--as", "cityrx-pharmacy/pharmacist").ok(t).says(t, "dispensed "+packCode(loose))

	// The answers at the counter.
	e.run(t, "verify-pack", packCode(inCase[0])).ok(t).says(t, "VERIFIED", "held by cityrx-pharmacy", "Amoxicillin 500 mg capsules", "A1", "(00)"+sscc1)
	e.run(t, "verify-pack", packCode(loose)).ok(t).says(t, "DISPENSED", "supply report")
	e.run(t, "verify-pack", packCode("NOSUCHSERIAL")).ok(t).says(t, "UNKNOWN", "never commissioned")
	e.run(t, "verify-pack", packCode(inCase[1])+"(10)B1").ok(t).says(t, "MISMATCH", "lot B1")
	for code, want := range map[string]string{
		packCode(inCase[0]):            supply.ResultVerified,
		packCode(loose):                supply.ResultDispensed,
		packCode("NOSUCHSERIAL"):       supply.ResultUnknown,
		packCode(inCase[1]) + "(10)B1": supply.ResultMismatch,
		"(00)" + sscc1:                 supply.ResultVerified,
	} {
		r := e.run(t, "-o", "json", "verify-pack", code).ok(t)
		var v map[string]any
		r.json(t, &v)
		if v["result"] != want {
			t.Errorf("verify-pack -o json %s: result %v, want %s", code, v["result"], want)
		}
	}
	// The raw form a scanner sends: GS (ASCII 29) ends the lot.
	e.run(t, "verify-pack", "01"+testGTIN+"17291231"+"10A1\x1d21"+inCase[2]).ok(t).says(t, "VERIFIED", packCode(inCase[2]))

	// A code that does not parse exits non-zero with the parser's reason,
	// before asking the node.
	for _, bad := range []string{"(01)00312345678907(21)X", "(01)" + testGTIN, "hello", "(00)003123450000000012"} {
		r := e.run(t, "verify-pack", bad).refused(t, "does not parse")
		if r.stdout != "" {
			t.Errorf("verify-pack %s printed %q", bad, r.stdout)
		}
	}
	e.run(t, "verify-pack", "(01)00312345678907(21)X").refused(t, "check digit")
	e.run(t, "-o", "json", "verify-pack", "(01)"+testGTIN).refused(t, "names no pack")

	// Reports of suspect packs.
	var rep struct {
		ID     string `json:"id"`
		Result string `json:"result"`
	}
	e.runJSON(t, &rep, "supply", "report", packCode(loose), "--as", "cityrx-pharmacy/pharmacist")
	if rep.ID == "" || rep.Result != supply.ResultDispensed {
		t.Fatalf("report -o json = %+v", rep)
	}
	e.run(t, "supply", "report", packCode(inCase[0]), "--reason", "looks off", "--as", "medsupply-dist/warehouse").refused(t, "not-custodian")
	e.run(t, "supply", "reports").ok(t).says(t, rep.ID, "dispensed", "acme-pharma", "cityrx-pharmacy/pharmacist")
	e.run(t, "supply", "reports", "--manufacturer", "acme-pharma").ok(t).says(t, rep.ID)
	e.run(t, "supply", "reports", "--manufacturer", "medsupply-dist").ok(t).says(t, "no suspect-product reports")

	// A recall reaches the packs in the case, the case, and the packs
	// still at the manufacturer.
	var rc struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &rc, "supply", "recall", "--gtin", testGTIN, "--lot", "A1", "--reason", "potency below specification", "--as", "acme-pharma/admin")
	if !strings.HasPrefix(rc.ID, "rcl-") {
		t.Fatalf("recall -o json id = %q", rc.ID)
	}
	e.run(t, "supply", "recall", "--gtin", testGTIN, "--lot", "B1", "--reason", "x", "--as", "medsupply-dist/warehouse").refused(t, "unauthorized")
	e.run(t, "verify-pack", packCode(inCase[3])).ok(t).says(t, "RECALLED", rc.ID, "potency below specification", "(00)"+sscc1)
	for _, code := range []string{packCode(inCase[3]), packCode(home), "(00)" + sscc1} {
		if v := e.verifyJSON(t, code); v.Result != supply.ResultRecalled || v.Recall != rc.ID {
			t.Errorf("after the recall %s verifies as %s (%s), want recalled by %s", code, v.Result, v.Recall, rc.ID)
		}
	}
	e.run(t, "supply", "dispense", packCode(inCase[4]), "--as", "cityrx-pharmacy/pharmacist").refused(t, "recalled")
	if v := e.verifyJSON(t, packCode(big.Serials[0])); v.Result != supply.ResultVerified {
		t.Errorf("a pack of another lot verifies as %s after the recall", v.Result)
	}

	// The chain of custody of a pack that travelled in the case.
	e.run(t, "supply", "history", packCode(inCase[0])).ok(t).
		says(t, "commission", "aggregate", "packed into (00)"+sscc1, "ship", sh.Shipment, sh2.Shipment, "receive", "medsupply-dist/warehouse", sscc1)
	var h supply.HistoryResponse
	e.runJSON(t, &h, "supply", "history", packCode(inCase[0]))
	var types []string
	via := 0
	for _, ev := range h.Events {
		types = append(types, ev.Type)
		if ev.Via == sscc1 {
			via++
		}
	}
	if want := []string{"commission", "aggregate", "ship", "receive", "ship", "receive", "recall"}; !slices.Equal(types, want) || via != 4 {
		t.Fatalf("history of a pack in the case: %v (%d via the case), want %v (4 via the case)", types, via, want)
	}
	e.run(t, "supply", "history", "(00)"+sscc1).ok(t).says(t, "5 items packed into it", sh.Shipment)
	e.run(t, "supply", "history", packCode(loose)).ok(t).says(t, "dispense")
	var doc struct {
		Type string `json:"type"`
	}
	r = e.run(t, "supply", "history", packCode(inCase[0]), "--epcis").ok(t).json(t, &doc)
	if doc.Type != "EPCISDocument" || !strings.Contains(r.stdout, "https://id.gs1.org/01/"+testGTIN+"/21/"+inCase[0]) {
		t.Fatalf("history --epcis:\n%s", r.stdout)
	}
	e.run(t, "supply", "history", packCode("NOSUCHSERIAL")).refused(t, "pack-not-found")

	// Unpack, and decommission what is left at the manufacturer.
	e.run(t, "supply", "unpack", "--sscc", "(00)"+sscc1, "--as", "cityrx-pharmacy/pharmacist").ok(t).says(t, "took 5 items out of (00)"+sscc1)
	e.run(t, "supply", "decommission", "--reason", "melted", "--items", packCode(home), "--as", "acme-pharma/packager").refused(t, "melted")
	e.run(t, "supply", "decommission", "--reason", "destroyed", "--items", packCode(home), "--as", "acme-pharma/packager").ok(t).says(t, "decommissioned 1 item (destroyed)")
	if v := e.verifyJSON(t, packCode(home)); v.Result != supply.ResultDecommissioned {
		t.Errorf("a destroyed pack verifies as %s", v.Result)
	}
}

// TestSupplyReturn: a pack received can go back to its sender.
func TestSupplyReturn(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	e.run(t, "supply", "product", "add", "--gtin", testGTIN, "--name", "Amoxicillin", "--as", "acme-pharma/admin").ok(t)
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "R1", "--expiry", "291231", "--serials", "R1,R2", "--as", "acme-pharma/packager").ok(t)
	e.run(t, "supply", "ship", "--to", "medsupply-dist", "--items", packCode("R1")+","+packCode("R2"), "--as", "acme-pharma/packager").ok(t)
	e.run(t, "supply", "receive", "--items", packCode("R1")+","+packCode("R2"), "--as", "medsupply-dist/warehouse").ok(t)
	e.run(t, "supply", "return", "--items", packCode("R2"), "--as", "medsupply-dist/warehouse").ok(t).says(t, "returned 1 item to acme-pharma")
	e.run(t, "supply", "shipments", "--org", "acme-pharma").ok(t).says(t, "(return)")
	e.run(t, "supply", "ship", "--to", "drug-regulator", "--items", packCode("R1"), "--as", "medsupply-dist/warehouse").refused(t, "not-trading-partner")

	// A lot registered first; the codes commission writes are what pack
	// reads.
	e.run(t, "supply", "lot", "add", "--gtin", testGTIN, "--lot", "R2", "--expiry", "300600", "--as", "acme-pharma/packager").ok(t).says(t, "registered lot R2")
	e.run(t, "supply", "lot", "add", "--gtin", testGTIN, "--lot", "R/3", "--expiry", "300600", "--as", "acme-pharma/packager").refused(t, "'/'")
	codes := filepath.Join(t.TempDir(), "codes.txt")
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "R2", "--count", "30", "--out", codes, "--as", "acme-pharma/packager").ok(t).says(t, "commissioned 30 packs", codes)
	b, err := os.ReadFile(codes)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 30 || !strings.HasSuffix(lines[0], "(10)R2(17)300600") {
		t.Fatalf("commission --out wrote %d lines, the first %q", len(lines), lines[0])
	}
	e.run(t, "supply", "pack", "--sscc", sscc2, "--items-file", codes, "--as", "acme-pharma/packager").ok(t).says(t, "packed 30 items")
	if v := e.verifyJSON(t, "(00)"+sscc2); v.Result != supply.ResultVerified || v.Packs != 30 {
		t.Fatalf("the case packed from --items-file verifies as %+v", v)
	}
}

// epcisPack is the Digital Link of a demo pack.
func epcisPack(serial string) string {
	return `"https://id.gs1.org/01/` + testGTIN + `/21/` + serial + `"`
}

// epcisDoc is an EPCIS 2.0 document of acme-pharma's: commission lot E1,
// pack two of its packs into case sscc2, ship the case to shipTo, commission
// lot E2 and ship a loose pack of E1 to medsupply-dist.
func epcisDoc(shipTo string) string {
	return `{
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  "type": "EPCISDocument",
  "schemaVersion": "2.0",
  "creationDate": "2025-03-10T00:00:00Z",
  "epcisBody": {"eventList": [
    {"type": "ObjectEvent", "eventTime": "2025-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD",
     "bizStep": "urn:epcglobal:cbv:bizstep:commissioning", "disposition": "active",
     "epcList": [` + epcisPack("E001") + `, ` + epcisPack("E002") + `, ` + epcisPack("E003") + `],
     "ilmd": {"cbvmda:lotNumber": "E1", "cbvmda:itemExpirationDate": "2029-06-30"}},
    {"type": "AggregationEvent", "eventTime": "2025-03-01T10:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD",
     "bizStep": "packing", "parentID": "https://id.gs1.org/00/` + sscc2 + `",
     "childEPCs": [` + epcisPack("E001") + `, ` + epcisPack("E002") + `]},
    {"type": "ObjectEvent", "eventTime": "2025-03-02T09:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
     "bizStep": "shipping", "disposition": "in_transit", "epcList": ["https://id.gs1.org/00/` + sscc2 + `"],
     "destinationList": [{"type": "owning_party", "destination": "urn:medledger:org:` + shipTo + `"}]},
    {"type": "ObjectEvent", "eventTime": "2025-03-02T10:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD",
     "bizStep": "commissioning", "epcList": [` + epcisPack("F001") + `],
     "ilmd": {"cbvmda:lotNumber": "E2", "cbvmda:itemExpirationDate": "2029-06-30"}},
    {"type": "ObjectEvent", "eventTime": "2025-03-02T11:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
     "bizStep": "shipping", "epcList": [` + epcisPack("E003") + `],
     "destinationList": [{"type": "owning_party", "destination": "urn:medledger:org:medsupply-dist"}]}
  ]}
}`
}

// TestSupplyImport imports an EPCIS document whose third event the chain
// refuses, then the fixed document from where the import stopped, as the
// error says.
func TestSupplyImport(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	dir := t.TempDir()
	e.run(t, "supply", "product", "add", "--gtin", testGTIN, "--name", "Amoxicillin", "--as", "acme-pharma/admin").ok(t)

	file := filepath.Join(dir, "events.json")
	if err := os.WriteFile(file, []byte(`{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "loading", "epcList": [`+epcisPack("X")+`]}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "supply", "import", file, "--as", "acme-pharma/packager").refused(t, "eventList[0]").refused(t, "nothing was sent")

	if err := os.WriteFile(file, []byte(epcisDoc("drug-regulator")), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(t, "supply", "import", file, "--as", "acme-pharma/packager").refused(t, "eventList[2] (supply/ship) refused").refused(t, "not-trading-partner")
	// Events 3 and 4 were in the same batch: the node sent nothing after
	// the refusal (stop_on_error), so the import resumes at event 2.
	resume := "--from 2"
	if !strings.Contains(r.stderr, "2 events committed before it") || !strings.Contains(r.stderr, resume) {
		t.Fatalf("the refusal does not say what committed and how to resume (%s):\n%s", resume, r.stderr)
	}
	if v := e.verifyJSON(t, packCode("E001")); v.Result != supply.ResultVerified || v.Custodian != "acme-pharma" || len(v.Containers) != 1 {
		t.Fatalf("after the failed import, a packed pack verifies as %+v", v)
	}
	if v := e.verifyJSON(t, packCode("F001")); v.Result != supply.ResultUnknown {
		t.Fatalf("after the failed import, a pack of event 3 (not sent) verifies as %+v", v)
	}

	if err := os.WriteFile(file, []byte(epcisDoc("medsupply-dist")), 0o600); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Events       int    `json:"events"`
		Committed    int    `json:"events_committed"`
		From         string `json:"from"`
		Transactions []struct {
			Event int    `json:"event"`
			Type  string `json:"type"`
		} `json:"transactions"`
	}
	e.runJSON(t, &out, append([]string{"supply", "import", file, "--as", "acme-pharma/packager"}, strings.Fields(resume)...)...)
	if out.Events != 3 || out.Committed != 3 || out.From != "2" || len(out.Transactions) != 3 || out.Transactions[0].Event != 2 || out.Transactions[0].Type != supply.TypeShip {
		t.Fatalf("resumed import -o json = %+v", out)
	}
	if v := e.verifyJSON(t, packCode("E002")); v.InTransitTo != "medsupply-dist" {
		t.Fatalf("after the resumed import, a pack in the case verifies as %+v", v)
	}
	// Everything is on the chain now: a second import is refused at once.
	e.run(t, "supply", "import", file, "--as", "acme-pharma/packager").refused(t, "eventList[0]").refused(t, "already-exists")
	e.run(t, "supply", "import", file, "--as", "acme-pharma/packager", "--from", "9").refused(t, "nothing to import")

	// A document of many events shows its progress and rate.
	var b strings.Builder
	b.WriteString(`{"type": "EPCISDocument", "epcisBody": {"eventList": [`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"type": "ObjectEvent", "eventTime": "2025-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "commissioning", "epcList": [` + epcisPack(fmt.Sprintf("M%04d", i)) + `], "ilmd": {"lotNumber": "M1", "itemExpirationDate": "2029-06-30"}}`)
	}
	b.WriteString(`]}}`)
	big := filepath.Join(dir, "many.json")
	if err := os.WriteFile(big, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "supply", "import", big, "--as", "acme-pharma/packager").ok(t).says(t, "imported 300 EPCIS events (300 transactions)", "events/s")
	if v := e.verifyJSON(t, packCode("M0299")); v.Result != supply.ResultVerified || v.Lot != "M1" {
		t.Fatalf("the last pack imported verifies as %+v", v)
	}
}

// TestSupplyPharmacyCLI runs issue 17 through the command line: a
// pharmacist reports a pack that verifies (quarantined: ship, dispense,
// return refused), the manufacturer determines it illegitimate, every
// partner that held it lists the notification, the manufacturer terminates
// it; a report cleared; a theft in transit the receiver receives around; a
// return verified before resale; the hospital's pharmacist dispenses; and
// the transaction information of a sale.
func TestSupplyPharmacyCLI(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	e.run(t, "supply", "product", "add", "--gtin", testGTIN, "--name", "Amoxicillin 500 mg capsules", "--strength", "500 mg", "--form", "capsule", "--national-code", "0312-3456-78", "--as", "acme-pharma/admin").ok(t)
	e.run(t, "supply", "commission", "--gtin", testGTIN, "--lot", "Q1", "--expiry", "291231", "--serials", "Q1,Q2,Q3,Q4,Q5,Q6", "--as", "acme-pharma/packager").ok(t)
	all := packCode("Q1") + "," + packCode("Q2") + "," + packCode("Q3") + "," + packCode("Q4") + "," + packCode("Q5")
	var sh shipmentView
	e.runJSON(t, &sh, "supply", "ship", "--to", "medsupply-dist", "--items", all, "--as", "acme-pharma/packager")
	e.run(t, "supply", "receive", "--shipment", sh.Shipment, "--as", "medsupply-dist/warehouse").ok(t)
	var toRx shipmentView
	e.runJSON(t, &toRx, "supply", "ship", "--to", "cityrx-pharmacy", "--items", packCode("Q1")+","+packCode("Q2")+","+packCode("Q3"), "--as", "medsupply-dist/warehouse")
	e.run(t, "supply", "receive", "--shipment", toRx.Shipment, "--as", "cityrx-pharmacy/pharmacist").ok(t)

	// The transaction information of the sale to cityrx.
	e.run(t, "supply", "shipments", toRx.Shipment, "--ti").ok(t).says(t, "TRANSACTION INFORMATION", "medsupply-dist (distributor, US)",
		"cityrx-pharmacy (pharmacy, US)", "Amoxicillin 500 mg capsules", "0312-3456-78", "Q1 Q2 Q3", "TRANSACTION HISTORY", "made (lot Q1)",
		"TRANSACTION STATEMENT", "medsupply-dist is authorized", "did not knowingly ship a suspect or illegitimate product")
	var ti supply.TransactionInfo
	e.runJSON(t, &ti, "supply", "shipments", toRx.Shipment, "--ti")
	if ti.Quantity != 3 || ti.Seller.ID != "medsupply-dist" || len(ti.History) != 2 || !ti.Statement.SellerAuthorized {
		t.Fatalf("shipments --ti -o json = %+v", ti)
	}
	e.run(t, "supply", "shipments", "--ti", "--org", "cityrx-pharmacy").refused(t, "--ti needs a shipment id")

	// Report a pack that verifies: quarantined.
	e.run(t, "supply", "report", packCode("Q1"), "--as", "cityrx-pharmacy/pharmacist").refused(t, "reason is required")
	var rep struct {
		ID          string `json:"id"`
		Quarantined string `json:"quarantined"`
	}
	e.runJSON(t, &rep, "supply", "report", packCode("Q1"), "--reason", "blister foil reprinted", "--as", "cityrx-pharmacy/pharmacist")
	if !strings.HasPrefix(rep.ID, "rpt-") || rep.Quarantined != packCode("Q1") {
		t.Fatalf("report -o json = %+v", rep)
	}
	if v := e.verifyJSON(t, packCode("Q1")); v.Result != supply.ResultQuarantined || v.Report != rep.ID {
		t.Fatalf("a reported pack verifies as %+v", v)
	}
	e.run(t, "verify-pack", packCode("Q1")).ok(t).says(t, "QUARANTINED", rep.ID, "keep it apart")
	e.run(t, "supply", "ship", "--to", "northside-hospital", "--items", packCode("Q1"), "--as", "cityrx-pharmacy/pharmacist").refused(t, "quarantined").refused(t, "supply notifications")
	e.run(t, "supply", "dispense", packCode("Q1"), "--as", "cityrx-pharmacy/pharmacist").refused(t, "quarantined")
	e.run(t, "supply", "return", "--items", packCode("Q1"), "--as", "cityrx-pharmacy/pharmacist").refused(t, "quarantined")
	e.run(t, "supply", "notifications", "--org", "acme-pharma").ok(t).says(t, rep.ID, "suspect", "quarantined, determination due")
	var notes []supply.Notice
	e.runJSON(t, &notes, "supply", "notifications", "--org", "medsupply-dist")
	if len(notes) != 0 {
		t.Fatalf("the distributor is told of an open report before any determination: %+v", notes)
	}

	// The manufacturer determines it illegitimate: every partner that held
	// it is told; the manufacturer terminates the notification.
	e.run(t, "supply", "investigate", rep.ID, "--reason", "x", "--as", "acme-pharma/admin").refused(t, "--cleared")
	e.run(t, "supply", "investigate", "report-1", "--cleared", "--reason", "x", "--as", "acme-pharma/admin").refused(t, "rpt-N")
	e.run(t, "supply", "investigate", rep.ID, "--cleared", "--reason", "fine", "--as", "medsupply-dist/warehouse").refused(t, "not-investigator")
	var det struct {
		Outcome  string   `json:"outcome"`
		Notified []string `json:"notified"`
	}
	e.runJSON(t, &det, "supply", "investigate", rep.ID, "--illegitimate", "--classification", "counterfeit", "--reason", "not made by acme", "--as", "acme-pharma/admin")
	if det.Outcome != supply.OutcomeIllegitimate || !slices.Contains(det.Notified, "medsupply-dist") || !slices.Contains(det.Notified, "drug-regulator") {
		t.Fatalf("investigate -o json = %+v", det)
	}
	e.run(t, "verify-pack", packCode("Q1")).ok(t).says(t, "ILLEGITIMATE")
	e.runJSON(t, &notes, "supply", "notifications", "--org", "medsupply-dist")
	if len(notes) != 1 || notes[0].ID != rep.ID || notes[0].Kind != supply.NoticeIllegitimate || notes[0].Determination.Lines[0].Serials[0] != "Q1" {
		t.Fatalf("the distributor's notifications: %+v", notes)
	}
	e.run(t, "supply", "notifications").ok(t).says(t, rep.ID, "illegitimate", "awaits the manufacturer's termination")
	e.run(t, "supply", "terminate", rep.ID, "--reason", "done", "--as", "cityrx-pharmacy/pharmacist").refused(t, "not-investigator")
	e.run(t, "supply", "terminate", rep.ID, "--reason", "closed with the regulator", "--as", "acme-pharma/admin").ok(t).says(t, "terminated")
	e.run(t, "supply", "notifications", "--as", "medsupply-dist/warehouse").ok(t).says(t, "no open notifications")
	e.run(t, "supply", "decommission", "--reason", "destroyed", "--items", packCode("Q1"), "--as", "cityrx-pharmacy/pharmacist").ok(t)

	// A report cleared: the pack ships again.
	e.runJSON(t, &rep, "supply", "report", packCode("Q2"), "--reason", "dented carton", "--as", "cityrx-pharmacy/pharmacist")
	e.run(t, "supply", "investigate", rep.ID, "--cleared", "--reason", "genuine, dented in transit", "--as", "cityrx-pharmacy/pharmacist").ok(t).says(t, "cleared")
	var toHosp shipmentView
	e.runJSON(t, &toHosp, "supply", "ship", "--to", "northside-hospital", "--items", packCode("Q2")+","+packCode("Q3"), "--as", "cityrx-pharmacy/pharmacist")

	// A theft in transit: the hospital receives the rest.
	e.run(t, "supply", "decommission", "--reason", "stolen", "--items", packCode("Q3"), "--as", "cityrx-pharmacy/pharmacist").ok(t)
	e.run(t, "supply", "receive", "--items", packCode("Q2")+","+packCode("Q3"), "--shipment", toHosp.Shipment, "--as", "northside-hospital/pharmacist").refused(t, "left the shipment in transit")
	e.run(t, "supply", "receive", "--shipment", toHosp.Shipment, "--as", "northside-hospital/pharmacist").ok(t).says(t, "received 1 item")
	e.run(t, "supply", "history", packCode("Q3")).ok(t).says(t, "stolen in transit, shipment "+toHosp.Shipment+", cityrx-pharmacy -> northside-hospital")

	// The hospital's pharmacist dispenses.
	e.run(t, "supply", "dispense", packCode("Q2"), "--as", "northside-hospital/pharmacist").ok(t).says(t, "dispensed")

	// A return verified before resale.
	e.run(t, "supply", "return", "--items", packCode("Q4"), "--as", "medsupply-dist/warehouse").ok(t)
	e.run(t, "supply", "receive", "--items", packCode("Q4"), "--as", "acme-pharma/packager").ok(t)
	e.run(t, "supply", "ship", "--to", "medsupply-dist", "--items", packCode("Q4"), "--as", "acme-pharma/packager").refused(t, "unverified-return").refused(t, "supply verify-return")
	e.run(t, "supply", "verify-return", packCode("Q4"), "--as", "acme-pharma/packager").refused(t, "no lot (10) or no expiry (17)")
	e.run(t, "supply", "verify-return", "(01)"+testGTIN+"(10)Q9(17)291231(21)Q4", "--as", "acme-pharma/packager").refused(t, "label-mismatch")
	var vr struct {
		Codes []string `json:"codes"`
	}
	e.runJSON(t, &vr, "supply", "verify-return", "(01)"+testGTIN+"(10)Q1(17)291231(21)Q4", "--as", "acme-pharma/packager")
	e.run(t, "supply", "ship", "--to", "medsupply-dist", "--items", packCode("Q4"), "--as", "acme-pharma/packager").ok(t)
	e.run(t, "supply", "return", "--items", packCode("Q6"), "--as", "acme-pharma/packager").refused(t, "never shipped to acme-pharma")
}

// TestSupplyDocs: docs/supply.md names every supply command there is, and
// no other.
func TestSupplyDocs(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/supply.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`medledger supply ([a-z-]+)(?: (add))?`).FindAllStringSubmatch(string(b), -1) {
		documented[strings.TrimSpace(m[1]+" "+m[2])] = true
	}
	var supplyCmd *cobra.Command
	for _, cmd := range (&CLI{}).root().Commands() {
		if cmd.Name() == "supply" {
			supplyCmd = cmd
		}
	}
	if supplyCmd == nil {
		t.Fatal("no supply command")
	}
	commands := map[string]bool{}
	var walk func(prefix string, cmd *cobra.Command)
	walk = func(prefix string, cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			name := strings.TrimSpace(prefix + " " + sub.Name())
			if sub.HasSubCommands() {
				walk(name, sub)
			} else if sub.Runnable() && name != "help" && name != "completion" {
				commands[name] = true
			}
		}
	}
	walk("", supplyCmd)
	for name := range commands {
		if !documented[name] {
			t.Errorf("docs/supply.md does not name medledger supply %s", name)
		}
	}
	for name := range documented {
		if !commands[name] {
			t.Errorf("docs/supply.md names medledger supply %s, which does not exist", name)
		}
	}
}
