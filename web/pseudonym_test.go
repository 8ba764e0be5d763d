package web_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/records"
)

// testPseudonym: a patient known to a custodian under a pseudonym uses the
// patient page as it (issue 10). The page derives the pseudonym from the
// key file as package pseudonym does (the same id and public keys as Go,
// for two contexts), lists and opens dana's record at northside-hospital
// (the demo seeds it under her pseudonym there; its document is encrypted
// to the pseudonym's key), and says what to do at a custodian that has not
// enrolled her.
func testPseudonym(t *testing.T, e *env) {
	dana := e.node.Keys["patient/dana"]
	b := e.open(t, "pseudonym")
	b.go_("/patient")
	b.signIn(e.key("patient/dana"), "")

	// Known answers: the page's derivation is Go's.
	for _, ctx := range []string{records.Context("northside-hospital"), "trials/NCT09990001"} {
		want, err := pseudonym.Derive(dana.Sign, ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := eval[[]string](b, `(async () => {
		  const m = await import('/static/js/medledger.js');
		  const k = await m.pseudonymAt(await m.currentKey(), `+jsString(ctx)+`);
		  return [k.id, m.hex(k.signPub), m.hex(k.encPub)];
		})()`)
		if w := []string{want.ID(), hex.EncodeToString(want.SignPub()), hex.EncodeToString(want.EncPub())}; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("%s: the page derives %q, Go %q", ctx, got, w)
		}
	}
	psn, _ := pseudonym.Derive(dana.Sign, records.Context("northside-hospital"))

	b.until("custodians listed", `!!document.querySelector('#as option[value="northside-hospital"]')`, 10*time.Second)
	choose := func(org string) {
		t.Helper()
		eval[bool](b, `(() => { const s = document.querySelector('#as'); s.value = `+jsString(org)+`; s.dispatchEvent(new Event('change')); return true; })()`)
	}
	choose("northside-hospital")
	b.until("dana's record under her pseudonym", `!!document.querySelector('#record-table tr[data-record]')`, 15*time.Second)
	if msg := b.text("#as-msg"); !strings.Contains(msg, psn.ID()) {
		t.Errorf("the page does not say which pseudonym: %q", msg)
	}
	if rows := b.text("#record-table"); !strings.Contains(rows, "Immunization") || !strings.Contains(rows, "northside-hospital") {
		t.Errorf("dana's records at northside: %s", rows)
	}
	b.click("#record-table button[data-open]")
	b.until("the document opens", `/influenza/i.test(document.querySelector('#record-view').textContent)`, 15*time.Second)

	choose("lakeside-clinic")
	b.until("lakeside does not know her", `/does not know you under a pseudonym/.test(document.querySelector('#records').textContent)`, 15*time.Second)
	choose("")
	b.until("back to her patient id", `/No records about you/.test(document.querySelector('#records').textContent)`, 15*time.Second)
}
