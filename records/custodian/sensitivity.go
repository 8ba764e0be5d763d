// Sensitive records: the custodian's sensitivity tags (records/sensitivity.go).

package custodian

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

// sensitivityDomain separates the tag key from every other use of the
// node key.
const sensitivityDomain = "medledger/records/sensitivity-tag/v1"

// tagKey is the secret the custodian's tags are keyed with: derived from
// its node key, so that no one else (a validator, an API client) can
// compute a tag from a patient id and a guessed code. ok is false when the
// service has no node key.
//
// NOTE: a node whose key changes computes other tags: consents naming the
// old ones no longer open the records (docs/privacy.md).
func (s *Service) tagKey() ([]byte, bool) {
	if len(s.NodeKey) == 0 {
		return nil, false
	}
	m := hmac.New(sha256.New, s.NodeKey.Seed())
	m.Write([]byte(sensitivityDomain))
	return m.Sum(nil), true
}

// Tag is the sensitivity tag of code for patient at this custodian.
func (s *Service) Tag(patient, code string) (string, error) {
	k, ok := s.tagKey()
	if !ok {
		return "", api.ErrUnavailable.New("this node keeps no sensitivity key (no node key): it cannot store sensitive records")
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(patient + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// sensitivityOf is the sensitivity of an upload: the sensitivity query
// parameter, else the first ActCode sensitivity in the document's
// meta.security. "" for none.
func sensitivityOf(r *http.Request, doc []byte) (string, error) {
	if c := r.URL.Query().Get("sensitivity"); c != "" {
		if !records.ValidSensitivity(c) {
			return "", records.ErrInvalid.New("sensitivity %s is not one of %v (HL7 v3 ActCode)", medledger.Quote(c), records.Sensitivities)
		}
		return c, nil
	}
	var d struct {
		Meta struct {
			Security []struct{ System, Code string } `json:"security"`
		} `json:"meta"`
	}
	if json.Unmarshal(doc, &d) != nil {
		return "", nil
	}
	for _, l := range d.Meta.Security {
		if records.ValidSensitivity(l.Code) {
			return l.Code, nil
		}
	}
	return "", nil
}

// restrict turns up, the answer to an upload, into a restricted record's:
// category restricted, confidentiality R and the tag of code for the
// patient the request names.
func (s *Service) restrict(r *http.Request, up *records.UploadResponse, code string) error {
	patient := r.URL.Query().Get("patient")
	if patient == "" {
		return records.ErrInvalid.New("a sensitive document (%s) needs ?patient=pat-...: its tag is the patient's", code)
	}
	tag, err := s.Tag(patient, code)
	if err != nil {
		return err
	}
	up.Category, up.Confidentiality, up.Sensitivity = records.CategoryRestricted, records.ConfidentialityRestricted, tag
	return nil
}

// sensitivityRoute is GET /v1/patients/{id}/sensitivities: the patient's
// tags at this custodian, one per code, for the patient (to name one in a
// consent, and to know what their restricted records are) and the
// custodian's members.
func (s *Service) sensitivityRoute() api.Route {
	return api.Route{Method: "GET", Path: "/v1/patients/{id}/sensitivities", Signed: true,
		Summary: "A patient's sensitivity tags at this custodian, one per HL7 sensitivity code: what a consent names to open the patient's restricted records (signed request by the patient or a member of this custodian)",
		Params:  []api.Param{{Name: "id", In: "path", Required: true, Description: "patient id (pat-...)"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			who, err := s.API.Reads().Require(r)
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			patient := r.PathValue("id")
			if !records.Self(who.Signer, patient) && who.Org != s.Org {
				api.WriteProblem(w, r, tx.ErrUnauthorized.New("only the patient and members of %s read the patient's sensitivity tags here", s.Org))
				return
			}
			var out []records.SensitivityTag
			for _, c := range slices.Clone(records.Sensitivities) {
				tag, err := s.Tag(patient, c)
				if err != nil {
					api.WriteProblem(w, r, err)
					return
				}
				out = append(out, records.SensitivityTag{Code: c, Tag: tag, Custodian: s.Org})
			}
			api.WriteJSON(w, out)
		}}
}
