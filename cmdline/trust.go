package cmdline

import (
	"github.com/medledger/medledger/client"
)

// Trust is what a command that checks proofs trusts: the validators of
// genesis (a file), else of the home's config/genesis.json. With neither
// it refuses (ErrCannotVerify), unless trustNode, when it takes the node's
// own genesis: then any chain that node serves "verifies", and the answer
// is only as good as the node. It also returns a word for which it was.
func (c *Env) Trust(genesis string, trustNode bool) (client.Trust, string, error) {
	if genesis == "" {
		if p := c.HomeDir().GenesisFile(); FileExists(p) {
			genesis = p
		}
	}
	if genesis != "" {
		t, err := client.TrustGenesisFile(genesis)
		if err != nil {
			return t, "", Hint(Fail(ErrCannotVerify, "cannot verify: %v", err), "--genesis names the chain's genesis file, as its operators publish it")
		}
		return t, genesis, nil
	}
	if !trustNode {
		return client.Trust{}, "", Hint(Fail(ErrCannotVerify, "cannot verify: no trusted genesis (%s has none): a node's own genesis would make any chain with this chain id verify", c.HomeDir().GenesisFile()),
			"pass --genesis FILE (the chain's genesis, from its operators) or --home DIR of a node of this chain; or --trust-node to take the node's word")
	}
	doc, err := c.Client().FetchGenesis(c.Ctx)
	if err != nil {
		return client.Trust{}, "", Hint(err, "is the node running? or pass --genesis FILE")
	}
	t, err := client.TrustGenesis(doc)
	return t, "the node's own genesis (--trust-node: the answer is only as good as the node)", err
}
