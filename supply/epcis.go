package supply

// EPCIS 2.0 (GS1's event exchange standard) in and out of the supply
// module: ImportEPCIS (epcis_import.go) maps a trading partner's EPCIS
// document to supply transactions, exportEPCIS (epcis_export.go) renders
// an item's chain of custody as one. This file holds what both share: the
// Op an event maps to, the Core Business Vocabulary (CBV) words and the
// EPC identifiers, as format/parse pairs.
//
// Neither direction touches state or the clock: the import is a pure
// function of the document, the export of the history it is given.

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/supply/gs1"
)

// Op is one transaction an EPCIS document maps to: its type (TypeCommission,
// ...) and body (*CommissionBody, ...), with the index of the EPCIS event in
// the document's eventList it came from.
type Op struct {
	Event int    `json:"event"`
	Type  string `json:"type"`
	Body  any    `json:"body"`
}

// MaxEPCISSize is the largest EPCIS document ImportEPCIS reads, in bytes.
const MaxEPCISSize = 256 << 20

// EPCIS document and event vocabulary.
const (
	epcisContext       = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
	medledgerNamespace = "https://medledger.org/epcis/"
	epcisDocument      = "EPCISDocument"
	epcisQueryDocument = "EPCISQueryDocument"
	epcisSchemaVersion = "2.0"

	objectEvent      = "ObjectEvent"
	aggregationEvent = "AggregationEvent"

	actionAdd     = "ADD"
	actionObserve = "OBSERVE"
	actionDelete  = "DELETE"

	// orgURIPrefix names an organization of this chain in a source or
	// destination: urn:medledger:org:<org-id>.
	orgURIPrefix = "urn:medledger:org:"
	// eventURIPrefix + seq is the eventID of an exported event.
	eventURIPrefix = "urn:medledger:event:"
)

// CBV 2.0 business steps, dispositions and source/destination types, in
// their bare form.
const (
	bizCommissioning   = "commissioning"
	bizPacking         = "packing"
	bizUnpacking       = "unpacking"
	bizShipping        = "shipping"
	bizReceiving       = "receiving"
	bizDispensing      = "dispensing"
	bizDecommissioning = "decommissioning"
	bizHolding         = "holding"

	dispActive     = "active"
	dispInTransit  = "in_transit"
	dispInProgress = "in_progress"
	dispDispensed  = "dispensed"
	dispRecalled   = "recalled"
	dispReturned   = "returned"

	sdtOwningParty     = "owning_party"
	sdtPossessingParty = "possessing_party"
)

// cbvWord reduces a CBV value to its bare word: "commissioning",
// "urn:epcglobal:cbv:bizstep:commissioning",
// "https://ref.gs1.org/cbv/BizStep-commissioning" and
// "https://gs1.org/voc/Bizstep-commissioning" are all "commissioning". kind
// is the vocabulary: "bizstep", "disp" or "sdt". A value in no CBV form
// (another organization's URI) is returned whole, so that it matches no
// word and an error can show it.
func cbvWord(kind, v string) string {
	var forms []string
	switch kind {
	case "bizstep":
		forms = []string{"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", "https://gs1.org/voc/Bizstep-", "https://gs1.org/voc/BizStep-", "cbv:BizStep-"}
	case "disp":
		forms = []string{"urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-", "https://gs1.org/voc/Disp-", "cbv:Disp-"}
	case "sdt":
		forms = []string{"urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-", "https://gs1.org/voc/SDT-", "cbv:SDT-"}
	}
	for _, p := range forms {
		if w, ok := strings.CutPrefix(v, p); ok {
			return w
		}
	}
	return v
}

// reasonDispositions maps a decommissioning reason to the disposition the
// export writes. CBV has no disposition for a sample or a lost pack: those
// are written in the medledger namespace.
var reasonDispositions = []struct{ reason, disposition string }{
	{"destroyed", "destroyed"},
	{"stolen", "stolen"},
	{"damaged", "damaged"},
	{"expired", "expired"},
	{"sample", "medledger:sample"},
	{"lost", "medledger:lost"},
}

