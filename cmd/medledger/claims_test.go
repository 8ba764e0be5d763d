package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimsapi"
	claimscli "github.com/medledger/medledger/claims/cli"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	"github.com/medledger/medledger/vault/disk"
)

// startClaimsEnv is a node with every module and the claims reads.
func startClaimsEnv(t *testing.T) *testEnv {
	t.Helper()
	v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(t.TempDir(), "vault"), filepath.Join(t.TempDir(), "kek.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeVault() })
	svc := claimsapi.New(identity.Module{})
	svc.Vault, svc.Org = v, "northside-hospital"
	n := daemontest.Start(t, daemontest.Options{Plugins: plugins(), Services: []daemon.Service{svc}})
	home := filepath.Join(t.TempDir(), "cli")
	if err := n.Keys.Save(keystore.Store{Dir: node.Home(home).KeysDir()}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{n: n, home: home}
}

// TestClaimsCLI is the claims commands' story as a user types it: publish
// (a policy that explodes in cost refused with its file's line), show,
// enrol, submit our JSON and a FHIR Claim, show and list for the parties
// and counts for others, prior authorization, review, pay, remittance, the
// scorer and a simulation; every command's -o json is one document of the
// form the issue gives.
func TestClaimsCLI(t *testing.T) {
	t.Parallel()
	e := startClaimsEnv(t)
	dir := t.TempDir()
	policy := write(t, dir, "policy.yaml", string(claimscli.DemoPolicy))

	bad := strings.Replace(string(claimscli.DemoPolicy), "allowed: units * 4000", `allowed: 'history.filter(a, history.exists(b, b.code + a.code + b.date + a.date == line.code + line.date)).size()'`, 1)
	r := e.run(t, "claims", "policy", "publish", write(t, dir, "bad.yaml", bad), "--as", "unity-health-plan/admin").refused(t, "bad-policy")
	if !strings.Contains(r.stderr, "bad.yaml:48") || !strings.Contains(r.stderr, "worst-case cost") {
		t.Fatalf("the refusal does not name the file's line and why:\n%s", r.stderr)
	}
	var pub struct {
		Version uint64 `json:"version"`
		Payer   string `json:"payer"`
	}
	e.runJSON(t, &pub, "claims", "policy", "publish", policy, "--as", "unity-health-plan/admin")
	if pub.Version != 1 || pub.Payer != "unity-health-plan" {
		t.Fatalf("publish -o json = %+v", pub)
	}
	e.run(t, "claims", "policy", "publish", policy, "--as", "northside-hospital/admin").refused(t, "unauthorized")
	var rec claims.PolicyRecord
	e.runJSON(t, &rec, "claims", "policy", "show", "--version", "1")
	if rec.Policy.Version != 1 || len(rec.Policy.Rules) != 6 {
		t.Fatalf("policy show -o json = %+v", rec)
	}

	var enrolled struct {
		Member string `json:"member"`
	}
	e.runJSON(t, &enrolled, "claims", "enroll", "--patient", "patient/alice", "--plan", "gold", "--from", "2025-01-01", "--to", "2025-12-31", "--as", "unity-health-plan/admin")
	if !strings.HasPrefix(enrolled.Member, "psn-") {
		t.Fatalf("enroll -o json: member %q", enrolled.Member)
	}
	if strings.Contains(e.run(t, "claims", "enroll", "--patient", "patient/bob", "--plan", "gold", "--from", "2025-01-01", "--to", "2025-12-31", "--as", "unity-health-plan/admin").ok(t).stdout, "pat-") {
		t.Fatal("enroll prints a patient id")
	}

	claim := func(name string, lines ...claims.LineIn) string {
		b, _ := json.Marshal(claims.SubmitBody{Payer: "unity-health-plan", Member: enrolled.Member, Rendering: "northside-hospital/dr-chen", Diagnoses: []string{"E11.9"}, Lines: lines})
		return write(t, dir, name, string(b))
	}
	line := func(code string, charge int64, date string) claims.LineIn {
		return claims.LineIn{Code: code, Pointers: []int{1}, Units: 1, ChargeCents: charge, Date: date}
	}
	var sub struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Lines  []struct {
			Seq          int    `json:"seq"`
			Status       string `json:"status"`
			AllowedCents int64  `json:"allowed_cents"`
			PaidCents    int64  `json:"paid_cents"`
			PatientCents int64  `json:"patient_cents"`
			Adjustments  []struct {
				Group       string `json:"group"`
				CARC        string `json:"carc"`
				AmountCents int64  `json:"amount_cents"`
			} `json:"adjustments"`
			Rule string `json:"rule"`
		} `json:"lines"`
	}
	e.runJSON(t, &sub, "claims", "submit", claim("visit.json", line("99213", 15000, "2025-03-03")), "--as", "northside-hospital/biller")
	if sub.Status != "adjudicated" || len(sub.Lines) != 1 || sub.Lines[0].PaidCents != 7000 || sub.Lines[0].Adjustments[1].CARC != "3" || sub.Lines[0].Rule != "office-visit" {
		t.Fatalf("submit -o json = %+v", sub)
	}
	visit := sub.ID
	e.run(t, "claims", "submit", claim("visit.json", line("99213", 15000, "2025-03-03")), "--as", "northside-hospital/biller").ok(t).says(t, "denied", "CO-18")
	e.run(t, "claims", "submit", claim("panels.json", line("80053", 25000, "2025-03-04"), line("80048", 18000, "2025-03-04")), "--as", "northside-hospital/biller").ok(t).says(t, "pended", "flagged unbundling")
	e.run(t, "claims", "submit", claim("visit.json", line("99213", 15000, "2025-03-05")), "--as", "lakeside-clinic/admin").refused(t, "bad-rendering")
	// A document the claim needs goes to the provider's vault; the claim
	// names its salted digest.
	var attached struct{ ID string }
	e.runJSON(t, &attached, "claims", "submit", claim("visit2.json", line("99214", 20000, "2025-03-06")), "--attach", write(t, dir, "note.txt", "synthetic note"), "--as", "northside-hospital/biller")
	var withDoc claims.Claim
	e.runJSON(t, &withDoc, "claims", "show", attached.ID, "--as", "unity-health-plan/adjudicator")
	if len(withDoc.Attachments) != 1 || len(withDoc.Attachments[0].Digest) != 64 {
		t.Fatalf("the claim's attachments: %+v", withDoc.Attachments)
	}
	e.run(t, "claims", "submit", claim("visit.json", line("99213", 15000, "2025-03-05")), "--as", "unity-health-plan/admin").refused(t, "unauthorized")

	// A FHIR R4 Claim, its patient the member.
	fh, err := os.ReadFile("../../fhir/testdata/claims/claim-office-visit.json")
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, "claims", "submit", write(t, dir, "fhir-claim.json", strings.ReplaceAll(string(fh), "psn-5tq3xq3jzzq7d7a2ww5nlxb3", enrolled.Member)), "--as", "northside-hospital/biller").
		ok(t).says(t, "99214", "83036", "adjudicated")

	// Reads: the parties, and counts for others.
	e.run(t, "claims", "show", visit, "--as", "patient/alice").ok(t).says(t, "CO-45", "PR-3", "copay", "covered by rule office-visit")
	e.run(t, "claims", "show", visit, "--as", "lakeside-clinic/dr-patel").refused(t, "not-entitled")
	e.run(t, "claims", "show", visit, "--as", "patient/bob").refused(t, "not-entitled")
	e.run(t, "claims", "show", visit).refused(t, "--as is required")
	var counts []claims.Stats
	e.runJSON(t, &counts, "claims", "list")
	if len(counts) != 1 || counts[0].Claims != 5 || counts[0].Pended != 1 {
		t.Fatalf("claims list -o json (counts) = %+v", counts)
	}
	var pended []claims.Claim
	e.runJSON(t, &pended, "claims", "list", "--status", "pended", "--as", "unity-health-plan/adjudicator")
	if len(pended) != 1 {
		t.Fatalf("pended claims: %d", len(pended))
	}
	var none []claims.Claim
	if e.runJSON(t, &none, "claims", "list", "--as", "lakeside-clinic/admin"); len(none) != 0 {
		t.Fatalf("lakeside-clinic lists %d claims", len(none))
	}

	// Prior authorization: by the policy, and by the adjudicator.
	var pa claims.PriorAuth
	e.runJSON(t, &pa, "claims", "priorauth", "request", "--member", enrolled.Member, "--codes", "70553", "--from", "2025-05-01", "--to", "2025-05-20", "--as", "northside-hospital/biller")
	if pa.Status != claims.AuthApproved || !strings.HasPrefix(pa.Number, "PA") {
		t.Fatalf("an auto-approved request: %+v", pa)
	}
	e.runJSON(t, &pa, "claims", "priorauth", "request", "--member", "patient/alice", "--codes", "70553", "--from", "2025-06-01", "--to", "2025-08-01", "--as", "northside-hospital/biller")
	if pa.Status != claims.AuthRequested {
		t.Fatalf("a request for 62 days: %+v", pa)
	}
	e.run(t, "claims", "priorauth", "decide", pa.ID, "--approve", "--deny", "--reason", "x", "--as", "unity-health-plan/adjudicator").refused(t, "exactly one")
	e.run(t, "claims", "priorauth", "decide", pa.ID, "--deny", "--reason", "criteria not met", "--as", "unity-health-plan/adjudicator").ok(t).says(t, "denied", "criteria not met")

	// Review, pay, remittance.
	e.run(t, "claims", "pay", pended[0].ID, "--trace", "EFT-1", "--as", "unity-health-plan/admin").refused(t, "wrong-state")
	e.run(t, "claims", "review", pended[0].ID, "--approve", "--reason", "notes support both panels", "--as", "unity-health-plan/adjudicator").ok(t).says(t, "adjudicated")
	var rem claims.Remittance
	e.runJSON(t, &rem, "claims", "pay", visit, pended[0].ID, "--trace", "EFT-1", "--as", "unity-health-plan/admin")
	if rem.Trace != "EFT-1" || len(rem.Claims) != 2 {
		t.Fatalf("pay -o json = %+v", rem)
	}
	e.run(t, "claims", "remittance", "EFT-1", "--as", "northside-hospital/biller").ok(t).says(t, "EFT-1", visit)
	e.run(t, "claims", "show", visit, "--as", "northside-hospital/biller").ok(t).says(t, "paid at height", "payment $70.00 under trace EFT-1")

	// The scorer has no peers to compare with here; a simulation of a
	// cheaper copay changes the paid visit.
	var score struct {
		Claims  int   `json:"claims"`
		Flagged []any `json:"flagged"`
	}
	e.runJSON(t, &score, "claims", "score", "--dry-run", "--as", "unity-health-plan/adjudicator")
	if score.Claims != 5 || len(score.Flagged) != 0 {
		t.Fatalf("score -o json = %+v", score)
	}
	draft := strings.Replace(strings.Replace(string(claimscli.DemoPolicy), "version: 1", "version: 2", 1), `? 2500 : 5000`, `? 1000 : 5000`, 1)
	var sim claims.Simulation
	e.runJSON(t, &sim, "claims", "policy", "simulate", write(t, dir, "draft.yaml", draft), "--as", "unity-health-plan/admin")
	if len(sim.Changes) != 3 || sim.PaidAfter-sim.PaidBefore != 4500 {
		t.Fatalf("simulate -o json = %+v", sim)
	}
	e.run(t, "claims", "policy", "simulate", write(t, dir, "draft.yaml", draft), "--as", "northside-hospital/biller").refused(t, "unauthorized")
}

