package epcisapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/epcisschema"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/epcisapi"
)

const (
	gtin = "09506000134352"
	sscc = "006141410000000012"
)

func dl(serial string) string { return "https://id.gs1.org/01/" + gtin + "/21/" + serial }

// partnerDoc is an EPCIS 2.0 document as a trading partner's system sends
// it: sensor data, locations, a persistent disposition, certification info
// and an extension of its own, none of which the chain holds.
func partnerDoc(lot string, serials ...string) []byte {
	epcs, _ := json.Marshal(func() []string {
		var out []string
		for _, s := range serials {
			out = append(out, dl(s))
		}
		return out
	}())
	return []byte(`{
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"example": "https://ns.example.com/epcis/"}],
  "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2025-03-01T09:00:00Z",
  "epcisBody": {"eventList": [
    {"type": "ObjectEvent", "eventTime": "2025-03-01T09:00:00Z", "eventTimeZoneOffset": "+01:00", "action": "ADD",
     "bizStep": "commissioning", "disposition": "active", "epcList": ` + string(epcs) + `,
     "readPoint": {"id": "urn:epc:id:sgln:9506000.00001.1"}, "bizLocation": {"id": "urn:epc:id:sgln:9506000.00001.0"},
     "persistentDisposition": {"set": ["completeness_verified"]},
     "certificationInfo": "https://cert.example.com/gmp/2025",
     "sensorElementList": [{"sensorMetadata": {"time": "2025-03-01T08:59:00Z"}, "sensorReport": [{"type": "Temperature", "value": 4.5, "uom": "CEL"}]}],
     "ilmd": {"cbvmda:lotNumber": "` + lot + `", "cbvmda:itemExpirationDate": "2029-06-30"},
     "example:line": "L7"},
    {"type": "AggregationEvent", "eventTime": "2025-03-01T10:00:00Z", "eventTimeZoneOffset": "+01:00", "action": "ADD",
     "bizStep": "packing", "parentID": "https://id.gs1.org/00/` + sscc + `", "childEPCs": ` + string(epcs) + `},
    {"type": "ObjectEvent", "eventTime": "2025-03-02T09:00:00Z", "eventTimeZoneOffset": "+01:00", "action": "OBSERVE",
     "bizStep": "shipping", "disposition": "in_transit", "epcList": ["https://id.gs1.org/00/` + sscc + `"],
     "destinationList": [{"type": "owning_party", "destination": "urn:medledger:org:medsupply-dist"}]}
  ]}
}`)
}

type env struct {
	t    testing.TB
	n    *daemontest.Node
	svc  *epcisapi.Service
	base string
}

func start(t testing.TB) *env {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	svc := &epcisapi.Service{Dir: t.TempDir(), NodeKey: key, NodeID: epcisapi.NodeID(key.Public().(ed25519.PublicKey)), IDs: identity.Module{}}
	plugins := append(daemontest.Core(), daemon.Plugin{Module: supply.Module{}, Routes: supply.HTTPRoutes, Codes: supply.Codes})
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins, Services: []daemon.Service{svc}})
	if _, err := n.Client.Send(context.Background(), n.Signer("acme-pharma/admin"), supply.TypeProduct, supply.ProductBody{GTIN: gtin, Name: "Examplin"}, "commit"); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, n: n, svc: svc, base: n.Client.Base}
}

