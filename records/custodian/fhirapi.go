package custodian

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

// FHIR facade extension URLs.
const (
	// ExtDigest carries a stored document's salted digest (hex).
	ExtDigest = "urn:medledger:digest"
	// ExtCategory carries a stored document's category.
	ExtCategory = "urn:medledger:category"
	// ExtResourceTypes carries a stored document's resource types, one
	// extension per type.
	ExtResourceTypes = "urn:medledger:resource-type"
	// ExtWrappedKey carries a document's data key wrapped for the reader's
	// X25519 key (base64), on the meta of a Binary of $everything.
	ExtWrappedKey = "urn:medledger:wrapped-key"
	// ExtConfidentiality carries "R" for a sensitive document (HL7
	// confidentiality restricted); ExtSensitivity then its sensitivity tag
	// for the patient, never the code: the records/add carries both, and
	// ExtCategory is "restricted".
	ExtConfidentiality = "urn:medledger:confidentiality"
	ExtSensitivity     = "urn:medledger:sensitivity"
	// ExtDisclosure carries the disclosure sequence of a granted read.
	ExtDisclosure = "urn:medledger:disclosure"
	// VaultLocation prefixes a vault ref in a transaction-response location.
	VaultLocation = "urn:medledger:vault:"
)

// fhirRoutes returns the routes of the FHIR R4 facade under /fhir. Every
// answer is FHIR JSON (fhir.ContentType); every error is an
// OperationOutcome with the HTTP status of its kind (api.StatusOf).
func (s *Service) fhirRoutes() []api.Route {
	patient := []api.Param{{Name: "patient", In: "query", Description: "the patient's pseudonymous id"}}
	routes := []api.Route{
		{Method: "GET", Path: "/fhir/metadata", Summary: "FHIR R4 CapabilityStatement of the facade", Handler: s.fhirMetadata},
		{Method: "GET", Path: "/fhir/Consent", Signed: true, Summary: "FHIR searchset Bundle of a patient's consents that the reader may see (signed, as GET /v1/patients/{id}/consents)", Params: patient, Handler: s.fhirConsents},
		{Method: "GET", Path: "/fhir/Consent/{id}", Signed: true, Summary: "FHIR read of one consent (signed, as GET /v1/consents/{id})",
			Params: []api.Param{{Name: "id", In: "path", Description: "consent id (con-N)"}}, Handler: s.fhirConsent},
		{Method: "GET", Path: "/fhir/AuditEvent", Signed: true, Summary: "FHIR searchset Bundle of the accounting of disclosures of a patient's records (signed, as GET /v1/patients/{id}/disclosures)", Params: patient, Handler: s.fhirAuditEvents},
		{Method: "GET", Path: "/fhir/AuditEvent/{id}", Signed: true, Summary: "FHIR read of one disclosure, by the id a search returns (dis-{seq}-{patient id}; signed, as the search)",
			Params: []api.Param{{Name: "id", In: "path", Description: "AuditEvent id, dis-{seq}-{patient id}"}}, Handler: s.fhirAuditEvent},
		{Method: "POST", Path: "/fhir", Signed: true, Summary: "Store each resource of a FHIR transaction Bundle (signed request, RFC 9421, by a clinician of this custodian) in the vault; the transaction-response gives per entry the vault ref and salted digest for a records/add transaction",
			Params: []api.Param{{Name: "patient", In: "query", Description: "the patient's pseudonymous id"}}, Handler: s.fhirTransaction},
		{Method: "GET", Path: "/fhir/Patient/{id}/$everything", Summary: "Read a patient's records: each access parameter is one of the reader's signed records/access transactions (base64url), one per record; answers a searchset Bundle of the granted documents, encrypted, as Binary resources",
			Params: []api.Param{{Name: "id", In: "path", Description: "the patient's pseudonymous id"},
				{Name: "access", In: "query", Description: "a signed records/access transaction, base64url (repeat for each record)"}}, Handler: s.fhirEverything},
		{Method: "POST", Path: "/fhir/Patient/{id}/$everything", Summary: "$everything for many records: the body {\"txs\": [...]} holds the reader's signed records/access transactions",
			Params: []api.Param{{Name: "id", In: "path", Description: "the patient's pseudonymous id"}}, Handler: s.fhirEverything},
	}
	return append(routes, s.fhirFallbacks(routes)...)
}

