package credentials_test

import (
	"context"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/credentialstest"
	"github.com/medledger/medledger/daemon/daemontest"
)

// BenchmarkVerifyAgainstNode is a verifier's whole path, as medledger
// credentials verify takes it: the file checked against what a real node
// answers of it (GET /v1/credentials/{id}, one round trip over loopback
// HTTP), the client and the node on the same machine, as many verifications
// at once as GOMAXPROCS allows times 8. Figures go to BENCHMARKS.md:
//
//	go test -run XXX -bench VerifyAgainstNode -benchtime 5s ./credentials
func BenchmarkVerifyAgainstNode(b *testing.B) {
	n := daemontest.Start(b, credentialstest.Options(daemontest.Options{}))
	credentialstest.Vote(b, n, credentialstest.Authorize("state-medical-board", credentials.MedicalLicense))
	iss := credentialstest.Issue(b, n, "state-medical-board/registrar", credentials.MedicalLicense, "northside-hospital/dr-chen")
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := client.New(n.URL())
		defer c.HTTP.CloseIdleConnections()
		for pb.Next() {
			v, err := c.VerifyCredential(ctx, iss.File, client.VerifyOptions{Now: now})
			if err != nil || !v.Valid {
				panic(v.Failed())
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}
