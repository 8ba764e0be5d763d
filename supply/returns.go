// Returns verified before resale: supply/verify-return. A return
// (supply/return) comes back to the partner that shipped it marked as
// returned (PackState.Returned); it is shipped, packed or dispensed again
// only once its holder has scanned its label and the chain has checked the
// product identifier, lot, expiry and serial against what it commissioned.

package supply

import (
	"encoding/json"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
)

// VerifyReturnBody verifies returned items for resale: Codes are the GS1
// element strings scanned from their labels, each pack's with its lot (AI
// 10) and expiry (AI 17); a case or pallet by its SSCC (AI 00).
type VerifyReturnBody struct {
	Codes []string `json:"codes"`
}

func verifyReturn(ctx *app.Context, raw json.RawMessage) error {
	var b VerifyReturnBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if len(b.Codes) == 0 || len(b.Codes) > MaxItems {
		return ErrInvalid.New("codes must list 1 to %d labels (got %d)", MaxItems, len(b.Codes))
	}
	seen := make(map[string]struct{}, len(b.Codes))
	objs := make([]*object, 0, len(b.Codes))
	items := make([]Item, 0, len(b.Codes))
	for _, code := range b.Codes {
		c, err := ParseCode(code)
		if err != nil {
			return err
		}
		it := Case(c.SSCC)
		if c.SSCC == "" {
			if c.Lot == "" || !c.HasExpiry {
				return ErrInvalid.New("%s names no lot (10) or no expiry (17): scan the whole label, a returned pack is verified by its GTIN, serial, lot and expiry", medledger.Quote(code))
			}
			it = Pack(c.GTIN, c.Serial)
		}
		if _, dup := seen[it.key()]; dup {
			return ErrInvalid.New("%s is listed twice", it)
		}
		seen[it.key()] = struct{}{}
		o, err := loadObject(ctx.KV, it)
		if err != nil {
			return err
		}
		if err := held(ctx, o, "verify"); err != nil {
			return err
		}
		if o.returned() == "" {
			return ErrState.New("%s is not a return awaiting verification at %s: there is nothing to verify before resale", it, ctx.Signer.Org)
		}
		if err := unheld(ctx.KV, o, "verify"); err != nil {
			return err
		}
		v, err := Verify(ctx.KV, code, ctx.Time)
		if err != nil {
			return err
		}
		switch v.Result {
		case ResultVerified:
		case ResultMismatch:
			return ErrLabelMismatch.New("%s: %s; set it apart and report it (supply/report)", it, v.Reason)
		case ResultRecalled:
			return ErrRecalled.New("%s: %s; it is not sold again", it, v.Reason)
		case ResultExpired:
			return ErrExpired.New("%s: %s; it is not sold again", it, v.Reason)
		default:
			return ErrState.New("%s answers %s: %s", it, v.Result, v.Reason)
		}
		objs, items = append(objs, o), append(items, it)
	}
	ev := newEvent(ctx, EvVerifyReturn)
	ev.Items = items
	for _, o := range objs {
		o.setReturned("")
		o.save(ctx.KV)
	}
	putEvent(ctx, ev, items...)
	emitMoved(ctx, ev)
	return nil
}