// fhirFallbacks answer every other request under /fhir with an
// OperationOutcome, as a FHIR client expects: 405 with Allow for a path
// served with other methods, else 404. known are the facade's routes.
func (s *Service) fhirFallbacks(known []api.Route) []api.Route {
	probe := http.NewServeMux()
	for _, r := range known {
		probe.HandleFunc(r.Method+" "+r.Path, func(http.ResponseWriter, *http.Request) {})
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			p := r.Clone(r.Context())
			p.Method = m
			if _, pattern := probe.Handler(p); pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeFHIR(w, http.StatusMethodNotAllowed, fhir.OperationOutcome(api.ErrMethod.New("%s is not served on %s; it answers %s", r.Method, medledger.Quote(r.URL.Path), strings.Join(allow, ", "))))
			return
		}
		writeFHIR(w, http.StatusNotFound, fhir.OperationOutcome(api.ErrNotFound.New("the FHIR facade has no %s %s; GET /fhir/metadata lists what it serves", r.Method, medledger.Quote(r.URL.Path))))
	}
	var out []api.Route
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		for _, path := range []string{"/fhir", "/fhir/{rest...}"} {
			if m == http.MethodPost && path == "/fhir" {
				continue // the transaction
			}
			rt := api.Route{Method: m, Path: path, Summary: "Anything else under /fhir: an OperationOutcome (404, or 405 with Allow)", Handler: h}
			if path != "/fhir" {
				rt.Params = []api.Param{{Name: "rest", In: "path", Description: "any path under /fhir the facade does not serve"}}
			}
			out = append(out, rt)
		}
	}
	return out
}

func writeFHIR(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", fhir.ContentType)
	w.WriteHeader(status)
	w.Write(body)
}

func writeOutcome(w http.ResponseWriter, err error) {
	err = asMedledger(err)
	writeFHIR(w, api.StatusOf(medledger.As(err).Kind), fhir.OperationOutcome(err))
}

// asMedledger turns a problem the API server answered (a refusal at CheckTx
// or in the block) back into the medledger error it came from, so that an
// OperationOutcome carries its code rather than "internal error".
func asMedledger(err error) error {
	var pe *api.ProblemError
	if !errors.As(err, &pe) {
		return err
	}
	p := pe.Problem
	kind := medledger.KindInvalid
	for k := medledger.KindInternal; k <= medledger.KindUnauthenticated; k++ {
		if api.StatusOf(k) == p.Status {
			kind = k
			break
		}
	}
	return &medledger.Error{Codespace: p.Codespace, Code: p.Code, Slug: p.Title, Kind: kind, Detail: p.Detail}
}

func (s *Service) fhirMetadata(w http.ResponseWriter, r *http.Request) {
	writeFHIR(w, http.StatusOK, fhir.CapabilityStatement(""))
}

func patientParam(r *http.Request) (string, error) {
	p := r.URL.Query().Get("patient")
	if p == "" {
		return "", api.ErrBadRequest.New("the search parameter patient is required")
	}
	return p, nil
}

