package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/supply"
)

// plugins are the modules this node runs, in order. Adding a module to
// medledger is one line here.
func plugins() []daemon.Plugin {
	return []daemon.Plugin{
		{Module: identity.Module{}, Routes: identity.HTTPRoutes, Codes: identity.Codes},
		{Module: notary.Module{}, Routes: notary.HTTPRoutes, Codes: notary.Codes},
		{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes},
		{Module: supply.Module{}, Routes: supply.HTTPRoutes, Codes: supply.Codes},
	}
}

func daemonConfig() daemon.Config {
	return daemon.Config{Identities: identity.Module{}, Plugins: plugins()}
}

// services are the off-chain services of a node in home h: the records
// custodian for the organization that operates the node, with its vault
// under data/vault. The vault's key is protected by MEDLEDGER_VAULT_PASSPHRASE
// when set; without it the key is kept in a 0600 file (dev and test nodes).
func services(ctx context.Context, h node.Home, operator string) ([]daemon.Service, bool, error) {
	pass := []byte(os.Getenv("MEDLEDGER_VAULT_PASSPHRASE"))
	v, closeVault, err := custodian.OpenVault(ctx, filepath.Join(string(h), "data", "vault"), filepath.Join(h.ConfigDir(), "vault_key.json"), pass)
	if err != nil {
		return nil, false, err
	}
	return []daemon.Service{&custodian.Service{Org: operator, Vault: v, IDs: identity.Module{}, CloseVault: closeVault}}, len(pass) > 0, nil
}
