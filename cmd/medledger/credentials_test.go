package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	credentialscli "github.com/medledger/medledger/credentials/cli"

	"github.com/medledger/medledger/credentials"
)

// TestCredentialsCLI runs the credentials commands as a user types them:
// governance votes an issuer in; a licence is issued to a file, verified,
// presented and verified (a replay refused), suspended, reinstated and
// revoked (verification then exits 1 naming the check); the whole file,
// what expires, the registry, the types and the proposals answer; wrong
// input is refused before anything is sent, a refusal of the node with its
// code and a hint.
func TestCredentialsCLI(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	dir := t.TempDir()
	file, vp := filepath.Join(dir, "dr-chen.vc.jwt"), filepath.Join(dir, "dr-chen.vp.jwt")
	claims := filepath.Join(dir, "chen.json")
	if err := os.WriteFile(claims, []byte(`{"licenseNumber": "MD-204-118", "specialty": "internal medicine"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	until := time.Now().AddDate(2, 0, 0).Format("2006-01-02")
	const chen, registrar = "northside-hospital/dr-chen", "state-medical-board/registrar"

	e.run(t, "credentials", "issuers").ok(t).says(t, "no issuer is authorized", "supply off")
	e.run(t, "credentials", "issue", "--type", credentials.MedicalLicense, "--subject", chen, "--valid-until", until, "--out", file, "--as", registrar).
		refused(t, "issuer-not-authorized")
	if fileExists(file) {
		t.Fatal("a refused issuance wrote its file")
	}

	var p struct {
		Proposal uint64 `json:"proposal"`
		Status   string `json:"status"`
	}
	e.runJSON(t, &p, "credentials", "propose", "--authorize", "state-medical-board:medical-license", "--as", "state-medical-board/admin")
	if p.Proposal != 1 || p.Status != credentials.ProposalOpen {
		t.Fatalf("propose -o json = %+v", p)
	}
	for _, org := range []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy"} {
		e.run(t, "credentials", "vote", "1", "--approve", "--as", org+"/admin").ok(t).says(t, "proposal 1 is open")
	}
	e.run(t, "credentials", "vote", "1", "--approve", "--as", "acme-pharma/admin").ok(t).says(t, "proposal 1 is passed")
	e.run(t, "credentials", "vote", "1", "--approve", "--as", "medsupply-dist/admin").refused(t, "proposal-closed")
	e.run(t, "credentials", "issuers").ok(t).says(t, "state-medical-board", "medical-license", "US", "since height")
	e.run(t, "credentials", "proposals").ok(t).says(t, "passed", "authorize state-medical-board:medical-license:US")

	var iss struct {
		ID      string `json:"id"`
		Subject string `json:"subject"`
		File    string `json:"file"`
		Height  int64  `json:"height"`
	}
	e.runJSON(t, &iss, "credentials", "issue", "--type", credentials.MedicalLicense, "--subject", chen, "--valid-until", until,
		"--claims", claims, "--out", file, "--as", registrar)
	if !credentials.ValidID(iss.ID) || iss.Subject != chen || iss.File != file || iss.Height < 1 {
		t.Fatalf("issue -o json = %+v", iss)
	}
	e.run(t, "credentials", "verify", file).ok(t).says(t, "VALID", iss.ID, "issuer-authorized", "status     active")
	var v credentials.Verification
	e.runJSON(t, &v, "credentials", "verify", file)
	if !v.Valid || v.Status != credentials.StatusActive || len(v.Checks) != 7 || v.Checks[0].Name != "format" {
		t.Fatalf("verify -o json = %+v", v)
	}

	e.run(t, "credentials", "present", file, "--audience", "cityrx-pharmacy", "--nonce", "n-1", "--out", vp, "--as", chen).ok(t).says(t, "presented")
	e.run(t, "credentials", "verify", vp, "--presentation", "--audience", "cityrx-pharmacy", "--nonce", "n-1").ok(t).says(t, "VALID", "presented  by "+chen)
	r := e.run(t, "credentials", "verify", vp, "--presentation", "--audience", "cityrx-pharmacy", "--nonce", "n-1").refused(t, "not-replayed")
	if r.code != 1 {
		t.Fatalf("a replayed presentation: exit %d, want 1", r.code)
	}
	e.run(t, "credentials", "verify", vp, "--presentation", "--audience", "lakeside-clinic", "--nonce", "n-1").refused(t, "audience")
	e.run(t, "credentials", "verify", vp).refused(t, "is a presentation")

	e.run(t, "credentials", "suspend", iss.ID, "--reason", "under-investigation", "--as", registrar).ok(t).says(t, "suspended "+iss.ID)
	e.run(t, "credentials", "verify", file).refused(t, "status").says(t, "NOT VALID", "status     suspended")
	e.run(t, "credentials", "reinstate", iss.ID, "--reason", "investigation-closed", "--as", registrar).ok(t)
	e.run(t, "credentials", "verify", file).ok(t)
	e.run(t, "credentials", "revoke", iss.ID, "--reason", "disciplinary-action", "--as", "lakeside-clinic/admin").refused(t, "not-issuer")
	e.run(t, "credentials", "revoke", iss.ID, "--reason", "disciplinary-action", "--as", registrar).ok(t)
	r = e.run(t, "-o", "json", "credentials", "verify", file)
	if r.code != 1 {
		t.Fatalf("verify -o json of a revoked licence: exit %d, want 1", r.code)
	}
	r.json(t, &v)
	if v.Valid || v.Status != credentials.StatusRevoked {
		t.Fatalf("verify -o json of a revoked licence = %+v", v)
	}
	e.run(t, "credentials", "reinstate", iss.ID, "--reason", "administrative", "--as", registrar).refused(t, "wrong-status")

	// An altered file.
	b, _ := os.ReadFile(file)
	altered := filepath.Join(dir, "altered.vc.jwt")
	os.WriteFile(altered, []byte(strings.Replace(string(b), ".", ".e", 1)), 0o600)
	e.run(t, "credentials", "verify", altered).refused(t, "not valid")

	var chk credentialscli.CheckView
	e.runJSON(t, &chk, "credentials", "check", chen)
	if len(chk.Credentials) != 1 || chk.Credentials[0].EffectiveStatus != credentials.StatusRevoked {
		t.Fatalf("check -o json = %+v", chk)
	}
	e.run(t, "credentials", "check", chen).ok(t).says(t, "1 credential(s), 0 valid now", "revoked")
	e.run(t, "credentials", "check", "lakeside-clinic/dr-patel").ok(t).says(t, "holds no credential")
	// No such party is not "holds no credential": a typo must not read as a clean file.
	e.run(t, "credentials", "check", "lakeside-clinic/dr-nobody").refused(t, `no member "lakeside-clinic/dr-nobody"`)
	e.run(t, "credentials", "check", "no-such-org").refused(t, `no organization "no-such-org"`)
	e.run(t, "credentials", "expiring", "--within", "60d").ok(t).says(t, "nothing expires within 60d")
	e.run(t, "credentials", "types").ok(t).says(t, "clinical-privileges", "a member of the issuer", "disciplinary-action", "supply")

	// Wrong input: usage errors (cli/2) with a hint, before anything is sent.
	for _, args := range [][]string{
		{"credentials", "issue", "--type", "wizard-license", "--subject", chen, "--valid-until", until, "--out", file, "--as", registrar},
		{"credentials", "issue", "--type", credentials.MedicalLicense, "--subject", chen, "--valid-until", "next year", "--out", file, "--as", registrar},
		{"credentials", "issue", "--type", credentials.MedicalLicense, "--subject", chen, "--valid-until", "2001-01-01", "--out", file, "--as", registrar},
		{"credentials", "issue", "--type", credentials.MedicalLicense, "--subject", chen, "--valid-until", until, "--as", registrar},
		{"credentials", "issue", "--type", credentials.MedicalLicense, "--subject", chen, "--valid-until", until, "--claims", file, "--out", file, "--as", registrar},
		{"credentials", "revoke", iss.ID, "--reason", "he was rude", "--as", registrar},
		{"credentials", "revoke", "crd-1", "--reason", "other", "--as", registrar},
		{"credentials", "verify", file, "--nonce", "x"},
		{"credentials", "verify", vp, "--presentation", "--audience", "cityrx-pharmacy"},
		{"credentials", "present", file, "--audience", "cityrx-pharmacy", "--out", vp, "--as", chen},
		{"credentials", "expiring", "--within", "soon"},
		{"credentials", "propose", "--enforce", "everything", "--as", "state-medical-board/admin"},
		{"credentials", "propose", "--as", "state-medical-board/admin"},
		{"credentials", "vote", "one", "--approve", "--as", "acme-pharma/admin"},
		{"credentials", "check", strings.Repeat("x", 300)},
	} {
		e.run(t, args...).refused(t, "usage (cli/2")
	}
	e.run(t, "credentials", "verify", filepath.Join(dir, "missing.vc.jwt")).refused(t, "file (cli/6")
}

// TestDevSeedsCredentials: the first run of dev votes the demo's issuers
// in, licenses its clinicians, pharmacist and trading partners, revokes one
// licence to try (printing a try line for it), and switches licence checks
// on for supply, records and claims; the demo supply chain still verifies.
func TestDevSeedsCredentials(t *testing.T) {
	home, url, startDev := devHome(t)
	stop := startDev()
	waitSeeded(t, stop, filepath.Join(home, "data", credentialscli.Module.Seed.Marker), "credentials")
	common := []string{"--home", home, "--node", url}
	var reg credentialscli.IssuersView
	run(t, append([]string{"credentials", "issuers", "-o", "json"}, common...)...).ok(t).json(t, &reg)
	if len(reg.Authorizations) != len(credentialscli.DemoIssuers) {
		t.Fatalf("%d issuers authorized, want %d", len(reg.Authorizations), len(credentialscli.DemoIssuers))
	}
	for _, en := range reg.Enforcement {
		if !en.On {
			t.Errorf("licence checks are off for %s in dev", en.Scope)
		}
	}
	for _, subject := range []string{"northside-hospital/dr-chen", "lakeside-clinic/dr-patel", "cityrx-pharmacy/pharmacist",
		"acme-pharma", "medsupply-dist", "cityrx-pharmacy", "northside-hospital"} {
		var chk credentialscli.CheckView
		run(t, append([]string{"credentials", "check", subject, "-o", "json"}, common...)...).ok(t).json(t, &chk)
		valid := 0
		for _, f := range chk.Credentials {
			if f.EffectiveStatus == credentials.StatusActive {
				valid++
			}
		}
		if valid == 0 {
			t.Errorf("%s holds no valid credential in dev", subject)
		}
	}
	dir := filepath.Join(home, credentialscli.DemoFolder)
	run(t, append([]string{"credentials", "verify", filepath.Join(dir, "dr-chen-medical-license.vc.jwt")}, common...)...).ok(t).says(t, "VALID")
	r := run(t, append([]string{"credentials", "verify", filepath.Join(dir, credentialscli.DemoRevoked)}, common...)...).refused(t, "status")
	r.says(t, "NOT VALID", "revoked")
	run(t, append([]string{"credentials", "expiring", "--within", "60d"}, common...)...).ok(t).says(t, "lakeside-clinic/dr-patel", "clinical-privileges")
	// The README's credentials tour, line by line, with the dev home for
	// the default one: VALID exits 0, NOT VALID 1, and each says so.
	vp := filepath.Join(t.TempDir(), "dr-chen.vp.jwt")
	lines := readmeCredentialsTour(t)
	if len(lines) < 6 {
		t.Fatalf("the README's credentials tour has %d commands", len(lines))
	}
	for _, l := range lines {
		for i, a := range l.args {
			a = strings.Replace(a, "~/.config/medledger", home, 1)
			if a == "dr-chen.vp.jwt" {
				a = vp
			}
			l.args[i] = a
		}
		r := run(t, append(l.args, common...)...)
		switch {
		case strings.HasPrefix(l.says, "NOT VALID"):
			if r.code != 1 {
				t.Fatalf("medledger %s: exit %d, want 1\n%s%s", strings.Join(l.args, " "), r.code, r.stdout, r.stderr)
			}
			r.says(t, "NOT VALID")
		case l.says == "VALID":
			r.ok(t).says(t, "VALID")
		default:
			r.ok(t)
		}
	}

	// The supply chain, seeded after the licences, moved between licensed
	// partners only.
	waitSeeded(t, stop, filepath.Join(home, "data", supplySeedMarker), "supply chain")
	var v struct {
		Result              string `json:"result"`
		UnlicensedCustodian string `json:"unlicensed_custodian"`
	}
	run(t, append([]string{"verify-pack", "(01)" + demoGTIN + "(21)100012", "-o", "json"}, common...)...).ok(t).json(t, &v)
	if v.Result != "verified" || v.UnlicensedCustodian != "" {
		t.Errorf("the demo's pack at a licensed pharmacy: %+v", v)
	}

	// Licence checks are on: with dr-patel's medical licence suspended, a
	// break-glass read is refused (and says why), and once medsupply-dist's
	// licence is revoked acme-pharma may not ship to it.
	waitSeeded(t, stop, filepath.Join(home, "data", seedMarker), "demo records")
	var patel credentialscli.CheckView
	run(t, append([]string{"credentials", "check", "lakeside-clinic/dr-patel", "-o", "json"}, common...)...).ok(t).json(t, &patel)
	var dist credentialscli.CheckView
	run(t, append([]string{"credentials", "check", "medsupply-dist", "-o", "json"}, common...)...).ok(t).json(t, &dist)
	for _, c := range append(patel.Credentials, dist.Credentials...) {
		switch c.Type {
		case credentials.MedicalLicense:
			run(t, append([]string{"credentials", "suspend", c.ID, "--reason", "under-investigation", "--as", "state-medical-board/registrar"}, common...)...).ok(t)
		case credentials.WholesaleDistributorLicense:
			run(t, append([]string{"credentials", "revoke", c.ID, "--reason", "disciplinary-action", "--as", "drug-regulator/inspector"}, common...)...).ok(t)
		}
	}
	var recs []struct {
		ID string `json:"id"`
	}
	run(t, append([]string{"records", "list", "--patient", "patient/alice", "-o", "json"}, common...)...).ok(t).json(t, &recs)
	r = run(t, append([]string{"records", "get", recs[0].ID, "--as", "lakeside-clinic/dr-patel", "--break-glass", "unconscious-patient",
		"--out", filepath.Join(t.TempDir(), "doc.json")}, common...)...).refused(t, "no-consent")
	if !strings.Contains(r.stderr, "suspended") || !strings.Contains(r.stderr, "hint: licence checks are on for records") {
		t.Errorf("break-glass by a clinician whose licence is suspended:\n%s", r.stderr)
	}
	r = run(t, append([]string{"supply", "ship", "--to", "medsupply-dist", "--items", "(01)" + demoGTIN + "(21)100018", "--as", "acme-pharma/packager"}, common...)...).
		refused(t, "unlicensed-partner")
	if !strings.Contains(r.stderr, "revoked") || !strings.Contains(r.stderr, "hint: licence checks are on for supply") {
		t.Errorf("a shipment to a distributor whose licence was revoked:\n%s", r.stderr)
	}

	out := stop()
	if out.code != 0 {
		t.Fatalf("dev exited %d: %s", out.code, out.stderr)
	}
	if !strings.Contains(out.stdout, "try: medledger --home") || !strings.Contains(out.stdout, "credentials verify") || !strings.Contains(out.stdout, credentialscli.DemoRevoked) {
		t.Fatalf("dev printed no try line for the revoked licence:\n%s", out.stdout)
	}
}

// readmeCredentialsTour reads the README's credentials tour: each command
// and the answer its comment names in capitals (VALID, NOT VALID).
func readmeCredentialsTour(t *testing.T) []tourLine {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Credentials")
	if !ok {
		t.Fatal("README.md has no Credentials section")
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	var out []tourLine
	for line := range strings.Lines(section) {
		cmd, ok := strings.CutPrefix(line, "    ./medledger ")
		if !ok {
			continue
		}
		cmd, comment, _ := strings.Cut(cmd, "#")
		l := tourLine{args: shellWords(t, cmd)}
		comment = strings.TrimSpace(comment)
		switch {
		case strings.HasPrefix(comment, "NOT VALID"):
			l.says = "NOT VALID"
		case strings.HasPrefix(comment, "VALID"):
			l.says = "VALID"
		}
		out = append(out, l)
	}
	return out
}
