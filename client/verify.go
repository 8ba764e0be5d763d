package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmtmath "github.com/cometbft/cometbft/libs/math"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// Trust is what a verifier trusts: a chain id and its genesis validators.
// Everything else is checked against headers those validators signed.
type Trust struct {
	ChainID    string
	Validators *types.ValidatorSet
	// MaxAge, when not 0, is how old the header of a proof that something
	// is absent may be, by Now: an older one is refused with a
	// *StaleError, since an absence is only true as of its height (a node
	// that reports an old height could otherwise prove a recent anchor
	// absent). A proof that something is present stays true, and is
	// accepted whatever its age.
	MaxAge time.Duration
	// Now is the verifier's clock (time.Now when nil).
	Now func() time.Time
}

// DefaultMaxAge is the MaxAge of medledger verify unless told: a few
// minutes, far more than a block takes, less than anyone would accept as
// "now".
const DefaultMaxAge = 5 * time.Minute

func (t Trust) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// ErrStale is the cause of every *StaleError.
var ErrStale = errors.New("the node's view is stale")

// StaleError is an absence proven only at a header older than
// Trust.MaxAge: the node (or something between) reports an old height.
type StaleError struct {
	Height int64     // the header's height
	Time   time.Time // its block time
	Age    time.Duration
	MaxAge time.Duration
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%v: its latest proof is at height %d of %s, %s ago, older than the %s allowed", ErrStale, e.Height,
		e.Time.UTC().Format(time.RFC3339), e.Age.Round(time.Second), e.MaxAge)
}

func (e *StaleError) Unwrap() error { return ErrStale }

// fresh refuses a header older than t.MaxAge.
func (t Trust) fresh(sh *types.SignedHeader) error {
	if t.MaxAge <= 0 {
		return nil
	}
	if age := t.now().Sub(sh.Time); age > t.MaxAge {
		return &StaleError{Height: sh.Height, Time: sh.Time, Age: age, MaxAge: t.MaxAge}
	}
	return nil
}

// TrustGenesis builds a Trust from a genesis document.
func TrustGenesis(doc *types.GenesisDoc) (Trust, error) {
	if err := doc.ValidateAndComplete(); err != nil {
		return Trust{}, fmt.Errorf("genesis: %w", err)
	}
	vals := make([]*types.Validator, 0, len(doc.Validators))
	for _, v := range doc.Validators {
		vals = append(vals, types.NewValidator(v.PubKey, v.Power))
	}
	return Trust{ChainID: doc.ChainID, Validators: types.NewValidatorSet(vals)}, nil
}

// TrustGenesisFile reads a genesis file.
func TrustGenesisFile(path string) (Trust, error) {
	doc, err := types.GenesisDocFromFile(path)
	if err != nil {
		return Trust{}, fmt.Errorf("genesis %s: %w", path, err)
	}
	return TrustGenesis(doc)
}

// FetchGenesis fetches the node's genesis. Trusting it means trusting the
// node: prefer a genesis file obtained out of band.
func (c *Client) FetchGenesis(ctx context.Context) (*types.GenesisDoc, error) {
	var raw json.RawMessage
	if err := c.Get(ctx, "/v1/genesis", &raw); err != nil {
		return nil, err
	}
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode genesis: %w", err)
	}
	return &doc, nil
}

// TrustingPeriod is how long a header of the genesis validators is trusted
// when the validator set has changed since (light-client skipping
// verification). A consortium's validators are its members, so it is long.
const TrustingPeriod = 100 * 365 * 24 * time.Hour

// VerifiedHeader fetches the signed header at height and checks it: +2/3 of
// the genesis validators signed it, or, if the set changed, CometBFT's light
// client verification from the genesis set to the set at height.
func (c *Client) VerifiedHeader(ctx context.Context, trust Trust, height int64) (*types.SignedHeader, error) {
	sh, err := c.signedHeader(ctx, height)
	if err != nil {
		return nil, err
	}
	if err := sh.ValidateBasic(trust.ChainID); err != nil {
		return nil, fmt.Errorf("header %d is malformed: %w", height, err)
	}
	if bytes.Equal(sh.ValidatorsHash, trust.Validators.Hash()) {
		if err := trust.Validators.VerifyCommitLight(trust.ChainID, sh.Commit.BlockID, height, sh.Commit); err != nil {
			return nil, fmt.Errorf("header %d is not signed by the genesis validators: %w", height, err)
		}
		return sh, nil
	}
	// The validator set changed: verify header 1 against genesis, then skip to height.
	first, err := c.signedHeader(ctx, 1)
	if err != nil {
		return nil, err
	}
	// NOTE: the commit signs a block id; only ValidateBasic checks that the
	// header is the one that id names. Without it a forged header 1 (say,
	// with the attacker's next validators) rides on the real commit.
	if err := first.ValidateBasic(trust.ChainID); err != nil {
		return nil, fmt.Errorf("header 1 is malformed: %w", err)
	}
	if err := trust.Validators.VerifyCommitLight(trust.ChainID, first.Commit.BlockID, 1, first.Commit); err != nil {
		return nil, fmt.Errorf("header 1 is not signed by the genesis validators: %w", err)
	}
	vals, err := c.validatorSet(ctx, height)
	if err != nil {
		return nil, err
	}
	if err := light.Verify(first, trust.Validators, sh, vals, TrustingPeriod, time.Now(), 10*time.Second, cmtmath.Fraction{Numerator: 1, Denominator: 3}); err != nil {
		return nil, fmt.Errorf("header %d fails light-client verification from genesis: %w", height, err)
	}
	return sh, nil
}

