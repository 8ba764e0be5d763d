package app

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// MaxTTL is how many blocks past the next one a transaction's expiry may
// reach. It bounds the replay-guard state: a (signer, nonce) pair is kept
// until its expiry height and then pruned.
const MaxTTL = 10_000

// Key prefixes owned by the app itself.
var (
	replayPrefix = []byte("app/replay/") // + expires(8, big endian): a bucket (replay.go)
	// blockTimeKey holds the last block's time (RFC 3339, nanoseconds), so
	// that CheckTx after a restart judges time-bound rules by the chain's
	// clock, not by a zero time.
	blockTimeKey = []byte("app/block-time")
)

// Genesis is the application state in the genesis file: each module's
// genesis document by module name.
type Genesis struct {
	Modules map[string]json.RawMessage `json:"modules"`
}

// Committed describes one transaction of a committed block, for listeners.
type Committed struct {
	Hash   []byte
	Height int64
	Index  int
	// Type is the transaction's type, "" when its bytes could not be
	// decoded (for metrics).
	Type   string
	Result *abci.ExecTxResult
	// Evicted: no block holds the transaction; the mempool dropped it
	// when a recheck after block Height refused it (Result says why, and
	// Index is -1). Set only by the API's waiters, from OnEvict.
	Evicted bool
}

// Evicted describes a transaction that a recheck refused after block
// Height: CometBFT drops it from the mempool, and no block will hold it.
type Evicted struct {
	Hash   []byte
	Height int64
	Result *abci.ResponseCheckTx
}

// App is the medledger ABCI application.
type App struct {
	abci.BaseApplication

	store   *state.Store
	chainID string
	ids     Identities
	lic     Licences
	plog    PatientLog
	modules []Module
	routes  map[string]Route

	// checkMu guards the mempool's view: an overlay of the last committed
	// state with the effects of the transactions CheckTx accepted since.
	checkMu   sync.Mutex
	check     *state.Cache
	checkSeen *nonces
	checkTime time.Time
	checkBase state.Reader // the committed state under check
	view      []admitted   // what check holds, in order (recheck.go)
	carried   map[string]struct{}
	rebases   struct{ rebased, fallbacks, dropped int }
	noRebase  bool // tests: every block falls back to the full recheck

	verified *sigCache
	keysMu   sync.RWMutex
	keys     map[string]ed25519.PublicKey // by key id, for PreVerify

	// Consensus connection only.
	blockHeight int64
	blockTime   time.Time
	pending     []Committed
	pendingEnd  []abci.Event // the block's end-of-block events, for OnEndBlock
	endWrote    bool         // an EndBlocker wrote state in this block

	retention Retention
	snapshots Snapshots

	listenMu       sync.Mutex
	listeners      []func(height int64, txs []Committed)
	endListeners   []func(height int64, events []abci.Event)
	evictListeners []func(Evicted)
}

var _ abci.Application = (*App)(nil)

// New returns the app over store for chainID, with ids as the identity
// module (which MUST also be among modules) and the given modules. The
// first module that implements PatientLog keeps the patients' log.
func New(store *state.Store, chainID string, ids Identities, modules ...Module) (*App, error) {
	a := &App{store: store, chainID: chainID, ids: ids, lic: NoLicences{}, plog: NoPatientLog{}, modules: modules, routes: map[string]Route{}, verified: newSigCache(200_000), keys: map[string]ed25519.PublicKey{}}
	for _, m := range modules {
		if l, ok := m.(PatientLog); ok && a.plog == (NoPatientLog{}) {
			a.plog = l
		}
		for _, r := range m.Routes() {
			if _, dup := a.routes[r.Type]; dup {
				return nil, fmt.Errorf("transaction type %s registered twice", r.Type)
			}
			if (&tx.Payload{Type: r.Type}).Module() != m.Name() {
				return nil, fmt.Errorf("transaction type %s is outside module %s", r.Type, m.Name())
			}
			a.routes[r.Type] = r
		}
	}
	a.resetCheck()
	return a, nil
}

// UseLicences makes l answer the modules' licence checks (ctx.Licences)
// instead of NoLicences. It MUST be called before the app serves anything
// (InitChain, CheckTx, FinalizeBlock), as cmd wires the credentials module;
// a nil l keeps NoLicences.
func (a *App) UseLicences(l Licences) {
	if l != nil {
		a.lic = l
	}
}

