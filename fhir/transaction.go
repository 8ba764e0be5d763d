package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Entry is one resource of a transaction Bundle, split out of it.
type Entry struct {
	// Type is the resource's type, "Observation".
	Type string `json:"type"`
	// ID is the resource's id, "" if it has none (usual for POST).
	ID string `json:"id,omitempty"`
	// Method is the entry's request method, "POST" or "PUT".
	Method string `json:"method"`
	// URL is the entry's request url, relative to the FHIR base:
	// "Observation" for POST, "Observation/{id}" for PUT.
	URL string `json:"url"`
	// FullURL is the entry's fullUrl ("urn:uuid:..."), "" if none. Other
	// entries may refer to the resource by it; the caller resolves such
	// references, SplitTransaction leaves documents as they are.
	FullURL string `json:"full_url,omitempty"`
	// Doc is the resource alone as a JSON document (the entry's bytes,
	// compacted), valid by Validate.
	Doc []byte `json:"-"`
}

// SplitTransaction validates bundle as a FHIR R4 transaction Bundle and
// returns its entries in order, each resource as a document of its own. A
// transaction without entries yields none.
//
// Every entry MUST create or update one resource: request.method POST with
// request.url the resource's type, or PUT with request.url
// "{type}/{id}" naming the resource's own id. Errors, all
// *medledger.Error: those of Validate; ErrUnsupported for a Bundle that is
// no transaction (a batch, a collection, ...), for an entry with another
// method (GET, DELETE, PATCH, HEAD) or a conditional (search) url;
// ErrInvalidFHIR for an entry without request or resource, or whose url
// does not match its resource.
func SplitTransaction(bundle []byte) ([]Entry, error) {
	p, err := Validate(bundle)
	if err != nil {
		return nil, err
	}
	if p.ResourceType != "Bundle" || p.BundleType != "transaction" {
		what := p.ResourceType
		if p.BundleType != "" {
			what = "a " + p.BundleType + " Bundle"
		}
		return nil, ErrUnsupported.New("the document is %s, not a transaction Bundle: send a Bundle of type transaction", what)
	}
	// NOTE: the validator accepted the bundle; its raw JSON is read again
	// here (exact field names only) so that each entry's document is the
	// bytes the client sent, not a re-serialization.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bundle, &top); err != nil {
		return nil, ErrNotJSON.New("the document is not JSON: %v", err)
	}
	var entries []map[string]json.RawMessage
	if e, ok := top["entry"]; ok {
		if err := json.Unmarshal(e, &entries); err != nil {
			return nil, ErrInvalidFHIR.New("Bundle.entry is not a list of objects")
		}
	}
	out := make([]Entry, 0, len(entries))
	for i, e := range entries {
		ent, err := splitEntry(i, e)
		if err != nil {
			return nil, err
		}
		out = append(out, ent)
	}
	return out, nil
}

func splitEntry(i int, e map[string]json.RawMessage) (Entry, error) {
	at := fmt.Sprintf("Bundle.entry[%d]", i)
	var ent Entry
	if fu, ok := e["fullUrl"]; ok {
		if err := json.Unmarshal(fu, &ent.FullURL); err != nil {
			return Entry{}, ErrInvalidFHIR.New("%s.fullUrl is not a string", at)
		}
	}
	reqRaw, ok := e["request"]
	if !ok {
		return Entry{}, ErrInvalidFHIR.New("%s has no request: each transaction entry needs request.method (POST or PUT) and request.url", at)
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(reqRaw, &req); err != nil {
		return Entry{}, ErrInvalidFHIR.New("%s.request is not an object", at)
	}
	if json.Unmarshal(req["method"], &ent.Method) != nil || json.Unmarshal(req["url"], &ent.URL) != nil {
		return Entry{}, ErrInvalidFHIR.New("%s.request needs method and url strings", at)
	}
	if ent.Method != "POST" && ent.Method != "PUT" {
		return Entry{}, ErrUnsupported.New("%s.request.method is %s: the facade only creates (POST) or updates (PUT) resources in a transaction", at, ent.Method)
	}
	res, ok := e["resource"]
	if !ok || bytes.Equal(bytes.TrimSpace(res), []byte("null")) {
		return Entry{}, ErrInvalidFHIR.New("%s has no resource: a %s entry carries the resource it writes", at, ent.Method)
	}
	var doc bytes.Buffer
	if err := json.Compact(&doc, res); err != nil {
		return Entry{}, ErrInvalidFHIR.New("%s.resource is not JSON", at)
	}
	p, err := Validate(doc.Bytes())
	if err != nil {
		return Entry{}, err
	}
	ent.Type, ent.ID, ent.Doc = p.ResourceType, p.ID, doc.Bytes()
	if strings.ContainsAny(ent.URL, "?#") {
		return Entry{}, ErrUnsupported.New("%s.request.url %q is conditional: the facade cannot search encrypted records; use %s or %s/{id}", at, ent.URL, ent.Type, ent.Type)
	}
	switch ent.Method {
	case "POST":
		if ent.URL != ent.Type {
			return Entry{}, ErrInvalidFHIR.New("%s.request.url must be %q to create a %s", at, ent.Type, ent.Type)
		}
	case "PUT":
		if ent.ID == "" || ent.URL != ent.Type+"/"+ent.ID {
			return Entry{}, ErrInvalidFHIR.New("%s.request.url must be %s/{id} with the resource's own id to update a %s", at, ent.Type, ent.Type)
		}
	}
	return ent, nil
}
