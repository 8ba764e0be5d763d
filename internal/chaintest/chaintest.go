// Package chaintest drives a real medledger app (identity and notary modules
// over a real state store in a folder) directly through its ABCI methods,
// with the demo consortium in genesis, for tests. It starts no CometBFT node:
// a test plays the consensus engine, calling InitChain, FinalizeBlock and
// Commit itself, and CheckTx as the mempool would.
//
// Everything is deterministic: keys come from fixed seeds, block times from a
// fixed genesis time, nonces from a counter. It MUST NOT be imported by
// anything but tests.
package chaintest

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// ChainID is the chain id of every test chain.
const ChainID = "medledger-test"

// BlockInterval is the block time step of Chain.Block.
const BlockInterval = 5 * time.Second

// DefaultTTL is how many blocks past the next one a transaction built by
// Chain.Sign stays valid.
const DefaultTTL = 100

// GenesisTime is the genesis time of every test chain.
var GenesisTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Key is a deterministic key set: an Ed25519 signing key and the public half
// of an X25519 encryption key.
type Key struct {
	Sign ed25519.PrivateKey
	Enc  []byte
}

// NewKey derives a key set from seed.
func NewKey(seed string) Key {
	s := sha256.Sum256([]byte("medledger/chaintest/sign/" + seed))
	e := sha256.Sum256([]byte("medledger/chaintest/enc/" + seed))
	enc, err := ecdh.X25519().NewPrivateKey(e[:])
	if err != nil {
		panic(err) // every 32-byte string is an X25519 private key
	}
	return Key{Sign: ed25519.NewKeyFromSeed(s[:]), Enc: enc.PublicKey().Bytes()}
}

// Public is the Ed25519 public key.
func (k Key) Public() ed25519.PublicKey { return k.Sign.Public().(ed25519.PublicKey) }

// KeyID is the key id of the signing key.
func (k Key) KeyID() string { return tx.KeyID(k.Public()) }

// Member is a member in a test genesis.
type Member struct {
	ID   string // "org/name"
	Role string
	Key  Key
}

// Patient is a patient in a test genesis.
type Patient struct {
	Key        Key
	EnrolledBy string
}

// ID is the patient's pseudonymous id.
func (p Patient) ID() string { return identity.PatientID(p.Key.Public()) }

// Consortium is a genesis under construction.
type Consortium struct {
	Orgs     []identity.Org
	Members  []Member
	Patients []Patient
	// Modules are added to identity and notary, for a module's own tests.
	Modules []app.Module
	// Licences answers licence checks (a module among Modules); nil: none
	// is enforced.
	Licences app.Licences
	// Genesis holds other modules' genesis documents by module name.
	Genesis map[string]json.RawMessage
	// RecoveryWait is the waiting period of a patient's recovery; zero
	// keeps identity's default.
	RecoveryWait time.Duration
}

// Demo returns the demo consortium: one organization of each kind, each
// with an admin and a member of its working role, and two patients.
func Demo() *Consortium {
	c := &Consortium{}
	for _, o := range []struct{ id, name, kind, worker, role string }{
		{"northside-hospital", "Northside Hospital", identity.KindHospital, "dr-chen", identity.RoleClinician},
		{"lakeside-clinic", "Lakeside Clinic", identity.KindClinic, "dr-patel", identity.RoleClinician},
		{"cityrx-pharmacy", "CityRx Pharmacy", identity.KindPharmacy, "pharmacist", identity.RolePharmacist},
		{"acme-pharma", "Acme Pharma", identity.KindManufacturer, "packager", identity.RolePackager},
		{"medsupply-dist", "MedSupply Distribution", identity.KindDistributor, "warehouse", identity.RoleWarehouse},
		{"unity-health-plan", "Unity Health Plan", identity.KindPayer, "adjudicator", identity.RoleAdjudicator},
		{"heartwell-trials", "Heartwell Trials", identity.KindTrialSponsor, "coordinator", identity.RoleCoordinator},
		{"state-medical-board", "State Medical Board", identity.KindLicensingBoard, "registrar", identity.RoleRegistrar},
		{"drug-regulator", "Drug Regulator", identity.KindRegulator, "inspector", identity.RoleInspector},
	} {
		c.Orgs = append(c.Orgs, identity.Org{ID: o.id, Name: o.name, Kind: o.kind, Jurisdiction: "US"})
		c.AddMember(o.id+"/admin", identity.RoleAdmin)
		c.AddMember(o.id+"/"+o.worker, o.role)
	}
	c.Patients = []Patient{
		{Key: NewKey("patient-1"), EnrolledBy: "northside-hospital"},
		{Key: NewKey("patient-2"), EnrolledBy: "lakeside-clinic"},
	}
	return c
}