// Licences is what answers licence checks: the module UseLicences named,
// or NoLicences. Read-only routes use it on committed snapshots.
func (a *App) Licences() Licences { return a.lic }

// Identities is the module that answers who signers are, for read-only
// routes on committed snapshots.
func (a *App) Identities() Identities { return a.ids }

// ChainID of the chain this app serves.
func (a *App) ChainID() string { return a.chainID }

// Store is the app's state store, for queries.
func (a *App) Store() *state.Store { return a.store }

// Types lists the registered transaction types, sorted.
func (a *App) Types() []string {
	out := make([]string, 0, len(a.routes))
	for t := range a.routes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Route returns the route of a transaction type.
func (a *App) Route(typ string) (Route, bool) { r, ok := a.routes[typ]; return r, ok }

// OnCommit registers fn to be called after each block is committed, with
// the block's transactions and their results. fn MUST NOT block.
func (a *App) OnCommit(fn func(height int64, txs []Committed)) {
	a.listenMu.Lock()
	a.listeners = append(a.listeners, fn)
	a.listenMu.Unlock()
}

// OnEvict registers fn to be called when a recheck of the mempool (after
// each block, node.Config) refuses a transaction that CheckTx had
// admitted, so that whoever waits for it learns at once that no block will
// hold it. fn MUST NOT block: it runs on the mempool's recheck, under its
// lock.
func (a *App) OnEvict(fn func(Evicted)) {
	a.listenMu.Lock()
	a.evictListeners = append(a.evictListeners, fn)
	a.listenMu.Unlock()
}

func (a *App) evicted(hash []byte, res *abci.ResponseCheckTx) {
	a.listenMu.Lock()
	ls := a.evictListeners
	a.listenMu.Unlock()
	e := Evicted{Hash: hash, Height: a.store.Version(), Result: res}
	for _, fn := range ls {
		fn(e)
	}
}

// BlockTime returns the time of the last block committed in r, the zero
// time before the first block: the clock of reads that judge time-bound
// rules (expiry, consent periods) the way the next block would.
func BlockTime(r state.Reader) time.Time {
	var t time.Time
	if b := r.Get(blockTimeKey); b != nil {
		if err := t.UnmarshalText(b); err != nil {
			panic(fmt.Errorf("app: corrupt %s: %w", blockTimeKey, err))
		}
	}
	return t
}

// Info tells CometBFT where the app's state stands, for the handshake.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	v := a.store.Version()
	res := &abci.ResponseInfo{Data: "medledger", Version: "1", AppVersion: 1, LastBlockHeight: v}
	if v > 0 {
		res.LastBlockAppHash = a.store.Hash()
	}
	return res, nil
}

// InitChain writes every module's genesis state.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	if req.ChainId != a.chainID {
		return nil, fmt.Errorf("genesis chain id %q, app configured for %q", req.ChainId, a.chainID)
	}
	if req.InitialHeight > 1 {
		// NOTE: the store numbers versions from 1, and Info reports the version
		// as the last height: any other initial height would break the handshake.
		return nil, fmt.Errorf("genesis initial_height is %d; this app supports only 1", req.InitialHeight)
	}
	var g Genesis
	if len(req.AppStateBytes) > 0 {
		if err := json.Unmarshal(req.AppStateBytes, &g); err != nil {
			return nil, fmt.Errorf("app_state in genesis: %w", err)
		}
	}
	known := map[string]bool{}
	for _, m := range a.modules {
		known[m.Name()] = true
		ctx := &Context{KV: a.store.Working(), ChainID: a.chainID, Height: req.InitialHeight, Time: req.Time, IDs: a.ids, Licences: a.lic, Log: a.plog}
		if err := m.InitGenesis(ctx, g.Modules[m.Name()]); err != nil {
			return nil, fmt.Errorf("genesis of module %s: %w", m.Name(), err)
		}
	}
	for name := range g.Modules {
		if !known[name] {
			return nil, fmt.Errorf("genesis has state for unknown module %q", name)
		}
	}
	return &abci.ResponseInitChain{AppHash: a.store.WorkingHash()}, nil
}