func (c *Client) signedHeader(ctx context.Context, height int64) (*types.SignedHeader, error) {
	b, err := c.Block(ctx, height)
	if err != nil {
		return nil, err
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(b.SignedHeader, &sh); err != nil {
		return nil, fmt.Errorf("decode header %d: %w", height, err)
	}
	return &sh, nil
}

func (c *Client) validatorSet(ctx context.Context, height int64) (*types.ValidatorSet, error) {
	var r struct {
		Validators json.RawMessage `json:"validators"`
	}
	if err := c.Get(ctx, fmt.Sprintf("/v1/validators/%d", height), &r); err != nil {
		return nil, err
	}
	var vals []*types.Validator
	if err := cmtjson.Unmarshal(r.Validators, &vals); err != nil {
		return nil, fmt.Errorf("decode validators %d: %w", height, err)
	}
	return types.NewValidatorSet(vals), nil
}

// ProvenValue is a state value checked against a signed header.
type ProvenValue struct {
	Key    string
	Value  []byte // nil when proven absent
	Height int64  // the state version
	Header *types.SignedHeader
}

// VerifyState reads key from the latest provable state and checks its
// ICS-23 proof against the app hash of a header signed by the validators.
func (c *Client) VerifyState(ctx context.Context, trust Trust, key string) (ProvenValue, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return ProvenValue{}, err
	}
	// Version V's app hash is in header V+1: prove at the latest height - 1.
	v := st.LatestHeight - 1
	if v < 1 {
		return ProvenValue{}, fmt.Errorf("the chain is at height %d: no provable state yet", st.LatestHeight)
	}
	return c.VerifyStateAt(ctx, trust, key, v)
}

// VerifyStateAt is VerifyState at state version v.
func (c *Client) VerifyStateAt(ctx context.Context, trust Trust, key string, v int64) (ProvenValue, error) {
	res, err := c.State(ctx, key, true, v)
	if err != nil {
		return ProvenValue{}, err
	}
	sh, err := c.VerifiedHeader(ctx, trust, v+1)
	if err != nil {
		return ProvenValue{}, err
	}
	var proof ics23.CommitmentProof
	if err := proof.Unmarshal(res.Proof); err != nil {
		return ProvenValue{}, fmt.Errorf("decode proof of %q: %w", key, err)
	}
	var val []byte
	if res.Exists {
		val = res.Value
		if val == nil {
			val = []byte{}
		}
	}
	if err := state.VerifyProof(sh.AppHash, &proof, []byte(key), val); err != nil {
		return ProvenValue{}, fmt.Errorf("proof of %q at version %d: %w", key, v, err)
	}
	if val == nil {
		if err := trust.fresh(sh); err != nil {
			return ProvenValue{}, err
		}
	}
	return ProvenValue{Key: key, Value: val, Height: v, Header: sh}, nil
}

// AnchorReport is what VerifyAnchor proved.
type AnchorReport struct {
	Anchor      notary.Anchor `json:"anchor"`
	StateHeight int64         `json:"state_height"` // version at which the anchor record was proven
	// ProvenHeight and ProvenTime are the header the state was proven
	// against (block StateHeight+1) and its block time: the answer holds
	// as of then.
	ProvenHeight int64     `json:"proven_height"`
	ProvenTime   time.Time `json:"proven_time"`
	BlockHash    string    `json:"block_hash"` // the block that included the anchoring transaction
	Validators   int       `json:"validators"` // size of the genesis validator set trusted
}

// ErrNotAnchored is the cause of every *NotAnchoredError.
var ErrNotAnchored = fmt.Errorf("digest was never anchored")

// NotAnchoredError is a digest proven absent: no anchor record in the
// state of version StateHeight, proven against the header of block
// ProvenHeight, of ProvenTime, which is fresh (Trust.MaxAge).
type NotAnchoredError struct {
	Digest       string
	StateHeight  int64
	ProvenHeight int64
	ProvenTime   time.Time
}

