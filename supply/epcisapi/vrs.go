package epcisapi

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/supply"
)

// VRSResponse is the answer of GET /vrs/verification: the fields of a VRS
// verification response, the product identifier echoed, and our richer
// answer beside them.
type VRSResponse struct {
	CorrUUID              string `json:"corrUUID,omitempty"`
	VerificationTimestamp string `json:"verificationTimestamp"`
	supply.VRSRequest
	Data supply.VRSData `json:"data"`
	// Responder is the CometBFT node id of the node that answered and
	// signed; Verification is its full answer (GET /v1/verify/pack).
	Responder    string              `json:"medledger:responder"`
	Verification supply.Verification `json:"medledger:verification"`
}

// NodeKeyHeader carries the answering node's Ed25519 public key, standard
// base64 as an RFC 8941 byte sequence: ed25519=:...:.
const NodeKeyHeader = "Medledger-Node-Key"

// NodeID is the CometBFT node id of an Ed25519 public key: the hex of the
// first 20 bytes of its SHA-256, as peers name a node (id@host:port).
func NodeID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:20])
}

// vrs answers GET /vrs/verification, signed by the node.
func (s *Service) vrs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := supply.VRSRequest{GTIN: q.Get("gtin"), SerialNumber: q.Get("serialNumber"), LotNumber: q.Get("lotNumber"), ExpirationDate: q.Get("expirationDate")}
	if err := supply.ValidVRSRequest(req); err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	corr := q.Get("corrUUID")
	if corr == "" {
		corr = r.Header.Get("corrUUID")
	}
	if len(corr) > 64 {
		corr = corr[:64]
	}
	snap := s.store.Latest()
	bt := app.BlockTime(snap)
	v, err := supply.Verify(snap, req.Code(), bt)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	if vs, ok := snap.(interface{ Version() int64 }); ok {
		v.Height = vs.Version()
	}
	if !bt.IsZero() {
		v.BlockTime = bt.UTC().Format(time.RFC3339)
	}
	body, _ := json.Marshal(VRSResponse{CorrUUID: corr, VerificationTimestamp: s.Now().UTC().Format(time.RFC3339Nano), VRSRequest: req,
		Data: supply.VRSAnswer(req, v), Responder: s.NodeID, Verification: v})
	SignResponse(w.Header(), http.StatusOK, body, s.NodeKey, s.NodeID, s.Now())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// SignResponse adds to h an HTTP Message Signature (RFC 9421) of a response
// by key: label "vrs", covering "@status" and "content-digest" (RFC 9530,
// sha-256), with created, keyid (the node id) and alg="ed25519"; and the
// public key in NodeKeyHeader.
func SignResponse(h http.Header, status int, body []byte, key ed25519.PrivateKey, keyID string, now time.Time) {
	digest := httpsig.ContentDigest(body)
	params := fmt.Sprintf(`("@status" "content-digest");created=%d;keyid="%s";alg="ed25519"`, now.Unix(), keyID)
	sig := ed25519.Sign(key, responseBase(status, digest, params))
	h.Set("Content-Digest", digest)
	h.Set("Signature-Input", "vrs="+params)
	h.Set("Signature", "vrs=:"+base64.StdEncoding.EncodeToString(sig)+":")
	h.Set(NodeKeyHeader, "ed25519=:"+base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))+":")
}

func responseBase(status int, digest, params string) []byte {
	return []byte(`"@status": ` + strconv.Itoa(status) + "\n" + `"content-digest": ` + digest + "\n" + `"@signature-params": ` + params)
}

// VerifyResponse checks a signed verification answer as a VRS client
// does, trusting only nodeID, the CometBFT id of the node it asked (from
// the network's peer list, as peers pin it): the key in NodeKeyHeader is
// that node's, the signature "vrs" is that key's over the status and the
// Content-Digest, and the digest is the body's.
func VerifyResponse(status int, h http.Header, body []byte, nodeID string) error {
	key, ok := byteSeq(h.Get(NodeKeyHeader), "ed25519")
	if !ok || len(key) != ed25519.PublicKeySize {
		return errors.New("no node key")
	}
	pub := ed25519.PublicKey(key)
	if NodeID(pub) != nodeID {
		return fmt.Errorf("signed by node %s, not %s", NodeID(pub), nodeID)
	}
	digest := h.Get("Content-Digest")
	if digest != httpsig.ContentDigest(body) {
		return errors.New("the Content-Digest is not the body's")
	}
	params, ok := strings.CutPrefix(h.Get("Signature-Input"), "vrs=")
	if !ok || !strings.HasPrefix(params, `("@status" "content-digest");`) || !strings.Contains(params, `;keyid="`+nodeID+`"`) || !strings.HasSuffix(params, `;alg="ed25519"`) {
		return errors.New("the Signature-Input is not the node's vrs signature")
	}
	sig, ok := byteSeq(h.Get("Signature"), "vrs")
	if !ok || !ed25519.Verify(pub, responseBase(status, digest, params), sig) {
		return errors.New("the signature does not verify")
	}
	return nil
}

// byteSeq reads "label=:base64:".
func byteSeq(v, label string) ([]byte, bool) {
	s, ok := strings.CutPrefix(v, label+"=:")
	if !ok || !strings.HasSuffix(s, ":") {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(s, ":"))
	return b, err == nil
}
