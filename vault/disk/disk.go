// Package disk is the vault's embedded storage driver: objects are files
// under one folder on local disk, the default of a medledger node.
//
// It owns the folder's layout and the atomic, durable file writes the
// vault.Store contract asks for. It MUST NOT interpret what it stores (the
// vault encrypts and checks every object), and it holds no key.
//
// Layout: an object named "doc/ab/abcd...keys" is the file
// <folder>/doc/ab/abcd...keys; folders are 0700, files 0600. A write goes to
// a temporary file ".tmp-*" beside its target, is fsynced, renamed over the
// target, and the folder is fsynced, so a crash leaves the old file or the
// new one whole; the objects of one Put are renamed in order, with a folder
// sync between renames. Temporary files left by a crash are removed by Open. A
// file ".lock" in the folder, held with flock(2), keeps a second process
// (or a second Open) from using the same folder.
package disk

import (
	"context"
	"errors"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/medledger/medledger/vault"
)

// Options tune a Store. The zero value is the safe default.
type Options struct {
	// NoSync skips every fsync. Writes stay atomic against a crash of the
	// process but not of the machine: a power loss may lose a document Put
	// reported stored, or leave an empty file that the vault then reads as
	// corrupt. For benchmarks and throwaway tests only; MUST NOT be set on a
	// node that keeps real documents.
	NoSync bool
	// NoOverwrite skips overwriting a file with zeros before removing it.
	// The overwrite is best effort anyway (SSDs, journals and copy-on-write
	// filesystems may keep old blocks); what makes Delete safe is that no
	// live file keeps a key.
	NoOverwrite bool
}

const (
	tmpPrefix = ".tmp-"
	lockName  = ".lock"
)

// Store is a vault.Store on a local folder. It is safe for concurrent use.
type Store struct {
	dir    string
	opts   Options
	lock   *os.File
	closed atomic.Bool
	dirs   sync.Map // object folders known to exist (relative, slash form)
}

var _ vault.Store = (*Store)(nil)

// Open opens (creating if missing, 0700) the store in dir, takes its lock
// and removes temporary files a crash left behind.
//
// Returns vault.ErrInsecurePermissions if dir is open to group or others,
// vault.ErrLocked if another Store holds dir.
func Open(dir string, opts Options) (*Store, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, vault.ErrInvalidConfig.New("vault folder %s is not a folder", dir)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, vault.ErrInsecurePermissions.New("vault folder %s has mode %v: run chmod 700 %s", dir, st.Mode().Perm(), dir)
	}
	lf, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(lf); err != nil {
		lf.Close()
		return nil, vault.ErrLocked.Wrap(err, "vault folder %s is in use by another process", dir)
	}
	s := &Store{dir: dir, opts: opts, lock: lf}
	if err := s.removeTemps(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the folder. The Store is unusable afterwards.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	unlockFile(s.lock)
	return s.lock.Close()
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// removeTemps deletes the temporary files of writes a crash interrupted:
// none of them was ever renamed into place, so none is an object.
func (s *Store) removeTemps() error {
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), tmpPrefix) {
			return os.Remove(path)
		}
		return nil
	})
}

func (s *Store) path(ctx context.Context, name string) (string, error) {
	if s.closed.Load() {
		return "", errors.New("disk: store is closed")
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if !vault.ValidName(name) {
		return "", vault.ErrMalformed.New("invalid object name %q", name)
	}
	return filepath.Join(s.dir, filepath.FromSlash(name)), nil
}

func (s *Store) sync(f *os.File) error {
	if s.opts.NoSync {
		return nil
	}
	return f.Sync()
}

func (s *Store) syncDir(dir string) error {
	if s.opts.NoSync || runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ensureDir creates the folders of an object name, 0700, syncing each
// parent whose entries changed so the new folder survives a crash.
func (s *Store) ensureDir(name string) error {
	rel := filepath.Dir(filepath.FromSlash(name))
	if rel == "." {
		return nil
	}
	if _, ok := s.dirs.Load(rel); ok {
		return nil
	}
	parent := s.dir
	for part := range strings.SplitSeq(rel, string(filepath.Separator)) {
		p := filepath.Join(parent, part)
		err := os.Mkdir(p, 0o700)
		switch {
		case err == nil:
			if err := s.syncDir(parent); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return err
		}
		parent = p
	}
	s.dirs.Store(rel, true)
	return nil
}

// Put writes each object to a temporary file in its target's folder and
// syncs it, all objects at once (their fsyncs overlap); then, in order,
// renames each over its target and syncs the folder. The folder sync
// between two renames is what keeps them in order across a crash.
func (s *Store) Put(ctx context.Context, objs ...vault.Object) error {
	paths := make([]string, len(objs))
	for i, o := range objs {
		p, err := s.path(ctx, o.Name)
		if err != nil {
			return err
		}
		if err := s.ensureDir(o.Name); err != nil {
			return err
		}
		paths[i] = p
	}
	tmps := make([]string, len(objs))
	errs := make([]error, len(objs))
	defer func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t) // only those not renamed into place
			}
		}
	}()
	var wg sync.WaitGroup
	for i := 1; i < len(objs); i++ {
		wg.Go(func() { tmps[i], errs[i] = s.stage(filepath.Dir(paths[i]), objs[i].Data) })
	}
	if len(objs) > 0 {
		tmps[0], errs[0] = s.stage(filepath.Dir(paths[0]), objs[0].Data)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := os.Rename(tmps[i], p); err != nil {
			return err
		}
		tmps[i] = ""
		if err := s.syncDir(filepath.Dir(p)); err != nil {
			return err
		}
	}
	return nil
}

// stage writes data to a new temporary file in dir and syncs it. On error
// it removes the file and returns "".
func (s *Store) stage(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, tmpPrefix+"*") // mode 0600
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = s.sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// Get reads the file.
func (s *Store) Get(ctx context.Context, name string) ([]byte, error) {
	path, err := s.path(ctx, name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, vault.ErrNotFound.New("no object %s", name)
	}
	return b, err
}

// Size stats the file.
func (s *Store) Size(ctx context.Context, name string) (int64, error) {
	path, err := s.path(ctx, name)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, vault.ErrNotFound.New("no object %s", name)
	}
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, vault.ErrNotFound.New("no object %s (not a regular file)", name)
	}
	return st.Size(), nil
}

// Delete overwrites the file with zeros (unless NoOverwrite), syncs it,
// removes it and syncs the folder.
func (s *Store) Delete(ctx context.Context, name string) error {
	path, err := s.path(ctx, name)
	if err != nil {
		return err
	}
	if !s.opts.NoOverwrite {
		if err := s.overwrite(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
	}
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return s.syncDir(filepath.Dir(path))
}

func (s *Store) overwrite(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, min(st.Size(), 64<<10))
	for off := int64(0); off < st.Size(); off += int64(len(zeros)) {
		n := min(int64(len(zeros)), st.Size()-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return err
		}
	}
	return s.sync(f)
}

// List walks the folder in lexical order, skipping temporary and lock files.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if s.closed.Load() {
			yield("", errors.New("disk: store is closed"))
			return
		}
		// Walk only the folder that holds every name with this prefix.
		root := s.dir
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			root = filepath.Join(s.dir, filepath.FromSlash(prefix[:i]))
		}
		stop := errors.New("stop")
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // removed while we walked, or no such prefix
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(s.dir, path)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(rel)
			if !strings.HasPrefix(name, prefix) || !vault.ValidName(name) {
				return nil
			}
			if !yield(name, nil) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			yield("", err)
		}
	}
}
