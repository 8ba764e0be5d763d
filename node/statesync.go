// State sync: a new node fetches a recent snapshot of the application's
// state from its peers instead of replaying every block from genesis.

package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/light"
	lightprovider "github.com/cometbft/cometbft/light/provider"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	cmtstate "github.com/cometbft/cometbft/proto/tendermint/state"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
	"github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// stateProvider gives CometBFT's state sync the app hash, commit and
// state of a snapshot's height from light blocks, fetched from members'
// REST APIs (GET /v1/blocks/{h}, /v1/validators/{h}) and verified by
// CometBFT's light client from the trusted height and hash in config.toml
// ([statesync] trust_height, trust_hash; rpc_servers are the members' API
// URLs, since a medledger node serves no CometBFT RPC).
//
// NOTE: the consensus parameters come from the genesis: the app never
// changes them (FinalizeBlock returns no ConsensusParamUpdates), so every
// height has the genesis's.
type stateProvider struct {
	mu     sync.Mutex
	lc     *light.Client
	params types.ConsensusParams
	init   int64
}

var _ statesync.StateProvider = (*stateProvider)(nil)

func newStateProvider(ctx context.Context, doc *types.GenesisDoc, servers []string, trust light.TrustOptions) (*stateProvider, error) {
	if len(servers) < 1 {
		return nil, fmt.Errorf("state sync needs the API of at least one member's node in [statesync] rpc_servers")
	}
	ps := make([]lightprovider.Provider, len(servers))
	for i, s := range servers {
		ps[i] = &apiProvider{chainID: doc.ChainID, base: strings.TrimRight(s, "/"), hc: &http.Client{Timeout: 10 * time.Second}}
	}
	lc, err := light.NewClient(ctx, doc.ChainID, trust, ps[0], ps[1:], lightdb.New(dbm.NewMemDB(), ""), light.MaxRetryAttempts(5))
	if err != nil {
		return nil, fmt.Errorf("state sync: light client from trusted height %d: %w", trust.Height, err)
	}
	return &stateProvider{lc: lc, params: *doc.ConsensusParams, init: doc.InitialHeight}, nil
}

// AppHash is the app hash after height: in the header of height+1. It
// also checks height+2, which State needs.
func (p *stateProvider) AppHash(ctx context.Context, height uint64) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	next, err := p.lc.VerifyLightBlockAtHeight(ctx, int64(height+1), time.Now())
	if err != nil {
		return nil, err
	}
	if _, err := p.lc.VerifyLightBlockAtHeight(ctx, int64(height+2), time.Now()); err != nil {
		return nil, err
	}
	return next.AppHash, nil
}

// Commit is the commit of height.
func (p *stateProvider) Commit(ctx context.Context, height uint64) (*types.Commit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := p.lc.VerifyLightBlockAtHeight(ctx, int64(height), time.Now())
	if err != nil {
		return nil, err
	}
	return b.Commit, nil
}

// State is CometBFT's state after height, as CometBFT's own light-client
// state provider builds it.
func (p *stateProvider) State(ctx context.Context, height uint64) (sm.State, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var blocks [3]*types.LightBlock
	for i := range blocks {
		b, err := p.lc.VerifyLightBlockAtHeight(ctx, int64(height)+int64(i), time.Now())
		if err != nil {
			return sm.State{}, err
		}
		blocks[i] = b
	}
	last, cur, next := blocks[0], blocks[1], blocks[2]
	return sm.State{
		ChainID:                          p.lc.ChainID(),
		InitialHeight:                    max(p.init, 1),
		Version:                          cmtstate.Version{Consensus: cur.Version, Software: version.TMCoreSemVer},
		LastBlockHeight:                  last.Height,
		LastBlockTime:                    last.Time,
		LastBlockID:                      last.Commit.BlockID,
		AppHash:                          cur.AppHash,
		LastResultsHash:                  cur.LastResultsHash,
		LastValidators:                   last.ValidatorSet,
		Validators:                       cur.ValidatorSet,
		NextValidators:                   next.ValidatorSet,
		LastHeightValidatorsChanged:      next.Height,
		ConsensusParams:                  p.params,
		LastHeightConsensusParamsChanged: cur.Height,
	}, nil
}

// StateSync is how a new node joins by state sync: a height and its block
// hash that the operator trusts (read from a member, e.g. GET
// /v1/blocks/{height} on its node, or told by another member), and the
// APIs of at least two members' nodes to fetch light blocks from.
type StateSync struct {
	TrustHeight int64
	TrustHash   string // hex, as GET /v1/blocks/{height} gives it
	Servers     []string
	// TrustPeriod bounds how old the trusted height may be; 0 means
	// DefaultTrustPeriod.
	TrustPeriod time.Duration
}

// DefaultTrustPeriod is how long a trusted header stays trusted for
// state sync: a week, as CometBFT's default.
const DefaultTrustPeriod = 168 * time.Hour

