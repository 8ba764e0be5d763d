package supply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/medledger/medledger"
)

// ImportEPCIS reads an EPCIS 2.0 JSON(-LD) document and maps its events to
// supply transactions, in document order.
//
// The document is an EPCISDocument (epcisBody.eventList) or an
// EPCISQueryDocument (epcisBody.queryResults.resultsBody.eventList). Each
// event maps to the Ops below, each carrying the event's index in
// eventList; a business step may be a bare CBV word ("shipping") or its URI
// in either form (urn:epcglobal:cbv:bizstep:shipping,
// https://ref.gs1.org/cbv/BizStep-shipping).
//
//   - ObjectEvent ADD commissioning: TypeCommission, *CommissionBody, the
//     lot and expiry from ilmd (cbvmda:lotNumber, cbvmda:itemExpirationDate).
//     Every EPC of the event has the same GTIN; an event of more than
//     MaxSerials EPCs becomes several Ops.
//   - AggregationEvent ADD packing: TypeAggregate, *AggregateBody.
//   - AggregationEvent DELETE unpacking: TypeDisaggregate,
//     *DisaggregateBody (no childEPCs: everything inside).
//   - ObjectEvent OBSERVE shipping: TypeShip, *ShipBody, the addressee
//     from the destinationList's owning_party (or possessing_party), which
//     MUST be an organization of this chain, urn:medledger:org:<org-id>.
//     With "medledger:return": true, or disposition returned, it is a
//     return to the sender: TypeReturn, *ReturnBody.
//   - ObjectEvent OBSERVE receiving: TypeReceive, *ReceiveBody (the chain
//     finds the shipment from the first item).
//   - ObjectEvent OBSERVE (or DELETE) dispensing: one TypeDispense Op,
//     *DispenseBody, per pack.
//   - ObjectEvent OBSERVE (or DELETE) decommissioning: TypeDecommission,
//     *DecommissionBody, the reason from the disposition (destroyed,
//     stolen, damaged, sample, lost, expired; none or inactive: destroyed).
//
// EPCs are GS1 Digital Link URIs (https://id.gs1.org/01/{gtin}/21/{serial},
// https://id.gs1.org/00/{sscc}, on any host) or EPC pure identity URIs
// (urn:epc:id:sgtin:..., urn:epc:id:sscc:...).
//
// Any other event, business step or action is refused, never skipped, as
// are class-level quantities and error declarations: a document must not
// pass as if it said less than it does. Every error is an ErrInvalid
// naming the event (eventList[i]) and, where one is at fault, the EPC. A
// document over MaxEPCISSize bytes, and an event naming more than MaxItems
// items (commissioning aside), are refused before they are read further.
func ImportEPCIS(r io.Reader) ([]Op, error) {
	d, err := importEPCIS(r, MaxEPCISSize)
	return d.Ops, err
}

// EPCISImport is a document ImportEPCISDocument read: the Ops its events
// map to, and each event of its eventList as the sender wrote it.
type EPCISImport struct {
	Ops []Op
	// Events are the members of eventList, in order, with insignificant
	// whitespace removed (json.Compact): what the trading partner sent,
	// sensor data, locations and extensions included, for the node that
	// captured it to keep and return on export.
	Events []json.RawMessage
}

// ImportEPCISDocument is ImportEPCIS that also returns each event as sent.
func ImportEPCISDocument(r io.Reader) (EPCISImport, error) {
	return importEPCIS(r, MaxEPCISSize)
}

// importEPCIS is ImportEPCISDocument with a size limit of its own, for
// tests.
func importEPCIS(r io.Reader, limit int64) (EPCISImport, error) {
	d, err := importEPCISDoc(r, limit)
	if err != nil {
		return EPCISImport{}, err
	}
	return d, nil
}

