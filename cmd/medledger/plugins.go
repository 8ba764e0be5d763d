package main

import (
	"os"
	"path/filepath"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	claimscli "github.com/medledger/medledger/claims/cli"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
	credentialscli "github.com/medledger/medledger/credentials/cli"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/identity"
	identitycli "github.com/medledger/medledger/identity/cli"
	"github.com/medledger/medledger/node"
	notarycli "github.com/medledger/medledger/notary/cli"
	recordscli "github.com/medledger/medledger/records/cli"
	"github.com/medledger/medledger/state"
	supplycli "github.com/medledger/medledger/supply/cli"
	trialscli "github.com/medledger/medledger/trials/cli"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
	"github.com/medledger/medledger/vault/s3"
)

// modules are the modules this binary runs, in order. Adding a module to
// medledger is one line here: its cli package's Module brings its
// transactions, routes, error codes, commands, hints and demo data. Demo
// data is stored in this order: credentials licenses the demo's partners
// and clinicians before the modules that check licences store theirs.
func modules() []cmdline.Module {
	return []cmdline.Module{
		identitycli.Module,
		notarycli.Module,
		credentialscli.Module,
		recordscli.Module,
		supplycli.Module,
		trialscli.Module,
		claimscli.Module,
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

// licences is the module that answers licence checks (app.Licences).
var licences = credentials.Module{}

func daemonConfig() daemon.Config {
	return daemon.Config{Identities: identities, Licences: licences, Plugins: plugins()}
}

// services opens the vault of the node in home h (on local disk under
// data/vault, or in the S3 bucket the home's config names, with its
// credentials from MEDLEDGER_S3_ACCESS_KEY and MEDLEDGER_S3_SECRET_KEY; its
// key protected by MEDLEDGER_VAULT_PASSPHRASE when set, else kept in a 0600
// file, for dev and test nodes) and makes each module's off-chain services
// for the organization that operates the node. The vault closes with the
// last service; protected says whether its key is.
func (c *CLI) services(h node.Home, ac node.AppConfig) (svcs []daemon.Service, protected bool, err error) {
	pass := []byte(os.Getenv("MEDLEDGER_VAULT_PASSPHRASE"))
	kekPath := filepath.Join(h.ConfigDir(), "vault_key.json")
	var v *vault.Vault
	closeVault := func() error { return nil }
	switch ac.Vault.Driver {
	case "s3":
		b := ac.Vault.S3
		st, err := s3.Open(c.Ctx, s3.Config{Endpoint: b.Endpoint, Bucket: b.Bucket, Prefix: b.Prefix, Region: b.Region, Insecure: b.Insecure,
			AccessKey: os.Getenv("MEDLEDGER_S3_ACCESS_KEY"), SecretKey: os.Getenv("MEDLEDGER_S3_SECRET_KEY")})
		if err != nil {
			return nil, false, err
		}
		v, err = vault.Open(c.Ctx, st, kekPath, pass)
		if err != nil {
			return nil, false, err
		}
	default:
		v, closeVault, err = disk.OpenVault(c.Ctx, filepath.Join(string(h), "data", "vault"), kekPath, pass)
		if err != nil {
			return nil, false, err
		}
	}
	n := cmdline.NodeEnv{Ctx: c.Ctx, Home: h, Operator: ac.Operator, Vault: v, Identities: identities}
	for _, m := range c.Modules {
		if m.Services == nil {
			continue
		}
		s, err := m.Services(n)
		if err != nil {
			for _, made := range svcs {
				made.Close()
			}
			closeVault()
			return nil, false, err
		}
		svcs = append(svcs, s...)
	}
	return append(svcs, closer(closeVault)), len(pass) > 0, nil
}

// closer is a service that only closes something at shutdown, after the
// services made before it.
type closer func() error

func (closer) Attach(*app.App, *state.Store) error { return nil }
func (closer) Routes(*api.Server) []api.Route      { return nil }
func (f closer) Close() error                      { return f() }
