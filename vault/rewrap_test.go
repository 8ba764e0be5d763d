package vault_test

import (
	"bytes"
	"testing"

	"github.com/medledger/medledger/vault"
)

// TestRewrap: a patient's key rotation moves their copy of a document's key
// to the new key; the old key opens nothing the vault holds, other readers
// keep theirs, and a document the old key never held is left alone.
func TestRewrap(t *testing.T) {
	v := newTestVault(t)
	old, next, dave := newKey(t), newKey(t), newKey(t)
	doc := []byte(`{"resourceType":"Observation","status":"final"}`)
	r, err := v.Put(ctx, doc, pub(old), pub(dave))
	if err != nil {
		t.Fatal(err)
	}
	other, err := v.Put(ctx, doc, pub(dave))
	if err != nil {
		t.Fatal(err)
	}

	moved, err := v.Rewrap(ctx, r.ID, pub(old), pub(next))
	if err != nil || !moved {
		t.Fatalf("Rewrap = %v, %v; want true, nil", moved, err)
	}
	if got, err := v.Open(ctx, r.ID, next); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("the new key does not open the document: %v", err)
	}
	_, err = v.Open(ctx, r.ID, old)
	wantCode(t, err, vault.ErrNoAccess)
	if _, err := v.Open(ctx, r.ID, dave); err != nil {
		t.Fatalf("another reader lost access: %v", err)
	}
	info, _ := v.Stat(ctx, r.ID)
	if len(info.Recipients) != 3 {
		t.Fatalf("%d recipients after Rewrap, want 3 (custodian, dave, the new key)", len(info.Recipients))
	}
	// Again: nothing left to move.
	if moved, err := v.Rewrap(ctx, r.ID, pub(old), pub(next)); err != nil || moved {
		t.Fatalf("second Rewrap = %v, %v; want false, nil", moved, err)
	}
	// A document the old key was never a recipient of is not touched.
	if moved, err := v.Rewrap(ctx, other.ID, pub(old), pub(next)); err != nil || moved {
		t.Fatalf("Rewrap of a document without the old key = %v, %v", moved, err)
	}
	_, err = v.Open(ctx, other.ID, next)
	wantCode(t, err, vault.ErrNoAccess)
	// The custodian's own key is never moved; bad keys are refused.
	_, err = v.Rewrap(ctx, r.ID, v.CustodianKey(), pub(next))
	wantCode(t, err, vault.ErrBadKey)
	_, err = v.Rewrap(ctx, r.ID, pub(next), []byte("short"))
	wantCode(t, err, vault.ErrBadKey)
	// An erased document is gone.
	if err := v.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = v.Rewrap(ctx, r.ID, pub(next), pub(old))
	wantCode(t, err, vault.ErrGone)
}
