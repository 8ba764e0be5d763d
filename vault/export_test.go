package vault

// UnwrapForTest returns the data key inside a wrapped key, so that tests can
// look for it on disk after Delete.
func UnwrapForTest(wrapped []byte, k *KEK) ([]byte, error) {
	w, err := ParseWrappedKey(wrapped)
	if err != nil {
		return nil, err
	}
	return unwrapKey(&w, k.hpriv)
}