// TestClaimsHugeValues: a claims command given a huge value refuses it
// before anything is sent, and repeats no more than a short prefix.
func TestClaimsHugeValues(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	long := strings.Repeat("x", 10_000)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"show id", []string{"claims", "show", "clm-" + strings.Repeat("1", 10_000), "--as", "northside-hospital/biller"}, "is not clm-N"},
		{"review id", []string{"claims", "review", long, "--approve", "--reason", "x", "--as", "unity-health-plan/adjudicator"}, "is not clm-N"},
		{"pay trace", []string{"claims", "pay", "clm-1", "--trace", long, "--as", "unity-health-plan/admin"}, "--trace"},
		{"decide id", []string{"claims", "priorauth", "decide", long, "--approve", "--reason", "x", "--as", "unity-health-plan/adjudicator"}, "is not pa-N"},
		{"request member", []string{"claims", "priorauth", "request", "--member", long, "--codes", "70553", "--from", "2025-01-01", "--to", "2025-01-02", "--as", "northside-hospital/biller"}, "--member"},
		{"request date", []string{"claims", "priorauth", "request", "--member", "psn-x", "--codes", "70553", "--from", long, "--to", "2025-01-02", "--as", "northside-hospital/biller"}, "is not a date"},
		{"enroll plan", []string{"claims", "enroll", "--patient", "patient/alice", "--plan", long, "--from", "2025-01-01", "--to", "2025-12-31", "--as", "unity-health-plan/admin"}, "--plan"},
		{"list status", []string{"claims", "list", "--status", long}, "status"},
		{"review reason", []string{"claims", "review", "clm-1", "--approve", "--reason", long, "--as", "unity-health-plan/adjudicator"}, "--reason"},
		{"submit file", []string{"claims", "submit", long, "--as", "northside-hospital/biller"}, "file (cli/6)"},
		{"publish file", []string{"claims", "policy", "publish", long, "--as", "unity-health-plan/admin"}, "file (cli/6)"},
		{"remittance trace", []string{"claims", "remittance", long, "--as", "northside-hospital/biller"}, "TRACE"},
	} {
		r := e.run(t, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, stderr does not say %q:\n%.500s", c.name, r.code, c.want, r.stderr)
		}
		if len(r.stderr) > maxEchoStderr {
			t.Errorf("%s: %d bytes of error", c.name, len(r.stderr))
		}
	}
}