func importEPCISDoc(r io.Reader, limit int64) (EPCISImport, error) {
	var none EPCISImport
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return none, ErrInvalid.Wrap(err, "reading the EPCIS document")
	}
	if int64(len(raw)) > limit {
		return none, ErrTooLarge.New("the EPCIS document is over %d bytes (%d MiB): split it into several documents", limit, limit>>20)
	}
	var doc epcisDocIn
	if err := json.Unmarshal(raw, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return none, ErrInvalid.New("the EPCIS document is not valid JSON: %s", jsonProblem(err))
		}
		return none, ErrInvalid.New("the document is not an EPCIS 2.0 JSON document: %s", jsonProblem(err))
	}
	var list []json.RawMessage
	switch doc.Type {
	case epcisDocument:
		if doc.Body.EventList == nil {
			return none, ErrInvalid.New("the EPCISDocument has no epcisBody.eventList")
		}
		list = *doc.Body.EventList
	case epcisQueryDocument:
		if doc.Body.QueryResults == nil || doc.Body.QueryResults.ResultsBody.EventList == nil {
			return none, ErrInvalid.New("the EPCISQueryDocument has no epcisBody.queryResults.resultsBody.eventList")
		}
		list = *doc.Body.QueryResults.ResultsBody.EventList
	case "":
		return none, ErrInvalid.New(`the document has no "type": an EPCIS 2.0 document is of type EPCISDocument`)
	default:
		return none, ErrInvalid.New("the document is of type %s, not EPCISDocument or EPCISQueryDocument", medledger.Quote(doc.Type))
	}
	out := EPCISImport{Ops: []Op{}, Events: make([]json.RawMessage, 0, len(list))}
	for i, m := range list {
		var ev epcisEventIn
		if err := json.Unmarshal(m, &ev); err != nil {
			return none, ErrInvalid.New("eventList[%d]: %s", i, jsonProblem(err))
		}
		evOps, err := importEvent(&ev)
		if err != nil {
			name := ""
			if ev.EventID != "" {
				name = " (" + medledger.Quote(ev.EventID) + ")"
			}
			return none, ErrInvalid.New("eventList[%d]%s: %s", i, name, err.Error())
		}
		for _, op := range evOps {
			op.Event = i
			out.Ops = append(out.Ops, op)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, m); err != nil {
			return none, ErrInvalid.New("eventList[%d]: %s", i, jsonProblem(err))
		}
		out.Events = append(out.Events, c.Bytes())
	}
	return out, nil
}

// epcisDocIn is the part of an EPCIS document the import reads.
type epcisDocIn struct {
	Type string `json:"type"`
	Body struct {
		EventList    *[]json.RawMessage `json:"eventList"`
		QueryResults *struct {
			ResultsBody struct {
				EventList *[]json.RawMessage `json:"eventList"`
			} `json:"resultsBody"`
		} `json:"queryResults"`
	} `json:"epcisBody"`
}

// epcisEventIn is the part of an EPCIS event the import reads, and the
// members it refuses when present.
type epcisEventIn struct {
	Type            string                     `json:"type"`
	IsA             string                     `json:"isA"` // the pre-2.0 JSON binding's name of type
	EventID         string                     `json:"eventID"`
	EventTime       *string                    `json:"eventTime"`
	EventTZOffset   *string                    `json:"eventTimeZoneOffset"`
	Action          string                     `json:"action"`
	BizStep         string                     `json:"bizStep"`
	Disposition     string                     `json:"disposition"`
	EPCList         []string                   `json:"epcList"`
	ParentID        string                     `json:"parentID"`
	ChildEPCs       []string                   `json:"childEPCs"`
	DestinationList []epcisPartyIn             `json:"destinationList"`
	ILMD            map[string]json.RawMessage `json:"ilmd"`
	Return          bool                       `json:"medledger:return"`

	QuantityList      []json.RawMessage `json:"quantityList"`
	ChildQuantityList []json.RawMessage `json:"childQuantityList"`
	ErrorDeclaration  json.RawMessage   `json:"errorDeclaration"`
}

