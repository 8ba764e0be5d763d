package main

import (
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/records"
)

// plugins are the modules this node runs, in order. Adding a module to
// medledger is one line here.
func plugins() []daemon.Plugin {
	return []daemon.Plugin{
		{Module: identity.Module{}, Routes: identity.HTTPRoutes, Codes: identity.Codes},
		{Module: notary.Module{}, Routes: notary.HTTPRoutes, Codes: notary.Codes},
		{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes},
	}
}

func daemonConfig() daemon.Config {
	return daemon.Config{Identities: identity.Module{}, Plugins: plugins()}
}
