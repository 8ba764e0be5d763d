package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
	"github.com/spf13/viper"
	"github.com/syndtr/goleveldb/leveldb/opt"
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
	// Vault says where the node's vault keeps its encrypted documents;
	// the zero value is the local folder data/vault.
	Vault VaultConfig `json:"vault,omitzero"`
	// Storage bounds what the node keeps on disk (StorageConfig).
	Storage StorageConfig `json:"storage,omitzero"`
}

// VaultConfig selects the vault's storage driver.
type VaultConfig struct {
	// Driver is "disk" (the default: data/vault in the home) or "s3".
	Driver string `json:"driver,omitempty"`
	// S3 is the bucket, for driver "s3". Its credentials come from the
	// environment (MEDLEDGER_S3_ACCESS_KEY, MEDLEDGER_S3_SECRET_KEY), never
	// from this file.
	S3 *S3Config `json:"s3,omitempty"`
}

// S3Config names an S3-compatible bucket (see package vault/s3).
type S3Config struct {
	Endpoint string `json:"endpoint"`           // host[:port], no scheme
	Bucket   string `json:"bucket"`             // MUST exist
	Prefix   string `json:"prefix,omitempty"`   // e.g. "node1/", ending in '/'
	Region   string `json:"region,omitempty"`   // if the service needs one
	Insecure bool   `json:"insecure,omitempty"` // plain HTTP (tests only)
}

// Validate checks the vault's configuration, naming the field at fault.
func (v VaultConfig) Validate() error {
	switch v.Driver {
	case "", "disk":
		return nil
	case "s3":
		if v.S3 == nil || v.S3.Endpoint == "" || v.S3.Bucket == "" {
			return errors.New("vault.s3 needs an endpoint and a bucket for driver \"s3\"")
		}
		return nil
	}
	return fmt.Errorf("vault.driver %q is neither \"disk\" nor \"s3\"", v.Driver)
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
	// TimeoutPropose is how long validators wait for a round's proposal
	// before voting nil; zero means DefaultTimeoutPropose.
	TimeoutPropose time.Duration
	// TimeoutVote is how long validators wait for the remaining votes of a
	// round once they have more than two thirds of them without agreement
	// (timeout_prevote and timeout_precommit); zero means CometBFT's
	// default, 1s.
	TimeoutVote time.Duration
	// Storage bounds what the node keeps on disk (config/medledger.json
	// "storage"); the zero value is the default.
	Storage StorageConfig
	// PersistentPeers are the peers this node keeps dialing, as CometBFT's
	// comma-separated id@host:port list (Testnet fills it in).
	PersistentPeers string
}

// DefaultTimeoutPropose is the proposal timeout of a new node.
const DefaultTimeoutPropose = 3 * time.Second

// DefaultBlockTime is the pause between blocks of a new node.
const DefaultBlockTime = 500 * time.Millisecond

