package node

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"

	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/keystore"
)

// DefaultTestnetBasePort is the first port of a testnet: node K listens for
// peers on DefaultTestnetBasePort+10*K and serves its API on the port after.
const DefaultTestnetBasePort = 26600

// DefaultTestnetChainID is the chain id of a testnet unless one is given.
const DefaultTestnetChainID = "medledger-testnet"

// testnetHost is where every testnet node listens: loopback only.
const testnetHost = "127.0.0.1"

// ErrTestnetNotEmpty is returned by Testnet for an out folder that has
// files in it.
var ErrTestnetNotEmpty = errors.New("testnet folder is not empty")

// TestnetPorts are one testnet node's ports.
type TestnetPorts struct {
	P2P, API int
}

// TestnetOptions configure Testnet.
type TestnetOptions struct {
	// Validators is the number of nodes, 1 to len(demo.Orgs): node K is the
	// validator of demo.Orgs[K], with equal voting power.
	Validators int
	// ChainID; empty means DefaultTestnetChainID.
	ChainID string
	// BasePort: node K uses BasePort+10*K for p2p and BasePort+10*K+1 for
	// the API; zero means DefaultTestnetBasePort. Ignored when Ports is set.
	BasePort int
	// Ports, when set, gives each node's ports explicitly (one entry per
	// validator), e.g. ports a test found free.
	Ports []TestnetPorts
	// BlockTime as in Options; zero means DefaultBlockTime.
	BlockTime time.Duration
	// TimeoutPropose and TimeoutVote as in Options; zero means their
	// defaults. A down validator's turn to propose costs TimeoutPropose plus
	// TimeoutVote; tests shorten them.
	TimeoutPropose, TimeoutVote time.Duration
	// GenesisTime; zero means now.
	GenesisTime time.Time
	// Keys of the demo consortium; nil means fresh keys (demo.NewKeys(nil)).
	Keys demo.Keys
}

// TestnetNodeDir is node K's home folder under a testnet's out folder.
func TestnetNodeDir(out string, k int) string {
	return filepath.Join(out, "node"+strconv.Itoa(k))
}

// TestnetKeysDir is the keystore under a testnet's out folder holding the
// demo consortium's keys (unencrypted).
func TestnetKeysDir(out string) string { return filepath.Join(out, "keys") }

// ports returns each node's ports after checking them.
func (o TestnetOptions) ports() ([]TestnetPorts, error) {
	ps := o.Ports
	if ps == nil {
		base := o.BasePort
		if base == 0 {
			base = DefaultTestnetBasePort
		}
		if last := base + 10*(o.Validators-1) + 1; base < 1 || last > 65535 {
			return nil, fmt.Errorf("base port %d does not leave room for %d nodes (ports %d to %d must be 1 to 65535)", base, o.Validators, base, last)
		}
		for k := range o.Validators {
			ps = append(ps, TestnetPorts{P2P: base + 10*k, API: base + 10*k + 1})
		}
	}
	if len(ps) != o.Validators {
		return nil, fmt.Errorf("ports are given for %d nodes, want one pair for each of the %d validators", len(ps), o.Validators)
	}
	seen := map[int]bool{}
	for k, p := range ps {
		for _, port := range []int{p.P2P, p.API} {
			if port < 1 || port > 65535 {
				return nil, fmt.Errorf("node%d: port %d is not 1 to 65535", k, port)
			}
			if seen[port] {
				return nil, fmt.Errorf("node%d: port %d is used twice", k, port)
			}
			seen[port] = true
		}
	}
	return ps, nil
}

