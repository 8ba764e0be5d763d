package cli_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger/internal/doctest"
	"github.com/medledger/medledger/trials"
)

var txDoc = filepath.Join("..", doctest.TxDoc)

// TestDocsListEveryCode fails when a trials error code or transaction type
// is missing from docs/transactions.md, or a code's row does not give its
// slug and kind.
func TestDocsListEveryCode(t *testing.T) {
	doc := doctest.Read(t, txDoc)
	sec := doctest.Section(t, doc, "(codespace `trials`)")
	for _, c := range trials.Codes {
		row := fmt.Sprintf("| %d | `%s` | %s |", c.Code, c.Slug, doctest.KindNames[c.Kind])
		if !strings.Contains(sec, row) {
			t.Errorf("docs/transactions.md lacks the row %q", row)
		}
	}
	if rows := strings.Count(sec, "\n| "); rows != len(trials.Codes)+1 {
		t.Errorf("the trials error table has %d rows (header included), want %d", rows, len(trials.Codes)+1)
	}
	types := doctest.Section(t, doc, "`trials/register`")
	for _, r := range (trials.Module{}).Routes() {
		if !strings.Contains(types, "| `"+r.Type+"` |") {
			t.Errorf("docs/transactions.md has no row for %s", r.Type)
		}
	}
}
