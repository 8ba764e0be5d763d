package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
	"github.com/spf13/viper"
)

// Home is a node's home folder:
//
//	config/config.toml      CometBFT configuration
//	config/genesis.json     the chain's genesis, with the app state
//	config/medledger.json   the node's own settings (AppConfig)
//	config/node_key.json, config/priv_validator_key.json
//	data/                   CometBFT's block store and state
//	data/app/               the application's authenticated state
//	keys/                   the keystore of identities used from this home
type Home string

func (h Home) path(p ...string) string { return filepath.Join(append([]string{string(h)}, p...)...) }

// ConfigDir is config/.
func (h Home) ConfigDir() string { return h.path("config") }

// GenesisFile is config/genesis.json.
func (h Home) GenesisFile() string { return h.path("config", "genesis.json") }

// AppConfigFile is config/medledger.json.
func (h Home) AppConfigFile() string { return h.path("config", "medledger.json") }

// AppDataDir is data/app.
func (h Home) AppDataDir() string { return h.path("data", "app") }

// KeysDir is keys/.
func (h Home) KeysDir() string { return h.path("keys") }

// Exists reports whether the home has been initialized.
func (h Home) Exists() bool {
	_, err := os.Stat(h.GenesisFile())
	return err == nil
}

// AppConfig is the node's own configuration, beside CometBFT's.
type AppConfig struct {
	// APIListen is the host:port of the REST API.
	APIListen string `json:"api_listen"`
	// Validators-only networks: the organization that runs this node.
	Operator string `json:"operator,omitempty"`
}

// DefaultAPIListen is where the REST API listens unless configured.
const DefaultAPIListen = "127.0.0.1:26680"

// Options for Init.
type Options struct {
	ChainID string
	Moniker string
	// AppState is the genesis app_state (the modules' genesis documents).
	AppState json.RawMessage
	// APIListen, P2PListen: addresses; defaults are DefaultAPIListen and
	// 127.0.0.1:26656.
	APIListen, P2PListen string
	// BlockTime is the pause after each commit (CometBFT's timeout_commit);
	// the default is DefaultBlockTime.
	BlockTime time.Duration
	// GenesisTime; zero means now.
	GenesisTime time.Time
}

// DefaultBlockTime is the pause between blocks of a new node.
const DefaultBlockTime = 500 * time.Millisecond

// Init creates a single-validator home: keys, CometBFT config, a genesis
// with this node as the only validator, and the app config. It refuses to
// touch a home that exists.
func Init(h Home, o Options) error {
	if h.Exists() {
		return fmt.Errorf("%s is initialized already (it has %s)", h, h.GenesisFile())
	}
	if err := validChainID(o.ChainID); err != nil {
		return err
	}
	c, err := writeConfig(h, o)
	if err != nil {
		return err
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	pub, err := pv.GetPubKey()
	if err != nil {
		return err
	}
	return writeGenesis(h, o, []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: o.Moniker}})
}

func validChainID(id string) error {
	if id == "" || len(id) > types.MaxChainIDLen {
		return fmt.Errorf("chain id must be 1 to %d characters", types.MaxChainIDLen)
	}
	return nil
}

// writeConfig writes config.toml, node and validator keys and medledger.json.
func writeConfig(h Home, o Options) (*cfg.Config, error) {
	c := Config(h, o)
	for _, d := range []string{h.ConfigDir(), h.path("data"), h.AppDataDir(), h.KeysDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	cfg.WriteConfigFile(filepath.Join(h.ConfigDir(), "config.toml"), c)
	if _, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile()); err != nil {
		return nil, err
	}
	privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	api := o.APIListen
	if api == "" {
		api = DefaultAPIListen
	}
	b, _ := json.MarshalIndent(AppConfig{APIListen: api, Operator: o.Moniker}, "", "  ")
	return c, os.WriteFile(h.AppConfigFile(), append(b, '\n'), 0o600)
}

// Config returns the CometBFT configuration medledger uses for a home.
func Config(h Home, o Options) *cfg.Config {
	c := cfg.DefaultConfig()
	c.SetRoot(string(h))
	c.Moniker = o.Moniker
	c.LogLevel = "error"
	c.ProxyApp = "" // in-process
	c.RPC.ListenAddress = ""
	c.P2P.ListenAddress = "tcp://127.0.0.1:26656"
	if o.P2PListen != "" {
		c.P2P.ListenAddress = "tcp://" + o.P2PListen
	}
	c.P2P.AddrBookStrict = false
	c.P2P.AllowDuplicateIP = true
	c.P2P.PexReactor = false
	bt := o.BlockTime
	if bt == 0 {
		bt = DefaultBlockTime
	}
	c.Consensus.TimeoutCommit = bt
	c.Consensus.TimeoutPropose = 3 * time.Second
	c.Consensus.SkipTimeoutCommit = false
	c.Mempool.Size = 100_000
	c.Mempool.CacheSize = 200_000
	c.Mempool.MaxTxsBytes = 1 << 30
	c.Mempool.Broadcast = true
	c.TxIndex.Indexer = "kv"
	c.Instrumentation.Prometheus = false
	return c
}

func writeGenesis(h Home, o Options, vals []types.GenesisValidator) error {
	t := o.GenesisTime
	if t.IsZero() {
		t = cmttime.Now()
	}
	doc := types.GenesisDoc{
		ChainID:         o.ChainID,
		GenesisTime:     t,
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      vals,
		AppState:        o.AppState,
		InitialHeight:   1,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	return doc.SaveAs(h.GenesisFile())
}

// LoadConfig reads a home's CometBFT config and app config, checking that
// the home is complete.
func LoadConfig(h Home) (*cfg.Config, AppConfig, error) {
	var ac AppConfig
	if !h.Exists() {
		return nil, ac, fmt.Errorf("%s is not a node home: %s is missing (run medledger init first)", h, h.GenesisFile())
	}
	v := viper.New()
	v.SetConfigFile(filepath.Join(h.ConfigDir(), "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, ac, fmt.Errorf("read %s: %w", v.ConfigFileUsed(), err)
	}
	c := cfg.DefaultConfig()
	if err := v.Unmarshal(c); err != nil {
		return nil, ac, fmt.Errorf("parse %s: %w", v.ConfigFileUsed(), err)
	}
	c.SetRoot(string(h))
	if err := c.ValidateBasic(); err != nil {
		return nil, ac, fmt.Errorf("%s: %w", v.ConfigFileUsed(), err)
	}
	for _, f := range []string{c.PrivValidatorKeyFile(), c.NodeKeyFile()} {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			return nil, ac, fmt.Errorf("%s is missing: this home is incomplete", f)
		}
	}
	b, err := os.ReadFile(h.AppConfigFile())
	if err != nil {
		return nil, ac, fmt.Errorf("read app config: %w", err)
	}
	if err := json.Unmarshal(b, &ac); err != nil {
		return nil, ac, fmt.Errorf("%s: %w", h.AppConfigFile(), err)
	}
	if ac.APIListen == "" {
		ac.APIListen = DefaultAPIListen
	}
	return c, ac, nil
}

// Genesis reads the home's genesis document.
func Genesis(h Home) (*types.GenesisDoc, error) {
	doc, err := types.GenesisDocFromFile(h.GenesisFile())
	if err != nil {
		return nil, fmt.Errorf("genesis %s: %w", h.GenesisFile(), err)
	}
	return doc, nil
}
