package records_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/medledger/medledger/records"
)

// TestDocsListEveryCode fails when a records error code or transaction
// type is missing from docs/transactions.md.
func TestDocsListEveryCode(t *testing.T) {
	b, err := os.ReadFile("../docs/transactions.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range records.Codes {
		if row := fmt.Sprintf("| %d | `%s` |", c.Code, c.Slug); !strings.Contains(doc, row) {
			t.Errorf("docs/transactions.md lacks the row %q", row)
		}
	}
	for _, typ := range []string{records.TypeAdd, records.TypeGrant, records.TypeRevoke, records.TypeAccess, records.TypeErase, records.TypeLookup, records.TypeEnroll} {
		if !strings.Contains(doc, "`"+typ+"`") {
			t.Errorf("docs/transactions.md does not describe %s", typ)
		}
	}
}
