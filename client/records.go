package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/vault"
)

// UploadDocument stores a FHIR document in the custodian node's vault with a
// request signed by s (RFC 9421), returning the ref and salted digest to put
// in a records/add transaction.
func (c *Client) UploadDocument(ctx context.Context, s Signer, doc []byte) (records.UploadResponse, error) {
	return c.uploadFor(ctx, s, "", "", doc)
}

// uploadFor is UploadDocument for patient (needed for a sensitive
// document, whose tag is the patient's), with sensitivity code (one of
// records.Sensitivities, or "" for none or what the document's
// meta.security says).
func (c *Client) uploadFor(ctx context.Context, s Signer, patient, code string, doc []byte) (records.UploadResponse, error) {
	var out records.UploadResponse
	q := url.Values{}
	if patient != "" {
		q.Set("patient", patient)
	}
	if code != "" {
		q.Set("sensitivity", code)
	}
	path := "/v1/records/documents"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+path, bytes.NewReader(doc))
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return out, err
	}
	return out, c.send(req, &out)
}

// AddRecord uploads doc to the custodian node and records its fingerprint
// for patient on chain, signed by s (a clinician of the custodian). It
// returns the record id.
func (c *Client) AddRecord(ctx context.Context, s Signer, patient string, doc []byte) (string, error) {
	return c.AddSensitiveRecord(ctx, s, patient, doc, "")
}

// AddSensitiveRecord is AddRecord for a document of sensitivity code (one
// of records.Sensitivities; "" for none or what the document's
// meta.security says): the chain gets category restricted and the
// custodian's sensitivity tag, never the code.
func (c *Client) AddSensitiveRecord(ctx context.Context, s Signer, patient string, doc []byte, code string) (string, error) {
	up, err := c.uploadFor(ctx, s, patient, code, doc)
	if err != nil {
		return "", err
	}
	res, err := c.Send(ctx, s, records.TypeAdd, records.AddBody{Patient: patient, ResourceTypes: up.ResourceTypes, Category: up.Category,
		Confidentiality: up.Confidentiality, Sensitivity: up.Sensitivity, Digest: up.Digest, Ref: up.Ref}, "commit")
	if err != nil {
		return "", err
	}
	for _, ev := range res.Events {
		if ev.Type == records.EventAdded {
			for _, a := range ev.Attributes {
				if a.Key == "record" {
					return a.Value, nil
				}
			}
		}
	}
	return "", fmt.Errorf("transaction %s committed without a record id", res.Hash)
}

// ReadResult is a document read from its custodian, decrypted and checked
// against the record's on-chain salted digest.
type ReadResult struct {
	records.ReadResponse
	Document []byte
}

// ReadRecord asks the custodian node for record id as s, for purpose (and
// with a break-glass reason code, if not empty). The request is a signed
// records/access transaction; the node returns the document only after the
// disclosure it commits is granted. The document is decrypted with s's
// X25519 key and checked against the digest on chain.
func (c *Client) ReadRecord(ctx context.Context, s Signer, id, purpose, breakGlass string) (ReadResult, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return ReadResult{}, err
	}
	if s.ChainID == "" {
		s.ChainID = st.ChainID
	}
	raw, err := s.Build(records.TypeAccess, records.AccessBody{Record: id, Purpose: purpose, BreakGlass: breakGlass}, st.LatestHeight)
	if err != nil {
		return ReadResult{}, err
	}
	b, _ := json.Marshal(api.TxRequest{Tx: raw})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/v1/records/"+url.PathEscape(id)+"/read", bytes.NewReader(b))
	if err != nil {
		return ReadResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var out ReadResult
	if err := c.send(req, &out.ReadResponse); err != nil {
		return ReadResult{}, err
	}
	doc, err := vault.OpenBlob(out.Blob, out.WrappedKey, s.Key.Enc)
	if err != nil {
		return ReadResult{}, fmt.Errorf("decrypt record %s: %w", id, err)
	}
	// NOTE: the digest the node answers is the record's on chain (a
	// second read of the record would be a second lookup on the patient's
	// log); a client that does not trust its node checks it with a proof.
	if doc.Digest.String() != out.Digest {
		return ReadResult{}, fmt.Errorf("record %s: document digest %s differs from the chain's %s", id, doc.Digest, out.Digest)
	}
	out.Document = doc.Plaintext
	return out, nil
}

// Reads of a patient's metadata are signed by s (RFC 9421). When s is not
// the patient, each request also carries s's signed records/lookup
// (records.LookupHeader), which the node commits, putting the read on the
// patient's log, before it answers; purpose is records.PurposeTreatment
// unless Purpose says otherwise.

