package cmdline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// FileErr is err, a failure to open, read or write the file at path, as a
// file error (cli/6) that repeats at most a short prefix of path, with a
// hint: hint when given, else one for the cause (no such file, no
// permission, a folder).
func FileErr(path string, err error, hint string) error {
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err
	}
	if hint == "" {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			hint = "check the path: there is no such file (or folder) there"
		case errors.Is(err, fs.ErrPermission):
			hint = "check the file's and its folder's permissions"
		case errors.Is(err, syscall.EISDIR):
			hint = "give a file, not a folder"
		default:
			hint = "check the file"
		}
	}
	return Hint(Fail(ErrFile, "%s: %v", Short(path), cause), "%s", hint)
}

// OutFile is the file of an --out FILE flag, opened for writing before the
// command sends anything: a command whose answer cannot be saved MUST NOT
// first act (a read logged as a disclosure its reader never saw, a lot
// commissioned whose codes are lost). It is written whole by Commit, or
// left as it was by Abort.
type OutFile struct {
	path string
	f    *os.File
	// tmp: f is a new file in path's folder, renamed onto path by Commit,
	// so that a failed write leaves no partial file (and an existing file
	// untouched). Else f is path itself: a device or pipe.
	tmp bool
}

// CreateOut checks that the file at path (the value of flag, e.g. "--out")
// can be written, and opens it for writing; a new file gets permissions
// perm. It is refused with a usage error when path is a folder, with a file
// error when its folder does not exist or may not be written.
func CreateOut(flag, path string, perm fs.FileMode) (*OutFile, error) {
	if path == "" {
		return nil, Hint(Usage("%s needs a file name", flag), "e.g. %s record.json", flag)
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, Hint(Usage("%s %s is a folder, not a file", flag, Short(path)), "give a file's name, e.g. %s %s", flag, filepath.Join(Short(path), "out.json"))
	case err == nil && !fi.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, FileErr(path, err, "")
		}
		return &OutFile{path: path, f: f}, nil
	case err == nil:
		// An existing file is replaced only if it may be written.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, FileErr(path, err, "the file exists and may not be written: give another "+flag+" or check its permissions")
		}
		f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return nil, FileErr(path, err, "")
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = &fs.PathError{Op: "stat", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil, FileErr(path, err, fmt.Sprintf("the folder %s does not exist: create it, or give %s a file in a folder that does", Short(dir), flag))
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if err != nil {
		hint := ""
		if errors.Is(err, fs.ErrPermission) {
			hint = fmt.Sprintf("the folder %s may not be written: give %s a file in a folder you may write", Short(dir), flag)
		}
		return nil, FileErr(path, err, hint)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, FileErr(path, err, "")
	}
	return &OutFile{path: path, f: f, tmp: true}, nil
}

// Path is the file's path, as given.
func (o *OutFile) Path() string { return o.path }

// Write writes p to the file, for a command whose output is too large to
// hold in memory (a trial's data export): it streams with Write, then
// calls Commit(nil). Nothing reaches path before Commit.
func (o *OutFile) Write(p []byte) (int, error) { return o.f.Write(p) }

// Commit writes b as the file's whole content (after what Write wrote, if
// anything), and puts the file at its path. On failure nothing is left
// at the path but what was there before (a device or pipe may have taken
// part of b).
func (o *OutFile) Commit(b []byte) error {
	_, err := o.f.Write(b)
	if o.tmp && err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if o.tmp && err == nil {
		err = os.Rename(o.f.Name(), o.path)
	}
	if err != nil {
		if o.tmp {
			os.Remove(o.f.Name())
		}
		return FileErr(o.path, err, "")
	}
	return nil
}

// Abort closes the file, leaving the path as it was. It may be called after
// Commit, to no effect.
func (o *OutFile) Abort() {
	if o == nil {
		return
	}
	if o.f.Close() == nil && o.tmp {
		os.Remove(o.f.Name())
	}
}
