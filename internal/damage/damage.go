// Package damage damages copies of node homes the ways disks and hands
// damage them, for tests: a value edited in the application database
// (with the database's own checksums intact, as an editing tool leaves
// them), bytes flipped or cut off in a file (as a failing disk or a torn
// copy leaves them), a range of blocks lost from CometBFT's block store,
// entries lost from the transaction index.
//
// It MUST NOT be imported by anything but tests, and MUST only be pointed
// at copies.
package damage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// EditValue rewrites, in the application state database of appDir (a
// home's data/app), every stored version of the leaf of key with value, as
// someone with a database tool would: IAVL's stored hashes above it, and
// the database's checksums, stay valid. It returns how many leaf nodes it
// rewrote.
func EditValue(appDir string, key, value []byte) (int, error) {
	db, err := leveldb.OpenFile(filepath.Join(appDir, "application.db"), nil)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	it := db.NewIterator(util.BytesPrefix([]byte("s")), nil)
	defer it.Release()
	n := 0
	for it.Next() {
		k, ok := leafKey(it.Value())
		if !ok || string(k) != string(key) {
			continue
		}
		if err := db.Put(append([]byte(nil), it.Key()...), encodeLeaf(key, value), nil); err != nil {
			return n, err
		}
		n++
	}
	if err := it.Error(); err != nil {
		return n, err
	}
	if n == 0 {
		return 0, fmt.Errorf("no leaf %q in %s", key, appDir)
	}
	return n, nil
}

// leafKey decodes an IAVL v1 node's key when the node is a leaf:
// height 0 and size 1 (zigzag varints), then the length-prefixed key.
func leafKey(b []byte) ([]byte, bool) {
	h, n := binary.Varint(b)
	if n <= 0 || h != 0 {
		return nil, false
	}
	b = b[n:]
	if _, n = binary.Varint(b); n <= 0 {
		return nil, false
	}
	b = b[n:]
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return nil, false
	}
	return b[n : n+int(l)], true
}

func encodeLeaf(key, value []byte) []byte {
	b := binary.AppendVarint(nil, 0)
	b = binary.AppendVarint(b, 1)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}

// FlipBytes inverts n bytes of the file at path from offset off.
func FlipBytes(path string, off int64, n int) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		return err
	}
	for i := range b {
		b[i] ^= 0xff
	}
	_, err = f.WriteAt(b, off)
	return err
}

// Size is the size of the file at path.
func Size(t interface{ Fatal(...any) }, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Truncate cuts the file at path to frac of its size.
func Truncate(path string, frac float64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, int64(float64(fi.Size())*frac))
}

// Files lists the files of a goleveldb database folder whose names end
// with suffix (".ldb" tables, ".log" journals), largest first.
func Files(dbDir, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dbDir)
	if err != nil {
		return nil, err
	}
	type sized struct {
		path string
		size int64
	}
	var fs []sized
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), suffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		fs = append(fs, sized{filepath.Join(dbDir, e.Name()), info.Size()})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].size > fs[j].size })
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.path
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s file in %s", suffix, dbDir)
	}
	return out, nil
}

// DropBlocks deletes blocks from to to (inclusive) from the CometBFT
// block store of dataDir (a home's data), the way a damaged journal that
// goleveldb skips on recovery loses them: their metadata, parts, commits
// and hash index entries go, the store's own height stays.
func DropBlocks(dataDir string, from, to int64) error {
	db, err := leveldb.OpenFile(filepath.Join(dataDir, "blockstore.db"), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	b := new(leveldb.Batch)
	for h := from; h <= to; h++ {
		for _, p := range []string{"H", "C", "SC", "EC"} {
			b.Delete(fmt.Appendf(nil, "%s:%d", p, h))
		}
		it := db.NewIterator(util.BytesPrefix(fmt.Appendf(nil, "P:%d:", h)), nil)
		for it.Next() {
			b.Delete(append([]byte(nil), it.Key()...))
		}
		it.Release()
	}
	if b.Len() == 0 {
		return errors.New("nothing to drop")
	}
	return db.Write(b, nil)
}

// DropIndexEntries deletes every other transaction-hash entry of the
// node's transaction index in dataDir (a home's data), as a damaged
// journal loses them, and returns how many it deleted.
func DropIndexEntries(dataDir string) (int, error) {
	db, err := leveldb.OpenFile(filepath.Join(dataDir, "txindex.db"), nil)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	it := db.NewIterator(util.BytesPrefix([]byte("h/")), nil)
	b := new(leveldb.Batch)
	i := 0
	for it.Next() {
		if i%2 == 0 {
			b.Delete(append([]byte(nil), it.Key()...))
		}
		i++
	}
	it.Release()
	if b.Len() == 0 {
		return 0, errors.New("no index entries")
	}
	return b.Len(), db.Write(b, nil)
}