type epcisPartyIn struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// importEvent maps one event; its errors are plain, and ImportEPCIS names
// the event in front of them.
func importEvent(ev *epcisEventIn) ([]Op, error) {
	typ := ev.Type
	if typ == "" {
		typ = ev.IsA
	}
	switch {
	case len(ev.ErrorDeclaration) > 0 && string(ev.ErrorDeclaration) != "null":
		return nil, errors.New("an errorDeclaration (a correction of an earlier event) is not supported: correct the chain with new transactions")
	case len(ev.QuantityList) > 0 || len(ev.ChildQuantityList) > 0:
		return nil, errors.New("class-level quantities (quantityList, childQuantityList) are not supported: list serialized packs and cases")
	case typ == "":
		return nil, errors.New(`the event has no "type"`)
	case typ != objectEvent && typ != aggregationEvent:
		return nil, fmt.Errorf("%s is not supported: only ObjectEvent and AggregationEvent map to supply transactions", medledger.Quote(typ))
	}
	if err := checkEventTime(ev); err != nil {
		return nil, err
	}
	switch {
	case ev.Action == "":
		return nil, fmt.Errorf("the %s has no action (ADD, OBSERVE or DELETE)", typ)
	case ev.BizStep == "":
		return nil, fmt.Errorf("the %s has no bizStep: the business step says which transaction it is", typ)
	}
	step := cbvWord("bizstep", ev.BizStep)
	if typ == aggregationEvent {
		return importAggregation(ev, step)
	}
	need := func(actions ...string) error {
		for _, a := range actions {
			if ev.Action == a {
				return nil
			}
		}
		return fmt.Errorf("a %s ObjectEvent has action %s, not %s", step, strings.Join(actions, " or "), medledger.Quote(ev.Action))
	}
	switch step {
	case bizCommissioning:
		if err := need(actionAdd); err != nil {
			return nil, err
		}
		return importCommissioning(ev)
	case bizShipping, bizReceiving:
		if err := need(actionObserve); err != nil {
			return nil, err
		}
		items, err := itemList("epcList", ev.EPCList)
		if err != nil {
			return nil, err
		}
		if step == bizReceiving {
			return []Op{{Type: TypeReceive, Body: &ReceiveBody{Items: items}}}, nil
		}
		to, err := destination(ev.DestinationList)
		if ev.Return || cbvWord("disp", ev.Disposition) == dispReturned {
			// The chain sends a return to whoever shipped the items; a
			// destination named must still be one of ours.
			if err != nil && len(ev.DestinationList) > 0 {
				return nil, err
			}
			return []Op{{Type: TypeReturn, Body: &ReturnBody{Items: items}}}, nil
		}
		if err != nil {
			return nil, err
		}
		return []Op{{Type: TypeShip, Body: &ShipBody{To: to, Items: items}}}, nil
	case bizDispensing:
		if err := need(actionObserve, actionDelete); err != nil {
			return nil, err
		}
		items, err := itemList("epcList", ev.EPCList)
		if err != nil {
			return nil, err
		}
		ops := make([]Op, 0, len(items))
		for k, it := range items {
			if it.IsCase() {
				return nil, fmt.Errorf("epcList[%d] %s: a case is not dispensed, its packs are: list them", k, medledger.Quote(ev.EPCList[k]))
			}
			ops = append(ops, Op{Type: TypeDispense, Body: &DispenseBody{GTIN: it.GTIN, Serial: it.Serial}})
		}
		return ops, nil
	case bizDecommissioning:
		if err := need(actionObserve, actionDelete); err != nil {
			return nil, err
		}
		reason, ok := "", false
		disp := cbvWord("disp", ev.Disposition)
		for _, d := range dispositionReasons {
			if d.disposition == disp {
				reason, ok = d.reason, true
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("disposition %s gives no decommissioning reason: use destroyed, stolen, damaged, sample, lost or expired", medledger.Quote(ev.Disposition))
		}
		items, err := itemList("epcList", ev.EPCList)
		if err != nil {
			return nil, err
		}
		return []Op{{Type: TypeDecommission, Body: &DecommissionBody{Items: items, Reason: reason}}}, nil
	case bizHolding:
		return nil, errors.New("bizStep holding (a recall) is not imported: a recall is issued with supply/recall by the product's manufacturer or a regulator")
	}
	return nil, fmt.Errorf("bizStep %s on an ObjectEvent is not supported: use commissioning, shipping, receiving, dispensing or decommissioning", medledger.Quote(ev.BizStep))
}

// checkEventTime checks what EPCIS 2.0 requires of every event's time:
// an eventTime, a date-time of RFC 3339 with its offset (2025-03-01T09:00:00Z,
// 2025-03-01T10:00:00.5+01:00), and, when given, an eventTimeZoneOffset of
// the form +HH:MM or -HH:MM (-13:59 to +14:00).
func checkEventTime(ev *epcisEventIn) error {
	if ev.EventTime == nil {
		return errors.New(`the event has no eventTime: EPCIS 2.0 requires when it happened, as "2025-03-01T09:00:00Z"`)
	}
	if _, err := time.Parse(time.RFC3339Nano, *ev.EventTime); err != nil || !rfc3339Shape(*ev.EventTime) {
		return fmt.Errorf("eventTime %s is not an RFC 3339 date-time with its offset, as 2025-03-01T09:00:00Z or 2025-03-01T10:00:00+01:00", medledger.Quote(*ev.EventTime))
	}
	if ev.EventTZOffset != nil && !validTZOffset(*ev.EventTZOffset) {
		return fmt.Errorf("eventTimeZoneOffset %s is not +HH:MM or -HH:MM (from -13:59 to +14:00)", medledger.Quote(*ev.EventTZOffset))
	}
	return nil
}

// rfc3339Shape checks what time.Parse lets through and RFC 3339 does not:
// a four-digit year, 'T' and a 'Z' or two-digit offset (time.Parse also
// takes a lowercase 't' and 'z' and a one-digit hour).
func rfc3339Shape(s string) bool {
	return len(s) >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' &&
		(s[len(s)-1] == 'Z' || len(s) >= 25 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') && s[len(s)-3] == ':')
}

// validTZOffset reports whether s is an EPCIS eventTimeZoneOffset.
func validTZOffset(s string) bool {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !allDigits(s[1:3]) || !allDigits(s[4:]) {
		return false
	}
	h, m := int(s[1]-'0')*10+int(s[2]-'0'), int(s[4]-'0')*10+int(s[5]-'0')
	return m < 60 && (h < 14 || h == 14 && m == 0)
}

func importAggregation(ev *epcisEventIn, step string) ([]Op, error) {
	var want string
	switch ev.Action {
	case actionAdd:
		want = bizPacking
	case actionDelete:
		want = bizUnpacking
	default:
		return nil, fmt.Errorf("an AggregationEvent with action %s is not supported: ADD (packing) and DELETE (unpacking) are", medledger.Quote(ev.Action))
	}
	if step != want {
		return nil, fmt.Errorf("an AggregationEvent %s with bizStep %s is not supported: want %s", ev.Action, medledger.Quote(ev.BizStep), want)
	}
	if ev.ParentID == "" {
		return nil, errors.New("the AggregationEvent has no parentID: name the case (an SSCC)")
	}
	parent, err := parseEPC(ev.ParentID)
	if err != nil {
		return nil, fmt.Errorf("parentID %s: %v", medledger.Quote(ev.ParentID), err)
	}
	if !parent.IsCase() {
		return nil, fmt.Errorf("parentID %s is a pack: a parent is a case or pallet, named by its SSCC", medledger.Quote(ev.ParentID))
	}
	if ev.Action == actionDelete && len(ev.ChildEPCs) == 0 {
		return []Op{{Type: TypeDisaggregate, Body: &DisaggregateBody{SSCC: parent.SSCC}}}, nil
	}
	items, err := itemList("childEPCs", ev.ChildEPCs)
	if err != nil {
		return nil, err
	}
	if ev.Action == actionDelete {
		return []Op{{Type: TypeDisaggregate, Body: &DisaggregateBody{SSCC: parent.SSCC, Items: items}}}, nil
	}
	return []Op{{Type: TypeAggregate, Body: &AggregateBody{SSCC: parent.SSCC, Items: items}}}, nil
}

// itemList parses the EPCs of a list (epcList, childEPCs): 1 to MaxItems,
// each named once.
func itemList(field string, epcs []string) ([]Item, error) {
	if len(epcs) == 0 {
		return nil, fmt.Errorf("%s is empty: name the packs and cases", field)
	}
	if len(epcs) > MaxItems {
		return nil, fmt.Errorf("%s names %d EPCs, over %d: split the event", field, len(epcs), MaxItems)
	}
	items := make([]Item, len(epcs))
	seen := make(map[Item]int, len(epcs))
	for k, s := range epcs {
		it, err := parseEPC(s)
		if err != nil {
			return nil, fmt.Errorf("%s[%d] %s: %v", field, k, medledger.Quote(s), err)
		}
		if first, dup := seen[it]; dup {
			return nil, fmt.Errorf("%s[%d] %s names %s, as %s[%d] does: list each item once", field, k, medledger.Quote(s), it, field, first)
		}
		seen[it] = k
		items[k] = it
	}
	return items, nil
}

func importCommissioning(ev *epcisEventIn) ([]Op, error) {
	if len(ev.EPCList) == 0 {
		return nil, errors.New("epcList is empty: name the packs commissioned")
	}
	lot, err := ilmdString(ev.ILMD, "lotNumber")
	if err != nil {
		return nil, err
	}
	if lot != "" {
		if err := validLotName(lot); err != nil {
			return nil, fmt.Errorf("ilmd: %s", detailOf(err))
		}
	}
	expiry, err := ilmdExpiry(ev.ILMD)
	if err != nil {
		return nil, err
	}
	// The lot and expiry are said once, by ilmd or by the Digital Links:
	// where both say them, they MUST agree, and every EPC with the first.
	lotFrom, expiryFrom := "ilmd", "ilmd"
	var gtin string
	serials := make([]string, len(ev.EPCList))
	seen := make(map[string]int, len(ev.EPCList))
	for k, s := range ev.EPCList {
		ref, err := parseEPCRef(s)
		if err != nil {
			return nil, fmt.Errorf("epcList[%d] %s: %v", k, medledger.Quote(s), err)
		}
		it := ref.Item
		if ref.Lot != "" {
			switch {
			case lot == "":
				lot, lotFrom = ref.Lot, fmt.Sprintf("epcList[%d]", k)
			case ref.Lot != lot:
				return nil, fmt.Errorf("epcList[%d] %s names lot %s, but %s says lot %s: a pack is commissioned into one lot; correct the one that is wrong", k, medledger.Quote(s), medledger.Quote(ref.Lot), lotFrom, medledger.Quote(lot))
			}
		}
		if ref.Expiry != "" {
			switch {
			case expiry == "":
				expiry, expiryFrom = ref.Expiry, fmt.Sprintf("epcList[%d]", k)
			case !sameExpiry(ref.Expiry, expiry):
				return nil, fmt.Errorf("epcList[%d] %s names expiry %s, but %s says %s: correct the one that is wrong", k, medledger.Quote(s), ref.Expiry, expiryFrom, expiry)
			}
		}
		if it.IsCase() {
			return nil, fmt.Errorf("epcList[%d] %s is a case: commissioning names packs, and a case comes to be when it is packed (AggregationEvent ADD packing)", k, medledger.Quote(s))
		}
		if k == 0 {
			gtin = it.GTIN
		} else if it.GTIN != gtin {
			return nil, fmt.Errorf("epcList[%d] %s has GTIN %s, but epcList[0] has %s: one commissioning event names packs of one GTIN; split it", k, medledger.Quote(s), it.GTIN, gtin)
		}
		if first, dup := seen[it.Serial]; dup {
			return nil, fmt.Errorf("epcList[%d] %s names serial %q, as epcList[%d] does: list each pack once", k, medledger.Quote(s), it.Serial, first)
		}
		seen[it.Serial] = k
		serials[k] = it.Serial
	}
	if lot == "" {
		return nil, errors.New("ilmd names no lot (cbvmda:lotNumber), nor do the Digital Links (/10/{lot}): a pack is commissioned into a lot")
	}
	var ops []Op
	for start := 0; start < len(serials); start += MaxSerials {
		end := min(start+MaxSerials, len(serials))
		ops = append(ops, Op{Type: TypeCommission, Body: &CommissionBody{GTIN: gtin, Lot: lot, Expiry: expiry, Serials: serials[start:end:end]}})
	}
	return ops, nil
}

// sameExpiry reports whether two YYMMDD expiries name the same date.
func sameExpiry(a, b string) bool {
	if a == b {
		return true
	}
	da, err1 := ParseExpiry(a)
	db, err2 := ParseExpiry(b)
	return err1 == nil && err2 == nil && da.String() == db.String()
}

// ilmdString reads a string of the ilmd under the CBV master data name
// attr, in any of its forms: "cbvmda:lotNumber", "lotNumber" or the full
// IRI.
func ilmdString(ilmd map[string]json.RawMessage, attr string) (string, error) {
	for _, k := range []string{"cbvmda:" + attr, attr, "urn:epcglobal:cbv:mda#" + attr, "https://ref.gs1.org/cbv/cbvmda#" + attr} {
		v, ok := ilmd[k]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("ilmd %s is not a string", k)
		}
		return s, nil
	}
	return "", nil
}

// ilmdExpiry reads the expiry date of a commissioning event as YYMMDD:
// medledger:expiry (written by our export when the day is unspecified, DD
// 00) if present, else cbvmda:itemExpirationDate (YYYY-MM-DD), else "".
func ilmdExpiry(ilmd map[string]json.RawMessage) (string, error) {
	if v, ok := ilmd["medledger:expiry"]; ok {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", errors.New("ilmd medledger:expiry is not a string")
		}
		if _, err := ParseExpiry(s); err != nil {
			return "", fmt.Errorf("ilmd medledger:expiry: %s", detailOf(err))
		}
		return s, nil
	}
	date, err := ilmdString(ilmd, "itemExpirationDate")
	if err != nil || date == "" {
		return "", err
	}
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "", fmt.Errorf("ilmd itemExpirationDate %s is not a date YYYY-MM-DD", medledger.Quote(date))
	}
	if y := t.Year(); y < 1951 || y > 2050 {
		return "", fmt.Errorf("ilmd itemExpirationDate %s: the year must lie from 1951 to 2050 to be written YYMMDD (AI 17)", date)
	}
	return t.Format("060102"), nil
}