// dispositionReasons maps a decommissioning event's disposition (bare CBV
// word, or a medledger one in either form) to a DecommissionReasons entry.
// "inactive", CBV's generic disposition after decommissioning, says no more
// than an absent disposition, and reads as "destroyed" as that does.
var dispositionReasons = []struct{ disposition, reason string }{
	{"", "destroyed"},
	{"inactive", "destroyed"},
	{"destroyed", "destroyed"},
	{"stolen", "stolen"},
	{"damaged", "damaged"},
	{"expired", "expired"},
	{"sample", "sample"},
	{"sampled", "sample"},
	{"medledger:sample", "sample"},
	{medledgerNamespace + "sample", "sample"},
	{"lost", "lost"},
	{"medledger:lost", "lost"},
	{medledgerNamespace + "lost", "lost"},
}

// --- EPC identifiers ---

// maxEPCLen bounds an EPC identifier; the longest well-formed one, a
// Digital Link with a path prefix and every serial character
// percent-encoded, is far shorter.
const maxEPCLen = 512

// Digital Link primary keys and key qualifiers, by AI and by the short
// names the first Digital Link release allowed.
var dlAIs = []struct{ name, ai string }{
	{"00", "00"}, {"sscc", "00"},
	{"01", "01"}, {"gtin", "01"},
	{"21", "21"}, {"ser", "21"},
	{"10", "10"}, {"lot", "10"},
	{"22", "22"}, {"cpv", "22"},
}

func dlAI(segment string) string {
	for _, a := range dlAIs {
		if a.name == segment {
			return a.ai
		}
	}
	return ""
}

// parseEPC reads an EPC naming a pack or a case: a GS1 Digital Link URI
// (https://id.gs1.org/01/{gtin}/21/{serial}, https://id.gs1.org/00/{sscc},
// on any host and below any path prefix) or an EPC pure identity URI
// (urn:epc:id:sgtin:..., urn:epc:id:sscc:...). GTINs come out as GTIN-14.
// The error says what is wrong, without repeating s.
func parseEPC(s string) (Item, error) {
	r, err := parseEPCRef(s)
	return r.Item, err
}

// epcRef is what an EPC says of its item: the item, and the lot (AI 10)
// and expiry (AI 17, YYMMDD) a Digital Link names beside it, "" when it
// names none.
type epcRef struct {
	Item
	Lot    string
	Expiry string
}

// parseEPCRef is parseEPC with the lot and expiry a Digital Link carries.
func parseEPCRef(s string) (epcRef, error) {
	if len(s) > maxEPCLen {
		return epcRef{}, fmt.Errorf("%d bytes, over %d: no EPC is that long", len(s), maxEPCLen)
	}
	if rest, ok := cutPrefixFold(s, "urn:epc:id:sgtin:"); ok {
		it, err := parseSGTINURN(rest)
		return epcRef{Item: it}, err
	}
	if rest, ok := cutPrefixFold(s, "urn:epc:id:sscc:"); ok {
		it, err := parseSSCCURN(rest)
		return epcRef{Item: it}, err
	}
	if _, ok := cutPrefixFold(s, "urn:epc:"); ok {
		return epcRef{}, errors.New("only the pure identity URIs urn:epc:id:sgtin (a pack) and urn:epc:id:sscc (a case) name items here")
	}
	if _, ok := cutPrefixFold(s, "https://"); ok {
		return parseDigitalLink(s)
	}
	if _, ok := cutPrefixFold(s, "http://"); ok {
		return parseDigitalLink(s)
	}
	return epcRef{}, errors.New("not an EPC: name a pack as https://id.gs1.org/01/{gtin}/21/{serial} or urn:epc:id:sgtin:{company prefix}.{indicator and item reference}.{serial}, " +
		"a case as https://id.gs1.org/00/{sscc} or urn:epc:id:sscc:{company prefix}.{extension and serial reference}")
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// parseSGTINURN reads the part of an SGTIN pure identity URI after
// "urn:epc:id:sgtin:": {CompanyPrefix}.{IndicatorAndItemRef}.{Serial}, the
// first two 13 digits together, the serial percent-escaped (EPC Tag Data
// Standard 6.3.1). The GTIN-14 is the indicator digit, the company prefix,
// the item reference and the computed check digit.
func parseSGTINURN(rest string) (Item, error) {
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) != 3 {
		return Item{}, errors.New("an SGTIN URI is urn:epc:id:sgtin:{company prefix}.{indicator and item reference}.{serial}")
	}
	cp, ir, esc := parts[0], parts[1], parts[2]
	if err := urnDigits(cp, ir, 13, "indicator and item reference"); err != nil {
		return Item{}, err
	}
	data := ir[:1] + cp + ir[1:]
	cd, _ := gs1.CheckDigit(data) // cannot fail: 13 digits
	serial, err := unescapeURN(esc)
	if err != nil {
		return Item{}, fmt.Errorf("serial %s: %v", medledger.Quote(esc), err)
	}
	if err := validSerial(serial); err != nil {
		return Item{}, errors.New(detailOf(err))
	}
	return Pack(data+string(cd), serial), nil
}

