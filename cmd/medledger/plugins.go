package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/identity"
	identitycli "github.com/medledger/medledger/identity/cli"
	"github.com/medledger/medledger/node"
	notarycli "github.com/medledger/medledger/notary/cli"
	recordscli "github.com/medledger/medledger/records/cli"
	"github.com/medledger/medledger/records/custodian"
	supplycli "github.com/medledger/medledger/supply/cli"
)

// modules are the modules this binary runs, in order. Adding a module to
// medledger is one line here: its cli package's Module brings its
// transactions, routes, error codes, commands, hints and demo data.
func modules() []cmdline.Module {
	return []cmdline.Module{
		identitycli.Module,
		notarycli.Module,
		recordscli.Module,
		supplycli.Module,
	}
}

// plugins are the modules' parts of the node.
func plugins() []daemon.Plugin {
	var out []daemon.Plugin
	for _, m := range modules() {
		out = append(out, m.Plugin)
	}
	return out
}

// identities is the module that answers who signers are (app.Identities).
var identities = identity.Module{}

func daemonConfig() daemon.Config {
	return daemon.Config{Identities: identities, Plugins: plugins()}
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
	return []daemon.Service{&custodian.Service{Org: operator, Vault: v, IDs: identities, CloseVault: closeVault}}, len(pass) > 0, nil
}
