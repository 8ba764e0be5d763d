package cmdline

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/vault"
)

// Module is one module as cmd/medledger wires it: its part of the node
// (transactions, state, routes, error codes: the daemon.Plugin) and its
// part of the command line. A module's cli subpackage exports one Module
// value; adding a module to medledger is adding that value to the list in
// cmd/medledger/plugins.go.
type Module struct {
	daemon.Plugin
	// Commands returns the module's top-level verbs (medledger supply ...).
	Commands func(*Env) []*cobra.Command
	// Query returns the module's subcommands of medledger query (reads of
	// its state by id); Tx those of medledger tx (one per transaction type
	// that has no verb of its own).
	Query func(*Env) []*cobra.Command
	Tx    func(*Env) []*cobra.Command
	// Hints name the fix for the module's refusals, by error code.
	Hints []CodeHint
	// Seed stores the module's demo data on a dev chain, once per home.
	Seed *Seed
	// Services are the module's off-chain services on a node (the records
	// custodian), made once the node's vault is open.
	Services func(NodeEnv) ([]daemon.Service, error)
}

// NodeEnv is what a module's off-chain services get of the node they run
// on.
type NodeEnv struct {
	Ctx  context.Context
	Home node.Home
	// Operator is the organization that runs the node.
	Operator string
	// Vault holds the node's encrypted off-chain documents.
	Vault *vault.Vault
	// Identities answers who signers are.
	Identities app.Identities
}

// Seed is a module's demo data for `medledger dev`.
type Seed struct {
	// Marker names the file, in the home's data folder, whose presence
	// records that the module's demo data was stored: dev seeds once per
	// home, and a home made before the module existed gets its data on the
	// next run.
	Marker string
	// Run stores the demo data through the node's client, signing with the
	// demo keys. It returns what to keep in the marker (a transaction
	// hash) and reports what it did with Logf. It MUST leave the chain
	// usable if it fails half-way: dev reports the failure and serves on.
	Run func(ctx context.Context, s SeedEnv) (string, error)
}

// SeedEnv is what a seed gets: the dev node's client, the home's keystore
// (holding the demo keys, unencrypted), and a log for its person.
type SeedEnv struct {
	Client *client.Client
	Keys   keystore.Store
	Logf   func(format string, args ...any)
	// Invocation is how to call medledger to reach this node: "medledger",
	// with --home DIR when the home is not the default.
	Invocation string
}

// Try suggests a command to run against the seeded node: args after the
// invocation that reaches it.
func (s SeedEnv) Try(args string) {
	s.Logf("medledger: try: %s %s\n", s.Invocation, args)
}

// Signer loads demo key name from the keystore to sign with.
func (s SeedEnv) Signer(name string) (client.Signer, error) {
	k, err := s.Keys.Load(name, nil)
	if err != nil {
		return client.Signer{}, err
	}
	return client.Signer{Key: k}, nil
}
