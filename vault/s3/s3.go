// Package s3 is the vault's driver for S3-compatible object storage (AWS
// S3, MinIO, Ceph, the storage a hospital's IT already runs), so that a
// custodian's documents need not live on the node's own disk.
//
// The vault encrypts every document before it reaches a Store and checks
// every object it reads back, so the bucket holds no secret in the clear
// and is not trusted for integrity; crypto-shredding destroys a
// document's keys whatever the bucket keeps (versions, replicas). The
// driver is trusted, as every Store is, for atomicity (an S3 PUT replaces
// an object whole), ordered durability (objects are PUT one after the
// other, each acknowledged durable before the next) and availability.
//
// It reads no environment or config files: cmd gives it a Config.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/medledger/medledger/vault"
)

// Config of a store.
type Config struct {
	// Endpoint is the service's host[:port], without scheme
	// (s3.eu-central-1.amazonaws.com, minio.hospital.internal:9000).
	Endpoint string `json:"endpoint"`
	// Bucket holds the objects; it MUST exist.
	Bucket string `json:"bucket"`
	// Prefix, if set, is put before every object name ("node1/"), so that
	// several nodes can share a bucket.
	Prefix string `json:"prefix,omitempty"`
	// Region, if the service needs one.
	Region string `json:"region,omitempty"`
	// Insecure talks plain HTTP (a test or a service behind TLS
	// termination on the same host); the default is HTTPS.
	Insecure bool `json:"insecure,omitempty"`
	// AccessKey and SecretKey authenticate; cmd reads them from the
	// environment, never from the config file.
	AccessKey string `json:"-"`
	SecretKey string `json:"-"`
}

// Validate checks the configuration, naming the field at fault.
func (c Config) Validate() error {
	switch {
	case c.Endpoint == "" || strings.Contains(c.Endpoint, "://"):
		return fmt.Errorf("s3: endpoint %q must be host[:port], without a scheme", c.Endpoint)
	case c.Bucket == "":
		return errors.New("s3: bucket is required")
	case c.Prefix != "" && !strings.HasSuffix(c.Prefix, "/"):
		return fmt.Errorf("s3: prefix %q must end with '/'", c.Prefix)
	case c.AccessKey == "" || c.SecretKey == "":
		return errors.New("s3: the access key and secret key are required")
	}
	return nil
}

// Store is a vault.Store on an S3 bucket.
type Store struct {
	c      *minio.Client
	bucket string
	prefix string
}

var _ vault.Store = (*Store)(nil)

// Open connects to the bucket and checks that it exists.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: !cfg.Insecure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3: no bucket %s at %s (create it first)", cfg.Bucket, cfg.Endpoint)
	}
	return &Store{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

func (s *Store) key(name string) string { return s.prefix + name }

// Put stores the objects one after the other: each PUT is atomic and,
// once acknowledged, durable, so a crash leaves a prefix of them.
func (s *Store) Put(ctx context.Context, objs ...vault.Object) error {
	for _, o := range objs {
		if !vault.ValidName(o.Name) {
			return fmt.Errorf("s3: invalid object name %q", o.Name)
		}
	}
	for _, o := range objs {
		_, err := s.c.PutObject(ctx, s.bucket, s.key(o.Name), bytes.NewReader(o.Data), int64(len(o.Data)),
			minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true, SendContentMd5: true, DisableContentSha256: true})
		if err != nil {
			return fmt.Errorf("s3: put %s: %w", o.Name, err)
		}
	}
	return nil
}

func notFound(err error) bool {
	var r minio.ErrorResponse
	return errors.As(err, &r) && (r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound)
}

// Get returns an object, or vault.ErrNotFound.
func (s *Store) Get(ctx context.Context, name string) ([]byte, error) {
	if !vault.ValidName(name) {
		return nil, fmt.Errorf("s3: invalid object name %q", name)
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.key(name), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", name, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if notFound(err) {
		return nil, vault.ErrNotFound.New("no object %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", name, err)
	}
	return b, nil
}

// Size returns an object's length, or vault.ErrNotFound.
func (s *Store) Size(ctx context.Context, name string) (int64, error) {
	if !vault.ValidName(name) {
		return 0, fmt.Errorf("s3: invalid object name %q", name)
	}
	info, err := s.c.StatObject(ctx, s.bucket, s.key(name), minio.StatObjectOptions{})
	if notFound(err) {
		return 0, vault.ErrNotFound.New("no object %s", name)
	}
	if err != nil {
		return 0, fmt.Errorf("s3: stat %s: %w", name, err)
	}
	return info.Size, nil
}

// Delete removes an object; an absent one is no error. The bucket may
// keep old versions: the vault's crypto-shredding does not rely on their
// going (it destroys the keys), but a bucket for documents should not
// keep versions.
func (s *Store) Delete(ctx context.Context, name string) error {
	if !vault.ValidName(name) {
		return fmt.Errorf("s3: invalid object name %q", name)
	}
	err := s.c.RemoveObject(ctx, s.bucket, s.key(name), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return fmt.Errorf("s3: delete %s: %w", name, err)
	}
	return nil
}

// List yields the names starting with prefix, in lexical order (S3 lists
// keys in UTF-8 binary order; object names are ASCII).
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for info := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.key(prefix), Recursive: true}) {
			if info.Err != nil {
				yield("", fmt.Errorf("s3: list %s: %w", prefix, info.Err))
				return
			}
			if !yield(strings.TrimPrefix(info.Key, s.prefix), nil) {
				return
			}
		}
	}
}