// parseSSCCURN reads the part of an SSCC pure identity URI after
// "urn:epc:id:sscc:": {CompanyPrefix}.{ExtensionAndSerialRef}, 17 digits
// together. The SSCC is the extension digit, the company prefix, the
// serial reference and the computed check digit.
func parseSSCCURN(rest string) (Item, error) {
	cp, sr, ok := strings.Cut(rest, ".")
	if !ok {
		return Item{}, errors.New("an SSCC URI is urn:epc:id:sscc:{company prefix}.{extension and serial reference}")
	}
	if err := urnDigits(cp, sr, 17, "extension and serial reference"); err != nil {
		return Item{}, err
	}
	data := sr[:1] + cp + sr[1:]
	cd, _ := gs1.CheckDigit(data) // cannot fail: 17 digits
	return Case(data + string(cd)), nil
}

// urnDigits checks the two digit fields of an EPC URI: a GS1 company
// prefix of 6 to 12 digits and the rest, total digits in all.
func urnDigits(cp, rest string, total int, restName string) error {
	if len(cp) < 6 || len(cp) > 12 || !allDigits(cp) {
		return fmt.Errorf("company prefix %s is not 6 to 12 digits", medledger.Quote(cp))
	}
	if !allDigits(rest) || len(cp)+len(rest) != total || rest == "" {
		return fmt.Errorf("%s %s must be %d digits after the %d-digit company prefix", restName, medledger.Quote(rest), total-len(cp), len(cp))
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unescapeURN decodes the %HH escapes of an EPC URI component.
func unescapeURN(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			return "", fmt.Errorf("%q at byte %d is not a %%HH escape", s[i:min(i+3, len(s))], i)
		}
		b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// uriByteOK reports whether c may appear raw in a URI (RFC 3986: the
// unreserved and reserved characters, and '%' of an escape). Space, '"',
// '<', '>', '\\', '^', '`', '{', '|', '}', controls and bytes over 0x7E
// may not.
func uriByteOK(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}

// parseDigitalLink reads a GS1 Digital Link URI naming a pack
// (.../01/{gtin}[/22/{cpv}][/10/{lot}]/21/{serial}) or a case
// (.../00/{sscc}). The host and any path prefix are not read. The path
// names the item; the query string may add data attributes (17, the
// expiry, YYMMDD; or 10, the lot, when the path names none), and MUST NOT
// name again a key the path names with another value
// (/21/S1?21=OTHER): such a URI contradicts itself and is refused, as is
// one with a character no URI holds raw ('<', '>', a space, ...).
func parseDigitalLink(s string) (epcRef, error) {
	for i := 0; i < len(s); i++ {
		if !uriByteOK(s[i]) {
			return epcRef{}, fmt.Errorf("byte %d (%q) may not appear raw in a URI: percent-encode it", i, s[i])
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return epcRef{}, fmt.Errorf("not a valid URI: %v", err)
	}
	if u.Host == "" {
		return epcRef{}, errors.New("a Digital Link URI names a host, as in https://id.gs1.org/01/{gtin}/21/{serial}")
	}
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	n := len(segs)
	seg := func(i int) (string, error) {
		v, err := url.PathUnescape(segs[i])
		if err != nil {
			return "", fmt.Errorf("path segment %s: bad percent-encoding", medledger.Quote(segs[i]))
		}
		return v, nil
	}
	var ref epcRef
	path := map[string]string{} // AI -> value, of the keys the path names
	switch {
	case n >= 2 && dlAI(segs[n-2]) == "00":
		sscc, err := seg(n - 1)
		if err != nil {
			return epcRef{}, err
		}
		if err := checkKey("SSCC", sscc, 18); err != nil {
			return epcRef{}, err
		}
		ref.Item = Case(sscc)
		path["00"] = sscc
	case n >= 4 && dlAI(segs[n-2]) == "21":
		serial, err := seg(n - 1)
		if err != nil {
			return epcRef{}, err
		}
		path["21"] = serial
		j := n - 2
		for _, q := range []string{"10", "22"} { // qualifiers, innermost first
			if j >= 4 && dlAI(segs[j-2]) == q {
				v, err := seg(j - 1)
				if err != nil {
					return epcRef{}, err
				}
				path[q] = v
				j -= 2
			}
		}
		if j < 2 || dlAI(segs[j-2]) != "01" {
			return epcRef{}, errors.New("a serial (/21/) follows a GTIN (/01/{gtin}) in a Digital Link URI")
		}
		gtin, err := seg(j - 1)
		if err != nil {
			return epcRef{}, err
		}
		if gtin, err = gtin14(gtin); err != nil {
			return epcRef{}, err
		}
		if err := validSerial(serial); err != nil {
			return epcRef{}, errors.New(detailOf(err))
		}
		path["01"] = gtin
		ref.Item, ref.Lot = Pack(gtin, serial), path["10"]
		if ref.Lot != "" {
			if err := validLotName(ref.Lot); err != nil {
				return epcRef{}, errors.New(detailOf(err))
			}
		}
	default:
		for _, sg := range segs {
			if dlAI(sg) == "01" {
				return epcRef{}, errors.New("names a product (or a lot), not one pack: add the serial, /21/{serial}")
			}
		}
		return epcRef{}, errors.New("a Digital Link EPC ends in /01/{gtin}/21/{serial} (a pack) or /00/{sscc} (a case)")
	}
	if u.RawQuery == "" {
		return ref, nil
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return epcRef{}, errors.New("the query string is not name=value pairs joined by '&'")
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		ai := dlAI(name)
		if ai == "" && name == "17" || name == "exp" {
			ai = "17"
		}
		vals := q[name]
		for _, v := range vals[1:] {
			if v != vals[0] {
				return epcRef{}, fmt.Errorf("the query string names %s twice, with different values", name)
			}
		}
		v := vals[0]
		switch {
		case ai == "01" && path["01"] != "":
			g, err := gtin14(v)
			if err != nil || g != path["01"] {
				return epcRef{}, fmt.Errorf("the query string's %s=%s contradicts the path's GTIN %s", name, medledger.Quote(v), path["01"])
			}
		case ai == "10" && path["10"] == "" && !ref.IsCase():
			if err := validLotName(v); err != nil {
				return epcRef{}, fmt.Errorf("the query string's lot: %s", detailOf(err))
			}
			ref.Lot = v
		case ai == "17":
			if _, err := ParseExpiry(v); err != nil {
				return epcRef{}, fmt.Errorf("the query string's expiry %s is not a date YYMMDD", medledger.Quote(v))
			}
			ref.Expiry = v
		case ai != "":
			if pv, named := path[ai]; !named || pv != v {
				what := "which the path does not name"
				if named {
					what = "which contradicts the path's " + medledger.Quote(pv)
				}
				return epcRef{}, fmt.Errorf("the query string names %s=%s, %s: a key and its qualifiers belong in the path, once", name, medledger.Quote(v), what)
			}
		}
	}
	return ref, nil
}

// gtin14 checks a GTIN-8, -12, -13 or -14 and pads it to 14 digits.
func gtin14(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", fmt.Errorf("GTIN %s is %d characters, want 8, 12, 13 or 14 digits", medledger.Quote(s), len(s))
	}
	if err := checkKey("GTIN", s, len(s)); err != nil {
		return "", err
	}
	return strings.Repeat("0", 14-len(s)) + s, nil
}

// checkKey checks a GS1 key of n digits whose last is its mod-10 check
// digit.
func checkKey(what, s string, n int) error {
	if len(s) != n || !allDigits(s) {
		return fmt.Errorf("%s %s is not %d digits", what, medledger.Quote(s), n)
	}
	cd, _ := gs1.CheckDigit(s[:n-1]) // cannot fail: 7 to 17 digits
	if s[n-1] != cd {
		return fmt.Errorf("%s %s: check digit is %c, want %c", what, s, s[n-1], cd)
	}
	return nil
}

// detailOf is the detail of a supply error, without its code, to be
// placed inside another message.
func detailOf(err error) string {
	var e *medledger.Error
	if errors.As(err, &e) {
		return e.Detail
	}
	return err.Error()
}

// digitalLink is the canonical GS1 Digital Link URI of an item, on
// id.gs1.org: https://id.gs1.org/01/{gtin14}/21/{serial} for a pack,
// https://id.gs1.org/00/{sscc} for a case. Every serial character outside
// RFC 3986's unreserved set is percent-encoded ("abc/1" is abc%2F1).
func digitalLink(it Item) string {
	if it.IsCase() {
		return "https://id.gs1.org/00/" + it.SSCC
	}
	gtin := it.GTIN
	if len(gtin) < 14 {
		gtin = strings.Repeat("0", 14-len(gtin)) + gtin
	}
	return "https://id.gs1.org/01/" + gtin + "/21/" + escapeSerial(it.Serial, func(c byte) bool {
		return c == '-' || c == '.' || c == '_' || c == '~'
	})
}

// epcURN is the EPC pure identity URI of an item, whose GS1 company prefix
// is cpLen digits long (6 to 12): urn:epc:id:sgtin:... for a pack,
// urn:epc:id:sscc:... for a case, the serial escaped as the EPC Tag Data
// Standard requires (", %, &, /, <, >, ?). The URI cannot be formed without
// knowing cpLen, which the GTIN or SSCC does not say.
func epcURN(it Item, cpLen int) (string, error) {
	if cpLen < 6 || cpLen > 12 {
		return "", fmt.Errorf("company prefix length %d is not 6 to 12", cpLen)
	}
	if it.IsCase() {
		if err := checkKey("SSCC", it.SSCC, 18); err != nil {
			return "", err
		}
		s := it.SSCC
		return "urn:epc:id:sscc:" + s[1:1+cpLen] + "." + s[:1] + s[1+cpLen:17], nil
	}
	g, err := gtin14(it.GTIN)
	if err != nil {
		return "", err
	}
	return "urn:epc:id:sgtin:" + g[1:1+cpLen] + "." + g[:1] + g[1+cpLen:13] + "." + escapeSerial(it.Serial, func(c byte) bool {
		return !strings.ContainsRune("\"%&/<>?#", rune(c))
	}), nil
}

// escapeSerial percent-encodes every byte of s that is not a letter, a
// digit or kept by keep.
func escapeSerial(s string, keep func(byte) bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c > ' ' && c < 0x7f && keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
