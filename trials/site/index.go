package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/medledger/medledger/vault"
)

// indexEntry is what the service knows of one batch it stored, under the
// ref the chain anchors (the id of the document first stored).
type indexEntry struct {
	Ref   string `json:"ref"`
	Trial string `json:"trial"`
	Root  string `json:"root"`
	Count int    `json:"count"`
	// Doc is the batch's current document: Ref, until a removal rewrote it.
	Doc string `json:"doc"`
	// Removed are the subjects whose leaves Doc no longer holds.
	Removed []string `json:"removed,omitempty"`
	// Shred are documents Doc replaced that are still to be crypto-shredded
	// (a crash came between the rewrite and the shredding).
	Shred []string `json:"shred,omitempty"`
}

// index is the service's durable index of batches: one small JSON file
// per batch, named by its ref, each written whole or not at all (a new
// file synced, renamed over the old one, the folder synced). A crash
// leaves every entry as it was before or after the write; it may leave a
// temporary file, which open removes.
type index struct {
	dir string
	// mu orders lookups of a batch's document against its replacement:
	// readers hold it shared while they read the document, the rewrite
	// holds it exclusively while it switches the entry and shreds the old
	// document.
	mu sync.RWMutex
}

const (
	indexExt = ".json"
	tmpPre   = ".tmp-"
)

func openIndex(dir string) (*index, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if strings.HasPrefix(n.Name(), tmpPre) {
			if err := os.Remove(filepath.Join(dir, n.Name())); err != nil {
				return nil, err
			}
		}
	}
	return &index{dir: dir}, nil
}

// path is the file of ref, which MUST be a document id (hex).
func (x *index) path(ref string) (string, error) {
	if _, err := vault.ParseDocID(ref); err != nil {
		return "", fmt.Errorf("site: index: ref %.80q is not a document id", ref)
	}
	return filepath.Join(x.dir, ref+indexExt), nil
}

// get reads the entry of ref; ok is false if the service stored no batch
// under it.
func (x *index) get(ref string) (indexEntry, bool, error) {
	var e indexEntry
	p, err := x.path(ref)
	if err != nil {
		return e, false, nil
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Ref != ref {
		return e, false, fmt.Errorf("site: index entry %s is damaged", p)
	}
	return e, true, nil
}

// put writes e durably.
func (x *index) put(e indexEntry) error {
	p, err := x.path(e.Ref)
	if err != nil {
		return err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(x.dir, tmpPre+"*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(x.dir)
}

// list reads every entry, by ref.
func (x *index) list() ([]indexEntry, error) {
	names, err := os.ReadDir(x.dir)
	if err != nil {
		return nil, err
	}
	var out []indexEntry
	for _, n := range names {
		ref, ok := strings.CutSuffix(n.Name(), indexExt)
		if !ok || strings.HasPrefix(n.Name(), tmpPre) {
			continue
		}
		e, found, err := x.get(ref)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b indexEntry) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