// TestDevSeedsClaims: the first run of dev seeds the claims demo (a paid
// visit, a deductible, a duplicate denied, a claim pended by a flag) and
// suggests a claims command, and the README's claims tour runs against it
// line by line.
func TestDevSeedsClaims(t *testing.T) {
	t.Parallel()
	home, url, startDev := devHome(t)
	stop := startDev()
	waitSeeded(t, stop, filepath.Join(home, "data", claimscli.Module.Seed.Marker), "demo claims")
	common := []string{"--home", home, "--node", url}
	runDev := func(args ...string) result { return run(t, append(args, common...)...) }

	var list []claims.Claim
	runDev("claims", "list", "--as", "northside-hospital/biller", "-o", "json").ok(t).json(t, &list)
	if len(list) != 4 {
		t.Fatalf("the demo has %d claims, want 4", len(list))
	}
	want := []struct{ status, rule, codes string }{
		{"adjudicated", "office-visit", "CO-45,PR-3"}, {"adjudicated", "labs", "CO-45,PR-1"}, {"adjudicated", "duplicate", "CO-18"}, {"pended", "labs", "CO-45,PR-1"},
	}
	for i, c := range list {
		var codes []string
		for _, a := range c.Lines[0].Adjustments {
			codes = append(codes, a.Group+"-"+a.CARC)
		}
		if c.Status != want[i].status || c.Lines[0].Rule != want[i].rule || strings.Join(codes, ",") != want[i].codes {
			t.Errorf("demo claim %s: %s, rule %s, %v; want %+v", c.ID, c.Status, c.Lines[0].Rule, codes, want[i])
		}
	}

	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Claims")
	if !ok {
		t.Fatal("README.md has no Claims section")
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	commands := 0
	for line := range strings.Lines(section) {
		cmd, ok := strings.CutPrefix(line, "    ./medledger ")
		if !ok {
			continue
		}
		commands++
		cmd, comment, _ := strings.Cut(cmd, "#")
		r := runDev(shellWords(t, cmd)...)
		if refused := strings.Contains(comment, "refused"); (r.code != 0) != refused {
			t.Fatalf("README: medledger %s: exit %d\n%s\n%s", cmd, r.code, r.stdout, r.stderr)
		}
		for _, w := range strings.Fields(comment) {
			if w = strings.TrimRight(w, ":,;"); strings.Contains(w, "-") && w == strings.ToUpper(w) {
				r.says(t, w)
			}
		}
	}
	if commands < 6 {
		t.Fatalf("the README's claims tour has %d commands", commands)
	}
	if res := stop(); res.code != 0 {
		t.Fatalf("dev exited %d: %s", res.code, res.stderr)
	} else if !strings.Contains(res.stdout, "claims list --as northside-hospital/biller") {
		t.Fatalf("dev does not suggest a claims command:\n%s", res.stdout)
	}
}
