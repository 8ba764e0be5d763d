package credentials_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/statuslist"
	"github.com/medledger/medledger/credentials/vc"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/fhir"
)

// Plugin is the credentials module as a test node plugs it in.
var Plugin = daemon.Plugin{Module: credentials.Module{}, Routes: credentials.HTTPRoutes, Codes: credentials.Codes}

// startNode starts a demo node with the credentials module, answering the
// chain's licence checks.
func startNode(t *testing.T) *daemontest.Node {
	t.Helper()
	return daemontest.Start(t, daemontest.Options{Plugins: append(daemontest.Core(), Plugin), Licences: credentials.Module{}})
}

// vote passes a proposal of changes: proposed by the first admin, voted
// yes by the next four (a majority of the demo's nine organizations).
func vote(t *testing.T, n *daemontest.Node, changes ...credentials.Change) {
	t.Helper()
	ctx := context.Background()
	res, err := n.Client.Send(ctx, n.Signer("state-medical-board/admin"), credentials.TypePropose, credentials.ProposeBody{Changes: changes}, "commit")
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	var id uint64
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == credentials.EventProposalCreated && a.Key == "proposal" {
				json.Unmarshal([]byte(a.Value), &id)
			}
		}
	}
	var txs []client.BulkTx
	for _, org := range []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy", "acme-pharma"} {
		txs = append(txs, client.BulkTx{Signer: n.Signer(org + "/admin"), Type: credentials.TypeVote, Body: credentials.VoteBody{Proposal: id, Approve: true}})
	}
	if r, err := n.Client.SendAll(ctx, txs, client.BulkOptions{}); err != nil || r.Failed >= 0 {
		t.Fatalf("votes: %v %v", err, r.Err())
	}
	if p, err := n.Client.CredentialProposal(ctx, id); err != nil || p.Status != credentials.ProposalPassed {
		t.Fatalf("proposal %d: %+v %v", id, p, err)
	}
}

// replayGuard is a verifier's memory of the nonces it accepted.
type replayGuard struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (g *replayGuard) use(aud, nonce string, _ time.Time) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen[aud+"|"+nonce] {
		return false, nil
	}
	g.seen[aud+"|"+nonce] = true
	return true, nil
}

func firstFailed(v credentials.Verification) string {
	if c := v.Failed(); c != nil {
		return c.Name
	}
	return ""
}

