package app_test

import (
	"testing"

	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
)

// TestIndexedAttributes: a transaction's result carries every event and
// attribute, and only tx.type and tx.signer are marked for the index.
func TestIndexedAttributes(t *testing.T) {
	ch := chaintest.New(t, chaintest.Demo())
	raw := ch.Sign("northside-hospital/dr-chen", notary.TypeAnchor,
		notary.AnchorBody{Digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Kind: "lab-report"})
	res := ch.Deliver(raw)
	chaintest.RequireOK(t, res, "anchor")
	got := map[string]bool{}
	for _, ev := range res.Events {
		for _, at := range ev.Attributes {
			got[ev.Type+"."+at.Key] = at.Index
		}
	}
	want := map[string]bool{"tx.type": true, "tx.signer": true,
		"notary.anchored.digest": false, "notary.anchored.kind": false, "notary.anchored.signer": false}
	for k, w := range want {
		if idx, ok := got[k]; !ok || idx != w {
			t.Errorf("attribute %s: present %v, indexed %v; want present, indexed %v", k, ok, idx, w)
		}
	}
}
