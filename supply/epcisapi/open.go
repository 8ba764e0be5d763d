package epcisapi

import (
	"crypto/ed25519"
	"fmt"
	"path/filepath"

	"github.com/cometbft/cometbft/p2p"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/node"
)

// Open makes the service of the node at home: its captures under
// data/epcis, and the node's CometBFT node key (config/node_key.json),
// whose id its peers already know, to sign verification answers.
func Open(home node.Home, ids app.Identities) (*Service, error) {
	nk, err := p2p.LoadNodeKey(filepath.Join(home.ConfigDir(), "node_key.json"))
	if err != nil {
		return nil, fmt.Errorf("epcis: the node key: %w", err)
	}
	raw := nk.PrivKey.Bytes()
	if len(raw) != ed25519.PrivateKeySize || nk.PrivKey.Type() != "ed25519" {
		return nil, fmt.Errorf("epcis: the node key is not an Ed25519 key")
	}
	key := ed25519.PrivateKey(raw)
	return &Service{Dir: filepath.Join(string(home), "data", "epcis"), NodeKey: key, NodeID: NodeID(key.Public().(ed25519.PublicKey)), IDs: ids}, nil
}
