package vault

import (
	"bytes"
	"context"
)

// Rewrap moves a recipient to a new key: the copy of the document's data
// key wrapped for from is dropped from the keyring, and, if there was one,
// a copy wrapped for to takes its place (the custodian unwraps its own
// copy with the KEK, as Wrap does). It is how a custodian follows a
// patient's key rotation or recovery: the new key opens what the old one
// could, and the old key opens nothing the vault still holds. Copies handed
// out before (Get and Wrap) are beyond its reach.
//
// It reports whether from was a recipient. A document whose keyring does
// not hold from is left as it is (false, nil). from MUST NOT be the
// custodian's own key.
//
// Returns ErrNotFound, ErrGone, ErrBadKey for an unusable to or from key
// (or from being the custodian's), ErrCorrupt.
func (v *Vault) Rewrap(ctx context.Context, id DocID, from, to []byte) (bool, error) {
	if _, err := parsePublicKey(to); err != nil {
		return false, err
	}
	if _, err := parsePublicKey(from); err != nil {
		return false, err
	}
	if bytes.Equal(from, v.kek.pub) {
		return false, ErrBadKey.New("the custodian's own key cannot be rewrapped")
	}
	l := v.lock(id)
	l.Lock()
	defer l.Unlock()
	keys, err := v.keyring(ctx, id)
	if err != nil {
		return false, err
	}
	old := findKey(keys, from)
	if old == nil {
		return false, nil
	}
	kept := make([]WrappedKey, 0, len(keys))
	for i := range keys {
		if &keys[i] != old {
			kept = append(kept, keys[i])
		}
	}
	if findKey(kept, to) == nil {
		own := findKey(kept, v.kek.pub)
		if own == nil {
			return false, ErrCorrupt.New("document %s holds no key for the custodian", id)
		}
		key, err := unwrapKey(own, v.kek.hpriv)
		if err != nil {
			return false, ErrCorrupt.Wrap(err, "custodian key of document %s", id)
		}
		defer clear(key)
		w, err := wrapKey(id, own.Digest, to, key)
		if err != nil {
			return false, err
		}
		kept = append(kept, w)
	}
	if err := v.store.Put(ctx, Object{objectName(id, keysExt), encodeKeyring(kept, v.kek.macKey)}); err != nil {
		return false, err
	}
	return true, nil
}