// CheckTx admits a transaction to the mempool if it would apply on top of
// the last committed state and the transactions admitted since. After each
// commit the view moves to the new state, and CometBFT rechecks the
// transactions still in the mempool, in their order (CheckTxType Recheck):
// those a block made invalid are refused, dropped from the mempool, and the
// OnEvict listeners told. (After most blocks the view knows that none can
// have been, and answers at once: recheck.go.)
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	hash := tx.Hash(req.Tx)
	res := a.checkTx(req.Tx, hash, req.Type == abci.CheckTxType_Recheck)
	if req.Type == abci.CheckTxType_Recheck && res.Code != abci.CodeTypeOK {
		a.evicted(hash, res)
	}
	return res, nil
}

// PreVerify checks a transaction's signature against the signer's key in the
// latest committed state and remembers the result with the decoded
// transaction, so that CheckTx and FinalizeBlock need neither decode nor
// verify it again. It lets the API spread signature checks over all cores;
// it changes no state and decides nothing. It returns the decoding error of
// malformed bytes (which CheckTx would refuse with the same error).
func (a *App) PreVerify(raw []byte) error {
	t, err := tx.Decode(raw)
	if err != nil {
		return err
	}
	pub := a.keyOf(t.KeyID)
	if pub == nil {
		if _, pub, err = a.ids.Authenticate(a.store.Latest(), t.Signer, t.KeyID); err != nil {
			return nil
		}
		a.rememberKey(t.KeyID, pub)
	}
	if t.Verify(pub) {
		a.verified.add(tx.Hash(raw), t)
	}
	return nil
}

// PreVerifyBatch is PreVerify of each of raws, with their signatures
// checked in one batch (tx.VerifyBatch: about a third of the cost a
// signature when all hold). errs[i] is raws[i]'s decoding error.
func (a *App) PreVerifyBatch(raws [][]byte) (errs []error) {
	errs = make([]error, len(raws))
	txs := make([]*tx.Tx, 0, len(raws))
	pubs := make([]ed25519.PublicKey, 0, len(raws))
	hashes := make([][]byte, 0, len(raws))
	var latest state.Reader
	for i, raw := range raws {
		t, err := tx.Decode(raw)
		if err != nil {
			errs[i] = err
			continue
		}
		h := tx.Hash(raw)
		if a.verified.has(h) {
			continue
		}
		pub := a.keyOf(t.KeyID)
		if pub == nil {
			if latest == nil {
				latest = a.store.Latest()
			}
			if _, pub, err = a.ids.Authenticate(latest, t.Signer, t.KeyID); err != nil {
				continue
			}
			a.rememberKey(t.KeyID, pub)
		}
		txs, pubs, hashes = append(txs, t), append(pubs, pub), append(hashes, h)
	}
	if len(txs) == 0 {
		return errs
	}
	for i, ok := range tx.VerifyBatch(txs, pubs) {
		if ok {
			a.verified.add(hashes[i], txs[i])
		}
	}
	return errs
}

// maxKeys bounds the public keys PreVerify remembers.
const maxKeys = 10_000

// keyOf returns the public key whose key id is keyID, if PreVerify has met
// it. NOTE: a key id names one key (see sigCache), so which signer it
// belongs to, and whether it is still that signer's current key, is for run
// to decide; PreVerify only needs the key to check a signature.
func (a *App) keyOf(keyID string) ed25519.PublicKey {
	a.keysMu.RLock()
	defer a.keysMu.RUnlock()
	return a.keys[keyID]
}

func (a *App) rememberKey(keyID string, pub ed25519.PublicKey) {
	if tx.KeyID(pub) != keyID {
		return
	}
	a.keysMu.Lock()
	defer a.keysMu.Unlock()
	if len(a.keys) >= maxKeys {
		clear(a.keys)
	}
	a.keys[keyID] = pub
}

// decode returns the transaction of raw, whose hash is hash: the one
// PreVerify or an earlier CheckTx decoded, if they did, else a new decoding.
func (a *App) decode(raw, hash []byte) (*tx.Tx, error) {
	if t := a.verified.get(hash); t != nil {
		return t, nil
	}
	return tx.Decode(raw)
}

