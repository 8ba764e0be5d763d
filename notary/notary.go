package notary

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// Codespace of notary errors. Codes are append-only.
const Codespace = "notary"

var (
	ErrInvalid         = medledger.Code{Codespace: Codespace, Code: 1, Slug: "invalid", Kind: medledger.KindInvalid}
	ErrAlreadyAnchored = medledger.Code{Codespace: Codespace, Code: 2, Slug: "already-anchored", Kind: medledger.KindConflict}
	ErrNotFound        = medledger.Code{Codespace: Codespace, Code: 3, Slug: "not-anchored", Kind: medledger.KindNotFound}
)

// Codes lists every notary code.
var Codes = []medledger.Code{ErrInvalid, ErrAlreadyAnchored, ErrNotFound}

// TypeAnchor is the transaction type of an anchor.
const TypeAnchor = "notary/anchor"

// Event type and attributes of an anchor.
const EventAnchored = "notary.anchored"

// Policy: any active member of any organization may anchor; patients may not.
var Policy = app.Policy{Grants: []app.Grant{{OrgKind: "*", Role: "*"}}}

// AnchorBody is the body of a notary/anchor transaction.
type AnchorBody struct {
	Digest string `json:"digest"` // SHA-256, 64 lowercase hex characters
	Kind   string `json:"kind"`   // "lab-report", "discharge-summary", ...
}

// Validate checks the body's form.
func (b *AnchorBody) Validate() error {
	if len(b.Digest) != 64 {
		return ErrInvalid.New("digest must be 64 lowercase hex characters of a SHA-256, got %d characters", len(b.Digest))
	}
	if _, err := hex.DecodeString(b.Digest); err != nil || hex.EncodeToString(mustHex(b.Digest)) != b.Digest {
		return ErrInvalid.New("digest must be lowercase hex")
	}
	if len(b.Kind) < 2 || len(b.Kind) > 64 || !kebab(b.Kind) {
		return ErrInvalid.New("kind %s: use 2 to 64 lowercase letters, digits and '-' (e.g. lab-report)", medledger.Quote(b.Kind))
	}
	return nil
}

// Anchor is the stored record of an anchored digest.
type Anchor struct {
	Digest string    `json:"digest"`
	Kind   string    `json:"kind"`
	Signer string    `json:"signer"`
	Org    string    `json:"org"`
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	TxHash string    `json:"tx_hash"` // hex, upper case as CometBFT prints it
}

// Key is the state key of an anchor.
func Key(digest string) []byte { return []byte("notary/anchor/" + digest) }

// Module is the notary module.
type Module struct{}

var _ app.Module = Module{}

func (Module) Name() string { return "notary" }

func (Module) InitGenesis(*app.Context, json.RawMessage) error { return nil }

func (Module) Routes() []app.Route {
	return []app.Route{{Type: TypeAnchor, Policy: Policy, Handle: anchor}}
}

func anchor(ctx *app.Context, raw json.RawMessage) error {
	var b AnchorBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if prev := ctx.KV.Get(Key(b.Digest)); prev != nil {
		var a Anchor
		_ = json.Unmarshal(prev, &a)
		return ErrAlreadyAnchored.New("digest %s was anchored by %s at height %d", b.Digest, a.Signer, a.Height)
	}
	a := Anchor{Digest: b.Digest, Kind: b.Kind, Signer: ctx.Signer.ID, Org: ctx.Signer.Org, Height: ctx.Height, Time: ctx.Time.UTC(),
		TxHash: fmt.Sprintf("%X", ctx.TxHash)}
	v, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode anchor: %w", err)
	}
	ctx.KV.Set(Key(b.Digest), v)
	ctx.Emit(EventAnchored, "digest", b.Digest, "kind", b.Kind, "signer", a.Signer)
	return nil
}

// Get returns the anchor of a digest, or ErrNotFound.
func Get(r state.Reader, digest string) (Anchor, error) {
	v := r.Get(Key(digest))
	if v == nil {
		return Anchor{}, ErrNotFound.New("digest %s was never anchored", digest)
	}
	var a Anchor
	if err := json.Unmarshal(v, &a); err != nil {
		return Anchor{}, fmt.Errorf("corrupt anchor %s: %w", digest, err)
	}
	return a, nil
}

func mustHex(s string) []byte { b, _ := hex.DecodeString(s); return b }

func kebab(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
