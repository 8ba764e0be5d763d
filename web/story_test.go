package web_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/supply"
)

// TestBrowser is the "Done when", in a real browser against a real
// node with the demo data of `medledger dev`. The subtests share the node,
// in this order, because each builds on what the ones before did.
func TestBrowser(t *testing.T) {
	e := startEnv(t)
	t.Run("signing matches the transaction vectors", func(t *testing.T) { testVectors(t, e) })
	t.Run("pharmacist sees each answer", func(t *testing.T) { testPharmacist(t, e) })
	t.Run("consent, read, revoke, refusal and break-glass", func(t *testing.T) { testConsentStory(t, e) })
	t.Run("a patient as her pseudonym at a custodian", func(t *testing.T) { testPseudonym(t, e) })
	t.Run("explorer shows a new block within 2 s and checks a proof", func(t *testing.T) { testExplorer(t, e) })
	t.Run("a product named like a script stays text", func(t *testing.T) { testXSS(t, e) })
	t.Run("supply partner receives and recalls", func(t *testing.T) { testSupply(t, e) })
	t.Run("every page at desktop and phone width", func(t *testing.T) { testPages(t, e) })
}

// testVectors runs the page's own signing code (static/js/medledger.js,
// WebCrypto Ed25519) on testdata/tx-vectors.json: the bytes to sign, the
// signature, the envelope and the payload it builds must be the vectors'.
// It also opens a passphrase-protected key file made by package keystore.
func testVectors(t *testing.T, e *env) {
	b := e.open(t, "vectors")
	b.go_("/verify")
	raw, err := os.ReadFile("../testdata/tx-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Description, Seed, Payload, Signature, Tx string
			SignBytes                                 string `json:"sign_bytes"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	type result struct {
		SignBytes, Signature, Tx, Built string
	}
	got := eval[[]result](b, `(async () => {
	  const m = await import('/static/js/medledger.js');
	  const out = [];
	  for (const v of `+string(raw)+`.vectors) {
	    const key = await m.importSigningSeed(m.fromHex(v.seed));
	    const payload = m.utf8(v.payload);
	    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, m.fromHex(v.sign_bytes)));
	    let built = '';
	    try { built = m.payloadJSON(JSON.parse(v.payload)); } catch (e) { built = ''; }
	    out.push({ SignBytes: m.hex(m.signBytes(payload)), Signature: m.hex(sig), Tx: m.hex(await m.signPayload(key, payload)), Built: built });
	  }
	  return out;
	})()`)
	if len(got) != len(file.Vectors) {
		t.Fatalf("the page signed %d vectors, want %d", len(got), len(file.Vectors))
	}
	for i, v := range file.Vectors {
		seed, _ := hex.DecodeString(v.Seed)
		sb, _ := hex.DecodeString(v.SignBytes)
		// WebCrypto's Ed25519 is Go's: the same signature of the same bytes.
		if want := hex.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(seed), sb)); got[i].Signature != want {
			t.Errorf("vector %d (%s): the page's Ed25519 signature differs from Go's", i, v.Description)
		}
		// The first three are what a correct signer makes: the page signs
		// the same bytes, makes the same envelope and, from the decoded
		// fields, the same payload.
		if i < 3 {
			if got[i].SignBytes != v.SignBytes {
				t.Errorf("vector %d (%s): the page's bytes to sign differ", i, v.Description)
			}
			if got[i].Tx != v.Tx {
				t.Errorf("vector %d (%s): the page's transaction differs from the vector's", i, v.Description)
			}
			if got[i].Built != v.Payload {
				t.Errorf("vector %d (%s): the page encodes the payload as\n%s\nwant\n%s", i, v.Description, got[i].Built, v.Payload)
			}
		}
	}

	// A passphrase-protected key file (scrypt N=2^15, AES-256-GCM) opens
	// with its passphrase and signs as its key; a wrong one is refused.
	kf, err := os.ReadFile(e.bobKey)
	if err != nil {
		t.Fatal(err)
	}
	type opened struct{ ID, KeyID, Sig, Wrong, SigInput, Signature string }
	o := eval[opened](b, `(async () => {
	  const m = await import('/static/js/medledger.js');
	  await new Promise(r => { const w = () => window.scrypt ? r() : setTimeout(w, 20); w(); });
	  const text = `+jsString(string(kf))+`;
	  const k = await m.openKeyFile(text, `+jsString(bobPassphrase)+`);
	  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, k.sign, m.utf8('hello')));
	  let wrong = '';
	  try { await m.openKeyFile(text, 'not it'); } catch (e) { wrong = e.message; }
	  const hs = await m.signRequest(k, 'GET', '/v1/patients/' + k.id + '/records?limit=500');
	  return { ID: k.id, KeyID: k.keyId, Sig: m.hex(sig), Wrong: wrong, SigInput: hs['Signature-Input'], Signature: hs.Signature };
	})()`)
	bob := e.node.Keys["patient/bob"]
	if o.ID != bob.ID || o.KeyID != bob.KeyID() {
		t.Errorf("opened key %s #%s, want %s #%s", o.ID, o.KeyID, bob.ID, bob.KeyID())
	}
	if sig, _ := hex.DecodeString(o.Sig); !ed25519.Verify(bob.SignPub(), []byte("hello"), sig) {
		t.Error("the opened key's signature does not verify with bob's public key")
	}
	if !strings.Contains(o.Wrong, "wrong passphrase") {
		t.Errorf("a wrong passphrase: got %q", o.Wrong)
	}

	// The page signs a read (RFC 9421) as package httpsig verifies it, for
	// this very request and no other.
	lookup := func(keyID string) (ed25519.PublicKey, error) {
		if keyID != httpsig.JoinKeyID(bob.ID, bob.KeyID()) {
			return nil, errors.New("unknown key " + keyID)
		}
		return bob.SignPub(), nil
	}
	for _, tc := range []struct {
		path string
		ok   bool
	}{{"/v1/patients/" + bob.ID + "/records?limit=500", true}, {"/v1/patients/" + bob.ID + "/disclosures?limit=500", false}} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Host = strings.TrimPrefix(e.node.URL(), "http://")
		req.Header.Set("Signature-Input", o.SigInput)
		req.Header.Set("Signature", o.Signature)
		_, err := httpsig.Verify(req, lookup, time.Now())
		if (err == nil) != tc.ok {
			t.Errorf("the page's signature of a GET, checked on %s: %v", tc.path, err)
		}
	}
}

const gtin = "00312345678906"

func packCode(serial string) string { return "(01)" + gtin + "(21)" + serial }

// answer waits for the verdict and returns its word and reason.
func answer(b *tab) (word, reason string) {
	b.t.Helper()
	b.visible("#verdict-word")
	return b.text("#verdict-word"), b.text("#verdict-reason")
}

func testPharmacist(t *testing.T, e *env) {
	b := e.open(t, "pharmacist")

	// Genuine, typed with the keyboard alone: the field has the focus on
	// arrival, Enter verifies.
	b.go_("/verify")
	b.until("the code field has the focus", `document.activeElement && document.activeElement.id === 'code'`, 5*time.Second)
	b.do("type a code and Enter", chromedp.KeyEvent(packCode("100012")+"\r"))
	if w, r := answer(b); w != "VERIFIED" {
		t.Fatalf("genuine pack: %s (%s), want VERIFIED", w, r)
	}
	if res := eval[string](b, `document.querySelector('#verdict').dataset.result`); res != "verified" {
		t.Errorf("data-result %q", res)
	}
	b.until("the custody timeline", `document.querySelectorAll('#timeline li').length >= 3`, 5*time.Second)
	if facts := b.text("#verdict"); !strings.Contains(facts, "Amoxicillin") || !strings.Contains(facts, "A100") || !strings.Contains(facts, "Expiry") {
		t.Errorf("the answer lacks product, lot or expiry:\n%s", facts)
	}

	// Dispensed, opened from a link.
	b.go_("/verify?code=" + urlQuery(packCode("100011")))
	if w, _ := answer(b); w != "DISPENSED" {
		t.Errorf("dispensed pack: %s, want DISPENSED", w)
	}

	// Recalled, as a keyboard-wedge scanner sends a DataMatrix: symbology
	// identifier, fixed-length GTIN and expiry, the variable-length lot
	// ended by the group separator (ASCII 29), then the serial.
	b.go_("/verify")
	b.visible("#code")
	// A wedge scanner types GS as Ctrl+], the control key of ASCII 29.
	b.do("scan", chromedp.KeyEvent("]d20100312345678906172812001"+"0A101"),
		chromedp.KeyEvent("]", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent("21101001"))
	if v := eval[string](b, `document.querySelector('#code').value`); !strings.Contains(v, "\x1d") {
		t.Fatalf("the scanner's group separator was lost: %q", v)
	}
	b.do("Enter", chromedp.KeyEvent("\r"))
	if w, r := answer(b); w != "RECALLED" || !strings.Contains(r, "A101") {
		t.Errorf("recalled pack: %s (%s), want RECALLED naming lot A101", w, r)
	}
	if cls := eval[string](b, `document.querySelector('#verdict').className`); !strings.Contains(cls, "bad") {
		t.Errorf("a recalled pack's answer is shown as %q", cls)
	}

	// Unknown, typed.
	b.go_("/verify?code=" + urlQuery(packCode("999999")))
	if w, _ := answer(b); w != "UNKNOWN" {
		t.Errorf("unknown pack: %s, want UNKNOWN", w)
	}

	// Signed in as the pharmacist: report the unknown pack, then dispense
	// a genuine one, which then verifies as DISPENSED.
	b.signIn(e.key("cityrx-pharmacy/pharmacist"), "")
	b.visible("#report")
	b.click("#report")
	b.until("the report is sent", `/Done: Reported/.test((document.querySelector('#action-msg') || {}).textContent || '')`, 15*time.Second)
	// A quarantined pack (the demo's report rpt-1 holds 100013): its word,
	// its report, and neither dispense nor a second report.
	b.go_("/verify?code=" + urlQuery(packCode("100013")))
	if w, r := answer(b); w != "QUARANTINED" || !strings.Contains(r, "rpt-") {
		t.Errorf("quarantined pack: %s (%s), want QUARANTINED naming its report", w, r)
	}
	if n := eval[int](b, `document.querySelectorAll('#dispense, #report').length`); n != 0 {
		t.Errorf("a quarantined pack offers %d dispense or report buttons", n)
	}
	if facts := b.text("#verdict"); !strings.Contains(facts, "rpt-1") {
		t.Errorf("the answer does not name the report:\n%s", facts)
	}
	b.go_("/verify?code=" + urlQuery(packCode("100015"))) // 100014 stays genuine for the screenshots
	b.visible("#dispense")
	b.click("#dispense")
	b.until("the pack is dispensed", `(document.querySelector('#verdict-word') || {}).textContent === 'DISPENSED'`, 15*time.Second)
	b.noDialogs()
}

func urlQuery(s string) string {
	r := strings.NewReplacer("(", "%28", ")", "%29", "\x1d", "%1D")
	return r.Replace(s)
}

// testConsentStory: bob grants dr-patel consent; dr-patel opens bob's
// blood pressure reading; bob sees that read on his timeline and revokes;
// dr-patel is refused; dr-patel breaks glass, and bob's timeline shows it
// as such.
func testConsentStory(t *testing.T, e *env) {
	ctx := context.Background()
	recs, err := e.node.Client.PatientRecords(ctx, e.node.Signer("patient/bob"), e.node.Keys["patient/bob"].ID)
	if err != nil {
		t.Fatal(err)
	}
	var bp string
	for _, r := range recs {
		if r.Category == "vital-signs" {
			bp = r.ID
		}
	}
	if bp == "" {
		t.Fatalf("bob has no vital-signs record: %+v", recs)
	}

	// A Condition for bob, so that the clinician's page shows one too.
	cond, err := os.ReadFile("testdata/condition-asthma-bob.json")
	if err != nil {
		t.Fatal(err)
	}
	condRec, err := e.node.Client.AddRecord(ctx, e.node.Signer("northside-hospital/dr-chen"), e.node.Keys["patient/bob"].ID, cond)
	if err != nil {
		t.Fatal(err)
	}

	bob := e.open(t, "patient")
	bob.go_("/patient")
	bob.signIn(e.bobKey, bobPassphrase)
	bob.visible("#record-table")
	bob.click("#grant-box summary")
	bob.until("grantees listed", `!!document.querySelector('#grantee option[value="lakeside-clinic/dr-patel"]')`, 10*time.Second)
	bob.do("choose dr-patel", chromedp.SetValue(chromedp.CSS("#grantee"), "lakeside-clinic/dr-patel"))
	if words := bob.text("#purposes"); !strings.Contains(words, "Doctors and nurses caring for you") {
		t.Errorf("the purposes are not explained in plain words: %s", words)
	}
	bob.click("#grant-btn")
	bob.until("the consent is granted", `/Done:/.test(document.querySelector('#grant-msg').textContent)`, 15*time.Second)
	bob.until("the consent is listed", `!!document.querySelector('#consent-table [data-revoke]')`, 10*time.Second)

	shared, err := e.node.Client.SharedWith(ctx, e.node.Signer("lakeside-clinic/dr-patel"), "lakeside-clinic/dr-patel")
	if err != nil {
		t.Fatal(err)
	}
	if len(shared) != 2 { // alice's for lakeside-clinic (the demo's), bob's for dr-patel
		t.Errorf("shared with dr-patel: %+v, want alice's and bob's consents", shared)
	}

	patel := e.open(t, "clinician")
	patel.go_("/clinician")
	patel.signIn(e.key("lakeside-clinic/dr-patel"), "")
	openBtn := `#shared-table button[data-open="` + bp + `"]`
	patel.visible(openBtn)
	patel.click(openBtn)
	patel.until("the record opens", `!!document.querySelector('#opened .fhir') || !!document.querySelector('#read-msg')`, 20*time.Second)
	if got := patel.text("#opened"); !strings.Contains(got, "mmHg") || !strings.Contains(got, "Observation") {
		t.Fatalf("the opened record is not shown readably:\n%s", got)
	}
	patel.click("#raw-btn")
	patel.visible("#raw-json")
	if raw := patel.text("#raw-json"); !strings.Contains(raw, `"resourceType": "Observation"`) {
		t.Errorf("the raw JSON is not one click away: %s", raw)
	}

	// A Condition: its code and text.
	patel.click(`#shared-table button[data-open="` + condRec + `"]`)
	patel.until("the condition opens", `(document.querySelector('#opened') || {}).dataset && document.querySelector('#opened').dataset.record === `+jsString(condRec)+` && !!document.querySelector('#opened .fhir')`, 20*time.Second)
	if got := patel.text("#opened"); !strings.Contains(got, "Asthma, mild intermittent") || !strings.Contains(got, "195967001") || !strings.Contains(got, "SNOMED CT") {
		t.Errorf("the Condition is not shown with its code and text:\n%s", got)
	}

	bob.go_("/patient")
	bob.until("the read is on bob's timeline", `!!document.querySelector('#disclosures li[data-reader="lakeside-clinic/dr-patel"][data-outcome="granted"][data-break-glass="false"]')`, 15*time.Second)

	bob.visible("#consent-table [data-revoke]")
	bob.click("#consent-table [data-revoke]")
	bob.until("the consent is revoked", `/can no longer read/.test((document.querySelector('#consent-msg') || {}).textContent || '')`, 15*time.Second)

	patel.click(openBtn) // the row is still on the page, from before the revocation
	patel.until("the read is refused", `!!document.querySelector('#read-msg .msg-error')`, 20*time.Second)
	if msg := patel.text("#read-msg"); !strings.Contains(msg, "no-consent") {
		t.Errorf("after the revocation: %s, want a no-consent refusal", msg)
	}

	// Break-glass: the warning is there before anything is sent.
	if w := patel.text("#glass-warning"); !strings.Contains(w, "logged") || !strings.Contains(w, "reviewed") {
		t.Errorf("break-glass warning: %s", w)
	}
	patel.keys("#glass-record", bp)
	patel.do("choose a reason", chromedp.SetValue(chromedp.CSS("#glass-reason"), "unconscious-patient"))
	patel.click("#glass-ack")
	patel.click("#glass-btn")
	patel.until("the break-glass read opens", `/break-glass/.test((document.querySelector('#opened h2') || {}).textContent || '')`, 20*time.Second)

	bob.go_("/patient")
	bob.until("break-glass on bob's timeline", `!!document.querySelector('#disclosures li.glass[data-break-glass="true"]')`, 15*time.Second)
	if g := bob.text("#disclosures li.glass"); !strings.Contains(g, "BREAK-GLASS") || !strings.Contains(g, "unconscious") {
		t.Errorf("the break-glass read is not marked and explained: %s", g)
	}
	// Erasure, with a confirmation first: bob erases his allergy record.
	var allergy string
	for _, r := range recs {
		if r.Category == "allergy" {
			allergy = r.ID
		}
	}
	bob.visible(`#record-table button[data-erase="` + allergy + `"]`)
	bob.click(`#record-table button[data-erase="` + allergy + `"]`)
	bob.visible("#erase-confirm")
	if w := bob.text("#erase-text"); !strings.Contains(w, "cannot be undone") {
		t.Errorf("the erasure's confirmation does not warn: %s", w)
	}
	bob.click("#erase-confirm")
	bob.until("erased", `/is erased/.test(document.querySelector('#record-view').textContent)`, 15*time.Second)
	if rec, err := e.node.Client.Record(ctx, e.node.Signer("patient/bob"), allergy); err != nil || rec.Status != "erased" {
		t.Errorf("after the erasure: %+v, %v", rec, err)
	}

	// Nothing secret ever left the browser: not the key, not the passphrase.
	bk := e.node.Keys["patient/bob"]
	bob.neverSent("bob's passphrase", []byte(bobPassphrase))
	bob.neverSent("bob's signing key", bk.Sign.Seed())
	bob.neverSent("bob's encryption key", bk.Enc.Bytes())
	pk := e.node.Keys["lakeside-clinic/dr-patel"]
	patel.neverSent("dr-patel's signing key", pk.Sign.Seed())
	patel.neverSent("dr-patel's encryption key", pk.Enc.Bytes())

	// Sign-out forgets the key: the page asks for a key file again, and a
	// reload does not bring it back.
	bob.click("#signout")
	bob.visible("#keyfile")
	bob.go_("/patient")
	bob.visible("#keyfile")
	if n := eval[int](bob, `document.querySelectorAll('.signed-in').length`); n != 0 {
		t.Error("signed in again after sign-out")
	}
	bob.noDialogs()
	patel.noDialogs()
}