func checkResult(err error) *abci.ResponseCheckTx {
	e := medledger.As(err)
	if e.Kind == medledger.KindInternal {
		panic(err)
	}
	return &abci.ResponseCheckTx{Code: e.Code, Codespace: e.Codespace, Log: e.Detail, Info: e.Slug}
}

// run is the one validation and execution path of a transaction: it checks
// the envelope against kv and applies the handler, writing to kv only if
// everything succeeds; with changes non-nil it also returns what it wrote
// there (the mempool's view keeps it, recheck.go).
func (a *App) run(kv state.KV, seen *nonces, height int64, now time.Time, t *tx.Tx, changes *[]state.Change) ([]abci.Event, error) {
	if t.ChainID != a.chainID {
		return nil, tx.ErrWrongChain.New("transaction is for chain %s, this is %q", medledger.Quote(t.ChainID), a.chainID)
	}
	if t.Expires < height {
		return nil, tx.ErrExpired.New("transaction expired at height %d, the chain is at %d: sign it again with a later expiry", t.Expires, height)
	}
	if t.Expires > height+MaxTTL {
		return nil, tx.ErrExpiryTooFar.New("expiry %d is more than %d blocks past height %d", t.Expires, MaxTTL, height)
	}
	route, ok := a.routes[t.Type]
	if !ok {
		return nil, tx.ErrUnknownType.New("unknown transaction type %s", medledger.Quote(t.Type))
	}
	signer, pub, err := a.ids.Authenticate(kv, t.Signer, t.KeyID)
	if err != nil {
		return nil, err
	}
	hash := tx.Hash(t.Raw)
	if !a.verified.has(hash) {
		if !t.Verify(pub) {
			return nil, tx.ErrBadSignature.New("signature does not verify with %s's key %s", t.Signer, t.KeyID)
		}
		a.verified.add(hash, t)
	}
	re := replayEntryOf(t)
	if seen.used(kv, t.Expires, re) {
		return nil, tx.ErrReplayed.New("%s already used nonce %q with expiry %d", t.Signer, t.Nonce, t.Expires)
	}
	if !route.Policy.Allows(signer) {
		return nil, tx.ErrUnauthorized.New("%s (role %s of a %s) may not send %s", t.Signer, signer.Role, orgKindOrPatient(signer), t.Type)
	}
	overlay := state.NewCache(kv)
	ctx := &Context{KV: overlay, ChainID: a.chainID, Height: height, Time: now, Signer: signer, TxHash: hash, IDs: a.ids, Licences: a.lic, Log: a.plog,
		Check: changes != nil}
	if err := route.Handle(ctx, t.Body); err != nil {
		return nil, err
	}
	if changes != nil {
		*changes = overlay.WriteChanges()
	} else {
		overlay.Write()
	}
	seen.add(t.Expires, re)
	events := make([]abci.Event, 1, 1+len(ctx.events))
	events[0] = abci.Event{Type: "tx", Attributes: []abci.EventAttribute{
		{Key: "type", Value: t.Type, Index: true},
		{Key: "signer", Value: t.Signer, Index: true},
	}}
	return append(events, ctx.events...), nil
}

func orgKindOrPatient(s Signer) string {
	if s.Kind == KindPatient {
		return "patient"
	}
	return s.OrgKind
}

// FinalizeBlock executes a decided block against the working state.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.blockHeight, a.blockTime = req.Height, req.Time
	kv := a.store.Working()
	results := make([]*abci.ExecTxResult, len(req.Txs))
	a.pending = a.pending[:0]
	a.endWrote = false
	seen := newNonces()
	for i, raw := range req.Txs {
		hash := tx.Hash(raw)
		var typ string
		results[i], typ = a.deliver(kv, seen, req.Height, req.Time, raw, hash)
		a.pending = append(a.pending, Committed{Hash: hash, Height: req.Height, Index: i, Type: typ, Result: results[i]})
	}
	seen.flush(kv)
	a.pendingEnd = a.endBlock(kv, req.Height)
	a.pruneReplay(kv, req.Height)
	bt, err := req.Time.UTC().MarshalText()
	if err != nil {
		return nil, fmt.Errorf("block time: %w", err)
	}
	kv.Set(blockTimeKey, bt)
	setIndexed(a.pendingEnd)
	return &abci.ResponseFinalizeBlock{TxResults: results, Events: a.pendingEnd, AppHash: a.store.WorkingHash()}, nil
}