// AddMember adds a member whose key is derived from its id.
func (c *Consortium) AddMember(id, role string) *Consortium {
	c.Members = append(c.Members, Member{ID: id, Role: role, Key: NewKey(id)})
	return c
}

// WithEveryRole adds, to each organization, a member named after each role
// its kind allows that it has no member of yet.
func (c *Consortium) WithEveryRole() *Consortium {
	for _, o := range c.Orgs {
		for _, role := range identity.RolesByKind[o.Kind] {
			if c.MemberWithRole(o.ID, role) == "" {
				c.AddMember(o.ID+"/"+role, role)
			}
		}
	}
	return c
}

// OrgOfKind returns the id of the first organization of kind, or "".
func (c *Consortium) OrgOfKind(kind string) string {
	for _, o := range c.Orgs {
		if o.Kind == kind {
			return o.ID
		}
	}
	return ""
}

// MemberWithRole returns the id of the first member of org with role, or "".
func (c *Consortium) MemberWithRole(org, role string) string {
	for _, m := range c.Members {
		if m.Role == role && strings.HasPrefix(m.ID, org+"/") {
			return m.ID
		}
	}
	return ""
}

// AppState is the genesis app_state document.
func (c *Consortium) AppState() []byte {
	g := identity.Genesis{Orgs: c.Orgs, RecoveryWaitSeconds: int64(c.RecoveryWait / time.Second)}
	for _, m := range c.Members {
		g.Members = append(g.Members, identity.GenesisMember{ID: m.ID, Role: m.Role, SignKey: m.Key.Public(), EncKey: m.Key.Enc})
	}
	for _, p := range c.Patients {
		g.Patients = append(g.Patients, identity.GenesisKeys{SignKey: p.Key.Public(), EncKey: p.Key.Enc, EnrolledBy: p.EnrolledBy})
	}
	raw, err := json.Marshal(g)
	if err != nil {
		panic(err)
	}
	mods := map[string]json.RawMessage{"identity": raw}
	for name, g := range c.Genesis {
		mods[name] = g
	}
	out, err := json.Marshal(app.Genesis{Modules: mods})
	if err != nil {
		panic(err)
	}
	return out
}

// TB is the part of testing.TB (and of rapid.T) a Chain needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Chain is an app over a real store, driven block by block.
type Chain struct {
	tb    TB
	App   *app.App
	Store *state.Store
	Dir   string

	Height int64     // last finalized height
	Time   time.Time // time of the last finalized block (genesis time before the first)

	prevTime time.Time // time of the block before, for Crash
	modules  []app.Module
	licences app.Licences

	keys  map[string]ed25519.PrivateKey // signer id -> current key
	nonce uint64
}

// New starts a chain of c in a temporary folder of t, closed at cleanup.
func New(t testing.TB, c *Consortium) *Chain {
	t.Helper()
	ch := Open(t, t.TempDir(), c)
	t.Cleanup(ch.Close)
	return ch
}

// Open starts a chain of c in dir (which MUST be empty) and runs InitChain.
func Open(tb TB, dir string, c *Consortium) *Chain {
	tb.Helper()
	ch := &Chain{tb: tb, Dir: dir, Time: GenesisTime, keys: map[string]ed25519.PrivateKey{}, modules: c.Modules, licences: c.Licences}
	for _, m := range c.Members {
		ch.keys[m.ID] = m.Key.Sign
	}
	for _, p := range c.Patients {
		ch.keys[p.ID()] = p.Key.Sign
	}
	ch.open()
	_, err := ch.App.InitChain(context.Background(), &abci.RequestInitChain{
		Time: GenesisTime, ChainId: ChainID, InitialHeight: 1, AppStateBytes: c.AppState(),
	})
	if err != nil {
		tb.Fatalf("InitChain: %v", err)
	}
	return ch
}

