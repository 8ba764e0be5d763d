package bench

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/notary"
)

// AnchorSource signs the i-th anchor of run: the digest is SHA-256 of the
// run id and i, so runs never collide. i = -1 makes a sample.
func AnchorSource(s client.Signer, kind, run string, height int64) Source {
	return func(i int) ([]byte, error) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(int64(i)))
		d := sha256.Sum256(append([]byte(run), b[:]...))
		return s.Build(notary.TypeAnchor, notary.AnchorBody{Digest: hex.EncodeToString(d[:]), Kind: kind}, height)
	}
}

// RunID is a new random run id, for AnchorSource.
func RunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
