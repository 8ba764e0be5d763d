package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	var out records.UploadResponse
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/v1/records/documents", bytes.NewReader(doc))
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
	up, err := c.UploadDocument(ctx, s, doc)
	if err != nil {
		return "", err
	}
	res, err := c.Send(ctx, s, records.TypeAdd, records.AddBody{Patient: patient, ResourceTypes: up.ResourceTypes, Category: up.Category, Digest: up.Digest, Ref: up.Ref}, "commit")
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
	rec, err := c.Record(ctx, id)
	if err != nil {
		return ReadResult{}, err
	}
	if doc.Digest.String() != rec.Digest {
		return ReadResult{}, fmt.Errorf("record %s: document digest %s differs from the chain's %s", id, doc.Digest, rec.Digest)
	}
	out.Document = doc.Plaintext
	return out, nil
}

// Record reads a record's fingerprint (never its document).
func (c *Client) Record(ctx context.Context, id string) (records.Record, error) {
	var r records.Record
	return r, c.Get(ctx, "/v1/records/"+url.PathEscape(id), &r)
}

// PatientRecords lists a patient's records, oldest first.
func (c *Client) PatientRecords(ctx context.Context, patient string) ([]records.Record, error) {
	return All[records.Record](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/records", nil)
}

// PatientConsents lists every consent a patient granted, revoked ones too.
func (c *Client) PatientConsents(ctx context.Context, patient string) ([]records.Consent, error) {
	return All[records.Consent](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/consents", nil)
}

// PatientDisclosures is a patient's accounting of disclosures: every read
// of their records, refused and break-glass ones included.
func (c *Client) PatientDisclosures(ctx context.Context, patient string) ([]records.Disclosure, error) {
	return All[records.Disclosure](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/disclosures", nil)
}

// OrgDisclosures lists the disclosures of the records org holds; with
// breakGlass, instead every break-glass read by org's members.
func (c *Client) OrgDisclosures(ctx context.Context, org string, breakGlass bool) ([]records.Disclosure, error) {
	path := "/v1/orgs/" + url.PathEscape(org) + "/disclosures"
	if breakGlass {
		path = "/v1/orgs/" + url.PathEscape(org) + "/break-glass"
	}
	return All[records.Disclosure](ctx, c, path, nil)
}

// SharedWith lists the consents in force granted to member ("org/name") or
// to their organization: what patients have shared with them.
func (c *Client) SharedWith(ctx context.Context, member string) ([]records.Consent, error) {
	org, name, _ := strings.Cut(member, "/")
	return All[records.Consent](ctx, c, "/v1/members/"+url.PathEscape(org)+"/"+url.PathEscape(name)+"/consents", nil)
}
