// Package claimstest holds the claims module's golden adjudication cases
// (testdata/golden.json: a policy, and per case a member's plan and
// coverage, prior authorizations, the claims before, the claim, and the
// expected line results with their CARC codes) and what runs them: the
// module's table test over an in-process chain and the 4-validator
// network test run the same cases. It MUST NOT be imported by anything
// but tests.
package claimstest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/pseudonym"
)

// Payer is the payer of every case; Provider the provider, with Rendering
// its clinician and Biller who submits.
const (
	Payer       = "unity-health-plan"
	Provider    = "northside-hospital"
	Rendering   = "northside-hospital/dr-chen"
	Biller      = "northside-hospital/biller"
	Admin       = "unity-health-plan/admin"
	Adjudicator = "unity-health-plan/adjudicator"
)

// File is the golden file.
type File struct {
	Policy json.RawMessage `json:"policy"`
	Cases  []Case          `json:"cases"`
}

// Case is one golden case.
type Case struct {
	Name string `json:"name"`
	Plan string `json:"plan"`
	From string `json:"from"`
	To   string `json:"to"`
	// Auths are prior authorizations the provider asks for before the
	// claim; Decide, if set, is the adjudicator's decision (approve or
	// deny); Want the status it must end in.
	Auths   []Auth  `json:"auths,omitempty"`
	History []Claim `json:"history,omitempty"`
	Claim   Claim   `json:"claim"`
	// Status is the claim's expected status; Flags the codes of its flags.
	Status string     `json:"status"`
	Flags  []string   `json:"flags,omitempty"`
	Want   []WantLine `json:"want"`
}

// Auth is a prior authorization of a case.
type Auth struct {
	Codes  []string `json:"codes"`
	From   string   `json:"from"`
	To     string   `json:"to"`
	Decide string   `json:"decide,omitempty"`
	Want   string   `json:"want"`
}

// Claim is a claim of a case: what the provider sends, less payer and
// member.
type Claim struct {
	Diagnoses []string        `json:"diagnoses"`
	Lines     []claims.LineIn `json:"lines"`
}

// WantLine is a line's expected result. Adjustments are written
// "GROUP-CARC AMOUNT" or "GROUP-CARC/RARC AMOUNT", in the result's order.
type WantLine struct {
	Status      string   `json:"status"`
	Allowed     int64    `json:"allowed_cents"`
	Paid        int64    `json:"paid_cents"`
	Patient     int64    `json:"patient_cents"`
	Adjustments []string `json:"adjustments"`
	Rule        string   `json:"rule"`
}

// Path is the golden file's path, wherever the caller's package is.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "golden.json")
}

// Load reads the golden file.
func Load() (File, error) {
	var f File
	b, err := os.ReadFile(Path())
	if err != nil {
		return f, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("%s: %w", Path(), err)
	}
	return f, nil
}

// PolicyBody is the publish body of the golden policy.
func (f File) PolicyBody() (claims.PublishBody, error) {
	var b claims.PublishBody
	dec := json.NewDecoder(strings.NewReader(string(f.Policy)))
	dec.DisallowUnknownFields()
	return b, dec.Decode(&b.Policy)
}

// MasterKey is the patient master key of a case (and a prefix, for runs
// that must not meet an earlier run's members).
func MasterKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("medledger/claimstest/patient/" + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// MemberKey is a case's patient's pseudonym for the payer.
func MemberKey(name string) pseudonym.Key {
	k, err := pseudonym.Derive(MasterKey(name), claims.Context(Payer))
	if err != nil {
		panic(err)
	}
	return k
}

// Enroll is the enrolment body of a case's member.
func (c Case) Enroll(prefix string) claims.EnrollBody {
	k := MemberKey(prefix + c.Name)
	return claims.EnrollBody{Plan: c.Plan, From: c.From, To: c.To, SignKey: k.SignPub(), EncKey: k.EncPub()}
}

// Body is the submit body of a claim for member.
func (cl Claim) Body(member string) claims.SubmitBody {
	return claims.SubmitBody{Payer: Payer, Member: member, Rendering: Rendering, Diagnoses: cl.Diagnoses, Lines: cl.Lines}
}

// AuthBody is the request body of a prior authorization for member.
func (a Auth) Body(member string) claims.AuthRequestBody {
	return claims.AuthRequestBody{Payer: Payer, Member: member, Codes: a.Codes, From: a.From, To: a.To}
}

// Adjustment renders an adjustment as the golden file writes it.
func Adjustment(a claims.Adjustment) string {
	code := a.Group + "-" + a.CARC
	if a.RARC != "" {
		code += "/" + a.RARC
	}
	return fmt.Sprintf("%s %d", code, a.AmountCents)
}

// Check compares a claim with the case's expectation and returns each
// difference.
func (c Case) Check(got claims.Claim) []string {
	var diffs []string
	if got.Status != c.Status {
		diffs = append(diffs, fmt.Sprintf("claim status %s, want %s", got.Status, c.Status))
	}
	var flags []string
	for _, f := range got.Flags {
		flags = append(flags, f.Code)
	}
	if strings.Join(flags, ",") != strings.Join(c.Flags, ",") {
		diffs = append(diffs, fmt.Sprintf("flags %v, want %v", flags, c.Flags))
	}
	if len(got.Lines) != len(c.Want) {
		return append(diffs, fmt.Sprintf("%d lines, want %d", len(got.Lines), len(c.Want)))
	}
	for i, l := range got.Lines {
		w := c.Want[i]
		var adj []string
		for _, a := range l.Adjustments {
			adj = append(adj, Adjustment(a))
		}
		g := WantLine{Status: l.Status, Allowed: l.AllowedCents, Paid: l.PaidCents, Patient: l.PatientCents, Adjustments: adj, Rule: l.Rule}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			diffs = append(diffs, fmt.Sprintf("line %d: got  %+v (%s)\n            want %+v", l.Seq, g, l.Explanation, w))
		}
	}
	return diffs
}
