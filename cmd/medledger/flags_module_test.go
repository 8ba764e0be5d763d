package main

import (
	"strings"
	"testing"

	"github.com/medledger/medledger/records"
)

// deprecation is the warning for a flag used under its former name
// (cmdline.WarnDeprecated).
func deprecation(old, name string) string {
	return "--" + old + " is deprecated and will go in a later release: use --" + name
}

// TestRenamedFlags: a flag renamed so that the module commands call one
// thing by one name (supply reports --manufacturer is --org, consent grant
// --scope is --types) works under its new name, and for a release under its
// old one too: hidden from help, with a deprecation warning on stderr,
// never on stdout, so that -o json stays one document.
func TestRenamedFlags(t *testing.T) {
	t.Parallel()
	e := startEnv(t)

	// A suspect report about acme-pharma's product: a pack never
	// commissioned.
	e.run(t, "supply", "product", "add", "--gtin", testGTIN, "--name", "Amoxicillin", "--as", "acme-pharma/admin").ok(t)
	var rep struct {
		ID string `json:"id"`
	}
	e.runJSON(t, &rep, "supply", "report", packCode("NEVER1"), "--as", "cityrx-pharmacy/pharmacist")

	for _, c := range []struct {
		renamed     []string // the command, with the flag under its new name
		old, name   string
		value, says string
	}{
		{[]string{"supply", "reports"}, "manufacturer", "org", "acme-pharma", rep.ID},
	} {
		r := e.run(t, append(c.renamed, "--"+c.name, c.value)...).ok(t).says(t, c.says)
		if strings.Contains(r.stderr, "deprecated") {
			t.Errorf("--%s printed a deprecation notice:\n%s", c.name, r.stderr)
		}
		r = e.run(t, append(c.renamed, "--"+c.old, c.value)...).ok(t).says(t, c.says)
		if !strings.Contains(r.stderr, deprecation(c.old, c.name)) {
			t.Errorf("--%s: stderr does not say %q:\n%s", c.old, deprecation(c.old, c.name), r.stderr)
		}
		var list []map[string]any
		r = e.run(t, append([]string{"-o", "json"}, append(c.renamed, "--"+c.old, c.value)...)...).ok(t).json(t, &list)
		if len(list) != 1 || !strings.Contains(r.stderr, "deprecated") {
			t.Errorf("-o json with --%s: %d reports, stderr %q", c.old, len(list), r.stderr)
		}
	}
	e.run(t, "supply", "reports", "--org", "medsupply-dist").ok(t).says(t, "no suspect-product reports")
	e.run(t, "supply", "reports", "--manufacturer", "medsupply-dist").ok(t).says(t, "no suspect-product reports")

	// consent grant --types, formerly --scope: the same consent either way.
	for _, flag := range []string{"--types", "--scope"} {
		var granted struct {
			ID    string        `json:"id"`
			Scope records.Scope `json:"scope"`
		}
		r := e.runJSON(t, &granted, "consent", "grant", "--to", "lakeside-clinic", flag, "Observation,DiagnosticReport", "--as", "patient/alice")
		if !strings.HasPrefix(granted.ID, "con-") || strings.Join(granted.Scope.ResourceTypes, ",") != "Observation,DiagnosticReport" {
			t.Fatalf("consent grant %s -o json = %+v", flag, granted)
		}
		if deprecated := strings.Contains(r.stderr, deprecation("scope", "types")); deprecated != (flag == "--scope") {
			t.Errorf("consent grant %s: stderr %q", flag, r.stderr)
		}
	}

	// The old names are hidden from help; the new ones shown.
	for _, c := range []struct {
		args      []string
		shown     string
		notShown  string
		alsoShown string
	}{
		{[]string{"supply", "reports", "--help"}, "--org string", "--manufacturer string", "Examples:"},
		{[]string{"consent", "grant", "--help"}, "--types strings", "--scope strings", "TREAT"},
		// anchor's --as is the one every signing command has.
		{[]string{"anchor", "--help"}, "identity to sign as, a keystore key name", "(org/member)", "Examples:"},
	} {
		r := run(t, c.args...).ok(t).says(t, c.shown, c.alsoShown)
		if strings.Contains(r.stdout, c.notShown) {
			t.Errorf("medledger %s shows %q:\n%s", strings.Join(c.args, " "), c.notShown, r.stdout)
		}
	}
}
