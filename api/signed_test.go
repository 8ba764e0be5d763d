package api_test

import (
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// TestSignedReads: a signed GET names its signer (member or patient) as
// the chain knows them; an unsigned one is refused by Require and passes
// Optional as anonymous; a replayed, stale, wrongly signed or unknown
// signer's request is refused with its code.
func TestSignedReads(t *testing.T) {
	c := chaintest.Demo()
	ch := chaintest.New(t, c)
	ch.Block()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sr := api.NewSignedReads(identity.Module{}, func() state.Reader { return ch.Store.Latest() })
	sr.Now = func() time.Time { return now }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, signed, err := sr.Optional(r)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		if !signed {
			w.Write([]byte("anonymous"))
			return
		}
		w.Write([]byte(who.ID + " " + who.Role))
	}))
	defer srv.Close()
	member := "northside-hospital/dr-chen"
	patient := c.Patients[0]
	get := func(signer, keyID string, key ed25519.PrivateKey, at time.Time, nonce string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/v1/claims/clm-1", nil)
		if signer != "" {
			opts := []httpsig.SignOption{}
			if nonce != "" {
				opts = append(opts, httpsig.WithNonce(nonce))
			}
			if err := httpsig.Sign(req, httpsig.JoinKeyID(signer, keyID), key, at, opts...); err != nil {
				t.Fatal(err)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := make([]byte, 4096)
		n, _ := res.Body.Read(b)
		return res.StatusCode, string(b[:n])
	}
	mk := c.Members[0].Key // northside-hospital/admin
	chen := chaintest.NewKey(member)
	if code, body := get("", "", nil, now, ""); code != 200 || body != "anonymous" {
		t.Fatalf("unsigned: %d %s", code, body)
	}
	if code, body := get(member, chen.KeyID(), chen.Sign, now, "nonce-1"); code != 200 || body != member+" clinician" {
		t.Fatalf("member: %d %s", code, body)
	}
	if code, body := get(patient.ID(), patient.Key.KeyID(), patient.Key.Sign, now, ""); code != 200 || body != patient.ID()+" patient" {
		t.Fatalf("patient: %d %s", code, body)
	}
	for _, bad := range []struct {
		name        string
		signer, kid string
		key         ed25519.PrivateKey
		at          time.Time
		nonce       string
		want        medledger.Code
	}{
		{"replayed", member, chen.KeyID(), chen.Sign, now, "nonce-1", httpsig.ErrReplayed},
		{"stale", member, chen.KeyID(), chen.Sign, now.Add(-10 * time.Minute), "", httpsig.ErrExpired},
		{"from the future", member, chen.KeyID(), chen.Sign, now.Add(10 * time.Minute), "", httpsig.ErrNotYetValid},
		{"another's key", member, chen.KeyID(), mk.Sign, now, "", httpsig.ErrBadSignature},
		{"a key not the signer's", member, mk.KeyID(), mk.Sign, now, "", tx.ErrKeyMismatch},
		{"unknown signer", "northside-hospital/nobody", chen.KeyID(), chen.Sign, now, "", tx.ErrUnknownSigner},
	} {
		code, body := get(bad.signer, bad.kid, bad.key, bad.at, bad.nonce)
		if code != api.StatusOf(bad.want.Kind) || !strings.Contains(body, bad.want.Slug) {
			t.Errorf("%s: %d %s, want %d %s", bad.name, code, body, api.StatusOf(bad.want.Kind), bad.want.Slug)
		}
	}
	// Require refuses an unsigned request.
	req := httptest.NewRequest("GET", "/v1/claims/clm-1", nil)
	if _, err := sr.Require(req); !medledger.HasCode(err, httpsig.ErrMissingSignature) {
		t.Fatalf("Require of an unsigned request: %v", err)
	}
}
