package vault_test

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

var benchSizes = []struct {
	name string
	n    int
}{{"4KiB", 4 << 10}, {"1MiB", 1 << 20}}

// benchVault is a vault on disk, durable (the default) or with fsync off.
func benchVault(b *testing.B, sync bool) *testVault {
	dir := filepath.Join(b.TempDir(), "vault")
	v := openTestVault(b, dir, vault.GenerateKEK(), disk.Options{NoSync: !sync})
	if sync {
		flushDisk()
	}
	return v
}

// BenchmarkPut encrypts and stores a document for one reader (and the
// custodian): AES-256-GCM, SHA-256 of the blob, HMAC-SHA256 digest, two
// HPKE wraps, two atomic file writes. "durable" fsyncs the files and their
// folder (4 fsyncs per Put), as a node does; "nosync" shows the cost of the
// rest.
func BenchmarkPut(b *testing.B) {
	reader := pub(newKey(b))
	for _, size := range benchSizes {
		for _, sync := range []bool{true, false} {
			b.Run(fmt.Sprintf("size=%s/%s", size.name, syncName(sync)), func(b *testing.B) {
				v := benchVault(b, sync)
				doc := make([]byte, size.n)
				rand.Read(doc)
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				defer reportCPU(b, cpuTime())
				for b.Loop() {
					if _, err := v.Put(ctx, doc, reader); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPutParallel is BenchmarkPut with 8 concurrent writers (an API
// server taking several uploads at once): their fsyncs share journal
// commits, so aggregate throughput rises where one writer waits on the disk.
func BenchmarkPutParallel(b *testing.B) {
	reader := pub(newKey(b))
	for _, size := range benchSizes {
		for _, sync := range []bool{true, false} {
			b.Run(fmt.Sprintf("size=%s/%s", size.name, syncName(sync)), func(b *testing.B) {
				v := benchVault(b, sync)
				doc := make([]byte, size.n)
				rand.Read(doc)
				b.SetBytes(int64(size.n))
				b.SetParallelism(4) // 4 x GOMAXPROCS (2) writers
				defer reportCPU(b, cpuTime())
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := v.Put(ctx, doc, reader); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// reportCPU reports the CPU time per op since start (see cpuTime).
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func syncName(sync bool) string {
	if sync {
		return "durable"
	}
	return "nosync"
}

// BenchmarkOpen loads and decrypts a stored document: read keyring and
// blob, check the keyring MAC, HPKE unwrap, SHA-256 of the blob, AES-GCM,
// HMAC digest check. Reads do not fsync; the files are in the page cache.
func BenchmarkOpen(b *testing.B) {
	reader := newKey(b)
	for _, size := range benchSizes {
		b.Run("size="+size.name, func(b *testing.B) {
			v := benchVault(b, false)
			doc := make([]byte, size.n)
			rand.Read(doc)
			r, err := v.Put(ctx, doc, pub(reader))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			defer reportCPU(b, cpuTime())
			for b.Loop() {
				if _, err := v.Open(ctx, r.ID, reader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpenBlob is the reader's side with no storage: the crypto alone.
func BenchmarkOpenBlob(b *testing.B) {
	reader := newKey(b)
	v, err := vault.New(ctx, vault.NewMemStore(), vault.GenerateKEK(), vault.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range benchSizes {
		b.Run("size="+size.name, func(b *testing.B) {
			doc := make([]byte, size.n)
			rand.Read(doc)
			r, _ := v.Put(ctx, doc, pub(reader))
			blob, _ := v.Get(ctx, r.ID)
			wk, _ := v.Wrap(ctx, r.ID, pub(reader))
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			defer reportCPU(b, cpuTime())
			for b.Loop() {
				if _, err := vault.OpenBlob(blob, wk, reader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
