package records_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
	"github.com/medledger/medledger/vault/disk"
)

// TestHugeValuesNotEchoed sends a real node (with northside-hospital's
// custodian) transactions, GETs and reads with a 10,000-byte id, patient,
// grantee, purpose or code, and checks that each refusal, as a problem
// document and as the app's CheckTx log, is short, has the right code,
// says what was wrong and how long the value was.
func TestHugeValuesNotEchoed(t *testing.T) {
	ctx := context.Background()
	v, closeVault, err := disk.OpenVault(ctx, filepath.Join(t.TempDir(), "vault"), filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &custodian.Service{Org: "northside-hospital", Vault: v, IDs: identity.Module{}, CloseVault: closeVault}
	n := daemontest.Start(t, daemontest.Options{Services: []daemon.Service{svc},
		Plugins: append(daemontest.Core(), daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})})

	huge := strings.Repeat("x", 10_000)
	chen, patel, alice := "northside-hospital/dr-chen", "lakeside-clinic/dr-patel", "patient/alice"
	aliceID := n.Signer(alice).Key.ID
	add := func(edit func(*records.AddBody)) records.AddBody {
		b := records.AddBody{Patient: aliceID, ResourceTypes: []string{"Observation"}, Category: "laboratory", Digest: strings.Repeat("ab", 32), Ref: "doc-echo"}
		edit(&b)
		return b
	}
	grant := func(edit func(*records.GrantBody)) records.GrantBody {
		b := records.GrantBody{Grantee: "lakeside-clinic", Purposes: []string{records.PurposeTreatment}, NotAfter: time.Now().Add(24 * time.Hour)}
		edit(&b)
		return b
	}
	res, err := n.Client.Send(ctx, n.Signer(chen), records.TypeAdd, add(func(*records.AddBody) {}), "commit")
	if err != nil {
		t.Fatal(err)
	}
	var rec string
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == records.EventAdded && a.Key == "record" {
				rec = a.Value
			}
		}
	}

	for _, c := range []echoCase{
		{name: "add patient", as: chen, typ: records.TypeAdd, body: add(func(b *records.AddBody) { b.Patient = huge }),
			code: records.ErrPatientNotFound, says: "no patient"},
		{name: "add resource type", as: chen, typ: records.TypeAdd, body: add(func(b *records.AddBody) { b.ResourceTypes = []string{huge} }),
			code: records.ErrInvalid, says: "resource type"},
		{name: "add category", as: chen, typ: records.TypeAdd, body: add(func(b *records.AddBody) { b.Category = huge }),
			code: records.ErrInvalid, says: "category"},
		{name: "grant grantee", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Grantee = huge }),
			code: records.ErrGranteeNotFound, says: "no organization"},
		{name: "grant member", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Grantee = "lakeside-clinic/" + huge }),
			code: records.ErrGranteeNotFound, says: "no member"},
		{name: "grant purpose", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Purposes = []string{huge} }),
			code: records.ErrInvalid, says: "purpose"},
		{name: "grant resource type", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Scope.ResourceTypes = []string{huge} }),
			code: records.ErrInvalid, says: "resource type"},
		{name: "grant category", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Scope.Categories = []string{huge} }),
			code: records.ErrInvalid, says: "category"},
		{name: "grant record", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Scope.Records = []string{huge} }),
			code: records.ErrRecordNotFound, says: "no record"},
		{name: "grant jurisdiction", as: alice, typ: records.TypeGrant, body: grant(func(b *records.GrantBody) { b.Jurisdictions = []string{huge} }),
			code: records.ErrInvalid, says: "jurisdiction"},
		{name: "revoke", as: alice, typ: records.TypeRevoke, body: records.ConsentRef{Consent: huge}, code: records.ErrConsentNotFound, says: "no consent"},
		{name: "access record", as: patel, typ: records.TypeAccess, body: records.AccessBody{Record: huge, Purpose: records.PurposeTreatment},
			code: records.ErrRecordNotFound, says: "no record"},
		{name: "access purpose", as: patel, typ: records.TypeAccess, body: records.AccessBody{Record: rec, Purpose: huge},
			code: records.ErrInvalid, says: "purpose"},
		{name: "access break-glass", as: patel, typ: records.TypeAccess, body: records.AccessBody{Record: rec, Purpose: records.PurposeTreatment, BreakGlass: huge},
			code: records.ErrInvalid, says: "break-glass reason"},
		{name: "erase", as: alice, typ: records.TypeErase, body: records.RecordRef{Record: huge}, code: records.ErrRecordNotFound, says: "no record"},
		{name: "GET record", reader: alice, path: "/v1/records/" + huge, code: records.ErrRecordNotFound, says: "no record"},
		{name: "GET consent", reader: alice, path: "/v1/consents/" + huge, code: records.ErrConsentNotFound, says: "no consent"},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, n) })
	}

	// The custodian's read: a record it does not hold, and a transaction
	// for another record than the one in the path.
	t.Run("read record", func(t *testing.T) {
		_, err := n.Client.ReadRecord(ctx, n.Signer(patel), huge, records.PurposeTreatment, "")
		var e *client.Error
		if !errors.As(err, &e) {
			t.Fatalf("got %v, want a refusal", err)
		}
		checkEcho(t, "problem", e.Codespace, e.Code, e.Detail, records.ErrRecordNotFound, "no record")
	})
	t.Run("read another record", func(t *testing.T) {
		raw, err := n.Signer(patel).Build(records.TypeAccess, records.AccessBody{Record: rec, Purpose: records.PurposeTreatment}, n.Store.Version())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(api.TxRequest{Tx: raw})
		r, err := http.Post(n.URL()+"/v1/records/"+huge+"/read", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var p api.Problem
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		checkEcho(t, "problem", p.Codespace, p.Code, p.Detail, api.ErrBadRequest, "must be a records/access for record")
	})
}

