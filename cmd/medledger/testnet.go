package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cometbft/cometbft/p2p"
	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/node"
)

// testnetNode is one node of a written testnet, as printed.
type testnetNode struct {
	Moniker string `json:"moniker"`
	Home    string `json:"home"`
	Start   string `json:"start"`
	API     string `json:"api"`
	P2P     string `json:"p2p"`
	NodeID  string `json:"node_id"`
}

func (c *CLI) testnetCmd() *cobra.Command {
	var out string
	var o node.TestnetOptions
	cmd := &cobra.Command{
		Use: "testnet",
		Example: `  medledger testnet --dir ./testnet                   # 4 validators on loopback
  medledger testnet --dir ./net7 --validators 7 --base-port 36000 --block-time 200ms`,
		Short: "Write the homes of an N-validator network on loopback, one per demo organization",
		Long: fmt.Sprintf(`Write the homes of an N-validator network on this machine.

Node K (DIR/nodeK) is the validator of the K-th demo organization
(%s, ...), with equal voting power and one shared
genesis holding the demo consortium. Node K listens for peers on
127.0.0.1:BASE+10*K and serves its API on 127.0.0.1:BASE+10*K+1; each
node lists the others as persistent peers. The demo keys are written
unencrypted to DIR/keys and to every node's keys/ folder, so that
medledger anchor --home DIR/nodeK --node URL ... works: for development
and tests only.

Start each node in its own terminal with medledger start --home DIR/nodeK.
Blocks are made while more than two thirds of the voting power runs
(3 of 4 validators, 5 of 7).`, strings.Join(orgIDs(3), ", ")),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return cmdline.Hint(cmdline.Usage("--dir is required"), "name a new folder for the network, e.g. --dir ./testnet")
			}
			if err := node.Testnet(out, o); err != nil {
				if errors.Is(err, node.ErrTestnetNotEmpty) {
					return cmdline.Hint(err, "give a new --dir folder, or remove %s to start over", out)
				}
				return cmdline.Hint(err, "see medledger testnet --help")
			}
			nodes, err := readTestnet(out, o.Validators)
			if err != nil {
				return err
			}
			chainID := o.ChainID
			if chainID == "" {
				chainID = node.DefaultTestnetChainID
			}
			return c.Print(map[string]any{"chain_id": chainID, "dir": out, "out": out, "keys": node.TestnetKeysDir(out), "nodes": nodes}, func(w io.Writer) {
				fmt.Fprintf(w, "wrote a %d-validator network for chain %s in %s\n", len(nodes), chainID, out)
				fmt.Fprintf(w, "demo keys (unencrypted, for development only): %s\n\n", node.TestnetKeysDir(out))
				fmt.Fprintf(w, "start each node in its own terminal:\n")
				for _, n := range nodes {
					fmt.Fprintf(w, "  %-60s # %s, API %s\n", n.Start, n.Moniker, n.API)
				}
				if len(nodes) > 0 {
					fmt.Fprintf(w, "\nthen, for example:\n  medledger status --node %s\n", nodes[0].API)
				}
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Validators, "validators", 4, fmt.Sprintf("number of validators, 1 to %d", len(demo.Orgs)))
	f.StringVar(&out, "dir", "", "new or empty folder to write the node homes into")
	f.StringVar(&out, "out", "", "new or empty folder to write the node homes into")
	cmdline.Deprecate(cmd, "out", "dir")
	f.IntVar(&o.BasePort, "base-port", node.DefaultTestnetBasePort, "node K uses ports BASE+10*K (p2p) and BASE+10*K+1 (API)")
	f.DurationVar(&o.BlockTime, "block-time", node.DefaultBlockTime, "pause between blocks")
	f.StringVar(&o.ChainID, "chain-id", node.DefaultTestnetChainID, "chain id")
	return cmd
}

// readTestnet reads back what Testnet wrote, so that what is printed is
// what the homes say.
func readTestnet(out string, n int) ([]testnetNode, error) {
	nodes := make([]testnetNode, 0, n)
	for k := range n {
		h := node.Home(node.TestnetNodeDir(out, k))
		cfg, ac, err := node.LoadConfig(h)
		if err != nil {
			return nil, err
		}
		nk, err := p2p.LoadNodeKey(cfg.NodeKeyFile())
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, testnetNode{
			Moniker: cfg.Moniker, Home: string(h), Start: "medledger start --home " + shellQuote(string(h)),
			API: "http://" + ac.APIListen, P2P: strings.TrimPrefix(cfg.P2P.ListenAddress, "tcp://"), NodeID: string(nk.ID()),
		})
	}
	return nodes, nil
}

func orgIDs(n int) []string {
	var out []string
	for _, o := range demo.Orgs[:min(n, len(demo.Orgs))] {
		out = append(out, o.ID)
	}
	return out
}

// shellQuote quotes p for a POSIX shell if it needs quoting.
func shellQuote(p string) string {
	if p != "" && !strings.ContainsAny(p, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}
