package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// maxEchoStderr is how long the error of a module command may be, however
// huge the value it refuses.
const maxEchoStderr = 1000

// TestHugeValuesNotEchoed: a module command given a huge value (a pasted
// file for a code, a runaway id) refuses it as a usage error (or a file
// error) before anything is sent, says what was wrong and how to fix it,
// and repeats no more than a short prefix of the value.
func TestHugeValuesNotEchoed(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	huge := strings.Repeat("7", 100_000)
	long := strings.Repeat("x", 10_000)
	for _, c := range []struct {
		name string
		args []string
		want string // what the error says, besides its code
	}{
		{"verify-pack code", []string{"verify-pack", huge}, "does not parse"},
		{"verify-pack serial", []string{"verify-pack", "(01)" + testGTIN + "(21)" + long}, "does not parse"},
		{"records get id", []string{"records", "get", "rec-" + strings.Repeat("1", 10_000), "--as", "lakeside-clinic/dr-patel"}, "is not rec-N"},
		{"records get text id", []string{"records", "get", long, "--as", "lakeside-clinic/dr-patel"}, "is not rec-N"},
		{"records get purpose", []string{"records", "get", "rec-1", "--purpose", long, "--as", "lakeside-clinic/dr-patel"}, "purpose"},
		{"records get break-glass", []string{"records", "get", "rec-1", "--break-glass", long, "--as", "lakeside-clinic/dr-patel"}, "break-glass reason"},
		{"records get --out", []string{"records", "get", "rec-1", "--out", filepath.Join(t.TempDir(), long, "x.json"), "--as", "lakeside-clinic/dr-patel"}, "file (cli/6)"},
		{"records erase", []string{"records", "erase", long, "--as", "patient/alice"}, "is not rec-N"},
		{"records list", []string{"records", "list", "--patient", "pat-" + long}, "too long"},
		{"records add file", []string{"records", "add", long, "--patient", "patient/alice", "--as", "northside-hospital/dr-chen"}, "file (cli/6)"},
		{"consent grant --to", []string{"consent", "grant", "--to", long, "--as", "patient/alice"}, "--to"},
		{"consent grant --until", []string{"consent", "grant", "--to", "lakeside-clinic", "--until", long, "--as", "patient/alice"}, "is not a date"},
		{"consent grant --types", []string{"consent", "grant", "--to", "lakeside-clinic", "--types", long, "--as", "patient/alice"}, "resource type"},
		{"consent grant --categories", []string{"consent", "grant", "--to", "lakeside-clinic", "--categories", long, "--as", "patient/alice"}, "category"},
		{"consent grant --records", []string{"consent", "grant", "--to", "lakeside-clinic", "--records", long, "--as", "patient/alice"}, "is not rec-N"},
		{"consent grant --jurisdictions", []string{"consent", "grant", "--to", "lakeside-clinic", "--jurisdictions", long, "--as", "patient/alice"}, "ISO 3166"},
		{"consent grant --purpose", []string{"consent", "grant", "--to", "lakeside-clinic", "--purpose", long, "--as", "patient/alice"}, "purpose"},
		{"consent revoke", []string{"consent", "revoke", long, "--as", "patient/alice"}, "is not con-N"},
		{"disclosures --org", []string{"disclosures", "--org", long}, "--org"},
		{"supply history", []string{"supply", "history", long}, "does not parse"},
		{"supply commission --gtin", []string{"supply", "commission", "--gtin", huge, "--lot", "A1", "--count", "1", "--as", "acme-pharma/packager"}, "--gtin"},
		{"supply commission --lot", []string{"supply", "commission", "--gtin", testGTIN, "--lot", long, "--count", "1", "--as", "acme-pharma/packager"}, "--lot"},
		{"supply commission --serials", []string{"supply", "commission", "--gtin", testGTIN, "--lot", "A1", "--serials", long, "--as", "acme-pharma/packager"}, "serial"},
		{"supply lot add --expiry", []string{"supply", "lot", "add", "--gtin", testGTIN, "--lot", "A1", "--expiry", long, "--as", "acme-pharma/packager"}, "--expiry"},
		{"supply pack --sscc", []string{"supply", "pack", "--sscc", long, "--items", packCode("1"), "--as", "acme-pharma/packager"}, "--sscc"},
		{"supply pack --items", []string{"supply", "pack", "--sscc", sscc1, "--items", huge, "--as", "acme-pharma/packager"}, "does not parse"},
		{"supply pack --items-file", []string{"supply", "pack", "--sscc", sscc1, "--items-file", long, "--as", "acme-pharma/packager"}, "file (cli/6)"},
		{"supply ship --to", []string{"supply", "ship", "--to", long, "--items", packCode("1"), "--as", "acme-pharma/packager"}, "--to"},
		{"supply receive --shipment", []string{"supply", "receive", "--shipment", long, "--as", "medsupply-dist/warehouse"}, "is not shp-N"},
		{"supply shipments --org", []string{"supply", "shipments", "--org", long}, "--org"},
		{"supply reports --org", []string{"supply", "reports", "--org", long}, "--org"},
		{"supply decommission --reason", []string{"supply", "decommission", "--reason", long, "--items", packCode("1"), "--as", "acme-pharma/packager"}, "reason"},
		{"supply dispense", []string{"supply", "dispense", huge, "--as", "cityrx-pharmacy/pharmacist"}, "does not parse"},
		{"supply report", []string{"supply", "report", huge, "--as", "cityrx-pharmacy/pharmacist"}, "does not parse"},
		{"supply import file", []string{"supply", "import", long, "--as", "acme-pharma/packager"}, "file (cli/6)"},
		{"supply import --from", []string{"supply", "import", "x.json", "--from", long, "--as", "acme-pharma/packager"}, "--from"},
		{"anchor file", []string{"anchor", long, "--as", "northside-hospital/dr-chen"}, "file (cli/6)"},
		{"verify file", []string{"verify", long}, "file (cli/6)"},
		{"query anchor", []string{"query", "anchor", long}, "neither a SHA-256 digest nor a file"},
		{"query org", []string{"query", "org", long}, "too long"},
		{"query member", []string{"query", "member", "a/" + long}, "too long"},
		{"query patient", []string{"query", "patient", "pat-" + long}, "not a patient id"},
		{"query proposal", []string{"query", "proposal", huge}, "not a number"},
		{"tx identity vote", []string{"tx", "identity", "vote", huge, "--approve", "--as", "lakeside-clinic/admin"}, "not a proposal number"},
		{"tx identity propose-add-org", []string{"tx", "identity", "propose-add-org", "--org", long, "--kind", "clinic", "--as", "northside-hospital/admin"}, "--org"},
		{"tx identity propose-add-org --kind", []string{"tx", "identity", "propose-add-org", "--org", "newco", "--kind", long, "--as", "northside-hospital/admin"}, "kind"},
		{"tx identity propose-suspend-org", []string{"tx", "identity", "propose-suspend-org", long, "--as", "northside-hospital/admin"}, "too long"},
		{"tx identity add-member", []string{"tx", "identity", "add-member", long, "--role", "clinician", "--as", "northside-hospital/admin"}, "too long"},
		{"tx identity add-member --role", []string{"tx", "identity", "add-member", "dr-lee", "--role", long, "--as", "northside-hospital/admin"}, "role"},
		{"tx identity suspend-member", []string{"tx", "identity", "suspend-member", long, "--as", "northside-hospital/admin"}, "too long"},
		{"tx identity rotate-key", []string{"tx", "identity", "rotate-key", long, "--key", "northside-hospital/dr-chen", "--as", "northside-hospital/admin"}, "too long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(t, c.args...).refused(t, c.want)
			if len(r.stderr) > maxEchoStderr {
				t.Fatalf("stderr is %d bytes, over %d:\n%.400s...", len(r.stderr), maxEchoStderr, r.stderr)
			}
			if !strings.Contains(r.stderr, "usage (cli/2)") && !strings.Contains(r.stderr, "file (cli/6)") {
				t.Errorf("not a usage or file error:\n%s", r.stderr)
			}
			if !strings.Contains(r.stderr, " bytes)") {
				t.Errorf("the error does not say how long the value was:\n%s", r.stderr)
			}
		})
	}
}
