package vault

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
)

// Store is where a Vault keeps its objects: opaque byte strings under
// slash-separated names (see ValidName). The vault encrypts before it calls
// a Store and checks every object it reads back, so a Store holds no secret
// in the clear and is not trusted for integrity; it is trusted for
// atomicity and durability, as below, and for availability.
//
// Drivers: vault/disk (local folder, the embedded default) and MemStore
// (tests). A driver checks its conformance with vault/storetest.
type Store interface {
	// Put stores each object under its name, replacing any object of that
	// name. Each object MUST be written atomically: a reader, or a restart
	// after a crash at any point, sees the old object or the new one whole,
	// never a part of either. The objects MUST become durable in order: after
	// a crash, a new object is never there unless all those before it in objs
	// are. When Put returns nil, all of them are durable. An invalid name
	// fails the whole Put before anything is written. Put MUST NOT keep any
	// Data after it returns.
	Put(ctx context.Context, objs ...Object) error
	// Get returns the object. Returns ErrNotFound if there is none.
	Get(ctx context.Context, name string) ([]byte, error)
	// Size returns the object's length in bytes. Returns ErrNotFound if
	// there is none.
	Size(ctx context.Context, name string) (int64, error)
	// Delete removes the object, durably when it returns nil; removing an
	// absent object is no error. A driver SHOULD make the old bytes hard to
	// recover (overwrite, or the medium's secure delete) where it can; the
	// vault's guarantee does not depend on it.
	Delete(ctx context.Context, name string) error
	// List yields the names that start with prefix, in lexical order. It
	// MUST NOT yield a partially written object (a temporary file).
	List(ctx context.Context, prefix string) iter.Seq2[string, error]
}

// Object is a named byte string to Put.
type Object struct {
	Name string
	Data []byte
}

// MaxNameLen is the longest valid object name.
const MaxNameLen = 255

// ValidName reports whether name is a valid object name: segments of
// lowercase letters, digits, '.', '_' and '-', joined by '/', each segment
// starting with a letter or digit (so '.' and '..' are impossible and
// drivers may use dot-names for their own files), at most MaxNameLen bytes.
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || !isAlnum(seg[0]) {
			return false
		}
		for i := 1; i < len(seg); i++ {
			if c := seg[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// MemStore is a Store in memory, for tests: it keeps nothing across a
// restart and so is no place for real documents.
type MemStore struct {
	mu   sync.RWMutex
	objs map[string][]byte
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{objs: map[string][]byte{}} }

func (m *MemStore) check(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ValidName(name) {
		return ErrMalformed.New("invalid object name %q", name)
	}
	return nil
}

func (m *MemStore) Put(ctx context.Context, objs ...Object) error {
	for _, o := range objs {
		if err := m.check(ctx, o.Name); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range objs {
		m.objs[o.Name] = slices.Clone(o.Data)
	}
	return nil
}

func (m *MemStore) Get(ctx context.Context, name string) ([]byte, error) {
	if err := m.check(ctx, name); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.objs[name]
	if !ok {
		return nil, ErrNotFound.New("no object %s", name)
	}
	return slices.Clone(b), nil
}

func (m *MemStore) Size(ctx context.Context, name string) (int64, error) {
	if err := m.check(ctx, name); err != nil {
		return 0, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.objs[name]
	if !ok {
		return 0, ErrNotFound.New("no object %s", name)
	}
	return int64(len(b)), nil
}

func (m *MemStore) Delete(ctx context.Context, name string) error {
	if err := m.check(ctx, name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.objs[name]; ok {
		clear(b)
		delete(m.objs, name)
	}
	return nil
}

func (m *MemStore) List(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := ctx.Err(); err != nil {
			yield("", err)
			return
		}
		m.mu.RLock()
		var names []string
		for name := range m.objs {
			if strings.HasPrefix(name, prefix) {
				names = append(names, name)
			}
		}
		m.mu.RUnlock()
		slices.Sort(names)
		for _, name := range names {
			if !yield(name, nil) {
				return
			}
		}
	}
}