// do sends a plain HTTP request, signed (RFC 9421) by who unless it is "".
func (e *env) do(method, path string, body []byte, who string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ld+json")
	}
	if who != "" {
		s := e.n.Signer(who)
		if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// signed is doc with the transactions of who.
func (e *env) signed(doc []byte, who string) []byte {
	e.t.Helper()
	st, err := e.n.Client.Status(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	s := e.n.Signer(who)
	out, err := epcisapi.SignCapture(doc, s.Key.Sign, st.ChainID, s.Key.ID, st.LatestHeight+600)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// capture posts a document and polls its job until it finishes.
func (e *env) capture(doc []byte, who string) epcisapi.Job {
	e.t.Helper()
	resp, b := e.do("POST", "/epcis/capture", doc, who)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || !strings.HasPrefix(loc, "/epcis/capture/") {
		e.t.Fatalf("capture: %d (Location %q) %s", resp.StatusCode, loc, b)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, b := e.do("GET", loc, nil, "")
		var j epcisapi.Job
		if resp.StatusCode != 200 || json.Unmarshal(b, &j) != nil {
			e.t.Fatalf("GET %s: %d %s", loc, resp.StatusCode, b)
		}
		if !j.Running {
			return j
		}
	}
	e.t.Fatalf("capture %s still running", loc)
	return epcisapi.Job{}
}

func (e *env) events(query string) ([]map[string]any, http.Header) {
	e.t.Helper()
	resp, b := e.do("GET", "/epcis/events"+query, nil, "")
	if resp.StatusCode != 200 {
		e.t.Fatalf("events%s: %d %s", query, resp.StatusCode, b)
	}
	if err := epcisschema.Validate(b); err != nil {
		e.t.Fatalf("events%s: not valid EPCIS 2.0: %v\n%s", query, err, b)
	}
	var doc struct {
		Type string `json:"type"`
		Body struct {
			QueryResults struct {
				ResultsBody struct {
					EventList []map[string]any `json:"eventList"`
				} `json:"resultsBody"`
			} `json:"queryResults"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Type != "EPCISQueryDocument" {
		e.t.Fatalf("events%s: %v %s", query, err, b)
	}
	return doc.Body.QueryResults.ResultsBody.EventList, resp.Header
}

// TestEPCISCapture talks to the EPCIS 2.0 REST interface in plain HTTP, as
// a trading partner's system does: a capture refused whole, a capture
// accepted (202, Location, the job polled), the events queried back with
// everything the partner sent, and pages.
func TestEPCISCapture(t *testing.T) {
	e := start(t)
	doc := partnerDoc("LOT7", "S1", "S2", "S3")

	// Refused before anything is sent.
	for _, c := range []struct {
		name, who string
		doc       []byte
		status    int
		says      string
	}{
		{"unsigned", "", e.signed(doc, "acme-pharma/packager"), 401, "signed request"},
		{"no transactions", "acme-pharma/packager", doc, 400, "medledger:transactions"},
		{"transactions of another member", "acme-pharma/packager", e.signed(doc, "acme-pharma/admin"), 403, "not by acme-pharma/packager"},
		{"transactions of another document", "acme-pharma/packager", bytes.Replace(e.signed(partnerDoc("LOT8", "S1", "S2", "S3"), "acme-pharma/packager"), []byte(`"LOT8"`), []byte(`"LOT7"`), 1), 400, "not the digest of its event"},
		{"a contradiction", "acme-pharma/packager", bytes.Replace(e.signed(doc, "acme-pharma/packager"), []byte(`/21/S1"`), []byte(`/10/LOTX/21/S1"`), 2), 400, "LOTX"},
		{"not EPCIS", "acme-pharma/packager", []byte(`{"type":"EPCISDocument"}`), 400, "eventList"},
	} {
		resp, b := e.do("POST", "/epcis/capture", c.doc, c.who)
		if resp.StatusCode != c.status || !bytes.Contains(b, []byte(c.says)) || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, resp.StatusCode, b, c.status, c.says)
		}
	}
	if v, _, err := e.n.Client.VerifyPack(context.Background(), "(01)"+gtin+"(21)S1"); err != nil || v.Result != supply.ResultUnknown {
		t.Fatalf("after refused captures, S1 verifies as %+v (%v)", v, err)
	}

	job := e.capture(e.signed(doc, "acme-pharma/packager"), "acme-pharma/packager")
	if !job.Success || job.Events != 3 || job.Committed != 3 || len(job.Transactions) != 3 || len(job.Errors) != 0 || job.CaptureErrorBehaviour != "rollback" || job.FinishedAt == "" {
		t.Fatalf("job %+v", job)
	}
	v, _, err := e.n.Client.VerifyPack(context.Background(), "(01)"+gtin+"(21)S2(10)LOT7")
	if err != nil || v.Result != supply.ResultVerified || v.InTransitTo != "medsupply-dist" {
		t.Fatalf("S2 verifies as %+v (%v)", v, err)
	}
	// The same document again: every transaction's nonce names its event,
	// so the chain refuses the replay; the job says which event.
	again := e.capture(e.signed(doc, "acme-pharma/packager"), "acme-pharma/packager")
	if again.Success || again.Committed != 0 || len(again.Errors) != 1 || !strings.Contains(again.Errors[0].Detail, "eventList[0]") {
		t.Fatalf("the same capture again: %+v", again)
	}

	// The pack's history comes back with what the partner sent.
	evs, _ := e.events("?MATCH_epc=" + dl("S1"))
	if len(evs) != 3 {
		t.Fatalf("%d events for S1, want 3", len(evs))
	}
	first := evs[0]
	for _, k := range []string{"sensorElementList", "readPoint", "bizLocation", "persistentDisposition", "certificationInfo", "example:line", "@context", "recordTime", "medledger:tx", "medledger:height"} {
		if _, ok := first[k]; !ok {
			t.Errorf("the commissioning event lost %s: %v", k, first)
		}
	}
	if first["medledger:tx"] != job.Transactions[0] || first["eventTime"] != "2025-03-01T09:00:00Z" {
		t.Errorf("the commissioning event: %v", first)
	}
	if evs[2]["medledger:via"] != sscc {
		t.Errorf("the shipping of the case, in S1's history: %v", evs[2])
	}

	// Filters.
	if evs, _ := e.events("?EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping"); len(evs) != 1 || evs[0]["bizStep"] != "shipping" {
		t.Errorf("EQ_bizStep=shipping: %v", evs)
	}
	if evs, _ := e.events("?eventType=AggregationEvent"); len(evs) != 1 {
		t.Errorf("eventType=AggregationEvent: %v", evs)
	}
	if evs, _ := e.events("?GE_eventTime=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(evs) != 0 {
		t.Errorf("GE_eventTime in the future: %v", evs)
	}
	all, _ := e.events("?perPage=1000")
	// Pages, followed by their Link headers.
	var paged int
	next := "?perPage=1"
	for next != "" {
		evs, h := e.events(next)
		paged += len(evs)
		next = ""
		if link := h.Get("Link"); link != "" {
			u := strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ">")[0], "<"), "")
			next = u[strings.Index(u, "?"):]
		}
		if paged > 100 {
			t.Fatal("pages do not end")
		}
	}
	if paged != len(all) || len(all) < 3 {
		t.Errorf("%d events by pages of one, %d in one page", paged, len(all))
	}
	for _, q := range []string{"?perPage=0", "?MATCH_epc=nonsense", "?GE_eventTime=yesterday", "?EQ_action=ADD", "?nextPageToken=!!"} {
		if resp, b := e.do("GET", "/epcis/events"+q, nil, ""); resp.StatusCode != 400 {
			t.Errorf("events%s: %d %s, want 400", q, resp.StatusCode, b)
		}
	}
	if resp, _ := e.do("GET", "/epcis/capture/cap-999", nil, ""); resp.StatusCode != 404 {
		t.Errorf("an unknown capture: %d", resp.StatusCode)
	}
}

// TestVRSVerification asks as a VRS client does and checks the node's
// signature on the answer with nothing but the node's id.
func TestVRSVerification(t *testing.T) {
	e := start(t)
	job := e.capture(e.signed(partnerDoc("LOT7", "S1"), "acme-pharma/packager"), "acme-pharma/packager")
	if !job.Success {
		t.Fatalf("capture: %+v", job)
	}
	ask := func(q string) (epcisapi.VRSResponse, *http.Response, []byte) {
		t.Helper()
		resp, b := e.do("GET", "/vrs/verification?"+q, nil, "")
		var r epcisapi.VRSResponse
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
		}
		return r, resp, b
	}
	r, resp, b := ask("gtin=" + gtin + "&serialNumber=S1&lotNumber=LOT7&expirationDate=290630&corrUUID=5f1c2e1a-0000-4000-8000-000000000001")
	if resp.StatusCode != 200 || !r.Data.Verified || r.Data.VerificationFailureReason != "" || r.CorrUUID != "5f1c2e1a-0000-4000-8000-000000000001" ||
		r.GTIN != gtin || r.SerialNumber != "S1" || r.LotNumber != "LOT7" || r.ExpirationDate != "290630" || r.Verification.Result != supply.ResultVerified || r.Responder != e.svc.NodeID {
		t.Fatalf("verified pack: %d %s", resp.StatusCode, b)
	}
	if err := epcisapi.VerifyResponse(resp.StatusCode, resp.Header, b, e.svc.NodeID); err != nil {
		t.Fatalf("the node's signature: %v", err)
	}
	if err := epcisapi.VerifyResponse(resp.StatusCode, resp.Header, bytes.Replace(b, []byte(`"verified":true`), []byte(`"verified":false`), 1), e.svc.NodeID); err == nil {
		t.Error("a changed answer verifies")
	}
	if err := epcisapi.VerifyResponse(404, resp.Header, b, e.svc.NodeID); err == nil {
		t.Error("the answer verifies under another status")
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if err := epcisapi.VerifyResponse(resp.StatusCode, resp.Header, b, epcisapi.NodeID(other)); err == nil {
		t.Error("the answer verifies as another node's")
	}
	for q, want := range map[string]supply.VRSData{
		"gtin=" + gtin + "&serialNumber=NOPE":                                    {VerificationFailureReason: supply.VRSNoMatchGTINSerial},
		"gtin=" + gtin + "&serialNumber=S1&lotNumber=LOT9":                       {VerificationFailureReason: supply.VRSNoMatchGTINSerialLot},
		"gtin=" + gtin + "&serialNumber=S1&expirationDate=300101":                {VerificationFailureReason: supply.VRSNoMatchGTINSerialExpiry},
		"gtin=" + gtin + "&serialNumber=S1&lotNumber=LOT9&expirationDate=300101": {VerificationFailureReason: supply.VRSNoMatchGTINSerialLotExpiry},
	} {
		r, resp, b := ask(q)
		if resp.StatusCode != 200 || r.Data != want || epcisapi.VerifyResponse(resp.StatusCode, resp.Header, b, e.svc.NodeID) != nil {
			t.Errorf("%s: %d %s, want %+v", q, resp.StatusCode, b, want)
		}
	}
	if _, err := e.n.Client.Send(context.Background(), e.n.Signer("acme-pharma/admin"), supply.TypeRecall, supply.RecallBody{GTIN: gtin, Lot: "LOT7", Reason: "potency"}, "commit"); err != nil {
		t.Fatal(err)
	}
	if r, _, b := ask("gtin=" + gtin + "&serialNumber=S1"); r.Data != (supply.VRSData{VerificationFailureReason: supply.VRSNotForRedistribution, AdditionalInfo: supply.VRSRecalled}) {
		t.Errorf("recalled: %s", b)
	}
	for _, q := range []string{"", "gtin=" + gtin, "gtin=123&serialNumber=S1", "gtin=" + gtin + "&serialNumber=S1&expirationDate=2029"} {
		if _, resp, b := ask(q); resp.StatusCode != 400 {
			t.Errorf("%q: %d %s, want 400", q, resp.StatusCode, b)
		}
	}
}
