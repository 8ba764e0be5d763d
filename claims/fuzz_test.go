package claims_test

import (
	"encoding/json"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimstest"
	"github.com/medledger/medledger/tx"
)

// FuzzDecodePolicy: no document makes the policy loader (strict JSON, the
// structure check, CEL compilation, the determinism and cost checks) panic
// or fail other than with a code; what it accepts compiles again the same
// and evaluates within its cost bound on an empty history.
func FuzzDecodePolicy(f *testing.F) {
	g, err := claimstest.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(g.Policy))
	f.Add([]byte(`{"version":1,"effective_from":"2025-01-01","plans":[{"id":"p","deductible_cents":0}],"rules":[{"id":"r","codes":["99213"],"allowed":"units * 100"}]}`))
	f.Add([]byte(`{"version":1,"effective_from":"2025-01-01","plans":[{"id":"p","deductible_cents":0}],"rules":[{"id":"r","codes":["99213"],"allowed":"history.map(a, history.map(b, 1)).size()"}]}`))
	f.Add([]byte(`{"version":1,"rules":[{"allowed":1.5}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := claims.DecodePolicy(b)
		if err != nil {
			if !medledger.HasCode(err, claims.ErrPolicy) && !medledger.HasCode(err, tx.ErrMalformed) {
				t.Fatalf("an error without its code: %v", err)
			}
			return
		}
		again, err := claims.Compile(c.Policy)
		if err != nil || again.Digest != c.Digest {
			t.Fatalf("an accepted policy does not compile again the same: %v", err)
		}
		if c.MaxEstimate() > claims.MaxCost {
			t.Fatalf("accepted with an estimate of %d", c.MaxEstimate())
		}
	})
}

// FuzzDecodeClaim: no body makes the claim decoder panic or fail other
// than with a code; what it accepts round-trips through JSON and passes
// its own check again.
func FuzzDecodeClaim(f *testing.F) {
	g, err := claimstest.Load()
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range g.Cases[:5] {
		b, _ := json.Marshal(c.Claim.Body("psn-aaaaaaaaaaaaaaaaaaaaaaaa"))
		f.Add(b)
	}
	f.Add([]byte(`{"payer":"p","member":"m","lines":[{"code":"99213","diagnosis_pointers":[0]}]}`))
	f.Add([]byte(`{"lines":[],"lines":[]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := claims.DecodeClaim(raw)
		if err != nil {
			if !medledger.HasCode(err, claims.ErrInvalid) && !medledger.HasCode(err, tx.ErrMalformed) {
				t.Fatalf("an error without its code: %v", err)
			}
			return
		}
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		back, err := claims.DecodeClaim(out)
		if err != nil {
			t.Fatalf("an accepted claim does not decode again: %v\n%s", err, out)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("round trip changed the claim:\n%s\n%s", out, again)
		}
	})
}