// deliver executes one transaction of a block and returns its result and
// its type ("" when it could not be decoded).
func (a *App) deliver(kv state.KV, seen *nonces, height int64, now time.Time, raw, hash []byte) (*abci.ExecTxResult, string) {
	var typ string
	t, err := a.decode(raw, hash)
	if err == nil {
		typ = t.Type
		var events []abci.Event
		events, err = a.run(kv, seen, height, now, t, nil)
		a.verified.remove(hash)
		if err == nil {
			setIndexed(events)
			return &abci.ExecTxResult{Code: abci.CodeTypeOK, Events: events}, typ
		}
	}
	e := medledger.As(err)
	if e.Kind == medledger.KindInternal {
		panic(err)
	}
	return &abci.ExecTxResult{Code: e.Code, Codespace: e.Codespace, Log: e.Detail, Info: e.Slug}, typ
}

// indexed lists the event attributes ("event-type.attribute") that the node's
// transaction index keeps, so that a query can find the transactions that
// carry a value (CometBFT's tx_search). Every event of a transaction is in
// its result whatever this says (GET /v1/tx/{hash}); indexing costs the
// node a write per attribute and transaction, so an attribute is listed
// only when a query needs it. A module that needs one adds it here.
var indexed = map[string]bool{
	"tx.type":   true,
	"tx.signer": true,
}

// setIndexed marks the attributes of events for the index as indexed says.
// NOTE: the flags are no part of consensus (CometBFT hashes a result's code
// and data only).
func setIndexed(events []abci.Event) {
	for i := range events {
		for j := range events[i].Attributes {
			at := &events[i].Attributes[j]
			at.Index = indexed[events[i].Type+"."+at.Key]
		}
	}
}

// pruneReplay drops replay-guard entries whose expiry is below height: no
// transaction carrying them can be included any more.
func (a *App) pruneReplay(kv state.KV, height int64) {
	end := binary.BigEndian.AppendUint64(append([]byte{}, replayPrefix...), uint64(height))
	var dead [][]byte
	kv.Iterate(replayPrefix, end, func(k, _ []byte) bool {
		dead = append(dead, append([]byte{}, k...))
		return true
	})
	for _, k := range dead {
		kv.Delete(k)
	}
}

// Commit persists the block's state.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	_, version, err := a.store.Commit()
	if err != nil {
		panic(fmt.Errorf("app: commit: %w", err))
	}
	a.committedCheck()
	if a.snapshots != nil {
		a.snapshots.Committed(version)
	}
	committed := append([]Committed(nil), a.pending...)
	a.pending = a.pending[:0]
	ended := a.pendingEnd
	a.pendingEnd = nil
	a.listenMu.Lock()
	ls, els := a.listeners, a.endListeners
	a.listenMu.Unlock()
	for _, fn := range ls {
		fn(version, committed)
	}
	if len(ended) > 0 {
		for _, fn := range els {
			fn(version, ended)
		}
	}
	return &abci.ResponseCommit{RetainHeight: a.retainHeight(version)}, nil
}

// Query serves "/key" (Data = the key; Prove for an ICS-23 proof) at a
// committed height (0 = latest).
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if req.Path != "/key" {
		return &abci.ResponseQuery{Code: 1, Codespace: "app", Log: fmt.Sprintf("unknown query path %s; use /key", medledger.Quote(req.Path))}, nil
	}
	snap, err := a.store.Snapshot(req.Height)
	if err != nil {
		return &abci.ResponseQuery{Code: 2, Codespace: "app", Log: err.Error()}, nil
	}
	res := &abci.ResponseQuery{Key: req.Data, Value: snap.Get(req.Data), Height: snap.Version()}
	if req.Prove {
		p, err := snap.Prove(req.Data)
		if err != nil {
			return &abci.ResponseQuery{Code: 3, Codespace: "app", Log: err.Error()}, nil
		}
		bz, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		res.ProofOps = nil
		res.Info = hex.EncodeToString(bz)
	}
	return res, nil
}
