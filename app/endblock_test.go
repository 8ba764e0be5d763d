package app_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/state"
)

// ender is a module whose EndBlock writes a key and emits an event each
// block, and fails (after writing and emitting) when fail is set; it keeps
// a patient log of what it is told.
type ender struct {
	name  string
	fail  bool
	notes *[]app.PatientEvent
}

func (e ender) Name() string                                    { return e.name }
func (e ender) Routes() []app.Route                             { return nil }
func (e ender) InitGenesis(*app.Context, json.RawMessage) error { return nil }

func (e ender) EndBlock(ctx *app.Context) error {
	ctx.KV.Set([]byte(e.name+"/at"), []byte(app.FormatHeight(ctx.Height)))
	ctx.Emit(e.name+".ended", "height", app.FormatHeight(ctx.Height))
	ctx.PatientLog().Note(ctx.KV, app.PatientEvent{Patient: "pat-x", Event: app.PatientFrozen, Height: ctx.Height})
	if e.fail {
		return errors.New("refuses")
	}
	return nil
}

func (e ender) Note(_ state.KV, ev app.PatientEvent) {
	if e.notes != nil {
		*e.notes = append(*e.notes, ev)
	}
}

// TestEndBlock: modules that implement app.EndBlocker run after the
// block's transactions, at its height and time; their events are the
// block's events and reach OnEndBlock listeners after the commit; a
// failing EndBlock leaves no write and no event; the first module that
// keeps a patient log gets the notes.
func TestEndBlock(t *testing.T) {
	var notes []app.PatientEvent
	c := chaintest.Demo()
	c.Modules = []app.Module{ender{name: "good", notes: &notes}, ender{name: "bad", fail: true}}
	ch := chaintest.New(t, c)
	var heard []abci.Event
	ch.App.OnEndBlock(func(h int64, evs []abci.Event) { heard = append(heard, evs...) })
	fin := ch.Finalize(ch.Time.Add(chaintest.BlockInterval), ch.Sign(hospitalClinician, "notary/anchor", anchorBody("x")))
	if len(heard) != 0 {
		t.Fatal("OnEndBlock heard the block before its commit")
	}
	ch.Commit(fin.AppHash)
	var types []string
	for _, e := range fin.Events {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, []string{"good.ended"}) || len(heard) != 1 || heard[0].Type != "good.ended" {
		t.Fatalf("block events %v, heard %v; want good.ended only", types, heard)
	}
	snap := ch.Latest()
	if string(snap.Get([]byte("good/at"))) != "1" || snap.Get([]byte("bad/at")) != nil {
		t.Fatalf("end-of-block writes: good %q, bad %q", snap.Get([]byte("good/at")), snap.Get([]byte("bad/at")))
	}
	// Both modules noted to the log of the first one that keeps one (this
	// fake log keeps its notes outside the state, so the failing module's
	// note is not discarded with its writes).
	if len(notes) != 2 || notes[0].Height != 1 {
		t.Fatalf("the patient log (the first module that keeps one) got %+v", notes)
	}
}