// maxDetail is how long a refusal's detail, and the ABCI log it comes
// from, may be however huge the value refused (issue 8).
const maxDetail = 300

// echoCase is a request carrying a huge value: a transaction (as signs typ
// with body) or, when as is empty, a GET of path.
type echoCase struct {
	name string
	as   string
	typ  string
	body any
	path string
	// reader signs the GET (patient-scoped routes answer only signed).
	reader string
	code   medledger.Code // the refusal's code
	says   string         // what the refusal says
}

// check sends c to node n and checks the refusal: as a problem document,
// and for a transaction also as the log of the app's CheckTx.
func (c echoCase) check(t *testing.T, n *daemontest.Node) {
	t.Helper()
	ctx := context.Background()
	if c.reader != "" {
		var e *client.Error
		if err := n.Client.GetAs(ctx, n.Signer(c.reader), c.path, nil); !errors.As(err, &e) {
			t.Fatalf("GET: got %v, want a refusal", err)
		}
		checkEcho(t, "problem", e.Codespace, e.Code, e.Detail, c.code, c.says)
		return
	}
	if c.as == "" {
		r, b := n.Get(t, c.path)
		var p api.Problem
		if err := json.Unmarshal(b, &p); err != nil || r.StatusCode < 400 {
			t.Fatalf("GET: %d %.300s", r.StatusCode, b)
		}
		checkEcho(t, "problem", p.Codespace, p.Code, p.Detail, c.code, c.says)
		return
	}
	s := n.Signer(c.as)
	_, err := n.Client.Send(ctx, s, c.typ, c.body, "sync")
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s by %s: got %v, want a refusal", c.typ, c.as, err)
	}
	checkEcho(t, "problem", e.Codespace, e.Code, e.Detail, c.code, c.says)
	raw, err := s.Build(c.typ, c.body, n.Store.Version())
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw})
	if err != nil {
		t.Fatal(err)
	}
	checkEcho(t, "ABCI log", res.Codespace, res.Code, res.Log, c.code, c.says)
}

// checkEcho checks a refusal's code and detail: short, saying what was
// wrong, and how long the value was (medledger.Quote's "... (N bytes)").
func checkEcho(t *testing.T, what, codespace string, code uint32, detail string, want medledger.Code, says string) {
	t.Helper()
	if codespace != want.Codespace || code != want.Code {
		t.Errorf("%s: code %s/%d, want %s/%d (%s): %.300s", what, codespace, code, want.Codespace, want.Code, want.Slug, detail)
	}
	if len(detail) > maxDetail {
		t.Errorf("%s: the detail is %d bytes, over %d: %.300s...", what, len(detail), maxDetail, detail)
	}
	if !strings.Contains(detail, says) || !strings.Contains(detail, " bytes)") {
		t.Errorf("%s: %.300q does not say %q and how long the value was", what, detail, says)
	}
}
