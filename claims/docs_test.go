package claims_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/internal/doctest"
)

// TestDocsListEveryCode fails when a claims error code or transaction type
// is missing from docs/transactions.md, or documented with another slug or
// kind, or when the table lists a code that does not exist.
func TestDocsListEveryCode(t *testing.T) {
	doc := doctest.Read(t, doctest.TxDoc)
	sec := doctest.Section(t, doc, "(codespace `claims`)")
	for _, c := range claims.Codes {
		if row := fmt.Sprintf("| %d | `%s` | %s |", c.Code, c.Slug, doctest.KindNames[c.Kind]); !strings.Contains(sec, "\n"+row) {
			t.Errorf("docs/transactions.md lacks the row %q", row)
		}
	}
	if rows := strings.Count(sec, "\n| ") - 1; rows != len(claims.Codes) {
		t.Errorf("the claims error table has %d rows, the code has %d codes", rows, len(claims.Codes))
	}
	for typ := range claims.Policies {
		if !strings.Contains(doc, "| `"+typ+"` |") {
			t.Errorf("docs/transactions.md does not describe %s", typ)
		}
	}
}

// TestDocsClaimsPage: docs/claims.md shows the demo policy as it is, and
// names every limit as the code has it.
func TestDocsClaimsPage(t *testing.T) {
	b, err := os.ReadFile("../docs/claims.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	policy, err := os.ReadFile("cli/demo-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc, "```yaml\n"+string(policy)+"```") {
		t.Error("docs/claims.md does not show claims/cli/demo-policy.yaml as it is")
	}
	for _, want := range []string{
		fmt.Sprintf("%d lines", claims.MaxLines), fmt.Sprintf("%d diagnoses", claims.MaxDiagnoses), fmt.Sprintf("%d modifiers", claims.MaxModifiers),
		fmt.Sprintf("%d units", claims.MaxUnits), fmt.Sprintf("%d rules", claims.MaxRules), fmt.Sprintf("%d edits", claims.MaxEdits),
		fmt.Sprintf("%d plans", claims.MaxPlans), fmt.Sprintf("%d past", claims.MaxHistory), fmt.Sprintf("%d days", claims.HistoryDays),
		"2,000 bytes", "50,000", "newest 10,000",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/claims.md does not say %q", want)
		}
	}
	if claims.MaxExpr != 2_000 || claims.MaxCost != 50_000 || claims.MaxSimulate != 10_000 {
		t.Error("docs/claims.md gives other limits than the code")
	}
}
