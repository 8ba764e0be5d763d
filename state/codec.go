package state

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// PutJSON stores v's JSON encoding under key. Modules keep their values as
// JSON of structs (field order fixed by the type, so the bytes are
// deterministic); an encoding failure is a bug and panics.
func PutJSON(kv KV, key []byte, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Errorf("state: encode %q: %w", key, err))
	}
	kv.Set(key, b)
}

// GetJSON decodes the value under key into v and reports whether there was
// one. A value that does not decode is corrupt state and panics.
func GetJSON(r Reader, key []byte, v any) bool {
	b := r.Get(key)
	if b == nil {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Errorf("state: corrupt value %q: %w", key, err))
	}
	return true
}

// NextSeq increments the 8-byte big-endian counter under key and returns
// its new value (1 for a counter never used).
func NextSeq(kv KV, key []byte) uint64 {
	var n uint64
	if b := kv.Get(key); len(b) == 8 {
		n = binary.BigEndian.Uint64(b)
	}
	n++
	kv.Set(key, binary.BigEndian.AppendUint64(nil, n))
	return n
}
