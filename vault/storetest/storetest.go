// Package storetest checks that a vault.Store driver keeps the Store
// contract. A driver's test calls Run with a function that opens a fresh,
// empty store; the in-memory store, vault/disk and any later driver (S3)
// run the same checks.
//
// It owns only tests of the contract; it MUST NOT be imported outside tests.
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
)

// Run runs the contract checks, each as a subtest on a fresh store.
func Run(t *testing.T, open func(t *testing.T) vault.Store) {
	ctx := context.Background()

	t.Run("put-get-replace", func(t *testing.T) {
		s := open(t)
		data := []byte("first")
		if err := put(s, ctx, "a/b/c.blob", data); err != nil {
			t.Fatal(err)
		}
		data[0] = 'X' // Put MUST NOT keep data
		mustGet(t, s, "a/b/c.blob", "first")
		if err := put(s, ctx, "a/b/c.blob", []byte("second, longer")); err != nil {
			t.Fatal(err)
		}
		mustGet(t, s, "a/b/c.blob", "second, longer")
		if n, err := s.Size(ctx, "a/b/c.blob"); err != nil || n != int64(len("second, longer")) {
			t.Fatalf("Size = %d, %v; want %d", n, err, len("second, longer"))
		}
		if err := put(s, ctx, "empty", nil); err != nil {
			t.Fatal(err)
		}
		mustGet(t, s, "empty", "")
	})

	t.Run("put-several", func(t *testing.T) {
		s := open(t)
		must(t, s.Put(ctx,
			vault.Object{Name: "p/1.blob", Data: []byte("one")},
			vault.Object{Name: "p/1.keys", Data: []byte("two")},
			vault.Object{Name: "q/3", Data: []byte("three")}))
		mustGet(t, s, "p/1.blob", "one")
		mustGet(t, s, "p/1.keys", "two")
		mustGet(t, s, "q/3", "three")
		must(t, s.Put(ctx)) // nothing to do
		// An invalid name fails the whole Put before anything is written.
		err := s.Put(ctx, vault.Object{Name: "p/2", Data: []byte("x")}, vault.Object{Name: "../escape", Data: []byte("x")})
		if err == nil {
			t.Fatal("Put with an invalid name succeeded")
		}
		if _, err := s.Get(ctx, "p/2"); !medledger.HasCode(err, vault.ErrNotFound) {
			t.Fatalf("a refused Put wrote its first object: %v", err)
		}
	})

	t.Run("not-found", func(t *testing.T) {
		s := open(t)
		if _, err := s.Get(ctx, "no/such"); !medledger.HasCode(err, vault.ErrNotFound) {
			t.Fatalf("Get of a missing object: %v, want ErrNotFound", err)
		}
		if _, err := s.Size(ctx, "no/such"); !medledger.HasCode(err, vault.ErrNotFound) {
			t.Fatalf("Size of a missing object: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "no/such"); err != nil {
			t.Fatalf("Delete of a missing object: %v, want nil", err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		s := open(t)
		must(t, put(s, ctx, "x/y", []byte("data")))
		must(t, s.Delete(ctx, "x/y"))
		if _, err := s.Get(ctx, "x/y"); !medledger.HasCode(err, vault.ErrNotFound) {
			t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
		}
		must(t, s.Delete(ctx, "x/y"))
	})

	t.Run("invalid-names", func(t *testing.T) {
		s := open(t)
		for _, name := range []string{"", "/a", "a/", "a//b", ".", "..", "a/../b", ".tmp-x", "a/.lock", "A", "a b", "a\\b",
			string(bytes.Repeat([]byte("a"), vault.MaxNameLen+1))} {
			if err := put(s, ctx, name, []byte("x")); err == nil {
				t.Errorf("Put(%q) accepted an invalid name", name)
			}
			if _, err := s.Get(ctx, name); err == nil || medledger.HasCode(err, vault.ErrNotFound) {
				t.Errorf("Get(%q) = %v, want an invalid-name error", name, err)
			}
		}
	})

	t.Run("list", func(t *testing.T) {
		s := open(t)
		names := []string{"doc/00/b", "doc/00/a", "doc/ff/c", "doc/0a/d", "other/e", "docx"}
		for _, n := range names {
			must(t, put(s, ctx, n, []byte(n)))
		}
		got := list(t, s, "doc/")
		want := []string{"doc/00/a", "doc/00/b", "doc/0a/d", "doc/ff/c"}
		if !slices.Equal(got, want) {
			t.Fatalf("List(doc/) = %v, want %v", got, want)
		}
		if got := list(t, s, "doc/00/"); !slices.Equal(got, want[:2]) {
			t.Fatalf("List(doc/00/) = %v, want %v", got, want[:2])
		}
		if got := list(t, s, "nothing/"); len(got) != 0 {
			t.Fatalf("List(nothing/) = %v, want none", got)
		}
		all := list(t, s, "")
		if !slices.IsSorted(all) || len(all) < len(names) {
			t.Fatalf("List() = %v, want all %d names sorted", all, len(names))
		}
		// Stopping early is allowed.
		for range s.List(ctx, "doc/") {
			break
		}
	})

	t.Run("canceled", func(t *testing.T) {
		s := open(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := put(s, cctx, "a", []byte("x")); err == nil {
			t.Fatal("Put with a canceled context succeeded")
		}
		if _, err := s.Get(ctx, "a"); !medledger.HasCode(err, vault.ErrNotFound) {
			t.Fatalf("a canceled Put left an object: %v", err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					name := fmt.Sprintf("c/%d/%d", g%3, i)
					data := bytes.Repeat([]byte{byte(g)}, 100+i)
					if err := put(s, ctx, name, data); err != nil {
						t.Error(err)
						return
					}
					// Another goroutine may replace it, but never with a part of an object.
					b, err := s.Get(ctx, name)
					if err != nil {
						t.Error(err)
						return
					}
					if len(b) != 100+i || !bytes.Equal(b, bytes.Repeat(b[:1], len(b))) {
						t.Errorf("Get(%s) returned a mix of writes", name)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// put stores one object.
func put(s vault.Store, ctx context.Context, name string, data []byte) error {
	return s.Put(ctx, vault.Object{Name: name, Data: data})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, s vault.Store, name, want string) {
	t.Helper()
	got, err := s.Get(context.Background(), name)
	if err != nil {
		t.Fatalf("Get(%s): %v", name, err)
	}
	if string(got) != want {
		t.Fatalf("Get(%s) = %q, want %q", name, got, want)
	}
}

func list(t *testing.T, s vault.Store, prefix string) []string {
	t.Helper()
	var out []string
	for name, err := range s.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, name)
	}
	return out
}