func failedChecks(v credentials.Verification) []string {
	var out []string
	for _, c := range v.Checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

// TestStory: the credentials module's whole path against a real node
// through the REST API: governance authorizes the issuers; a licence is
// issued, verified, suspended, reinstated and revoked (failing from the
// block after); one expires; a forged signature, an unauthorized issuer, an
// altered claim, a replayed presentation and an expired one are each
// refused with their reason; the status list, the clinician's file, what
// expires, the FHIR Practitioner and /openapi.json answer.
func TestStory(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	c := n.Client
	const chen = "northside-hospital/dr-chen"

	if enf, err := c.CredentialEnforcement(ctx); err != nil || len(enf) != 3 || enf[0].On || enf[1].On || enf[2].On {
		t.Fatalf("a new chain's enforcement: %+v %v", enf, err)
	}
	vote(t, n, credentials.Change{Action: credentials.ActionAuthorize, Issuer: board, Type: credentials.MedicalLicense, Jurisdiction: "US"},
		credentials.Change{Action: credentials.ActionAuthorize, Issuer: board, Type: credentials.PharmacistLicense, Jurisdiction: "US"})
	if reg, err := c.CredentialIssuers(ctx, board); err != nil || len(reg) != 2 || !reg[0].Active {
		t.Fatalf("registry: %+v %v", reg, err)
	}

	// An unauthorized issuer is refused by the chain.
	_, err := c.IssueCredential(ctx, n.Signer("lakeside-clinic/admin"), client.Issuance{Type: credentials.MedicalLicense, Subject: chen, ValidUntil: time.Now().AddDate(1, 0, 0)})
	if !client.IsCode(err, credentials.Codespace, credentials.ErrNotAuthorized.Slug) {
		t.Fatalf("lakeside-clinic issues a medical licence: %v", err)
	}

	claims := map[string]json.RawMessage{"licenseNumber": json.RawMessage(`"MD-204-118"`), "specialty": json.RawMessage(`"internal medicine"`)}
	iss, err := c.IssueCredential(ctx, n.Signer(registrar), client.Issuance{Type: credentials.MedicalLicense, Subject: chen,
		ValidFrom: time.Now().AddDate(-2, 0, 0), ValidUntil: time.Now().AddDate(2, 0, 0), Claims: claims})
	if err != nil {
		t.Fatal(err)
	}
	file := iss.File
	v, err := c.VerifyCredential(ctx, file, client.VerifyOptions{})
	if err != nil || !v.Valid || v.Status != credentials.StatusActive || len(v.Checks) != 7 {
		t.Fatalf("a fresh licence: %+v %v", v, err)
	}
	if strings.Contains(mustGet(t, n, "/v1/credentials/"+iss.Body.ID), "MD-204-118") {
		t.Fatal("the holder's claims reached the chain")
	}

	// The status list named in the file answers, with the slot unset.
	f, _ := vc.Parse(file)
	res, body := n.Get(t, strings.TrimPrefix(f.Credential.Status[0].StatusListCredential, n.URL()))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != statuslist.MediaType {
		t.Fatalf("status list: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if _, bits, err := statuslist.Parse(body); err != nil || bitOf(bits, iss.Body.StatusIndex) {
		t.Fatalf("status list of a fresh credential: %v", err)
	}

	change := func(typ, reason string) int64 {
		t.Helper()
		r, err := c.Send(ctx, n.Signer(registrar), typ, credentials.StatusBody{Credential: iss.Body.ID, Reason: reason}, "commit")
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		return r.Height
	}
	change(credentials.TypeSuspend, "under-investigation")
	if v, _ := c.VerifyCredential(ctx, file, client.VerifyOptions{}); v.Valid || v.Status != credentials.StatusSuspended || firstFailed(v) != credentials.CheckStatus {
		t.Fatalf("suspended: %+v", v)
	}
	if _, bits, err := c.StatusList(ctx, board, 0, credentials.PurposeSuspension); err != nil || !bitOf(bits, iss.Body.StatusIndex) {
		t.Fatalf("the suspension list does not show it: %v", err)
	}
	change(credentials.TypeReinstate, "investigation-closed")
	if v, _ := c.VerifyCredential(ctx, file, client.VerifyOptions{}); !v.Valid {
		t.Fatalf("reinstated: %+v", v)
	}

	// A presentation to a pharmacy over its nonce; replayed, refused.
	guard := &replayGuard{seen: map[string]bool{}}
	vp, err := vc.Present(file, chen, n.Keys[chen].Sign, "cityrx-pharmacy", "rx-7781", time.Now(), credentials.DefaultPresentTTL)
	if err != nil {
		t.Fatal(err)
	}
	opt := client.VerifyOptions{Audience: "cityrx-pharmacy", Nonce: "rx-7781", Replay: guard.use}
	if v, err := c.VerifyPresentation(ctx, vp, opt); err != nil || !v.Valid || v.Holder != chen || len(v.Checks) != 13 {
		t.Fatalf("a presentation: %+v %v", v, err)
	}
	if v, _ := c.VerifyPresentation(ctx, vp, opt); v.Valid || firstFailed(v) != credentials.CheckNotReplay {
		t.Fatalf("the same presentation replayed: %v", failedChecks(v))
	}
	stale, _ := vc.Present(file, chen, n.Keys[chen].Sign, "cityrx-pharmacy", "rx-7782", time.Now().Add(-time.Hour), credentials.DefaultPresentTTL)
	if v, _ := c.VerifyPresentation(ctx, stale, client.VerifyOptions{Audience: "cityrx-pharmacy", Nonce: "rx-7782", Replay: guard.use}); v.Valid || firstFailed(v) != credentials.CheckFresh {
		t.Fatalf("an expired presentation: %v", failedChecks(v))
	}
	if v, _ := c.VerifyPresentation(ctx, vp, client.VerifyOptions{Audience: "lakeside-clinic", Nonce: "rx-7781"}); v.Valid || firstFailed(v) != credentials.CheckAudience {
		t.Fatalf("a presentation for another verifier: %v", failedChecks(v))
	}

	// A forged signature: dr-chen signs a licence in the registrar's name.
	forged, _, err := vc.Issue(vc.Issuance{Body: credentials.IssueBody{ID: "crd-forgedforgedforgedforged22", Type: credentials.MedicalLicense, Subject: chen,
		Jurisdiction: "US", ValidFrom: time.Now().Truncate(time.Second), ValidUntil: time.Now().AddDate(1, 0, 0).Truncate(time.Second)},
		IssuerOrg: board, Member: registrar, StatusBase: n.URL()}, n.Keys[chen].Sign)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.VerifyCredential(ctx, forged, client.VerifyOptions{}); v.Valid || !has(failedChecks(v), credentials.CheckSignature) || !has(failedChecks(v), credentials.CheckRecorded) {
		t.Fatalf("a forged licence: %v", failedChecks(v))
	}
	// A licence signed by an organization the registry never authorized.
	rogue, _, _ := vc.Issue(vc.Issuance{Body: credentials.IssueBody{ID: "crd-rogueroguerogueroguerogue2", Type: credentials.MedicalLicense, Subject: chen,
		Jurisdiction: "US", ValidFrom: time.Now().Truncate(time.Second), ValidUntil: time.Now().AddDate(1, 0, 0).Truncate(time.Second)},
		IssuerOrg: "lakeside-clinic", Member: "lakeside-clinic/admin", StatusBase: n.URL()}, n.Keys["lakeside-clinic/admin"].Sign)
	if v, _ := c.VerifyCredential(ctx, rogue, client.VerifyOptions{}); v.Valid || !has(failedChecks(v), credentials.CheckIssuer) || has(failedChecks(v), credentials.CheckSignature) {
		t.Fatalf("an unauthorized issuer's licence: %v", failedChecks(v))
	}
	// An altered claim.
	parts := strings.Split(file, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), "internal medicine", "neurosurgery", 1)))
	if v, _ := c.VerifyCredential(ctx, strings.Join(parts, "."), client.VerifyOptions{}); v.Valid || !has(failedChecks(v), credentials.CheckRecorded) || !has(failedChecks(v), credentials.CheckSignature) {
		t.Fatalf("an altered claim: %v", failedChecks(v))
	}

	// Revoked: refused from the block after, valid in the state before.
	h := change(credentials.TypeRevoke, "disciplinary-action")
	v, _ = c.VerifyCredential(ctx, file, client.VerifyOptions{})
	if v.Valid || v.Status != credentials.StatusRevoked || firstFailed(v) != credentials.CheckStatus || v.Height < h {
		t.Fatalf("revoked at %d: %+v", h, v)
	}
	var before credentials.Facts
	if err := c.Get(ctx, "/v1/credentials/"+iss.Body.ID+"?height="+itoa(h-1), &before); err != nil || before.Status != credentials.StatusActive {
		t.Fatalf("the state before the revocation's block: %+v %v", before, err)
	}
	if _, bits, _ := c.StatusList(ctx, board, 0, credentials.PurposeRevocation); !bitOf(bits, iss.Body.StatusIndex) {
		t.Fatal("the revocation list does not show it")
	}

	// Expiry: valid for a few seconds, then expired.
	short, err := c.IssueCredential(ctx, n.Signer(registrar), client.Issuance{Type: credentials.PharmacistLicense, Subject: "cityrx-pharmacy/pharmacist",
		ValidUntil: time.Now().Add(3 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.VerifyCredential(ctx, short.File, client.VerifyOptions{}); !v.Valid {
		t.Fatalf("the short licence while valid: %v", failedChecks(v))
	}
	if exp, err := c.ExpiringCredentials(ctx, "60d", "", ""); err != nil || len(exp) != 1 || exp[0].ID != short.Body.ID {
		t.Fatalf("expiring within 60 days: %+v %v", exp, err)
	}
	if v, _ := c.VerifyCredential(ctx, short.File, client.VerifyOptions{Now: time.Now().Add(5 * time.Second)}); v.Valid || v.Status != credentials.StatusExpired || firstFailed(v) != credentials.CheckValidity {
		t.Fatalf("the short licence after its end: %+v", v)
	}

	// A clinician's whole file, and the FHIR view of what is valid now.
	iss2, err := c.IssueCredential(ctx, n.Signer(registrar), client.Issuance{Type: credentials.PharmacistLicense, Subject: chen, ValidUntil: time.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	file2, err := c.Credentials(ctx, client.CredentialFilter{Subject: chen})
	if err != nil || len(file2) != 2 {
		t.Fatalf("dr-chen's file: %+v %v", file2, err)
	}
	if revoked, _ := c.Credentials(ctx, client.CredentialFilter{Subject: chen, Status: credentials.StatusRevoked}); len(revoked) != 1 {
		t.Fatalf("dr-chen's revoked credentials: %+v", revoked)
	}
	doc, err := c.Practitioner(ctx, chen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fhir.Validate(doc); err != nil {
		t.Fatalf("the Practitioner is not valid FHIR R4: %v\n%s", err, doc)
	}
	var p credentials.Practitioner
	json.Unmarshal(doc, &p)
	if p.ID != "northside-hospital.dr-chen" || len(p.Qualification) != 1 || p.Qualification[0].Identifier[0].Value != iss2.Body.ID {
		t.Fatalf("Practitioner: %s", doc)
	}
	if _, err := c.Practitioner(ctx, "lakeside-clinic/dr-patel"); !client.IsProblem(err) {
		t.Fatalf("a member without credentials: %v", err)
	}

	api := mustGet(t, n, "/openapi.json")
	for _, path := range []string{"/v1/credentials", "/v1/credentials/{id}", "/v1/credentials/expiring", "/v1/credentials/issuers",
		"/v1/credentials/status/{org}/{list}/{purpose}", "/fhir/Practitioner/{id}"} {
		if !strings.Contains(api, `"`+path+`"`) {
			t.Errorf("/openapi.json does not list %s", path)
		}
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func bitOf(bits []byte, i uint32) bool { return len(bits) > int(i/8) && bits[i/8]&(0x80>>(i%8)) != 0 }

func itoa(h int64) string { return strconv.FormatInt(h, 10) }

func mustGet(t *testing.T, n *daemontest.Node, path string) string {
	t.Helper()
	res, b := n.Get(t, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}
