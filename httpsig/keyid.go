package httpsig

import (
	"strings"

	"github.com/medledger/medledger"
)

// Key id limits of the medledger keyid format.
const (
	// MaxSignerLen is the longest signer id, as in a transaction's signer
	// field (package tx).
	MaxSignerLen = 128
	// keyHexLen is the length of a key id: the hex of the first 16 bytes of
	// the key's SHA-256 (tx.KeyID).
	keyHexLen = 32
)

// JoinKeyID builds the keyid a medledger member or patient signs with:
// `<signer id>#<key id>`, e.g. "northside-hospital/dr-chen#0a1b2c3d...".
func JoinKeyID(signer, keyID string) string { return signer + "#" + keyID }

// SplitKeyID splits a medledger keyid `<signer id>#<key id>` into the
// signer id (an "org/member" id or a "pat-..." patient id) and the key id
// (32 lowercase hex characters, tx.KeyID of the public key). It checks the
// form only; whether the signer exists and holds that key is the lookup's
// question. Errors are ErrMalformed.
func SplitKeyID(keyID string) (signer, key string, err error) {
	signer, key, ok := strings.Cut(keyID, "#")
	switch {
	case !ok:
		return "", "", ErrMalformed.New("keyid %s is not of the form <signer id>#<key id>", medledger.Quote(keyID))
	case signer == "" || len(signer) > MaxSignerLen:
		return "", "", ErrMalformed.New("keyid %s: the signer id must be 1 to %d characters", medledger.Quote(keyID), MaxSignerLen)
	case !validString(signer):
		return "", "", ErrMalformed.New("keyid %s: the signer id must be printable ASCII", medledger.Quote(keyID))
	case len(key) != keyHexLen || !isLowerHex(key):
		return "", "", ErrMalformed.New("keyid %s: the key id after '#' must be %d lowercase hex characters", medledger.Quote(keyID), keyHexLen)
	}
	return signer, key, nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
