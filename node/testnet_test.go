package node_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/p2p"

	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

func TestTestnetWritesHomes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "net")
	keys, err := demo.NewKeys([]byte("testnet"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	err = node.Testnet(out, node.TestnetOptions{Validators: n, BasePort: 31000, BlockTime: 150 * time.Millisecond,
		TimeoutPropose: 400 * time.Millisecond, TimeoutVote: 300 * time.Millisecond, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}

	var genesis []byte
	ids := map[string]int{}
	for k := range n {
		h := node.Home(node.TestnetNodeDir(out, k))
		c, ac, err := node.LoadConfig(h)
		if err != nil {
			t.Fatalf("node%d: %v", k, err)
		}
		if got, want := c.Moniker, demo.Orgs[k].ID; got != want || ac.Operator != want {
			t.Errorf("node%d: moniker %q, operator %q, want %q", k, got, ac.Operator, want)
		}
		if got, want := c.P2P.ListenAddress, fmt.Sprintf("tcp://127.0.0.1:%d", 31000+10*k); got != want {
			t.Errorf("node%d: p2p %q, want %q", k, got, want)
		}
		if got, want := ac.APIListen, fmt.Sprintf("127.0.0.1:%d", 31000+10*k+1); got != want {
			t.Errorf("node%d: API %q, want %q", k, got, want)
		}
		if !c.P2P.AllowDuplicateIP || c.P2P.AddrBookStrict {
			t.Errorf("node%d: allow_duplicate_ip %t, addr_book_strict %t; want true, false", k, c.P2P.AllowDuplicateIP, c.P2P.AddrBookStrict)
		}
		if c.Consensus.TimeoutCommit != 150*time.Millisecond || c.Consensus.TimeoutPropose != 400*time.Millisecond ||
			c.Consensus.TimeoutPrevote != 300*time.Millisecond || c.Consensus.TimeoutPrecommit != 300*time.Millisecond {
			t.Errorf("node%d: timeout_commit %s, timeout_propose %s, timeout_prevote %s, timeout_precommit %s",
				k, c.Consensus.TimeoutCommit, c.Consensus.TimeoutPropose, c.Consensus.TimeoutPrevote, c.Consensus.TimeoutPrecommit)
		}
		peers := strings.Split(c.P2P.PersistentPeers, ",")
		if len(peers) != n-1 {
			t.Errorf("node%d: persistent peers %q, want the %d others", k, c.P2P.PersistentPeers, n-1)
		}
		nk, err := p2p.LoadNodeKey(c.NodeKeyFile())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range peers {
			if strings.HasPrefix(p, string(nk.ID())+"@") {
				t.Errorf("node%d lists itself as a peer: %s", k, p)
			}
			ids[p]++
		}
		g, err := os.ReadFile(h.GenesisFile())
		if err != nil {
			t.Fatal(err)
		}
		if genesis == nil {
			genesis = g
		} else if !bytes.Equal(g, genesis) {
			t.Errorf("node%d has a different genesis", k)
		}
		// The demo keys are in every home's keystore, unencrypted.
		if _, err := (keystore.Store{Dir: h.KeysDir()}).Load("northside-hospital/dr-chen", nil); err != nil {
			t.Errorf("node%d keystore: %v", k, err)
		}
	}
	if len(ids) != n {
		t.Errorf("peer addresses %v: want each of %d nodes listed by the %d others", ids, n, n-1)
	}
	for p, c := range ids {
		if c != n-1 {
			t.Errorf("peer %s is listed %d times, want %d", p, c, n-1)
		}
	}
	doc, err := node.Genesis(node.Home(node.TestnetNodeDir(out, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if doc.ChainID != node.DefaultTestnetChainID || len(doc.Validators) != n {
		t.Fatalf("genesis: chain %q with %d validators, want %q with %d", doc.ChainID, len(doc.Validators), node.DefaultTestnetChainID, n)
	}
	for k, v := range doc.Validators {
		if v.Power != doc.Validators[0].Power || v.Name != demo.Orgs[k].ID {
			t.Errorf("validator %d: %s power %d", k, v.Name, v.Power)
		}
	}
	k, err := (keystore.Store{Dir: node.TestnetKeysDir(out)}).Load("northside-hospital/dr-chen", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.SignPub(), keys["northside-hospital/dr-chen"].SignPub()) {
		t.Error("out/keys holds other keys than the genesis")
	}
}

func TestTestnetExplicitPorts(t *testing.T) {
	out := t.TempDir()
	ports := []node.TestnetPorts{{P2P: 40001, API: 40002}, {P2P: 40011, API: 40012}}
	if err := node.Testnet(out, node.TestnetOptions{Validators: 2, Ports: ports, ChainID: "other-chain"}); err != nil {
		t.Fatal(err)
	}
	for k, p := range ports {
		c, ac, err := node.LoadConfig(node.Home(node.TestnetNodeDir(out, k)))
		if err != nil {
			t.Fatal(err)
		}
		if c.P2P.ListenAddress != fmt.Sprintf("tcp://127.0.0.1:%d", p.P2P) || ac.APIListen != fmt.Sprintf("127.0.0.1:%d", p.API) {
			t.Errorf("node%d listens on %s and %s, want ports %+v", k, c.P2P.ListenAddress, ac.APIListen, p)
		}
		if c.Consensus.TimeoutCommit != node.DefaultBlockTime {
			t.Errorf("node%d: block time %s, want the default %s", k, c.Consensus.TimeoutCommit, node.DefaultBlockTime)
		}
	}
}

func TestTestnetRefuses(t *testing.T) {
	tests := []struct {
		name string
		o    node.TestnetOptions
	}{
		{"no validators", node.TestnetOptions{}},
		{"more validators than demo organizations", node.TestnetOptions{Validators: len(demo.Orgs) + 1}},
		{"base port too high", node.TestnetOptions{Validators: 4, BasePort: 65530}},
		{"ports for too few nodes", node.TestnetOptions{Validators: 2, Ports: []node.TestnetPorts{{P2P: 40001, API: 40002}}}},
		{"port used twice", node.TestnetOptions{Validators: 2, Ports: []node.TestnetPorts{{P2P: 40001, API: 40002}, {P2P: 40002, API: 40003}}}},
		{"chain id too long", node.TestnetOptions{Validators: 1, ChainID: strings.Repeat("x", 100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "net")
			if err := node.Testnet(out, tt.o); err == nil {
				t.Fatal("got no error")
			}
			if ents, _ := os.ReadDir(out); len(ents) > 0 {
				t.Errorf("a refused testnet left %d entries in %s", len(ents), out)
			}
		})
	}

	t.Run("non-empty folder", func(t *testing.T) {
		out := t.TempDir()
		if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := node.Testnet(out, node.TestnetOptions{Validators: 1}); err == nil {
			t.Fatal("Testnet wrote into a non-empty folder")
		}
		ents, _ := os.ReadDir(out)
		if len(ents) != 1 {
			t.Errorf("the folder has %d entries, want only the file that was there", len(ents))
		}
	})
}

// TestLoadConfigRefusesDamagedKeys: CometBFT would exit the process or
// panic on these files; LoadConfig names the file instead.
func TestLoadConfigRefusesDamagedKeys(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                string
	}{
		{"garbled validator key", "config/priv_validator_key.json", "{\"address\": 7", "priv_validator_key.json is damaged"},
		{"empty validator key", "config/priv_validator_key.json", "{}", "priv_validator_key.json is damaged"},
		{"garbled validator state", "data/priv_validator_state.json", "height: 3", "priv_validator_state.json is damaged"},
		{"missing validator state", "data/priv_validator_state.json", "", "priv_validator_state.json is missing"},
		{"node key without a key", "config/node_key.json", "{}", "node_key.json is damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			if err := node.Testnet(out, node.TestnetOptions{Validators: 1}); err != nil {
				t.Fatal(err)
			}
			h := node.Home(node.TestnetNodeDir(out, 0))
			if _, _, err := node.LoadConfig(h); err != nil {
				t.Fatalf("before damage: %v", err)
			}
			p := filepath.Join(string(h), tt.file)
			var err error
			if tt.content == "" {
				err = os.Remove(p)
			} else {
				err = os.WriteFile(p, []byte(tt.content), 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = node.LoadConfig(h)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
