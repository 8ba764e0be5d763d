package cli

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
)

func TestParseOutcomes(t *testing.T) {
	for _, c := range []struct {
		name, in string
		n        int
	}{
		{"array", `[{"code":"HBA1C","kind":"primary","measure":"m","time_frame":"26 weeks"},{"code":"W","kind":"secondary","measure":"m","time_frame":"t"}]`, 2},
		{"object", `{"outcomes":[{"code":"HBA1C","kind":"primary","measure":"m","time_frame":"t"}]}`, 1},
		{"no primary", `[{"code":"W","kind":"secondary","measure":"m","time_frame":"t"}]`, 0},
		{"unknown field", `[{"code":"A","kind":"primary","measure":"m","time_frame":"t","name":"Alice"}]`, 0},
		{"duplicate", `[{"code":"A","kind":"primary","measure":"m","time_frame":"t"},{"code":"A","kind":"primary","measure":"m","time_frame":"t"}]`, 0},
		{"bad kind", `[{"code":"A","kind":"main","measure":"m","time_frame":"t"}]`, 0},
		{"empty", ``, 0},
		{"two values", `[] []`, 0},
		{"control character", `[{"code":"A","kind":"primary","measure":"m\u0007","time_frame":"t"}]`, 0},
	} {
		got, err := ParseOutcomes([]byte(c.in))
		if len(got) != c.n || (err == nil) != (c.n > 0) {
			t.Errorf("%s: %d outcomes, %v", c.name, len(got), err)
		}
		if err != nil && !errors.Is(err, ErrInput) {
			t.Errorf("%s: error %v is not ErrInput", c.name, err)
		}
	}
}

func TestParseResults(t *testing.T) {
	for _, c := range []struct {
		name, in string
		n        int
	}{
		{"array", `[{"outcome":"HBA1C","summary":"fell"}]`, 1},
		{"object", `{"results":[{"outcome":"A","summary":"s"},{"outcome":"B","summary":"s"}]}`, 2},
		{"twice", `[{"outcome":"A","summary":"s"},{"outcome":"A","summary":"t"}]`, 0},
		{"no summary", `[{"outcome":"A"}]`, 0},
		{"none", `[]`, 0},
		{"unknown field", `[{"outcome":"A","summary":"s","p":0.01}]`, 0},
	} {
		got, err := ParseResults([]byte(c.in))
		if len(got) != c.n || (err == nil) != (c.n > 0) {
			t.Errorf("%s: %d results, %v", c.name, len(got), err)
		}
	}
}

// TestEnrolment: a request verifies with the patient's key for its site
// only; any change to it, or another patient's key, fails.
func TestEnrolment(t *testing.T) {
	alice, bob := keystore.FromSeed("patient/alice", []byte("a")), keystore.FromSeed("patient/bob", []byte("b"))
	e, err := NewEnrolment(alice.Sign, "pat-alice", "NCT1", "northside-hospital", "n1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(e)
	back, err := ParseEnrolment(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(alice.SignPub(), "northside-hospital"); err != nil {
		t.Fatalf("a good request: %v", err)
	}
	if back.Verify(bob.SignPub(), "northside-hospital") == nil {
		t.Fatal("verified with another patient's key")
	}
	if back.Verify(alice.SignPub(), "lakeside-clinic") == nil {
		t.Fatal("verified for another site")
	}
	k, _ := pseudonym.Derive(alice.Sign, trials.Context("NCT1"))
	if e.Subject != k.ID() {
		t.Fatal("the subject is not the trial's pseudonym")
	}
	other, _ := NewEnrolment(alice.Sign, "pat-alice", "NCT2", "northside-hospital", "n1")
	if other.Subject == e.Subject {
		t.Fatal("one patient has one subject id in two trials")
	}
	for _, edit := range []struct{ from, to string }{
		{`"trial":"NCT1"`, `"trial":"NCT2"`},
		{`"site":"northside-hospital"`, `"site":"lakeside-clinic"`},
		{`"format":"` + EnrolmentFormat, `"format":"x`},
		{`"subject":"psn-`, `"subject":"psn-a`},
		{`"nonce":"n1"`, `"nonce":""`},
		{`{"format"`, `{"extra":1,"format"`},
	} {
		if _, err := ParseEnrolment([]byte(strings.Replace(string(b), edit.from, edit.to, 1))); err == nil {
			t.Errorf("a request edited %s -> %s parsed", edit.from, edit.to)
		}
	}
	// A changed nonce parses (it is the participant's) but no longer
	// verifies.
	tampered, err := ParseEnrolment([]byte(strings.Replace(string(b), `"nonce":"n1"`, `"nonce":"n2"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if tampered.Verify(alice.SignPub(), "northside-hospital") == nil {
		t.Fatal("a request with a changed nonce verified")
	}
}

func FuzzParseOutcomes(f *testing.F) {
	f.Add([]byte(`[{"code":"HBA1C","kind":"primary","measure":"m","time_frame":"t"}]`))
	f.Add([]byte(`{"outcomes":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := ParseOutcomes(b)
		if err == nil && trials.CheckOutcomes(list) != nil {
			t.Fatal("parsed outcomes the chain refuses")
		}
	})
}

func FuzzParseResults(f *testing.F) {
	f.Add([]byte(`[{"outcome":"A","summary":"s"}]`))
	f.Add([]byte(`{"results":[{"outcome":"A","summary":"s"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := ParseResults(b)
		if err == nil && (len(list) == 0 || len(list) > trials.MaxOutcomes) {
			t.Fatalf("parsed %d results", len(list))
		}
	})
}

func FuzzParseEnrolment(f *testing.F) {
	alice := keystore.FromSeed("patient/alice", []byte("a"))
	e, _ := NewEnrolment(alice.Sign, "pat-alice", "NCT1", "northside-hospital", "n1")
	good, _ := json.Marshal(e)
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEnrolment(b)
		if err != nil {
			return
		}
		if e.Subject != pseudonym.ID(ed25519.PublicKey(e.SignKey)) || e.Ownership.Audience != e.Site {
			t.Fatal("parsed an inconsistent request")
		}
	})
}