// destination reads the addressee of a shipment from a destinationList:
// the owning_party, else the possessing_party, as urn:medledger:org:<id>.
func destination(list []epcisPartyIn) (string, error) {
	var party string
	for _, want := range []string{sdtOwningParty, sdtPossessingParty} {
		for _, d := range list {
			if cbvWord("sdt", d.Type) == want {
				party = d.Destination
				break
			}
		}
		if party != "" {
			break
		}
	}
	if party == "" {
		return "", errors.New("destinationList names no owning_party or possessing_party: the shipment's addressee is urn:medledger:org:<org-id>")
	}
	if id, ok := strings.CutPrefix(party, orgURIPrefix); ok {
		if !validOrgID(id) {
			return "", fmt.Errorf("destination %s: %s is no organization id (2 to 64 lowercase letters, digits and '-')", medledger.Quote(party), medledger.Quote(id))
		}
		return id, nil
	}
	for _, gln := range []string{"urn:epc:id:pgln:", "urn:epc:id:sgln:", "/414/", "/417/"} {
		if strings.Contains(strings.ToLower(party), gln) {
			return "", fmt.Errorf("destination %s is a GLN, which medledger cannot map to an organization: name the addressee as urn:medledger:org:<org-id>", medledger.Quote(party))
		}
	}
	return "", fmt.Errorf("destination %s cannot be mapped to an organization: name the addressee as urn:medledger:org:<org-id>", medledger.Quote(party))
}

// validOrgID reports whether s has the form of an organization id (the
// identity module's rule: 2 to 64 lowercase letters, digits and '-', not
// at either end). Whether it exists is the chain's to say.
func validOrgID(s string) bool {
	if len(s) < 2 || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// jsonProblem describes a JSON decoding error, with the byte offset of a
// syntax error.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := "another type"
		if te.Type != nil {
			want = jsonKind(te.Type.Kind().String())
		}
		if te.Field != "" {
			return fmt.Sprintf("%s is a JSON %s, want %s", te.Field, te.Value, want)
		}
		return fmt.Sprintf("a JSON %s, want %s", te.Value, want)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	}
	return k
}
