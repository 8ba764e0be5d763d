package credentials_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/medledger/medledger/credentials"
)

// TestDocsListEveryCode fails when a credentials error code or transaction
// type is missing from docs/transactions.md.
func TestDocsListEveryCode(t *testing.T) {
	b, err := os.ReadFile("../docs/transactions.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range credentials.Codes {
		if row := fmt.Sprintf("| %d | `%s` |", c.Code, c.Slug); !strings.Contains(doc, row) {
			t.Errorf("docs/transactions.md lacks the row %q", row)
		}
	}
	for typ := range credentials.Policies {
		if !strings.Contains(doc, "| `"+typ+"` |") {
			t.Errorf("docs/transactions.md does not describe %s", typ)
		}
	}
}