// Init creates a single-validator home: keys, CometBFT config, a genesis
// with this node as the only validator, and the app config. It refuses to
// touch a home that exists.
func Init(h Home, o Options) error {
	if h.Exists() {
		return fmt.Errorf("%s is initialized already (it has %s)", h, h.GenesisFile())
	}
	if err := o.Validate(); err != nil {
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
	return c, writeAppConfig(h, AppConfig{APIListen: api, Operator: o.Moniker, Storage: o.Storage})
}

// writeAppConfig writes config/medledger.json, atomically.
func writeAppConfig(h Home, ac AppConfig) error {
	b, err := json.MarshalIndent(ac, "", "  ")
	if err != nil {
		return err
	}
	tmp := h.AppConfigFile() + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, h.AppConfigFile())
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
	c.Consensus.TimeoutPropose = DefaultTimeoutPropose
	if o.TimeoutPropose > 0 {
		c.Consensus.TimeoutPropose = o.TimeoutPropose
	}
	if o.TimeoutVote > 0 {
		c.Consensus.TimeoutPrevote, c.Consensus.TimeoutPrecommit = o.TimeoutVote, o.TimeoutVote
	}
	c.P2P.PersistentPeers = o.PersistentPeers
	c.Consensus.SkipTimeoutCommit = false
	c.Mempool.Size = 100_000
	c.Mempool.CacheSize = 200_000
	c.Mempool.MaxTxsBytes = 1 << 30
	c.Mempool.Broadcast = true
	// NOTE: recheck. After each block CometBFT runs CheckTx again on every
	// transaction left in the mempool, in order, under the mempool's lock:
	// one the block made invalid (expired, or what it needed taken) is
	// dropped before it takes a place in a block, the app's view of the
	// mempool is rebuilt on the new state, and the app tells whoever waits
	// for a dropped transaction at once (app.OnEvict, the commit stream's
	// "dropped" events). It costs about 5% of the node's throughput at
	// thousands of pending transactions (BENCHMARKS.md, issue 17); without
	// it a transaction a block made invalid took a place in a later block,
	// and one the mempool dropped was learned of only when a client gave
	// up waiting.
	c.Mempool.Recheck = true
	// NOTE: the node keeps its own transaction index (package txindex),
	// written before a commit is announced; CometBFT's indexer would only
	// repeat it, later, at a cost per transaction.
	c.TxIndex.Indexer = "null"
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
	if err := checkKeyFiles(c); err != nil {
		return nil, ac, err
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
	if err := ac.Vault.Validate(); err != nil {
		return nil, ac, fmt.Errorf("%s: %w", h.AppConfigFile(), err)
	}
	if err := ac.Storage.Validate(); err != nil {
		return nil, ac, fmt.Errorf("%s: %w", h.AppConfigFile(), err)
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

// checkKeyFiles reads the node key, the validator key and its last-sign
// state as CometBFT will. NOTE: CometBFT exits the process (os.Exit) on a
// damaged validator file and dereferences nil on a node key without a key;
// checking first turns those into errors that say which file and what to do.
func checkKeyFiles(c *cfg.Config) error {
	nk, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err == nil && nk.PrivKey == nil {
		err = errors.New("it holds no key")
	}
	if err != nil {
		return fmt.Errorf("node key %s is damaged (%v): restore it from this node's backup, or delete it to make the node a new peer identity (update its peers' persistent_peers)", c.NodeKeyFile(), err)
	}
	keyFile, stateFile := c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("validator key: %w", err)
	}
	var k privval.FilePVKey
	if err := cmtjson.Unmarshal(b, &k); err != nil {
		return fmt.Errorf("validator key %s is damaged (%v): restore this node's key from its backup", keyFile, err)
	}
	if k.PrivKey == nil || k.PubKey == nil || !k.PubKey.Equals(k.PrivKey.PubKey()) || !bytes.Equal(k.Address, k.PubKey.Address()) {
		return fmt.Errorf("validator key %s is damaged (its private key, public key and address do not match): restore this node's key from its backup", keyFile)
	}
	b, err = os.ReadFile(stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("validator state %s is missing: it records the last vote this validator signed, so that it never signs twice; restore it with the rest of data/ from this node's latest backup", stateFile)
	}
	if err != nil {
		return fmt.Errorf("validator state: %w", err)
	}
	var st privval.FilePVLastSignState
	if err := cmtjson.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("validator state %s is damaged (%v): restore it with the rest of data/ from this node's latest backup", stateFile, err)
	}
	return nil
}

// genesisDocKey is where CometBFT keeps, in its state database, the genesis
// it started the chain from (node.LoadStateFromDBOrGenesisDocProvider).
var genesisDocKey = []byte("genesisDoc")

// CheckStoredGenesis refuses a genesis file that differs from the genesis
// CometBFT stored when the node of home h first started (see
// checkStoredGenesis). A node runs it before it opens its databases; it is
// not part of LoadConfig, which every CLI command runs: its read-only open
// of the state database would, for that instant, keep a starting node from
// taking the database's lock.
func CheckStoredGenesis(h Home) error {
	c, _, err := LoadConfig(h)
	if err != nil {
		return err
	}
	return checkStoredGenesis(h, c)
}

// checkStoredGenesis refuses a genesis file that differs from the genesis
// CometBFT stored when the node first started. NOTE: CometBFT reads only the
// stored copy once it has one and ignores the file, so a replaced file would
// go unnoticed by the node yet mislead whoever trusts it (medledger verify
// checks proofs against the file's validators).
func checkStoredGenesis(h Home, c *cfg.Config) error {
	if c.DBBackend != string(dbm.GoLevelDBBackend) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(c.DBDir(), "state.db")); err != nil {
		return nil // the node has never started
	}
	db, err := dbm.NewGoLevelDBWithOpts("state", c.DBDir(), &opt.Options{ReadOnly: true})
	if err != nil {
		// NOTE: a running node holds the database's lock; starting a second
		// one from this home fails later, with its own message.
		return nil
	}
	stored, err := db.Get(genesisDocKey)
	db.Close()
	if err != nil || len(stored) == 0 {
		return nil
	}
	var kept types.GenesisDoc
	if err := cmtjson.Unmarshal(stored, &kept); err != nil {
		return nil // CometBFT reports this one itself
	}
	file, err := Genesis(h)
	if err != nil {
		return err
	}
	if a, b := canonicalGenesis(&kept), canonicalGenesis(file); a == nil || b == nil || !bytes.Equal(a, b) {
		return fmt.Errorf("genesis %s is not the genesis this node's chain started from (chain %q, genesis time %s, %d validators; the file has chain %q, time %s, %d validators): this home mixes two chains; put back the chain's genesis file",
			h.GenesisFile(), kept.ChainID, kept.GenesisTime.Format(time.RFC3339), len(kept.Validators), file.ChainID, file.GenesisTime.Format(time.RFC3339), len(file.Validators))
	}
	return nil
}

// canonicalGenesis encodes a genesis for comparison, app state compacted.
func canonicalGenesis(doc *types.GenesisDoc) []byte {
	d := *doc
	if len(d.AppState) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, d.AppState); err != nil {
			return nil
		}
		d.AppState = buf.Bytes()
	}
	b, err := cmtjson.Marshal(&d)
	if err != nil {
		return nil
	}
	return b
}
