package daemon_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/notary"
)

// TestAnchorVerifyRestart anchors a digest on a real node, proves it with
// client.VerifyAnchor, restarts the node from the same home and proves it
// again: committed state survives a restart.
func TestAnchorVerifyRestart(t *testing.T) {
	ctx := context.Background()
	n := daemontest.Start(t, daemontest.Options{})
	sum := sha256.Sum256([]byte("discharge summary 1"))
	digest := hex.EncodeToString(sum[:])
	res, err := n.Client.Send(ctx, n.Signer("northside-hospital/dr-chen"), notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: "discharge-summary"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Committed || res.Height == 0 {
		t.Fatalf("got %+v, want committed with a height", res)
	}
	doc, err := n.Client.FetchGenesis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := client.TrustGenesis(doc)
	if err != nil {
		t.Fatal(err)
	}
	n.WaitHeight(t, res.Height+1)
	rep, err := n.Client.VerifyAnchor(ctx, trust, digest)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Anchor.Signer != "northside-hospital/dr-chen" || rep.Anchor.Height != res.Height {
		t.Fatalf("got anchor %+v, want dr-chen at %d", rep.Anchor, res.Height)
	}
	other := sha256.Sum256([]byte("never anchored"))
	if _, err := n.Client.VerifyAnchor(ctx, trust, hex.EncodeToString(other[:])); err == nil {
		t.Fatal("an unanchored digest verified")
	}

	// Anchoring the same digest again is refused with its code.
	_, err = n.Client.Send(ctx, n.Signer("lakeside-clinic/dr-patel"), notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: "discharge-summary"}, "commit")
	if !client.IsCode(err, "notary", "already-anchored") {
		t.Fatalf("second anchor: got %v, want notary/already-anchored", err)
	}

	home := n.Home
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	n2 := daemontest.Start(t, daemontest.Options{Home: string(home)})
	n2.WaitHeight(t, res.Height+2)
	if _, err := n2.Client.VerifyAnchor(ctx, trust, digest); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
