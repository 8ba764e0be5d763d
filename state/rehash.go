// Rehashing: every node of a version's tree read from the database as
// stored and hashed again, bottom up, independently of IAVL's own code.

package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/medledger/medledger"
)

// Rehash is what a rehash of one version's tree found.
type Rehash struct {
	Version int64
	Nodes   int64  // tree nodes read and hashed
	Leaves  int64  // of them leaves (keys)
	Root    []byte // the root hash recomputed from the leaves
	Stored  []byte // the root hash the tree stored
	// Damage says what is wrong, at most MaxFindings entries; empty when
	// every node hashes to what its parent stored and the root to Stored.
	Damage []string
	Took   time.Duration
}

// OK reports whether the tree is intact.
func (r Rehash) OK() bool { return len(r.Damage) == 0 && bytes.Equal(r.Root, r.Stored) }

// MaxFindings bounds how many findings a rehash lists.
const MaxFindings = 20

// errStopped is a rehash cut short by Close.
var errStopped = errors.New("stopped")

// Rehash reads every node of version's tree from the database (0: the
// latest) and hashes it again from its children's recomputed hashes, as
// IAVL does, comparing each inner node with the hash it stored. It returns
// what it found; an error only when the tree could not be walked at all
// (its root is missing). It takes time in proportion to the state: every
// node is one database read.
func (s *Store) Rehash(version int64) (Rehash, error) {
	if version == 0 {
		version = s.Version()
	}
	return s.rehash(version, nil)
}

// rehash is Rehash, calling leaf with each key.
//
//medledger:nondeterministic-ok runs at node start and in medledger check, never in a transition; the clock only times it
func (s *Store) rehash(version int64, leaf func(key []byte)) (Rehash, error) {
	start := time.Now()
	r := Rehash{Version: version}
	if version == 0 {
		return r, nil
	}
	w := &walker{db: s.db, leaf: leaf, stop: s.closing.Load, r: &r}
	root, err := w.root(version)
	if err != nil {
		return r, err
	}
	if root == nil { // an empty tree
		r.Took = time.Since(start)
		return r, nil
	}
	sub, err := w.walk(root, 0)
	if errors.Is(err, errStopped) {
		return r, err
	}
	if err != nil {
		w.find("the tree cannot be read: %v", err)
	} else {
		r.Root = sub.hash
		if sub.bad {
			w.find("the keys from %s to %s do not hash to the root stored for version %d: a value or a key was changed in the database",
				medledger.Quote(string(sub.first)), medledger.Quote(string(sub.last)), version)
		}
	}
	r.Took = time.Since(start)
	return r, nil
}

// walker reads raw IAVL v1 nodes. NOTE: IAVL's node format, read here
// without IAVL's code so that a bug there is not repeated: height (zigzag
// varint), size (zigzag varint), key (length-prefixed); a leaf then has
// its value (length-prefixed), an inner node its own hash (length-
// prefixed), a mode (zigzag varint) and its children's node keys, each a
// version and a nonce (zigzag varints). Node key k is stored under
// 's' || version (8 bytes) || nonce (4 bytes).
type walker struct {
	db   interface{ Get([]byte) ([]byte, error) }
	leaf func(key []byte)
	stop func() bool
	r    *Rehash
}

// subtree is a walked subtree: its recomputed hash and what its parent
// needs to check it.
type subtree struct {
	hash        []byte
	size        int64
	height      int64
	first, last []byte // its smallest and largest keys
	isLeaf      bool
	bad         bool // some node in it does not hash to what it stored
}

func (w *walker) find(format string, args ...any) {
	if len(w.r.Damage) < MaxFindings {
		w.r.Damage = append(w.r.Damage, fmt.Sprintf(format, args...))
	}
}

func nodeKey(version int64, nonce uint32) []byte {
	k := make([]byte, 13)
	k[0] = 's'
	binary.BigEndian.PutUint64(k[1:], uint64(version))
	binary.BigEndian.PutUint32(k[9:], nonce)
	return k
}

// root returns the database key of version's root node (nil for an
// empty tree), following IAVL's reference to an unchanged older root.
func (w *walker) root(version int64) ([]byte, error) {
	k := nodeKey(version, 1)
	v, err := w.db.Get(k)
	if err != nil {
		return nil, fmt.Errorf("read the root of version %d: %w", version, err)
	}
	switch {
	case v == nil:
		return nil, fmt.Errorf("version %d has no root in the database", version)
	case len(v) == 0:
		return nil, nil
	case len(v) == len(k) && v[0] == 's':
		// NOTE: a version that changed nothing stores a reference to the
		// root it kept (a node's own bytes start with its height, which
		// is below 57, so never with 's').
		return v, nil
	}
	return k, nil
}

