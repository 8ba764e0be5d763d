package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault"
)

// UploadDocument stores a FHIR document in the custodian node's vault with a
// request signed by s (RFC 9421), returning the ref and salted digest to put
// in a records/add transaction.
func (c *Client) UploadDocument(ctx context.Context, s Signer, doc []byte) (custodian.UploadResponse, error) {
	var out custodian.UploadResponse
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
	custodian.ReadResponse
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/v1/records/"+id+"/read", bytes.NewReader(b))
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
	var rec records.Record
	if err := c.Get(ctx, "/v1/records/"+id, &rec); err != nil {
		return ReadResult{}, err
	}
	if doc.Digest.String() != rec.Digest {
		return ReadResult{}, fmt.Errorf("record %s: document digest %s differs from the chain's %s", id, doc.Digest, rec.Digest)
	}
	out.Document = doc.Plaintext
	return out, nil
}