// getPatient fetches path, a read of view of patient (or, for one record
// or consent, of object), signed by s.
func (c *Client) getPatient(ctx context.Context, s Signer, patient, object, view, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return err
	}
	if s.Key.ID != patient || patient == "" {
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		if s.ChainID == "" {
			s.ChainID = st.ChainID
		}
		body := records.LookupBody{Patient: patient, Object: object, View: view, Purpose: cmpOr(c.LookupPurpose, records.PurposeTreatment)}
		if object != "" {
			body.Patient = ""
		}
		raw, err := s.Build(records.TypeLookup, body, st.LatestHeight)
		if err != nil {
			return err
		}
		req.Header.Set(records.LookupHeader, base64.StdEncoding.EncodeToString(raw))
	}
	if err := httpsig.Sign(req, httpsig.JoinKeyID(s.Key.ID, s.Key.KeyID()), s.Key.Sign, time.Now()); err != nil {
		return err
	}
	return c.send(req, out)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// allPatient reads every page of a patient's list at path, as getPatient.
func allPatient[T any](ctx context.Context, c *Client, s Signer, patient, view, path string) ([]T, error) {
	v := url.Values{}
	v.Set("limit", strconv.Itoa(api.MaxPageSize))
	all := []T{}
	for {
		var p api.Page[T]
		if err := c.getPatient(ctx, s, patient, "", view, path+"?"+v.Encode(), &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(p.Items) == 0 {
			return all, nil
		}
		v.Set("cursor", p.NextCursor)
	}
}

// Record reads a record's fingerprint (never its document), as s.
func (c *Client) Record(ctx context.Context, s Signer, id string) (records.Record, error) {
	var r records.Record
	return r, c.getPatient(ctx, s, "", id, records.ViewRecords, "/v1/records/"+url.PathEscape(id), &r)
}

// Consent reads one consent, as s.
func (c *Client) Consent(ctx context.Context, s Signer, id string) (records.Consent, error) {
	var k records.Consent
	return k, c.getPatient(ctx, s, "", id, records.ViewConsents, "/v1/consents/"+url.PathEscape(id), &k)
}

// PatientRecords lists the records of patient that s may see, oldest
// first.
func (c *Client) PatientRecords(ctx context.Context, s Signer, patient string) ([]records.Record, error) {
	return allPatient[records.Record](ctx, c, s, patient, records.ViewRecords, "/v1/patients/"+url.PathEscape(patient)+"/records")
}

// PatientConsents lists the consents patient granted, revoked ones too,
// that s may see.
func (c *Client) PatientConsents(ctx context.Context, s Signer, patient string) ([]records.Consent, error) {
	return allPatient[records.Consent](ctx, c, s, patient, records.ViewConsents, "/v1/patients/"+url.PathEscape(patient)+"/consents")
}

// PatientDisclosures is a patient's accounting of disclosures: every read
// of their records and metadata, refused and break-glass ones included,
// as s (the patient, an auditor, or a custodian, who sees the reads of the
// records it holds) may see it.
func (c *Client) PatientDisclosures(ctx context.Context, s Signer, patient string) ([]records.Disclosure, error) {
	return allPatient[records.Disclosure](ctx, c, s, patient, records.ViewDisclosures, "/v1/patients/"+url.PathEscape(patient)+"/disclosures")
}

// OrgDisclosures lists the disclosures of the records org holds; with
// breakGlass, instead every break-glass read by org's members; as s, a
// member of org or an auditor.
func (c *Client) OrgDisclosures(ctx context.Context, s Signer, org string, breakGlass bool) ([]records.Disclosure, error) {
	path := "/v1/orgs/" + url.PathEscape(org) + "/disclosures"
	if breakGlass {
		path = "/v1/orgs/" + url.PathEscape(org) + "/break-glass"
	}
	return AllAs[records.Disclosure](ctx, c, s, path, nil)
}

// SharedWith lists the consents in force granted to member ("org/name") or
// to their organization: what patients have shared with them; as s, a
// member of the organization or an auditor.
func (c *Client) SharedWith(ctx context.Context, s Signer, member string) ([]records.Consent, error) {
	org, name, _ := strings.Cut(member, "/")
	return AllAs[records.Consent](ctx, c, s, "/v1/members/"+url.PathEscape(org)+"/"+url.PathEscape(name)+"/consents", nil)
}

// SensitivityTags asks the custodian node for patient's sensitivity tags
// there, as s (the patient, or a member of the custodian): a consent names
// a tag (records.Scope.Sensitivities) to open the patient's restricted
// records of that sensitivity at that custodian.
func (c *Client) SensitivityTags(ctx context.Context, s Signer, patient string) ([]records.SensitivityTag, error) {
	var out []records.SensitivityTag
	return out, c.GetAs(ctx, s, "/v1/patients/"+url.PathEscape(patient)+"/sensitivities", &out)
}