// testExplorer: a block committed after the page opened shows within 2 s;
// its transaction's proof is checked in the page.
func testExplorer(t *testing.T, e *env) {
	b := e.open(t, "explorer")
	b.go_("/")
	b.until("latest blocks", `document.querySelectorAll('#block-rows tr').length >= 5`, 10*time.Second)
	b.until("the commit stream is live", `/Live/.test(document.querySelector('#live').textContent)`, 10*time.Second)

	ctx := context.Background()
	signer := e.node.Signer("northside-hospital/dr-chen")
	res, err := e.node.Client.Send(ctx, signer, notary.TypeAnchor, notary.AnchorBody{Digest: strings.Repeat("ab", 32), Kind: "lab-report"}, "async")
	if err != nil {
		t.Fatal(err)
	}
	// The block that holds it: wait for its commit, then give the page 2 s.
	var height int64
	deadline := time.Now().Add(20 * time.Second)
	for height == 0 && time.Now().Before(deadline) {
		if tx, err := e.node.Client.Tx(ctx, res.Hash, false); err == nil {
			height = tx.Height
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if height == 0 {
		t.Fatal("the anchor did not commit")
	}
	b.until("block "+strconv.FormatInt(height, 10)+" on the page", `!!document.querySelector('#block-rows tr[data-height="`+strconv.FormatInt(height, 10)+`"]')`, 2*time.Second)
	b.until("the chart counts it", `Number(document.querySelector('#rate-total').textContent) >= 1`, 3*time.Second)
	b.until("organizations and members", `document.querySelectorAll('#org-table tbody tr').length === 9 && /dr-chen/.test(document.querySelector('#org-table').textContent)`, 10*time.Second)
	b.visible("#validator-table")

	b.follow(`#block-rows tr[data-height="` + strconv.FormatInt(height, 10) + `"] a`)
	b.until("the block's transactions", `/notary\/anchor/.test((document.querySelector('#block-txs') || {}).textContent || '')`, 10*time.Second)
	b.follow(`#block-txs a[href="/tx/` + res.Hash + `"]`)
	b.until("the proof checked", `!!document.querySelector('#checks[data-done]')`, 10*time.Second)
	if done := eval[string](b, `document.querySelector('#checks').dataset.done`); done != "pass" {
		t.Fatalf("proof checks: %s", b.text("#checks"))
	}
	if c := b.text("#checks"); !strings.Contains(c, "Merkle proof") || !strings.Contains(c, "data hash") || !strings.Contains(c, "signature") {
		t.Errorf("the page does not say what it checked: %s", c)
	}
	b.noDialogs()
}

// testXSS: a product named <script>alert(1)</script> (and an <img onerror>)
// is shown as text wherever it appears.
func testXSS(t *testing.T, e *env) {
	ctx := context.Background()
	const name = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	const xgtin = "00312345678913"
	admin, packager := e.node.Signer("acme-pharma/admin"), e.node.Signer("acme-pharma/packager")
	prod, err := e.node.Client.Send(ctx, admin, supply.TypeProduct, supply.ProductBody{GTIN: xgtin, Name: name, Strength: "1 mg", Form: "tablet"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.node.Client.Send(ctx, packager, supply.TypeCommission, supply.CommissionBody{GTIN: xgtin, Lot: "X1", Expiry: "301231", Serials: []string{"7001"}}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	b := e.open(t, "xss")
	b.go_("/verify?code=" + urlQuery("(01)"+xgtin+"(21)7001"))
	answer(b)
	if got := b.text("#verdict dd"); got != name {
		t.Errorf("the product shows as %q, want the name as text", got)
	}
	b.go_("/tx/" + res.Hash)
	b.visible("#tx-body")
	b.go_("/tx/" + prod.Hash)
	b.until("the product's body", `document.querySelector('#tx-body') && document.querySelector('#tx-body').textContent.includes('<script>alert(1)</script>')`, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // time for an injected script to run, were there one
	if n := eval[int](b, `document.querySelectorAll('script').length`); n != 2 {
		t.Errorf("the page has %d script elements, want its own 2", n)
	}
	if n := eval[int](b, `document.querySelectorAll('main img').length`); n != 0 {
		t.Errorf("an <img> from the chain became an element")
	}
	b.noDialogs()
}

// testSupply: medsupply-dist's page lists its stock and its incoming
// shipment, receives it; acme-pharma recalls a lot.
func testSupply(t *testing.T, e *env) {
	ctx := context.Background()
	ship := e.node.Signer("acme-pharma/packager")
	if _, err := e.node.Client.Send(ctx, ship, supply.TypeShip, supply.ShipBody{To: "medsupply-dist", Items: []supply.Item{supply.Pack(gtin, "100016")}}, "commit"); err != nil {
		t.Fatal(err)
	}
	b := e.open(t, "distributor")
	b.go_("/supply")
	b.signIn(e.key("medsupply-dist/admin"), "")
	b.visible("#incoming-table")
	if hidden := eval[bool](b, `document.querySelector('#recall-box').hidden`); !hidden {
		t.Error("a distributor is offered the manufacturers' recall")
	}
	b.click("#incoming-table button[data-receive]")
	b.until("received", `/received/.test((document.querySelector('#incoming-msg') || document.querySelector('#incoming')).textContent)`, 15*time.Second)
	b.until("in the inventory", `/\(21\)100016/.test(document.querySelector('#inventory').textContent)`, 10*time.Second)
	inv, err := e.node.Client.Inventory(ctx, "medsupply-dist")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range inv {
		found = found || it.Serial == "100016"
	}
	if !found {
		t.Errorf("GET /v1/orgs/medsupply-dist/inventory lacks the received pack: %+v", inv)
	}

	m := e.open(t, "manufacturer")
	m.go_("/supply")
	m.signIn(e.key("acme-pharma/admin"), "")
	m.visible("#recall-form")
	m.keys("#recall-gtin", gtin)
	m.keys("#recall-lot", "A100")
	m.keys("#recall-reason", "particles found in retained samples")
	m.click("#recall-btn")
	m.until("recalled", `/Done:/.test(document.querySelector('#recall-msg').textContent)`, 15*time.Second)
	v, _, err := e.node.Client.VerifyPack(ctx, packCode("100012"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Result != supply.ResultRecalled && v.Result != supply.ResultDispensed {
		t.Errorf("after the recall, 100012 verifies as %s", v.Result)
	}
}
