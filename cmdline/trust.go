package cmdline

import (
	"github.com/medledger/medledger/client"
)

// Trust is what a command that checks proofs trusts: the validators of
// genesis (a file), else of the home's config/genesis.json, else of the
// node's own genesis (which means trusting that node); and a word for
// which it was.
func (c *Env) Trust(genesis string) (client.Trust, string, error) {
	if genesis == "" {
		if p := c.HomeDir().GenesisFile(); FileExists(p) {
			genesis = p
		}
	}
	if genesis != "" {
		t, err := client.TrustGenesisFile(genesis)
		return t, genesis, err
	}
	doc, err := c.Client().FetchGenesis(c.Ctx)
	if err != nil {
		return client.Trust{}, "", Hint(err, "is the node running? or pass --genesis FILE")
	}
	t, err := client.TrustGenesis(doc)
	return t, "the node's own genesis", err
}