// Testnet writes the homes of an N-validator network on loopback into out:
// out/node0 ... out/node{N-1}, each one organization's validator (demo.Orgs
// in order, as moniker and operator), all sharing one genesis with every
// validator at equal power and the demo consortium as app state. Each node
// lists the others as persistent peers. The demo keys are saved unencrypted
// to out/keys and to every home's keys/, so that CLI commands work with
// --home out/nodeK. Each node starts with `medledger start --home out/nodeK`.
//
// Testnet refuses an out folder that exists and is not empty; if it fails
// part way, it removes what it wrote.
func Testnet(out string, o TestnetOptions) (err error) {
	if o.Validators < 1 || o.Validators > len(demo.Orgs) {
		return fmt.Errorf("a testnet has 1 to %d validators (one per demo organization), not %d", len(demo.Orgs), o.Validators)
	}
	if o.ChainID == "" {
		o.ChainID = DefaultTestnetChainID
	}
	if err := validChainID(o.ChainID); err != nil {
		return err
	}
	if o.BlockTime < 0 || o.TimeoutPropose < 0 || o.TimeoutVote < 0 {
		return errors.New("block time and timeouts must not be negative")
	}
	ports, err := o.ports()
	if err != nil {
		return err
	}
	if err := emptyDir(out); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			removeContents(out)
		}
	}()
	keys := o.Keys
	if keys == nil {
		if keys, err = demo.NewKeys(nil); err != nil {
			return err
		}
	}
	genesisTime := o.GenesisTime
	if genesisTime.IsZero() {
		genesisTime = cmttime.Now()
	}

	// Node keys first: every node's config names the others' ids.
	homes := make([]Home, o.Validators)
	opts := make([]Options, o.Validators)
	peers := make([]string, o.Validators)
	for k := range homes {
		homes[k] = Home(TestnetNodeDir(out, k))
		opts[k] = Options{
			ChainID: o.ChainID, Moniker: demo.Orgs[k].ID, AppState: keys.AppState(),
			P2PListen:   net.JoinHostPort(testnetHost, strconv.Itoa(ports[k].P2P)),
			APIListen:   net.JoinHostPort(testnetHost, strconv.Itoa(ports[k].API)),
			BlockTime:   o.BlockTime,
			GenesisTime: genesisTime, TimeoutPropose: o.TimeoutPropose, TimeoutVote: o.TimeoutVote,
		}
		c := Config(homes[k], opts[k])
		if err := os.MkdirAll(homes[k].ConfigDir(), 0o700); err != nil {
			return err
		}
		nk, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
		if err != nil {
			return fmt.Errorf("node%d: node key: %w", k, err)
		}
		peers[k] = p2p.IDAddressString(nk.ID(), opts[k].P2PListen)
	}
	vals := make([]types.GenesisValidator, o.Validators)
	for k, h := range homes {
		var others []string
		for j, p := range peers {
			if j != k {
				others = append(others, p)
			}
		}
		opts[k].PersistentPeers = strings.Join(others, ",")
		c, err := writeConfig(h, opts[k])
		if err != nil {
			return fmt.Errorf("node%d: %w", k, err)
		}
		pub, err := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()).GetPubKey()
		if err != nil {
			return fmt.Errorf("node%d: validator key: %w", k, err)
		}
		vals[k] = types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: opts[k].Moniker}
	}
	// One genesis document, written once and copied byte for byte.
	if err := writeGenesis(homes[0], opts[0], vals); err != nil {
		return err
	}
	gen, err := os.ReadFile(homes[0].GenesisFile())
	if err != nil {
		return err
	}
	for _, h := range homes[1:] {
		if err := os.WriteFile(h.GenesisFile(), gen, 0o600); err != nil {
			return err
		}
	}
	for _, dir := range append([]string{TestnetKeysDir(out)}, keysDirs(homes)...) {
		if err := keys.Save(keystore.Store{Dir: dir}); err != nil {
			return err
		}
	}
	return nil
}

func keysDirs(homes []Home) []string {
	out := make([]string, len(homes))
	for i, h := range homes {
		out[i] = h.KeysDir()
	}
	return out
}

// emptyDir creates dir, or checks that it is an empty folder.
func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return fmt.Errorf("testnet folder %s: %w", dir, err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("%w: %s has %s", ErrTestnetNotEmpty, dir, ents[0].Name())
	}
	return nil
}

// removeContents empties dir, which Testnet found empty or created.
func removeContents(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
