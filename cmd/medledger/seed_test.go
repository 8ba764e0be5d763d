package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/supply"
)

// TestDevSeedsDemoRecords: the first run of dev stores the synthetic
// records and Alice's consent, so a lakeside-clinic clinician can read
// Alice's record at once; a second run does not seed again.
func TestDevSeedsDemoRecords(t *testing.T) {
	home, url, startDev := devHome(t)
	stop := startDev()
	waitSeeded(t, stop, filepath.Join(home, "data", seedMarker), "demo records")
	common := []string{"--home", home, "--node", url}
	var recs []records.Record
	run(t, append([]string{"records", "list", "--patient", "patient/alice", "-o", "json"}, common...)...).ok(t).json(t, &recs)
	docs := demo.Documents()
	wantAlice := 0
	for _, d := range docs {
		if d.Patient == "patient/alice" {
			wantAlice++
		}
	}
	if len(recs) != wantAlice {
		t.Fatalf("alice has %d records, want %d", len(recs), wantAlice)
	}
	// The README's tour reads rec-2 as alice's and rec-1 as bob's.
	if recs[0].ID != "rec-2" {
		t.Errorf("alice's first record is %s: the README's tour reads rec-2 with her consent", recs[0].ID)
	}
	// Dana's record is under her pseudonym at northside-hospital, not her
	// patient id.
	var danas []records.Record
	run(t, append([]string{"records", "list", "--at", "northside-hospital", "--as", "patient/dana", "-o", "json"}, common...)...).ok(t).json(t, &danas)
	if len(danas) != 1 || !strings.HasPrefix(danas[0].Patient, "psn-") {
		t.Fatalf("dana's records under her northside pseudonym: %+v", danas)
	}
	run(t, append([]string{"records", "list", "--as", "patient/dana"}, common...)...).ok(t).says(t, "no records")
	out := filepath.Join(t.TempDir(), "doc.json")
	run(t, append([]string{"records", "get", recs[0].ID, "--as", "lakeside-clinic/dr-patel", "--out", out}, common...)...).ok(t)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range docs {
		found = found || bytes.Equal(got, d.JSON)
	}
	if !found {
		t.Fatal("the clinic read bytes that are none of the demo documents")
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("dev exited %d: %s", r.code, r.stderr)
	}

	// A second run reopens the chain and does not seed twice.
	stop = startDev()
	deadline := time.Now().Add(30 * time.Second)
	for run(t, append([]string{"status"}, common...)...).code != 0 {
		if time.Now().After(deadline) {
			t.Fatal("dev did not restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	run(t, append([]string{"records", "list", "--patient", "patient/alice", "-o", "json"}, common...)...).ok(t).json(t, &recs)
	if len(recs) != wantAlice {
		t.Fatalf("after a restart alice has %d records, want %d", len(recs), wantAlice)
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("second dev exited %d: %s", r.code, r.stderr)
	} else if strings.Contains(r.stdout, "seeded") || strings.Contains(r.stdout, "warning") {
		t.Fatalf("the second run of dev seeded again:\n%s", r.stdout)
	}
}

// TestDevSeedsSupply: the first run of dev seeds the demo supply chain, so
// that verify-pack answers each way at once and the README's supply tour
// runs; a home whose supply marker is missing but whose product exists is
// not seeded twice.
func TestDevSeedsSupply(t *testing.T) {
	home, url, startDev := devHome(t)
	stop := startDev()
	marker := filepath.Join(home, "data", supplySeedMarker)
	waitSeeded(t, stop, marker, "supply chain")
	common := []string{"--home", home, "--node", url}
	for serial, want := range map[string]string{
		"100012": supply.ResultVerified,    // at cityrx-pharmacy, loose
		"100003": supply.ResultVerified,    // at cityrx-pharmacy, in the case
		"100011": supply.ResultDispensed,   // dispensed by cityrx's pharmacist
		"101001": supply.ResultRecalled,    // lot A101
		"100018": supply.ResultVerified,    // still at acme-pharma
		"100013": supply.ResultQuarantined, // reported suspect by cityrx-pharmacy
		"100019": supply.ResultVerified,    // at northside-hospital's pharmacy
		"999999": supply.ResultUnknown,     // never commissioned
	} {
		var v supply.Verification
		run(t, append([]string{"verify-pack", "(01)" + demoGTIN + "(21)" + serial, "-o", "json"}, common...)...).ok(t).json(t, &v)
		if v.Result != want {
			t.Errorf("verify-pack of serial %s: %s (%s), want %s", serial, v.Result, v.Reason, want)
		}
	}
	var v supply.Verification
	run(t, append([]string{"verify-pack", "(01)" + demoGTIN + "(21)100003", "-o", "json"}, common...)...).ok(t).json(t, &v)
	if v.Custodian != "cityrx-pharmacy" || !slices.Equal(v.Containers, []string{demoSSCC}) {
		t.Errorf("a pack of the demo case: custodian %s in %v, want cityrx-pharmacy in [%s]", v.Custodian, v.Containers, demoSSCC)
	}
	run(t, append([]string{"verify-pack", "(01)" + demoGTIN + "(21)100019", "-o", "json"}, common...)...).ok(t).json(t, &v)
	if v.Custodian != "northside-hospital" {
		t.Errorf("a pack shipped to the hospital is held by %s", v.Custodian)
	}
	var notes []supply.Notice
	run(t, append([]string{"supply", "notifications", "--org", "acme-pharma", "-o", "json"}, common...)...).ok(t).json(t, &notes)
	if len(notes) != 1 || notes[0].Kind != supply.NoticeSuspect || notes[0].Org != "cityrx-pharmacy" {
		t.Errorf("the demo's open notifications: %+v", notes)
	}

	// The README's supply tour, line by line: each exits 0, and says the
	// answer its comment names in capitals.
	lines := readmeSupplyTour(t)
	if len(lines) < 5 {
		t.Fatalf("the README's supply tour has %d commands", len(lines))
	}
	for _, l := range lines {
		r := run(t, append(l.args, common...)...).ok(t)
		if l.says != "" {
			r.says(t, l.says)
		}
	}
	if r := stop(); r.code != 0 {
		t.Fatalf("dev exited %d: %s", r.code, r.stderr)
	}

	// A home whose marker went missing: the product is there, so dev does
	// not seed again (nor warn), and puts the marker back.
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	stop = startDev()
	waitSeeded(t, stop, marker, "supply chain again (put the marker back)")
	if r := stop(); r.code != 0 || strings.Contains(r.stdout, "seeded") || strings.Contains(r.stdout, "warning") {
		t.Fatalf("dev without the supply marker exited %d and said:\n%s", r.code, r.stdout)
	}
}

// tourLine is one command of the README's tour: its arguments, and the
// capitalized answer its comment promises, if any.
type tourLine struct {
	args []string
	says string
}

// readmeSupplyTour reads the commands of the README's "Supply chain" tour.
func readmeSupplyTour(t *testing.T) []tourLine {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Supply chain")
	if !ok {
		t.Fatal("README.md has no Supply chain section")
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
		var l tourLine
		cmd, comment, _ := strings.Cut(cmd, "#")
		if w, _, _ := strings.Cut(strings.TrimSpace(comment), " "); w != "" && w == strings.ToUpper(w) {
			l.says = strings.TrimRight(w, ":,")
		}
		l.args = shellWords(t, cmd)
		out = append(out, l)
	}
	return out
}

// shellWords splits a command line at blanks, with single quotes.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case (r == ' ' || r == '\t' || r == '\n') && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// devHome returns a dev home folder, its API URL and a function that runs
// medledger dev on it (on free ports, 100 ms blocks) until the function it
// returns stops it.
func devHome(t *testing.T) (home, url string, startDev func() func() result) {
	home = filepath.Join(t.TempDir(), "dev")
	api := daemontest.FreeAddr(t)
	return home, "http://" + api, func() func() result {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan result, 1)
		go func() {
			done <- runCtx(t, ctx, "dev", "--home", home, "--listen", api, "--p2p", daemontest.FreeAddr(t), "--block-time", "100ms")
		}()
		return func() result { cancel(); return <-done }
	}
}

// waitSeeded waits up to 60 s for dev to write its seeding marker.
func waitSeeded(t *testing.T, stop func() result, marker, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !fileExists(marker) {
		if time.Now().After(deadline) {
			r := stop()
			t.Fatalf("dev did not seed the %s within 60 s:\n%s\n%s", what, r.stdout, r.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
