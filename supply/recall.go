// Recalls: supply/recall of a product or lot. (Suspect-product reports
// are in suspect.go.)

package supply

import (
	"encoding/json"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// RecallBody recalls a lot, or every lot of a product when Lot is empty.
type RecallBody struct {
	GTIN   string `json:"gtin"`
	Lot    string `json:"lot,omitempty"`
	Reason string `json:"reason"`
}

func recall(ctx *app.Context, raw json.RawMessage) error {
	var b RecallBody
	if err := app.DecodeBody(raw, &b); err != nil {
		return err
	}
	if err := validText("reason", b.Reason, true); err != nil {
		return err
	}
	p, ok := GetProduct(ctx.KV, b.GTIN)
	if !ok {
		return ErrProductNotFound.New("no product %s", medledger.Quote(b.GTIN))
	}
	if ctx.Signer.OrgKind != "regulator" && p.Manufacturer != ctx.Signer.Org {
		return ErrNotOwner.New("product %s is %s's: only its manufacturer or a regulator recalls it", p.GTIN, p.Manufacturer)
	}
	if p.Recall != "" {
		return ErrState.New("product %s is recalled already (%s)", p.GTIN, p.Recall)
	}
	rc := Recall{ID: recallID(state.NextSeq(ctx.KV, []byte(keySeqRecall))), GTIN: b.GTIN, Lot: b.Lot, Reason: b.Reason,
		By: ctx.Signer.ID, Org: ctx.Signer.Org, Height: ctx.Height, Time: ctx.Time.UTC()}
	if b.Lot != "" {
		l, ok := GetLot(ctx.KV, b.GTIN, b.Lot)
		if !ok {
			return ErrLotNotFound.New("no lot %s of %s", medledger.Quote(b.Lot), b.GTIN)
		}
		if l.Recall != "" {
			return ErrState.New("lot %s of %s is recalled already (%s)", l.Lot, l.GTIN, l.Recall)
		}
		l.Recall = rc.ID
		put(ctx.KV, lotKey(l.GTIN, l.Lot), l)
	} else {
		p.Recall = rc.ID
		put(ctx.KV, productKey(p.GTIN), p)
	}
	ev := newEvent(ctx, EvRecall)
	rc.Event = ev.Seq
	put(ctx.KV, recallKey(rc.ID), rc)
	ev.GTIN, ev.Lot, ev.Reason, ev.Recall = rc.GTIN, rc.Lot, rc.Reason, rc.ID
	putEvent(ctx, ev)
	ctx.Emit(EventRecalled, "recall", rc.ID, "gtin", rc.GTIN, "lot", rc.Lot, "org", rc.Org)
	return nil
}
