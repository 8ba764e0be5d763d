package s3_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/s3"
	"github.com/medledger/medledger/vault/storetest"
)

// fakeS3 runs an in-process S3 service with an empty bucket and returns a
// config for it and the backend, to look at what is stored.
func fakeS3(t *testing.T) (s3.Config, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("documents"); err != nil {
		t.Fatal(err)
	}
	return s3.Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "documents", Prefix: "node1/", Insecure: true,
		AccessKey: "test", SecretKey: "test-secret"}, backend
}

// TestStoreContract runs the vault's store contract against the S3
// driver, as vault/disk and the memory store run it.
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		cfg, _ := fakeS3(t)
		st, err := s3.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// TestVaultOnS3: documents stored through the vault on S3 are encrypted in
// the bucket, read back, and unreadable after erasure (crypto-shredding
// destroyed the keys), though a bucket could keep old bytes.
func TestVaultOnS3(t *testing.T) {
	ctx := context.Background()
	cfg, backend := fakeS3(t)
	st, err := s3.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kek, err := vault.CreateKEK(vault.KEKConfig{Path: t.TempDir() + "/kek.json", Protection: vault.KEKUnprotected})
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(ctx, st, kek, vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	reader, _ := ecdh.X25519().GenerateKey(rand.Reader)
	doc := []byte(`{"resourceType":"Observation","note":"MARKER-S3-4711"}`)
	rec, err := v.Put(ctx, doc, reader.PublicKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Open(ctx, rec.ID, reader)
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Nothing in the bucket holds the document in the clear.
	objs, err := backend.ListBucket("documents", nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) == 0 {
		t.Fatal("the bucket is empty after a Put")
	}
	for _, o := range objs.Contents {
		if !strings.HasPrefix(o.Key, "node1/") {
			t.Errorf("object %s is outside the node's prefix", o.Key)
		}
		obj, err := backend.GetObject("documents", o.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, obj.Size)
		_, _ = obj.Contents.Read(b)
		if bytes.Contains(b, []byte("MARKER-S3-4711")) {
			t.Fatalf("object %s holds the document in the clear", o.Key)
		}
	}
	if err := v.Delete(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, rec.ID, reader); !medledger.HasCode(err, vault.ErrGone) {
		t.Fatalf("Open after erasure: %v, want gone", err)
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []s3.Config{
		{},
		{Endpoint: "https://s3.example", Bucket: "b", AccessKey: "a", SecretKey: "s"},
		{Endpoint: "s3.example", AccessKey: "a", SecretKey: "s"},
		{Endpoint: "s3.example", Bucket: "b", Prefix: "x", AccessKey: "a", SecretKey: "s"},
		{Endpoint: "s3.example", Bucket: "b"},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v validates", c)
		}
	}
	cfg, _ := fakeS3(t)
	cfg.Bucket = "missing"
	if _, err := s3.Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "no bucket") {
		t.Fatalf("Open of a missing bucket: %v", err)
	}
}