func (e *NotAnchoredError) Error() string {
	return fmt.Sprintf("%v: %s (proven absent at height %d, block time %s)", ErrNotAnchored, e.Digest, e.ProvenHeight, e.ProvenTime.UTC().Format(time.RFC3339))
}

func (e *NotAnchoredError) Unwrap() error { return ErrNotAnchored }

// VerifyAnchor proves that digest was anchored: the anchor record is in the
// state (ICS-23 proof against a signed header's app hash), the anchoring
// transaction is in its block (Merkle proof against the signed header's
// data hash), that transaction anchors this digest, and the block's time is
// the anchor's time. It returns ErrNotAnchored when the digest is proven
// absent.
func (c *Client) VerifyAnchor(ctx context.Context, trust Trust, digest string) (AnchorReport, error) {
	pv, err := c.VerifyState(ctx, trust, string(notary.Key(digest)))
	if err != nil {
		return AnchorReport{}, err
	}
	if pv.Value == nil {
		// NOTE: state version V is provable only once block V+1 commits, so
		// an anchor made in the latest block is not provable yet. When the
		// node says it holds the record at a newer version, wait for that
		// version's proof rather than report the digest absent; the node's
		// word only decides whether to wait, never the answer.
		if pv, err = c.awaitProvable(ctx, trust, string(notary.Key(digest)), pv); err != nil {
			return AnchorReport{}, err
		}
	}
	if pv.Value == nil {
		return AnchorReport{}, &NotAnchoredError{Digest: digest, StateHeight: pv.Height, ProvenHeight: pv.Header.Height, ProvenTime: pv.Header.Time}
	}
	var a notary.Anchor
	if err := json.Unmarshal(pv.Value, &a); err != nil {
		return AnchorReport{}, fmt.Errorf("anchor record: %w", err)
	}
	if a.Digest != digest {
		return AnchorReport{}, fmt.Errorf("anchor record is for %s, not %s", a.Digest, digest)
	}
	res, err := c.Tx(ctx, a.TxHash, true)
	if err != nil {
		return AnchorReport{}, err
	}
	var proof types.TxProof
	if err := cmtjson.Unmarshal(res.Proof, &proof); err != nil {
		return AnchorReport{}, fmt.Errorf("decode inclusion proof: %w", err)
	}
	sh, err := c.VerifiedHeader(ctx, trust, a.Height)
	if err != nil {
		return AnchorReport{}, err
	}
	if err := proof.Validate(sh.DataHash); err != nil {
		return AnchorReport{}, fmt.Errorf("transaction %s is not in block %d: %w", a.TxHash, a.Height, err)
	}
	raw := []byte(proof.Data)
	if fmt.Sprintf("%X", tx.Hash(raw)) != a.TxHash {
		return AnchorReport{}, fmt.Errorf("proven transaction does not have the anchor's hash %s", a.TxHash)
	}
	t, err := tx.Decode(raw)
	if err != nil {
		return AnchorReport{}, fmt.Errorf("proven transaction: %w", err)
	}
	var body notary.AnchorBody
	if err := json.Unmarshal(t.Body, &body); err != nil || t.Type != notary.TypeAnchor || body.Digest != digest || t.Signer != a.Signer {
		return AnchorReport{}, fmt.Errorf("proven transaction %s is not %s's anchor of %s", a.TxHash, a.Signer, digest)
	}
	if !sh.Time.Equal(a.Time) {
		return AnchorReport{}, fmt.Errorf("anchor time %s differs from block %d's time %s", a.Time, a.Height, sh.Time)
	}
	return AnchorReport{Anchor: a, StateHeight: pv.Height, ProvenHeight: pv.Header.Height, ProvenTime: pv.Header.Time,
		BlockHash: hex.EncodeToString(sh.Commit.BlockID.Hash), Validators: trust.Validators.Size()}, nil
}

// ProvableWait bounds how long VerifyAnchor waits for the block that makes
// the latest state provable.
const ProvableWait = 30 * time.Second

// awaitProvable returns the proven value of key at the node's latest state
// version when the node claims the key exists there but absent at pv's
// older version; else pv.
func (c *Client) awaitProvable(ctx context.Context, trust Trust, key string, pv ProvenValue) (ProvenValue, error) {
	res, err := c.State(ctx, key, false, 0)
	if err != nil || !res.Exists || res.Height <= pv.Height {
		return pv, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ProvableWait)
	defer cancel()
	for {
		st, err := c.Status(ctx)
		if err != nil {
			return pv, err
		}
		if st.LatestHeight > res.Height {
			return c.VerifyStateAt(ctx, trust, key, res.Height)
		}
		select {
		case <-ctx.Done():
			return pv, fmt.Errorf("state at height %d did not become provable: block %d was not committed: %w", res.Height, res.Height+1, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