func (w *walker) walk(k []byte, depth int) (subtree, error) {
	if w.stop() {
		return subtree{}, errStopped
	}
	if depth > 128 {
		return subtree{}, errors.New("the tree is deeper than 128 levels: a node refers back to its ancestors")
	}
	b, err := w.db.Get(k)
	if err != nil {
		return subtree{}, fmt.Errorf("read node %x: %w", k[1:], err)
	}
	if b == nil {
		return subtree{}, fmt.Errorf("node %x is missing from the database", k[1:])
	}
	version := int64(binary.BigEndian.Uint64(k[1:9]))
	n, err := decodeNode(b)
	if err != nil {
		return subtree{}, fmt.Errorf("node %x: %w", k[1:], err)
	}
	w.r.Nodes++
	if n.height == 0 {
		w.r.Leaves++
		if n.size != 1 {
			w.find("leaf %s has size %d, not 1", medledger.Quote(string(n.key)), n.size)
		}
		if w.leaf != nil {
			w.leaf(n.key)
		}
		vh := sha256.Sum256(n.value)
		return subtree{hash: hashNode(0, 1, version, n.key, vh[:]), size: 1, first: n.key, last: n.key, isLeaf: true}, nil
	}
	l, err := w.walk(n.left, depth+1)
	if err != nil {
		return l, err
	}
	r, err := w.walk(n.right, depth+1)
	if err != nil {
		return r, err
	}
	sub := subtree{size: l.size + r.size, height: max(l.height, r.height) + 1, first: l.first, last: r.last, bad: l.bad || r.bad}
	sub.hash = hashNode(n.height, n.size, version, l.hash, r.hash)
	if n.size != sub.size || n.height != sub.height || !bytes.Equal(n.key, r.first) || bytes.Compare(l.last, r.first) >= 0 {
		w.find("the node over the keys from %s to %s is inconsistent with its children (size, height or key order): the tree's structure was changed",
			medledger.Quote(string(l.first)), medledger.Quote(string(r.last)))
		sub.bad = true
		return sub, nil
	}
	switch {
	case !bytes.Equal(sub.hash, n.hash) && !sub.bad:
		// The lowest node that does not match: what is below it changed.
		switch {
		case l.isLeaf && r.isLeaf:
			w.find("the value of %s or %s does not hash to what the tree stored above it: it was changed in the database",
				medledger.Quote(string(l.first)), medledger.Quote(string(r.first)))
		case l.isLeaf:
			w.find("the value of %s does not hash to what the tree stored above it: it was changed in the database", medledger.Quote(string(l.first)))
		case r.isLeaf:
			w.find("the value of %s does not hash to what the tree stored above it: it was changed in the database", medledger.Quote(string(r.first)))
		default:
			w.find("the node over the keys from %s to %s does not hash to what it stored", medledger.Quote(string(sub.first)), medledger.Quote(string(sub.last)))
		}
		sub.bad = true
	case bytes.Equal(sub.hash, n.hash) && sub.bad:
		// Its data hashes to what it stored, so the damage below was to
		// a stored hash, not to the values.
		w.find("a hash stored inside the subtree from %s to %s was changed (its keys and values are intact)", medledger.Quote(string(sub.first)), medledger.Quote(string(sub.last)))
		sub.bad = false
	}
	if depth == 0 {
		w.r.Stored = n.hash
	}
	return sub, nil
}

// rawNode is a decoded IAVL v1 node.
type rawNode struct {
	height, size int64
	key, value   []byte // value: leaves only
	hash         []byte // inner nodes only
	left, right  []byte // inner nodes only: the children's database keys
}

func decodeNode(b []byte) (rawNode, error) {
	var n rawNode
	d := decoder{b: b}
	n.height = d.varint()
	n.size = d.varint()
	n.key = d.bytes()
	if n.height == 0 {
		n.value = d.bytes()
		return n, d.err
	}
	n.hash = d.bytes()
	mode := d.varint()
	if d.err == nil && mode != 0 {
		return n, fmt.Errorf("legacy (IAVL v0) child references (mode %d) are not supported", mode)
	}
	lv, ln := d.varint(), d.varint()
	rv, rn := d.varint(), d.varint()
	if d.err != nil {
		return n, d.err
	}
	if n.height < 0 || ln < 0 || ln > 1<<32-1 || rn < 0 || rn > 1<<32-1 || len(n.hash) != sha256.Size {
		return n, errors.New("malformed inner node")
	}
	n.left, n.right = nodeKey(lv, uint32(ln)), nodeKey(rv, uint32(rn))
	return n, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errors.New("malformed node: bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	if d.err != nil {
		return nil
	}
	l, n := binary.Uvarint(d.b)
	if n <= 0 || l > uint64(len(d.b)-n) {
		d.err = errors.New("malformed node: bad length")
		return nil
	}
	out := d.b[n : n+int(l)]
	d.b = d.b[n+int(l):]
	return out
}

// hashNode is IAVL's node hash: SHA-256 of height, size and version
// (zigzag varints) and then, for a leaf, its key and its value's hash, for
// an inner node its children's hashes (each length-prefixed).
func hashNode(height, size, version int64, a, b []byte) []byte {
	buf := make([]byte, 0, 3*binary.MaxVarintLen64+len(a)+len(b)+2*binary.MaxVarintLen64)
	buf = binary.AppendVarint(buf, height)
	buf = binary.AppendVarint(buf, size)
	buf = binary.AppendVarint(buf, version)
	buf = binary.AppendUvarint(buf, uint64(len(a)))
	buf = append(buf, a...)
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	buf = append(buf, b...)
	h := sha256.Sum256(buf)
	return h[:]
}
