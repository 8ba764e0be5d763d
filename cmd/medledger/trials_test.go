package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
	trialscli "github.com/medledger/medledger/trials/cli"
	"github.com/medledger/medledger/trials/dataset"
	"github.com/medledger/medledger/vault/disk"
)

// startTrialsEnv is startEnv with the trials module's services, as the
// module makes them, on a node operated by northside-hospital.
func startTrialsEnv(t *testing.T) *testEnv {
	t.Helper()
	home := filepath.Join(t.TempDir(), "node")
	v, closeVault, err := disk.OpenVault(context.Background(), filepath.Join(home, "data", "vault"), filepath.Join(home, "data", "vault_key.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := trialscli.Module.Services(cmdline.NodeEnv{Ctx: context.Background(), Home: node.Home(home), Operator: "northside-hospital", Vault: v, Identities: identity.Module{}})
	if err != nil {
		t.Fatal(err)
	}
	n := daemontest.Start(t, daemontest.Options{Home: home, Plugins: plugins(), Services: append(svcs, daemon.Service(closer(closeVault)))})
	cli := filepath.Join(t.TempDir(), "cli")
	if err := n.Keys.Save(keystore.Store{Dir: node.Home(cli).KeysDir()}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{n: n, home: cli}
}

// write writes a file in dir and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const trialOutcomes = `[
 {"code": "HBA1C", "kind": "primary", "measure": "Change in HbA1c from baseline (%)", "time_frame": "26 weeks"},
 {"code": "WEIGHT", "kind": "secondary", "measure": "Change in body weight (kg)", "time_frame": "26 weeks"}
]`

// TestTrialsStory is issue 12's story through the command line against a
// real node and its trials service: register, enrol (join and enroll),
// consent, data by subject and by batch, amend with re-consent (data
// refused until re-consent, then accepted), withdrawal with removal,
// results, export, audit ok; then each kind of tampering with the export
// makes audit exit 1 and name it.
func TestTrialsStory(t *testing.T) {
	t.Parallel()
	e := startTrialsEnv(t)
	dir := t.TempDir()
	const T = "NCT09990001"
	protocol := write(t, dir, "protocol.txt", "Protocol v1\n")
	outcomes := write(t, dir, "outcomes.json", trialOutcomes)

	var reg struct {
		ID      string `json:"id"`
		Version uint64 `json:"version"`
	}
	e.runJSON(t, &reg, "trials", "register", "--id", T, "--title", "HbA1c in type 2 diabetes", "--phase", "3", "--sites", "northside-hospital,lakeside-clinic",
		"--enrolment", "200", "--protocol", protocol, "--outcomes", outcomes, "--as", "heartwell-trials/coordinator")
	if reg.ID != T || reg.Version != 1 {
		t.Fatalf("register -o json = %+v", reg)
	}
	// Refused before anything is sent: a bad phase, bad outcomes.
	e.run(t, "trials", "register", "--id", "NCT2", "--title", "x", "--phase", "5", "--sites", "northside-hospital", "--enrolment", "1", "--protocol", protocol, "--outcomes", outcomes, "--as", "heartwell-trials/coordinator").refused(t, "phase")
	noPrimary := write(t, dir, "secondary.json", `[{"code":"W","kind":"secondary","measure":"m","time_frame":"t"}]`)
	e.run(t, "trials", "register", "--id", "NCT3", "--title", "x", "--phase", "3", "--sites", "northside-hospital", "--enrolment", "1", "--protocol", protocol, "--outcomes", noPrimary, "--as", "heartwell-trials/coordinator").refused(t, "primary")
	// Only a sponsor registers.
	e.run(t, "trials", "register", "--id", "NCT4", "--title", "x", "--phase", "3", "--sites", "northside-hospital", "--enrolment", "1", "--protocol", protocol, "--outcomes", outcomes, "--as", "northside-hospital/dr-chen").refused(t, "unauthorized")

	// A patient not yet enrolled who consents is told exactly what to do.
	r := e.run(t, "trials", "consent", T, "--site", "northside-hospital", "--as", "patient/alice").refused(t, "unknown-signer")
	if !strings.Contains(r.stderr, "medledger trials join "+T+" --site northside-hospital") || !strings.Contains(r.stderr, "medledger trials enroll "+T) {
		t.Fatalf("consent before enrolment does not say what to do:\n%s", r.stderr)
	}

	// Enrolment: the participant writes a request, the site checks and
	// sends it.
	subject := map[string]string{}
	for _, p := range []struct{ patient, site, member string }{
		{"patient/alice", "northside-hospital", "northside-hospital/dr-chen"},
		{"patient/bob", "lakeside-clinic", "lakeside-clinic/dr-patel"},
	} {
		req := filepath.Join(dir, strings.TrimPrefix(p.patient, "patient/")+"-enrolment.json")
		var joined struct{ Subject string }
		e.runJSON(t, &joined, "trials", "join", T, "--site", p.site, "--out", req, "--as", p.patient)
		if p.site == "lakeside-clinic" {
			// Another site cannot use the request.
			e.run(t, "trials", "enroll", T, "--request", req, "--as", "northside-hospital/dr-chen").refused(t, "is for site lakeside-clinic")
		}
		var enrolled struct{ Subject string }
		e.runJSON(t, &enrolled, "trials", "enroll", T, "--request", req, "--as", p.member)
		if enrolled.Subject != joined.Subject || !strings.HasPrefix(joined.Subject, "psn-") {
			t.Fatalf("joined as %q, enrolled %q", joined.Subject, enrolled.Subject)
		}
		subject[p.patient] = joined.Subject
		var consented struct {
			Subject string
			Version uint64
		}
		form := write(t, dir, "consent-form.txt", "Informed consent, version 1\n")
		e.runJSON(t, &consented, "trials", "consent", T, "--site", p.site, "--form", form, "--as", p.patient)
		if consented.Subject != joined.Subject || consented.Version != 1 {
			t.Fatalf("consent -o json = %+v", consented)
		}
	}
	alice, bob := subject["patient/alice"], subject["patient/bob"]

	// A tampered request does not verify.
	b, _ := os.ReadFile(filepath.Join(dir, "alice-enrolment.json"))
	forged := strings.Replace(string(b), `"nonce": "`, `"nonce": "x`, 1)
	e.run(t, "trials", "enroll", T, "--request", write(t, dir, "forged.json", forged), "--as", "northside-hospital/dr-chen").refused(t, "does not verify")

	// Data: one subject's file, and a batch file of several records.
	aliceVisits := write(t, dir, "alice.json", `[{"visit":"baseline","data":{"hba1c":8.4}},{"visit":"week-12","data":{"hba1c":7.9}}]`)
	var added struct {
		Root    string `json:"root"`
		Count   int    `json:"count"`
		Batches []struct {
			Batch uint64 `json:"batch"`
		} `json:"batches"`
	}
	// The batch's number comes from its trials/data transaction, a private
	// one that the command reads back as its signer.
	e.runJSON(t, &added, "trials", "data", "add", T, "--subject", alice, "--file", aliceVisits, "--as", "northside-hospital/dr-chen")
	if added.Count != 2 || len(added.Root) != 64 || len(added.Batches) != 1 || added.Batches[0].Batch != 1 {
		t.Fatalf("data add -o json = %+v", added)
	}
	var lines strings.Builder
	for i := range 3 {
		fmt.Fprintf(&lines, `{"subject":%q,"visit":"week-%d","data":{"hba1c":8.%d}}`+"\n", bob, 4*i, i)
	}
	bobBatch := write(t, dir, "bob.jsonl", lines.String())
	added.Batches = nil
	e.runJSON(t, &added, "trials", "data", "add", T, "--batch", bobBatch, "--as", "lakeside-clinic/dr-patel")
	if added.Count != 3 || len(added.Batches) != 1 || added.Batches[0].Batch != 2 {
		t.Fatalf("data add --batch -o json = %+v", added)
	}
	// A site adds only its own subjects' data.
	e.run(t, "trials", "data", "add", T, "--batch", bobBatch, "--as", "northside-hospital/dr-chen").refused(t, "not-site")

	// Amendment with re-consent: alice's data is refused until she consents
	// to version 2.
	var amended struct{ Version uint64 }
	e.runJSON(t, &amended, "trials", "amend", T, "--protocol", write(t, dir, "protocol-v2.txt", "Protocol v2\n"), "--reconsent", "--as", "heartwell-trials/coordinator")
	if amended.Version != 2 {
		t.Fatalf("amend -o json = %+v", amended)
	}
	week26 := write(t, dir, "alice-26.json", `{"visit":"week-26","data":{"hba1c":7.2}}`)
	r = e.run(t, "trials", "data", "add", T, "--subject", alice, "--file", week26, "--as", "northside-hospital/dr-chen").refused(t, "no-consent")
	if !strings.Contains(r.stderr, "medledger trials consent") {
		t.Fatalf("the refusal does not say how to fix it:\n%s", r.stderr)
	}
	e.run(t, "trials", "consent", T, "--site", "northside-hospital", "--version", "1", "--as", "patient/alice").refused(t, "wrong-version")
	e.run(t, "trials", "consent", T, "--site", "northside-hospital", "--version", "2", "--as", "patient/alice").ok(t)
	e.run(t, "trials", "data", "add", T, "--subject", alice, "--file", week26, "--as", "northside-hospital/dr-chen").ok(t).says(t, "anchored 1 record")

	// Bob changes his key; his pseudonym for the trial, derived from the
	// key he enrolled with (now retired), still acts for him.
	e.run(t, "patient", "rotate", "--as", "patient/bob").ok(t)

	// Bob withdraws, asking for his data to be removed; no more of it is
	// accepted.
	var withdrew struct {
		Subject    string
		RemoveData bool `json:"remove_data"`
	}
	e.runJSON(t, &withdrew, "trials", "withdraw", T, "--remove-data", "--as", "patient/bob")
	if withdrew.Subject != bob || !withdrew.RemoveData {
		t.Fatalf("withdraw -o json = %+v", withdrew)
	}
	e.run(t, "trials", "data", "add", T, "--batch", bobBatch, "--as", "lakeside-clinic/dr-patel").refused(t, "withdrawn")

	// Results, and the views.
	results := write(t, dir, "results.json", `[{"outcome":"HBA1C","summary":"HbA1c fell by 1.1 points against 0.3 on placebo."}]`)
	e.run(t, "trials", "results", T, "--file", results, "--as", "heartwell-trials/coordinator").ok(t).says(t, "WEIGHT")
	e.run(t, "trials", "results", T, "--file", results, "--as", "lakeside-clinic/dr-patel").refused(t, "")
	e.run(t, "trials", "show", T).ok(t).says(t, "HbA1c fell by 1.1", "WEIGHT", "no result yet", "version 2", "re-consent required", "outcome switches")
	e.run(t, "trials", "list").ok(t).says(t, T, "heartwell-trials")

	// Export and audit.
	export := filepath.Join(dir, "export.jsonl")
	var sum struct {
		Records  int `json:"records"`
		Excluded int `json:"excluded"`
	}
	e.runJSON(t, &sum, "trials", "export", T, "--out", export, "--as", "heartwell-trials/coordinator")
	if sum.Records != 6 || sum.Excluded != 3 {
		t.Fatalf("export -o json = %+v", sum)
	}
	var rep dataset.Report
	e.runJSON(t, &rep, "trials", "audit", T, "--export", export, "--as", "drug-regulator/inspector")
	if !rep.OK || len(rep.Excluded) != 3 || len(rep.UnreportedOutcomes) != 1 {
		t.Fatalf("audit of an honest export: %+v", rep)
	}
	e.run(t, "trials", "audit", T, "--export", export, "--as", "drug-regulator/inspector").ok(t).says(t, "OK")
	// The audit reads the trial's subjects, a signed read: not unsigned,
	// not as a payer.
	e.run(t, "trials", "audit", T, "--export", export).refused(t, "--as")
	e.run(t, "trials", "audit", T, "--export", export, "--as", "unity-health-plan/adjudicator").refused(t, "unauthorized")
	// A site's export audits ok too; a payer may not export.
	e.run(t, "trials", "export", T, "--out", filepath.Join(dir, "site.jsonl"), "--as", "lakeside-clinic/dr-patel").ok(t)
	e.run(t, "trials", "export", T, "--out", filepath.Join(dir, "payer.jsonl"), "--as", "unity-health-plan/adjudicator").refused(t, "unauthorized")
	if fileExists(filepath.Join(dir, "payer.jsonl")) {
		t.Fatal("a refused export left a file")
	}

	// Tampering: each kind makes audit exit 1 and name it.
	orig, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	exportLines := strings.Split(strings.TrimSuffix(string(orig), "\n"), "\n")
	lineOf := func(pred func(l dataset.Line) bool) int {
		for i, l := range exportLines[1:] {
			var x dataset.Line
			json.Unmarshal([]byte(l), &x)
			if pred(x) {
				return i + 1
			}
		}
		t.Fatal("no such export line")
		return 0
	}
	edits := 0
	edit := func(f func(ls []string) []string) string {
		ls := f(append([]string(nil), exportLines...))
		edits++
		return write(t, dir, fmt.Sprintf("tampered-%d.jsonl", edits), strings.Join(ls, "\n")+"\n")
	}
	aliceLine := lineOf(func(l dataset.Line) bool { return l.Batch == 1 && l.Index == 1 })
	bobLine := lineOf(func(l dataset.Line) bool { return l.Excluded })
	for _, c := range []struct {
		name  string
		file  string
		check func(r dataset.Report) bool
	}{
		{"a record changed", edit(func(ls []string) []string {
			ls[aliceLine] = strings.Replace(ls[aliceLine], `"hba1c":7.9`, `"hba1c":6.9`, 1)
			return ls
		}), func(r dataset.Report) bool {
			return len(r.Changed) == 1 && r.Changed[0].Batch == 1 && r.Changed[0].Index == 1
		}},
		{"a record dropped", edit(func(ls []string) []string { return append(ls[:aliceLine], ls[aliceLine+1:]...) }),
			func(r dataset.Report) bool { return len(r.Missing) == 1 && r.Missing[0].Index == 1 }},
		{"a record added", edit(func(ls []string) []string {
			return append(ls, strings.Replace(ls[aliceLine], `"index":1`, `"index":2`, 1))
		}), func(r dataset.Report) bool { return len(r.Added) == 1 }},
		{"a withdrawn subject's record slipped in", edit(func(ls []string) []string {
			leaf, _ := dataset.Leaf(dataset.Record{Subject: bob, Visit: "week-0", Data: json.RawMessage(`{"hba1c":8.4}`)}, dataset.NewSalt())
			var x dataset.Line
			json.Unmarshal([]byte(ls[bobLine]), &x)
			nb, _ := json.Marshal(dataset.Line{Batch: x.Batch, Index: x.Index, Leaf: leaf, Proof: x.Proof})
			ls[bobLine] = string(nb)
			return ls
		}), func(r dataset.Report) bool { return len(r.WithoutConsent) == 1 && r.WithoutConsent[0].Subject == bob }},
		{"an outcome changed without amendment", edit(func(ls []string) []string {
			ls[0] = strings.Replace(ls[0], "26 weeks", "52 weeks", 1)
			return ls
		}), func(r dataset.Report) bool {
			for _, s := range r.OutcomeSwitches {
				if !s.Declared && s.Outcome == "HBA1C" && s.Change == "changed" {
					return true
				}
			}
			return false
		}},
	} {
		r := e.run(t, "-o", "json", "trials", "audit", T, "--export", c.file, "--as", "heartwell-trials/coordinator")
		if r.code != 1 {
			t.Fatalf("%s: audit exit %d, want 1\n%s\n%s", c.name, r.code, r.stdout, r.stderr)
		}
		var rep dataset.Report
		r.json(t, &rep)
		if rep.OK || !c.check(rep) {
			t.Fatalf("%s: audit does not name it:\n%s", c.name, r.stdout)
		}
		tr := e.run(t, "trials", "audit", T, "--export", c.file, "--as", "lakeside-clinic/dr-patel")
		if tr.code != 1 || !strings.Contains(tr.stdout, "NOT OK") || !strings.Contains(tr.stderr, "does not match the chain") {
			t.Fatalf("%s: text audit exit %d:\n%s\n%s", c.name, tr.code, tr.stdout, tr.stderr)
		}
	}
}

// TestDevSeedsTrial: the first run of dev seeds the demo trial and prints
// a line to try, and the README's trials tour runs against it line by line
// (the export in a temporary folder): show, export, audit OK with bob's
// records excluded, a changed record, audit NOT OK.
func TestDevSeedsTrial(t *testing.T) {
	t.Parallel()
	home, url, startDev := devHome(t)
	stop := startDev()
	waitSeeded(t, stop, filepath.Join(home, "data", trialscli.Module.Seed.Marker), "demo trial")
	common := []string{"--home", home, "--node", url}
	runDev := func(args ...string) result { return run(t, append(args, common...)...) }

	var v struct {
		ID        string `json:"id"`
		Sponsor   string `json:"sponsor"`
		Subjects  int    `json:"subjects"`
		Withdrawn int    `json:"withdrawn"`
		Batches   int    `json:"batches"`
		Outcomes  []struct{ Code string }
	}
	runDev("trials", "show", trialscli.DemoTrial, "-o", "json").ok(t).json(t, &v)
	if v.ID != trialscli.DemoTrial || v.Sponsor != "heartwell-trials" || v.Subjects != 2 || v.Withdrawn != 1 || v.Batches != 2 || len(v.Outcomes) != len(trialscli.DemoOutcomes) {
		t.Fatalf("the demo trial: %+v", v)
	}
	runDev("trials", "show", trialscli.DemoTrial).ok(t).says(t, "HbA1c in type 2 diabetes", "northside-hospital, lakeside-clinic", "HBA1C (primary)")

	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Clinical trials")
	if !ok {
		t.Fatal("README.md has no Clinical trials section")
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	dir := t.TempDir()
	export := filepath.Join(dir, "export.jsonl")
	commands := 0
	for line := range strings.Lines(section) {
		if sed, ok := strings.CutPrefix(line, "    sed -i 's/"); ok {
			from, rest, _ := strings.Cut(sed, "/")
			to, _, _ := strings.Cut(rest, "/")
			b, err := os.ReadFile(export)
			if err != nil {
				t.Fatal(err)
			}
			changed := strings.Replace(string(b), from, to, 1)
			if changed == string(b) {
				t.Fatalf("the README's sed finds no %s in the export", from)
			}
			write(t, dir, "export.jsonl", changed)
			continue
		}
		cmd, ok := strings.CutPrefix(line, "    ./medledger ")
		if !ok {
			continue
		}
		commands++
		cmd, comment, _ := strings.Cut(cmd, "#")
		args := shellWords(t, strings.ReplaceAll(cmd, "export.jsonl", export))
		r := runDev(args...)
		want := 0
		if strings.Contains(comment, "exit 1") {
			want = 1
		}
		if r.code != want {
			t.Fatalf("README: medledger %s: exit %d, want %d\n%s\n%s", cmd, r.code, want, r.stdout, r.stderr)
		}
		for _, w := range strings.Fields(comment) {
			w = strings.TrimRight(w, ":,;")
			if w == strings.ToUpper(w) && strings.ToUpper(w) != strings.ToLower(w) {
				r.says(t, w)
			}
		}
		if strings.Contains(comment, "excluded") {
			r.says(t, "excluded  2")
		}
		if strings.Contains(comment, "batch 1 index 1") {
			r.says(t, "batch 1 index 1")
		}
	}
	if commands < 4 {
		t.Fatalf("the README's trials tour has %d commands", commands)
	}
	// NOTE: dev's exit code is not checked here: the node's HTTP shutdown
	// waits 5 s, as long as net/http keeps a connection that sent no request
	// yet, so a stop now and then ends "context deadline exceeded" whatever
	// the trials module does (TestDevSeedsDemoRecords meets it too).
	if res := stop(); !strings.Contains(res.stdout, "trials show "+trialscli.DemoTrial) {
		t.Fatalf("dev does not suggest a trials command:\n%s", res.stdout)
	}
}