func (ch *Chain) open() {
	ch.tb.Helper()
	st, err := state.Open(ch.Dir)
	if err != nil {
		ch.tb.Fatalf("open store: %v", err)
	}
	a, err := app.New(st, ChainID, identity.Module{}, append([]app.Module{identity.Module{}, notary.Module{}}, ch.modules...)...)
	if err != nil {
		st.Close()
		ch.tb.Fatalf("new app: %v", err)
	}
	a.UseLicences(ch.licences)
	ch.Store, ch.App = st, a
}

// Close closes the store; it may be called more than once.
func (ch *Chain) Close() {
	if ch.Store != nil {
		ch.Store.Close()
		ch.Store, ch.App = nil, nil
	}
}

// Restart closes the store, opens it again with a new app, as a node
// restart would, and checks that Info reports the last committed block.
func (ch *Chain) Restart() {
	ch.tb.Helper()
	hash := ch.Store.Hash()
	ch.Close()
	ch.open()
	info, err := ch.App.Info(context.Background(), &abci.RequestInfo{})
	if err != nil {
		ch.tb.Fatalf("Info: %v", err)
	}
	if info.LastBlockHeight != ch.Height || string(info.LastBlockAppHash) != string(hash) {
		ch.tb.Fatalf("after restart Info says height %d hash %X, want %d %X", info.LastBlockHeight, info.LastBlockAppHash, ch.Height, hash)
	}
}

// Crash throws away a block finalized but not committed, as a crash between
// FinalizeBlock and Commit would, and restarts; the block can then be
// finalized again.
func (ch *Chain) Crash() {
	ch.tb.Helper()
	ch.Height, ch.Time = ch.Height-1, ch.prevTime
	ch.Restart()
}

// Key returns the current signing key of a signer id.
func (ch *Chain) Key(id string) ed25519.PrivateKey {
	ch.tb.Helper()
	k, ok := ch.keys[id]
	if !ok {
		ch.tb.Fatalf("chaintest: no key for %s", id)
	}
	return k
}

// SetKey makes key the one Sign uses for id (after a rotation, or for a
// signer the genesis does not know).
func (ch *Chain) SetKey(id string, key ed25519.PrivateKey) { ch.keys[id] = key }

// Nonce returns a fresh nonce.
func (ch *Chain) Nonce() string { ch.nonce++; return fmt.Sprintf("n%d", ch.nonce) }

// Payload returns a payload for the next block: signer's current key id, a
// fresh nonce, an expiry DefaultTTL blocks past the next height. body is
// encoded as JSON, except a []byte, which is taken as the body's bytes.
func (ch *Chain) Payload(signer, typ string, body any) tx.Payload {
	ch.tb.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			ch.tb.Fatalf("encode body: %v", err)
		}
	}
	var keyID string
	if k, ok := ch.keys[signer]; ok {
		keyID = tx.KeyID(k.Public().(ed25519.PublicKey))
	} else {
		keyID = tx.KeyID(NewKey(signer).Public())
	}
	return tx.Payload{ChainID: ChainID, Type: typ, Signer: signer, KeyID: keyID, Nonce: ch.Nonce(),
		Expires: ch.Height + 1 + DefaultTTL, Body: raw}
}

// Sign builds a transaction of signer with its current key; edit, if given,
// changes the payload before signing. A signer without a key signs with the
// key derived from its id.
func (ch *Chain) Sign(signer, typ string, body any, edit ...func(*tx.Payload)) []byte {
	ch.tb.Helper()
	p := ch.Payload(signer, typ, body)
	for _, e := range edit {
		e(&p)
	}
	key, ok := ch.keys[signer]
	if !ok {
		key = NewKey(signer).Sign
	}
	return ch.SignWith(key, p)
}

// SignWith signs p with key.
func (ch *Chain) SignWith(key ed25519.PrivateKey, p tx.Payload) []byte {
	ch.tb.Helper()
	raw, err := tx.Sign(key, p)
	if err != nil {
		ch.tb.Fatalf("sign: %v", err)
	}
	return raw
}