func (s *Service) fhirConsents(w http.ResponseWriter, r *http.Request) {
	who, err := s.API.Reads().Require(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	p, err := patientParam(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	a, err := records.AuthorizeReadAs(s.API, r, who, p, records.ViewConsents, "")
	if err != nil {
		writeOutcome(w, err)
		return
	}
	var entries [][]byte
	for _, c := range a.VisibleConsents(records.PatientConsents(s.Store.Latest(), p)) {
		entries = append(entries, fhir.ConsentResource(c, ""))
	}
	writeFHIR(w, http.StatusOK, fhir.Bundle(fhir.BundleSearchset, entries))
}

// fhirConsent answers the read GET /fhir/Consent/{id}, to whom GET
// /v1/consents/{id} answers.
func (s *Service) fhirConsent(w http.ResponseWriter, r *http.Request) {
	who, err := s.API.Reads().Require(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	id := r.PathValue("id")
	c, ok := records.GetConsent(s.Store.Latest(), id)
	if !ok {
		writeOutcome(w, records.ErrConsentNotFound.New("no consent %s", medledger.Quote(id)))
		return
	}
	a, err := records.AuthorizeReadAs(s.API, r, who, c.Patient, records.ViewConsents, c.ID)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	if !records.ConsentVisible(a.Who, a.Ground, c) {
		writeOutcome(w, records.ErrNoConsent.New("%s may not see consent %s", a.Who.ID, c.ID))
		return
	}
	writeFHIR(w, http.StatusOK, fhir.ConsentResource(c, ""))
}

// fhirAuditEvent answers the read GET /fhir/AuditEvent/{id}, by the id a
// search gave (fhir.AuditEventID), to whom the search answers.
func (s *Service) fhirAuditEvent(w http.ResponseWriter, r *http.Request) {
	who, err := s.API.Reads().Require(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	id := r.PathValue("id")
	patient, seq, ok := fhir.ParseAuditEventID(id)
	if !ok {
		writeOutcome(w, api.ErrNotFound.New("no AuditEvent %s: an AuditEvent id is dis-{sequence}-{patient id}, as GET /fhir/AuditEvent?patient= gives it", medledger.Quote(id)))
		return
	}
	a, err := records.AuthorizeReadAs(s.API, r, who, patient, records.ViewDisclosures, "")
	if err != nil {
		writeOutcome(w, err)
		return
	}
	d, ok := findDisclosure(s.Store.Latest(), patient, seq)
	if !ok || !records.DisclosureVisible(a.Who, a.Ground, d) {
		writeOutcome(w, api.ErrNotFound.New("no AuditEvent %s", medledger.Quote(id)))
		return
	}
	writeFHIR(w, http.StatusOK, fhir.AuditEventResource(d))
}

func (s *Service) fhirAuditEvents(w http.ResponseWriter, r *http.Request) {
	who, err := s.API.Reads().Require(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	p, err := patientParam(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	a, err := records.AuthorizeReadAs(s.API, r, who, p, records.ViewDisclosures, "")
	if err != nil {
		writeOutcome(w, err)
		return
	}
	var entries [][]byte
	for _, d := range a.VisibleDisclosures(records.PatientDisclosures(s.Store.Latest(), p)) {
		entries = append(entries, fhir.AuditEventResource(d))
	}
	writeFHIR(w, http.StatusOK, fhir.Bundle(fhir.BundleSearchset, entries))
}

type extension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString,omitempty"`
	ValueBase64 []byte `json:"valueBase64Binary,omitempty"`
}

type entryResponse struct {
	Status   string `json:"status"`
	Location string `json:"location,omitempty"`
}

type facadeEntry struct {
	Extension []extension     `json:"extension,omitempty"`
	FullURL   string          `json:"fullUrl,omitempty"`
	Resource  json.RawMessage `json:"resource,omitempty"`
	Search    *struct {
		Mode string `json:"mode"`
	} `json:"search,omitempty"`
	Response *entryResponse `json:"response,omitempty"`
}

type facadeBundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Entry        []facadeEntry `json:"entry,omitempty"`
}

// fhirTransaction answers POST /fhir?patient=ID.
//
// The node cannot sign records/add transactions for the clinician, so a
// transaction Bundle is only half done here: each entry is validated and
// stored encrypted in the vault, and the transaction-response Bundle gives,
// per entry in order, response.status "201 Created", response.location
// "urn:medledger:vault:<ref>" and entry extensions ExtDigest (the salted
// digest), ExtCategory and ExtResourceTypes: what the clinician puts in the
// records/add transaction it then signs and submits for the patient. The
// patient parameter is required so the request names whose documents these
// are; the chain checks the patient when the records/add commits. A
// sensitive entry (an HL7 ActCode sensitivity in its meta.security, or the
// sensitivity parameter for all of them) is answered as POST
// /v1/records/documents answers one: category restricted, with
// ExtConfidentiality and ExtSensitivity (its tag, never the code).
func (s *Service) fhirTransaction(w http.ResponseWriter, r *http.Request) {
	snap := s.Store.Latest()
	v, err := s.verifySigned(r, snap, fhir.MaxDocumentSize)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	signer, kid, _ := httpsig.SplitKeyID(v.KeyID)
	who, _, err := s.IDs.Authenticate(snap, signer, kid)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	if who.Org != s.Org || who.Role != "clinician" {
		writeOutcome(w, tx.ErrUnauthorized.New("only clinicians of %s store documents on this node; %s is %s of %s", s.Org, who.ID, who.Role, who.Org))
		return
	}
	patient, err := patientParam(r)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, fhir.MaxDocumentSize+1))
	if err != nil {
		writeOutcome(w, api.ErrTooLarge.New("bundle over %d bytes", fhir.MaxDocumentSize))
		return
	}
	entries, err := fhir.SplitTransaction(body)
	if err != nil {
		writeOutcome(w, err)
		return
	}
	// Every entry is checked (valid FHIR R4, and a sensitive one tagged)
	// before any is stored: a bundle is kept whole or not at all.
	type checked struct {
		parsed        fhir.Parsed
		category, tag string
	}
	cs := make([]checked, len(entries))
	for i, e := range entries {
		parsed, err := fhir.Validate(e.Doc)
		var code string
		if err == nil {
			code, err = sensitivityOf(r, e.Doc)
		}
		cs[i] = checked{parsed: parsed, category: fhir.Category(parsed.ResourceType, e.Doc)}
		if err == nil && code != "" {
			cs[i].tag, err = s.Tag(patient, code)
			cs[i].category = records.CategoryRestricted
		}
		if err != nil {
			writeOutcome(w, err)
			return
		}
	}
	out := facadeBundle{ResourceType: "Bundle", Type: fhir.BundleTransactionResponse}
	for i, e := range entries {
		parsed, tag := cs[i].parsed, cs[i].tag
		rec, err := s.Vault.Put(r.Context(), e.Doc)
		if err != nil {
			writeOutcome(w, err)
			return
		}
		ext := []extension{{URL: ExtDigest, ValueString: rec.Digest.String()}, {URL: ExtCategory, ValueString: cs[i].category}}
		if tag != "" {
			ext = append(ext, extension{URL: ExtConfidentiality, ValueString: records.ConfidentialityRestricted}, extension{URL: ExtSensitivity, ValueString: tag})
		}
		for _, t := range parsed.Types {
			ext = append(ext, extension{URL: ExtResourceTypes, ValueString: t})
		}
		out.Entry = append(out.Entry, facadeEntry{Extension: ext, FullURL: e.FullURL,
			Response: &entryResponse{Status: "201 Created", Location: VaultLocation + rec.ID.String()}})
	}
	b, _ := json.Marshal(out)
	writeFHIR(w, http.StatusOK, b)
}

// EverythingRequest is the body of POST /fhir/Patient/{id}/$everything.
type EverythingRequest struct {
	// Txs are the reader's signed records/access transactions, one per
	// record of the patient held by this custodian.
	Txs [][]byte `json:"txs"`
}

// fhirEverything answers GET and POST /fhir/Patient/{id}/$everything.
//
// Every read of a record is a consented disclosure logged on the ledger by a
// records/access transaction the reader signs, and the node cannot sign for
// the reader: a GET carries them as access= parameters (base64url), a POST
// (for more than a URL holds) in its body. The client
// lists the patient's records (GET /v1/patients/{id}/records) and sends one
// signed access transaction per record it wants. Each is committed; a
// granted read yields a Binary whose data is the encrypted vault blob, with
// the data key wrapped for the reader in meta.extension ExtWrappedKey (as
// POST /v1/records/{id}/read does: nothing is returned in clear). A refused
// or failed one yields an OperationOutcome entry of search mode "outcome"
// naming the missing consent or the error.
func (s *Service) fhirEverything(w http.ResponseWriter, r *http.Request) {
	patient := r.PathValue("id")
	var req EverythingRequest
	if r.Method == http.MethodGet {
		for _, a := range r.URL.Query()["access"] {
			raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(a, "="))
			if err != nil {
				writeOutcome(w, api.ErrBadRequest.New("access parameter %d is not base64url: %v", len(req.Txs)+1, err))
				return
			}
			req.Txs = append(req.Txs, raw)
		}
		if len(req.Txs) == 0 {
			writeOutcome(w, api.ErrBadRequest.New("give one access=<base64url of a signed records/access transaction> parameter per record to read"))
			return
		}
	} else if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, api.MaxBodyBytes)).Decode(&req); err != nil || len(req.Txs) == 0 {
		writeOutcome(w, api.ErrBadRequest.New("body must be {\"txs\": [\"<base64 of a signed records/access transaction>\", ...]}"))
		return
	}
	out := facadeBundle{ResourceType: "Bundle", Type: fhir.BundleSearchset}
	matches := 0
	for _, raw := range req.Txs {
		res, err := s.everythingOne(r, patient, raw)
		if err != nil {
			out.Entry = append(out.Entry, facadeEntry{Resource: fhir.OperationOutcome(asMedledger(err)), Search: &struct {
				Mode string `json:"mode"`
			}{"outcome"}})
			continue
		}
		out.Entry = append(out.Entry, facadeEntry{Resource: res, Search: &struct {
			Mode string `json:"mode"`
		}{"match"}})
		matches++
	}
	out.Total = &matches
	b, _ := json.Marshal(out)
	writeFHIR(w, http.StatusOK, b)
}

type binaryMeta struct {
	Extension []extension `json:"extension"`
}

type binary struct {
	ResourceType string     `json:"resourceType"`
	ID           string     `json:"id"`
	Meta         binaryMeta `json:"meta"`
	ContentType  string     `json:"contentType"`
	Data         []byte     `json:"data"`
}

// everythingOne commits one access transaction and renders its document.
func (s *Service) everythingOne(r *http.Request, patient string, raw []byte) (json.RawMessage, error) {
	res, err := s.access(r.Context(), raw, "", patient)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(binary{ResourceType: "Binary", ID: res.Record, ContentType: "application/octet-stream", Data: res.Blob,
		Meta: binaryMeta{Extension: []extension{{URL: ExtWrappedKey, ValueBase64: res.WrappedKey}, {URL: ExtDisclosure, ValueString: fmt.Sprint(res.Disclosure)}, {URL: ExtDigest, ValueString: res.Digest}}}})
	if err != nil {
		return nil, fmt.Errorf("render record %s: %w", res.Record, err)
	}
	return b, nil
}
