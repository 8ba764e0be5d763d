package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
)

// The files the trials commands read: outcomes, results and enrolment
// requests. Each decoder is strict (unknown fields refused, one JSON value,
// a size limit) and fuzzed.

// maxInputFile bounds an outcomes, results or enrolment file.
const maxInputFile = 1 << 20

// ErrInput is a file that does not read; the message says what is wrong.
var ErrInput = errors.New("bad input file")

// strict decodes b into v: one JSON value, no unknown fields.
func strict(b []byte, v any) error {
	if len(b) > maxInputFile {
		return fmt.Errorf("%w: %d bytes, over %d", ErrInput, len(b), maxInputFile)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInput, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the JSON value", ErrInput)
	}
	return nil
}

// ParseOutcomes reads a trial's pre-declared outcomes: a JSON array of
// {"code", "kind", "measure", "time_frame"}, or {"outcomes": [...]}, and
// checks them as the chain will (trials.CheckOutcomes).
func ParseOutcomes(b []byte) ([]trials.Outcome, error) {
	b = bytes.TrimSpace(b)
	var list []trials.Outcome
	if len(b) > 0 && b[0] == '{' {
		var wrap struct {
			Outcomes []trials.Outcome `json:"outcomes"`
		}
		if err := strict(b, &wrap); err != nil {
			return nil, err
		}
		list = wrap.Outcomes
	} else if err := strict(b, &list); err != nil {
		return nil, err
	}
	if err := trials.CheckOutcomes(list); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	return list, nil
}

// ParseResults reads a sponsor's results: a JSON array of {"outcome",
// "summary"}, or {"results": [...]}: 1 to trials.MaxOutcomes, each outcome
// once, each summary plain text.
func ParseResults(b []byte) ([]trials.ResultOfBody, error) {
	b = bytes.TrimSpace(b)
	var list []trials.ResultOfBody
	if len(b) > 0 && b[0] == '{' {
		var wrap struct {
			Results []trials.ResultOfBody `json:"results"`
		}
		if err := strict(b, &wrap); err != nil {
			return nil, err
		}
		list = wrap.Results
	} else if err := strict(b, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 || len(list) > trials.MaxOutcomes {
		return nil, fmt.Errorf("%w: give 1 to %d results, not %d", ErrInput, trials.MaxOutcomes, len(list))
	}
	for i, r := range list {
		if r.Outcome == "" || r.Summary == "" {
			return nil, fmt.Errorf("%w: result %d needs an outcome code and a summary", ErrInput, i+1)
		}
		for _, prev := range list[:i] {
			if prev.Outcome == r.Outcome {
				return nil, fmt.Errorf("%w: outcome %.40q has two results", ErrInput, r.Outcome)
			}
		}
	}
	return list, nil
}

// EnrolmentFormat names the format of an enrolment request.
const EnrolmentFormat = "medledger-trial-enrolment/v1"

// Enrolment is a participant's request to be enrolled in a trial at a
// site: their pseudonym for the trial (its public keys) and a proof, made
// with their own key and the pseudonym's, that the pseudonym is theirs,
// for that site only. The participant gives it to the site (it names the
// patient: it is for the site's eyes only); the site checks it and sends
// trials/enroll, which carries only the pseudonym's keys.
type Enrolment struct {
	Format    string              `json:"format"`
	Trial     string              `json:"trial"`
	Site      string              `json:"site"`
	Subject   string              `json:"subject"` // the pseudonym's id
	SignKey   []byte              `json:"sign_key"`
	EncKey    []byte              `json:"enc_key"`
	Ownership pseudonym.Ownership `json:"ownership"`
}

// NewEnrolment makes the request of the patient whose master key and id
// are master and patient, to trial at site.
func NewEnrolment(master ed25519.PrivateKey, patient, trial, site, nonce string) (Enrolment, error) {
	k, err := pseudonym.Derive(master, trials.Context(trial))
	if err != nil {
		return Enrolment{}, err
	}
	o, err := pseudonym.Own(master, patient, k, site, nonce)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Format: EnrolmentFormat, Trial: trial, Site: site, Subject: k.ID(), SignKey: k.SignPub(), EncKey: k.EncPub(), Ownership: o}, nil
}

// ParseEnrolment reads an enrolment request and checks that it is whole
// and consistent: its keys' sizes, its subject is its signing key's
// pseudonym, and its proof is for this trial's context, this site and
// this pseudonym. It does not check the proof's signatures: Verify does,
// with the patient's key from the chain.
func ParseEnrolment(b []byte) (Enrolment, error) {
	var e Enrolment
	if err := strict(bytes.TrimSpace(b), &e); err != nil {
		return e, err
	}
	switch {
	case e.Format != EnrolmentFormat:
		return e, fmt.Errorf("%w: format %.60q is not %s", ErrInput, e.Format, EnrolmentFormat)
	case !trials.ValidTrialID(e.Trial):
		return e, fmt.Errorf("%w: trial %.40q is not a trial id", ErrInput, e.Trial)
	}
	if err := pseudonym.CheckRequest(e.Subject, e.SignKey, e.EncKey, e.Ownership, trials.Context(e.Trial), e.Site); err != nil {
		return e, fmt.Errorf("%w: %v", ErrInput, err)
	}
	return e, nil
}

// Verify checks the request's proof against the patient's signing key as
// the chain holds it: the patient and the pseudonym both signed it, for
// site.
func (e Enrolment) Verify(patientKey ed25519.PublicKey, site string) error {
	if e.Site != site {
		return fmt.Errorf("the request is for site %.60q, not %s", e.Site, site)
	}
	return e.Ownership.Verify(patientKey, e.SignKey, site, e.Ownership.Nonce)
}