// Finalize runs FinalizeBlock for the next height at t, without Commit.
func (ch *Chain) Finalize(t time.Time, txs ...[]byte) *abci.ResponseFinalizeBlock {
	ch.tb.Helper()
	res, err := ch.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: ch.Height + 1, Time: t, Txs: txs})
	if err != nil {
		ch.tb.Fatalf("FinalizeBlock %d: %v", ch.Height+1, err)
	}
	if len(res.TxResults) != len(txs) {
		ch.tb.Fatalf("FinalizeBlock %d: %d results for %d txs", ch.Height+1, len(res.TxResults), len(txs))
	}
	ch.Height, ch.Time, ch.prevTime = ch.Height+1, t, ch.Time
	return res
}

// Commit commits the finalized block and checks that the committed hash is
// the one FinalizeBlock announced.
func (ch *Chain) Commit(announced []byte) {
	ch.tb.Helper()
	if _, err := ch.App.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		ch.tb.Fatalf("Commit %d: %v", ch.Height, err)
	}
	if v := ch.Store.Version(); v != ch.Height {
		ch.tb.Fatalf("store version %d after committing block %d", v, ch.Height)
	}
	if announced != nil && string(ch.Store.Hash()) != string(announced) {
		ch.tb.Fatalf("block %d: committed hash %X, FinalizeBlock announced %X", ch.Height, ch.Store.Hash(), announced)
	}
}

// BlockAt finalizes and commits a block at time t.
func (ch *Chain) BlockAt(t time.Time, txs ...[]byte) []*abci.ExecTxResult {
	ch.tb.Helper()
	res := ch.Finalize(t, txs...)
	ch.Commit(res.AppHash)
	return res.TxResults
}

// Block finalizes and commits a block BlockInterval after the last one.
func (ch *Chain) Block(txs ...[]byte) []*abci.ExecTxResult {
	ch.tb.Helper()
	return ch.BlockAt(ch.Time.Add(BlockInterval), txs...)
}

// Deliver commits a block of one transaction and returns its result.
func (ch *Chain) Deliver(raw []byte) *abci.ExecTxResult {
	ch.tb.Helper()
	return ch.Block(raw)[0]
}

// Check runs CheckTx.
func (ch *Chain) Check(raw []byte) *abci.ResponseCheckTx {
	ch.tb.Helper()
	res, err := ch.App.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		ch.tb.Fatalf("CheckTx: %v", err)
	}
	return res
}

// Latest is the last committed state.
func (ch *Chain) Latest() *state.Snapshot {
	ch.tb.Helper()
	s, err := ch.Store.Snapshot(0)
	if err != nil {
		ch.tb.Fatalf("snapshot: %v", err)
	}
	return s
}

// Result is what ExecTxResult and ResponseCheckTx have in common.
type Result interface {
	GetCode() uint32
	GetCodespace() string
	GetLog() string
}

// Is reports whether res carries code c.
func Is(res Result, c medledger.Code) bool {
	return res.GetCode() == c.Code && res.GetCodespace() == c.Codespace
}

// Describe renders a result for failure messages.
func Describe(res Result) string {
	if res.GetCode() == 0 {
		return "ok"
	}
	return fmt.Sprintf("%s/%d (%s)", res.GetCodespace(), res.GetCode(), res.GetLog())
}

// RequireOK fails unless res is a success.
func RequireOK(tb TB, res Result, what string) {
	tb.Helper()
	if res.GetCode() != abci.CodeTypeOK {
		tb.Fatalf("%s: got %s, want ok", what, Describe(res))
	}
}

// RequireCode fails unless res carries code c.
func RequireCode(tb TB, res Result, c medledger.Code, what string) {
	tb.Helper()
	if !Is(res, c) {
		tb.Fatalf("%s: got %s, want %s/%d (%s)", what, Describe(res), c.Codespace, c.Code, c.Slug)
	}
}

// Dump returns every key and value of a state, for comparing states.
func Dump(r state.Reader) map[string]string {
	out := map[string]string{}
	r.Iterate(nil, nil, func(k, v []byte) bool {
		out[string(k)] = string(v)
		return true
	})
	return out
}

// Digest is the lowercase hex SHA-256 of s, a well-formed notary digest.
func Digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
