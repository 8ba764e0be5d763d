package web_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/records"
)

var update = flag.Bool("update", false, "write the screenshots of docs/web.md (docs/web/*.png)")

// shot is one page as docs/web.md shows it: a path, who is signed in
// (a key name, or none), and what to wait for before the picture.
type shot struct {
	name, path, key, ready string
}

var shots = []shot{
	{"explorer", "/", "", `document.querySelectorAll('#block-rows tr').length >= 5 && !!document.querySelector('#org-table') && !!document.querySelector('#validator-table')`},
	{"verify", "/verify?code=%2801%2900312345678906%2821%29100014", "", `!!document.querySelector('#timeline li')`},
	{"verify-recalled", "/verify?code=%2801%2900312345678906%2821%29101002", "", `!!document.querySelector('#timeline li')`},
	{"patient", "/patient", "patient/alice", `!!document.querySelector('#record-table') && !!document.querySelector('#disclosures') && !!document.querySelector('#consent-table') && /guardians are now/.test(document.querySelector('#disclosures li.identity[data-event="guardians-set"]')?.textContent || '')`},
	{"clinician", "/clinician", "lakeside-clinic/dr-patel", `!!document.querySelector('#shared-table')`},
	{"supply", "/supply", "cityrx-pharmacy/pharmacist", `!!document.querySelector('#inventory table')`},
}

// testPages opens every page at a desktop's and a phone's width (390 px):
// nothing is wider than the screen, every form field has a label, and
// with -update the screenshots of docs/web.md are written from exactly
// what the test sees.
func testPages(t *testing.T, e *env) {
	// Something on alice's timeline: dr-patel reads under her consent, and
	// breaks glass for another record.
	ctx := context.Background()
	alice := e.node.Keys["patient/alice"].ID
	recs, err := e.node.Client.PatientRecords(ctx, e.node.Signer("patient/alice"), alice)
	if err != nil || len(recs) == 0 {
		t.Fatalf("alice's records: %v", err)
	}
	if _, err := e.node.Client.ReadRecord(ctx, e.node.Signer("lakeside-clinic/dr-patel"), recs[len(recs)-1].ID, records.PurposeTreatment, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.node.Client.ReadRecord(ctx, e.node.Signer("lakeside-clinic/dr-patel"), recs[0].ID, records.PurposeEmergencyTreatment, "life-threatening"); err != nil {
		t.Fatal(err)
	}
	// And an event of her identity: she names her guardians (issue 19).
	if _, err := e.node.Client.Send(ctx, e.node.Signer("patient/alice"), identity.TypePatientGuardians,
		identity.GuardiansBody{Guardians: []string{"northside-hospital", e.node.Keys["patient/dana"].ID}, Threshold: 2}, "commit"); err != nil {
		t.Fatal(err)
	}
	// One tab for all: a new browser context costs seconds. Pages without a
	// key come first; a page with one signs out whoever was signed in.
	b := e.open(t, "pages")
	for _, s := range shots {
		if s.key != "" {
			b.go_(strings.SplitN(s.path, "?", 2)[0])
			eval[bool](b, `import('/static/js/medledger.js').then(m => m.forget()).then(() => true)`)
			b.go_(strings.SplitN(s.path, "?", 2)[0])
			b.signIn(e.key(s.key), "")
		}
		for _, width := range []int64{1280, 390} {
			b.name = s.name
			b.do("viewport", chromedp.EmulateViewport(width, 900))
			b.go_(s.path)
			b.until(s.name+" ready", s.ready, 15*time.Second)
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > int(width) {
				t.Errorf("%s at %d px is %d px wide: it scrolls sideways", s.name, width, w)
			}
			unlabelled := eval[[]string](b, `Array.from(document.querySelectorAll('input, select, textarea'))
			  .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
			  .map(el => el.id || el.name || el.outerHTML.slice(0, 60))`)
			if len(unlabelled) > 0 {
				t.Errorf("%s: form fields without a label: %q", s.name, unlabelled)
			}
			if width > 1000 {
				keyboardReaches(t, b, s.name)
			}
			if *update {
				writeShot(t, b, s.name, width)
			}
		}
	}
}

// writeShot writes what b shows to docs/web/NAME-desktop.png or -phone.png.
func writeShot(t *testing.T, b *tab, name string, width int64) {
	t.Helper()
	b.until("settled", `document.readyState === 'complete'`, 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	kind := "desktop"
	if width < 500 {
		kind = "phone"
	}
	p := filepath.Join("..", "docs", "web", name+"-"+kind+".png")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// keyboardReaches presses Tab through the page from its top and fails
// for any visible link, button or field that Tab never reaches: every
// control works with the keyboard alone.
func keyboardReaches(t *testing.T, b *tab, name string) {
	t.Helper()
	n := eval[int](b, `(() => {
	  const els = Array.from(document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary'))
	    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
	    .filter(el => el.tagName === 'SUMMARY' || !el.closest('details:not([open])')) // inside a closed <details>: open it first
	    .filter(el => el.type !== 'radio' || el.checked); // Tab reaches a radio group at its checked button
	  els.forEach((el, i) => { el.dataset.kb = String(i); });
	  document.activeElement && document.activeElement.blur();
	  window.scrollTo(0, 0);
	  return els.length;
	})()`)
	seen := map[string]bool{}
	for i := 0; i < n+3 && len(seen) < n; i++ {
		b.do("Tab", chromedp.KeyEvent("\t"))
		if k := eval[string](b, `(document.activeElement && document.activeElement.dataset.kb) || ''`); k != "" {
			seen[k] = true
		}
	}
	if len(seen) < n {
		missed := eval[[]string](b, `Array.from(document.querySelectorAll('[data-kb]')).filter(el => !`+jsString(strings.Join(keys(seen), ","))+`.split(',').includes(el.dataset.kb)).map(el => el.id || el.textContent.trim().slice(0, 30))`)
		// A live page (the explorer's block list) may re-render while Tab
		// walks it: an element replaced meanwhile carries no mark and is
		// not a miss. Only a marked element still on the page that Tab
		// never reached is.
		if len(missed) > 0 {
			t.Errorf("%s: Tab does not reach %q", name, missed)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
