package vc_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/vc"
)

// BenchmarkVerify is one verification of a credential file against the
// chain's facts (parse, digest, EdDSA signature, record, issuer, status,
// validity): a verifier's own work once it holds the facts. Figures go to
// BENCHMARKS.md:
//
//	go test -run XXX -bench Verify -benchtime 3s ./credentials/vc
func BenchmarkVerify(b *testing.B) {
	file, body, err := vc.Issue(issuance(), boardKey)
	if err != nil {
		b.Fatal(err)
	}
	ch := vc.Chain{Facts: facts(&testing.T{}, body), Now: t0}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if v, _ := vc.Verify(file, ch); !v.Valid {
			b.Fatal(v.Failed())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkVerifyParallel is BenchmarkVerify on every core.
func BenchmarkVerifyParallel(b *testing.B) {
	file, body, err := vc.Issue(issuance(), boardKey)
	if err != nil {
		b.Fatal(err)
	}
	ch := vc.Chain{Facts: facts(&testing.T{}, body), Now: t0}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, _ := vc.Verify(file, ch); !v.Valid {
				panic(v.Failed())
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkVerifyPresentation is a presentation's verification: the
// holder's signature and binding, then the credential inside.
func BenchmarkVerifyPresentation(b *testing.B) {
	file, body, err := vc.Issue(issuance(), boardKey)
	if err != nil {
		b.Fatal(err)
	}
	vp, err := vc.Present(file, "northside-hospital/dr-chen", chenKey, "cityrx-pharmacy", "n", t0, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	ch := vc.Chain{Facts: facts(&testing.T{}, body), Now: t0}
	pub := chenKey.Public().(ed25519.PublicKey)
	exp := vc.Expect{Audience: "cityrx-pharmacy", Nonce: "n"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := vc.ParsePresentation(vp)
		if err != nil {
			b.Fatal(err)
		}
		v, _ := vc.Verify(p.Credential, ch)
		vc.CheckPresentation(&v, p, pub, body.Subject, exp, t0, func() (bool, error) { return true, nil })
		if !v.Valid || len(v.Checks) != 13 {
			b.Fatal(v.Checks)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

var _ = credentials.ListSize