// EnableStateSync writes s into the home's config.toml ([statesync]), so
// that its next start, on an empty home, restores a member's snapshot
// instead of replaying the chain. A home that holds blocks already is
// refused: CometBFT skips state sync on it.
func EnableStateSync(h Home, s StateSync) error {
	c, _, err := LoadConfig(h)
	if err != nil {
		return err
	}
	if hasBlocks(c) {
		return fmt.Errorf("%s holds blocks already: state sync is only for a new node's empty home (move data/ aside first, keeping data/priv_validator_state.json)", h)
	}
	c.StateSync.Enable = true
	c.StateSync.TrustHeight, c.StateSync.TrustHash, c.StateSync.RPCServers = s.TrustHeight, strings.ToUpper(s.TrustHash), s.Servers
	c.StateSync.TrustPeriod = s.TrustPeriod
	if c.StateSync.TrustPeriod == 0 {
		c.StateSync.TrustPeriod = DefaultTrustPeriod
	}
	if err := c.StateSync.ValidateBasic(); err != nil {
		return fmt.Errorf("state sync: %w (give --trust-height, --trust-hash and two members' APIs in --sync-from)", err)
	}
	cfg.WriteConfigFile(filepath.Join(h.ConfigDir(), "config.toml"), c)
	return nil
}

// hasBlocks reports whether the home of c holds a block (a state sync
// that stopped before its first block leaves an empty block store).
func hasBlocks(c *cfg.Config) bool {
	if _, err := os.Stat(filepath.Join(c.DBDir(), "blockstore.db")); err != nil {
		return false
	}
	if c.DBBackend != string(dbm.GoLevelDBBackend) {
		return true
	}
	db, err := dbm.NewGoLevelDBWithOpts("blockstore", c.DBDir(), &opt.Options{ReadOnly: true})
	if err != nil {
		return true // locked (running) or damaged: not an empty home
	}
	defer db.Close()
	return store.LoadBlockStoreState(db).Height > 0
}

// stateSyncProvider is the state provider of a home whose config.toml
// enables state sync.
func stateSyncProvider(h Home, c *cfg.Config) (*stateProvider, error) {
	doc, err := Genesis(h)
	if err != nil {
		return nil, err
	}
	hash, err := hex.DecodeString(c.StateSync.TrustHash)
	if err != nil {
		return nil, fmt.Errorf("[statesync] trust_hash %q is not hex: %w", c.StateSync.TrustHash, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return newStateProvider(ctx, doc, c.StateSync.RPCServers, light.TrustOptions{Period: c.StateSync.TrustPeriod, Height: c.StateSync.TrustHeight, Hash: hash})
}

// apiProvider is a light-block provider over a member's REST API.
type apiProvider struct {
	chainID, base string
	hc            *http.Client
}

var _ lightprovider.Provider = (*apiProvider)(nil)

func (a *apiProvider) ChainID() string { return a.chainID }

func (a *apiProvider) String() string { return a.base }

// LightBlock fetches the signed header and validators of height (0: the
// latest); the light client verifies them.
func (a *apiProvider) LightBlock(ctx context.Context, height int64) (*types.LightBlock, error) {
	h := "latest"
	if height > 0 {
		h = strconv.FormatInt(height, 10)
	}
	var b struct {
		Height       int64           `json:"height"`
		SignedHeader json.RawMessage `json:"signed_header"`
	}
	if err := a.get(ctx, "/v1/blocks/"+h, &b); err != nil {
		return nil, err
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(b.SignedHeader, &sh); err != nil {
		return nil, lightprovider.ErrBadLightBlock{Reason: err}
	}
	var v struct {
		Validators json.RawMessage `json:"validators"`
	}
	if err := a.get(ctx, "/v1/validators/"+strconv.FormatInt(sh.Height, 10), &v); err != nil {
		return nil, err
	}
	var vals []*types.Validator
	if err := cmtjson.Unmarshal(v.Validators, &vals); err != nil {
		return nil, lightprovider.ErrBadLightBlock{Reason: err}
	}
	lb := &types.LightBlock{SignedHeader: &sh, ValidatorSet: types.NewValidatorSet(vals)}
	if err := lb.ValidateBasic(a.chainID); err != nil {
		return nil, lightprovider.ErrBadLightBlock{Reason: err}
	}
	return lb, nil
}

// ReportEvidence is not served: the REST API takes no evidence.
func (a *apiProvider) ReportEvidence(context.Context, types.Evidence) error { return nil }

func (a *apiProvider) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return err
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return lightprovider.ErrNoResponse
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusBadRequest:
		return lightprovider.ErrLightBlockNotFound
	case res.StatusCode != http.StatusOK:
		return lightprovider.ErrNoResponse
	}
	return json.NewDecoder(res.Body).Decode(v)
}
