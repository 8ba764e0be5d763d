package app

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// SignerKind tells a member of an organization from a patient, and a
// patient under their chain-wide id from one under a pseudonym.
type SignerKind uint8

const (
	KindMember SignerKind = iota + 1
	KindPatient
	// KindPseudonym is a patient signing under a pseudonym that holds for
	// one context only (package pseudonym): a trial's participant, a
	// payer's member. Nothing on chain says which patient it is.
	KindPseudonym
)

// Signer is an authenticated, active transaction signer.
type Signer struct {
	ID      string // "org/member", a patient id or a pseudonym id
	Kind    SignerKind
	Org     string // the member's organization; empty for a patient
	OrgKind string // "hospital", "pharmacy", ...; empty for a patient
	Role    string // "admin", "clinician", ...; "patient" for a patient, "pseudonym" for a pseudonym
	// Context is a pseudonym's context ("trials/NCT01234567"); empty for
	// the others. A module MUST check it: a pseudonym acts only in the
	// context it was registered for.
	Context string
}

// Pseudonym is a patient's registered pseudonym, as modules may know it:
// its keys and context, and who registered it; never its patient.
type Pseudonym struct {
	ID      string // psn-..., from SignKey (pseudonym.ID)
	Context string // "module/name": the module that registered it, and what for
	SignKey []byte // Ed25519
	EncKey  []byte // X25519
	By      string // the member who registered it (who vouches it is a patient's)
	Height  int64
}

// Org is what other modules may know of an organization.
type Org struct {
	ID           string
	Kind         string
	Jurisdiction string
	Active       bool
}

// Identities is what the app and the modules ask of the identity module.
// Modules MUST ask it rather than read the identity module's state keys
// (DESIGN.md: modules never read each other's keys). Every method reads
// only r and is deterministic; a storage failure panics, as any read of
// state does.
type Identities interface {
	// Authenticate returns the active signer id whose current key is keyID,
	// and that key. Returns tx.ErrUnknownSigner, tx.ErrSuspended or
	// tx.ErrKeyMismatch.
	Authenticate(r state.Reader, id, keyID string) (Signer, ed25519.PublicKey, error)
	// Org returns the organization id; ok is false if there is none.
	Org(r state.Reader, id string) (org Org, ok bool)
	// Patient reports whether id is a patient enrolled on this chain,
	// active or suspended. It returns no error: an id that is malformed or
	// names no patient (a member id, say) is false.
	Patient(r state.Reader, id string) bool
	// Member reports whether id ("org/member") is a member on this chain,
	// active or suspended, whatever the state of its organization. It
	// returns no error: an id that is malformed or names no member is false.
	Member(r state.Reader, id string) bool
	// EncKey returns the current X25519 public key of a member, patient or
	// pseudonym id, to which off-chain services wrap documents for it; ok is false
	// if there is no such signer.
	EncKey(r state.Reader, id string) (key []byte, ok bool)
	// RegisterPseudonym records p (its ID, Context, keys and By; Height is
	// set from the block) so that it may sign transactions from the next
	// block. A module MUST register only in contexts under its own name
	// ("trials/..." by trials), from a handler that checked who may vouch
	// for it. Returns identity.ErrInvalid for a malformed pseudonym or
	// context, identity.ErrPseudonymExists when its id is taken.
	RegisterPseudonym(w state.KV, p Pseudonym) error
	// Pseudonym returns a registered pseudonym; ok is false if there is
	// none.
	Pseudonym(r state.Reader, id string) (p Pseudonym, ok bool)
	// ActiveOrgs lists the ids of the organizations active now, sorted:
	// whom a module's own vote counts (a majority of them).
	ActiveOrgs(r state.Reader) []string
	// Frozen reports whether patient id is frozen (by the patient, or by
	// their guardians): until a key rotation or a recovery completes, a
	// module MUST NOT act on the patient's authority (no grant, no read
	// on consent or by the patient, no erasure); care that needs no
	// consent (break-glass) goes on. It returns no error: an id that names
	// no patient is false.
	Frozen(r state.Reader, id string) bool
}

// Grant allows one role of one kind of organization; "*" matches any.
type Grant struct{ OrgKind, Role string }

// Policy is the role-based part of a transaction type's authorization: who
// may send it at all. Object-level rules (only the custodian may ship) stay
// in the handler.
type Policy struct {
	Grants   []Grant
	Patients bool // patients may send it, under their chain-wide id
	// Pseudonyms: patients may send it under a pseudonym (the handler
	// checks the pseudonym's context).
	Pseudonyms bool
}

// Allows reports whether s may send a transaction under this policy.
func (p Policy) Allows(s Signer) bool {
	switch s.Kind {
	case KindPatient:
		return p.Patients
	case KindPseudonym:
		return p.Pseudonyms
	}
	for _, g := range p.Grants {
		if (g.OrgKind == "*" || g.OrgKind == s.OrgKind) && (g.Role == "*" || g.Role == s.Role) {
			return true
		}
	}
	return false
}

// Route binds a transaction type to its policy and handler.
type Route struct {
	Type   string // "module/action"
	Policy Policy
	// Handle applies the transaction. It MUST be deterministic and read and
	// write only ctx.KV. A returned error rejects the transaction and
	// discards its writes; return a *medledger.Error with the module's code.
	Handle func(ctx *Context, body json.RawMessage) error
}

// Module is one use case plugged into the app.
type Module interface {
	// Name is the module's codespace and the first segment of its
	// transaction types and state keys.
	Name() string
	Routes() []Route
	// InitGenesis writes the module's genesis state; raw may be nil.
	InitGenesis(ctx *Context, raw json.RawMessage) error
}

// Context is what a handler sees of the chain.
type Context struct {
	KV      state.KV
	ChainID string
	Height  int64
	Time    time.Time // the block time: the only clock of a state transition
	Signer  Signer
	TxHash  []byte
	IDs     Identities
	// Licences answers licence checks (NoLicences when the chain runs no
	// credentials module): never nil.
	Licences Licences
	// Log is the patient's log (PatientLog); ask ctx.PatientLog(), which
	// is never nil.
	Log PatientLog
	// Check is set when the transaction is being admitted to the mempool
	// (CheckTx, against the mempool's view of the state), never in a
	// block. A handler MUST then still apply every rule that can refuse
	// the transaction, with the errors the block would give; it MAY skip
	// the work that only decides what an accepted transaction does, and
	// the writes of that work (the transactions after it in the mempool
	// are then checked without them). claims' submit does: a claim is
	// judged once, in its block.
	Check  bool
	events []abci.Event
}

// Emit records an event with attributes given as name, value pairs. Event
// types and attribute names are part of the API: keep them stable.
func (c *Context) Emit(typ string, kv ...string) {
	ev := abci.Event{Type: typ, Attributes: make([]abci.EventAttribute, 0, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: kv[i], Value: kv[i+1], Index: true})
	}
	c.events = append(c.events, ev)
}

// Events returns what was emitted so far.
func (c *Context) Events() []abci.Event { return c.events }

// DecodeBody decodes a transaction body strictly into v (unknown fields are
// refused) and returns tx.ErrMalformed on failure.
func DecodeBody(raw json.RawMessage, v any) error {
	if err := tx.StrictJSONFor(raw, v); err != nil {
		return tx.ErrMalformed.New("body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return tx.ErrMalformed.New("body: %v", err)
	}
	if dec.More() {
		return tx.ErrMalformed.New("body has data after the JSON object")
	}
	return nil
}

// FormatHeight is the decimal form used in event attributes.
func FormatHeight(h int64) string { return strconv.FormatInt(h, 10) }
