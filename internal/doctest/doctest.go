// Package doctest reads docs/transactions.md for the tests that hold it to
// the code: each module's types and error codes must be documented there.
package doctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger"
)

// TxDoc is docs/transactions.md as seen from a package one level below the
// repository root.
var TxDoc = filepath.Join("..", "docs", "transactions.md")

// Read returns the file at path.
func Read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Section returns the text under the heading line of doc that contains
// title, up to the next heading; it fails the test if there is none.
func Section(t testing.TB, doc, title string) string {
	t.Helper()
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") && strings.Contains(l, title) {
			var out []string
			for _, m := range lines[i+1:] {
				if strings.HasPrefix(m, "#") {
					break
				}
				out = append(out, m)
			}
			return strings.Join(out, "\n")
		}
	}
	t.Fatalf("the document has no heading with %q", title)
	return ""
}

// KindNames are the words the error tables use for each kind.
var KindNames = map[medledger.Kind]string{
	medledger.KindInvalid: "invalid", medledger.KindUnauthorized: "unauthorized", medledger.KindNotFound: "not found",
	medledger.KindConflict: "conflict", medledger.KindTooLarge: "too large", medledger.KindGone: "gone",
	medledger.KindUnavailable: "unavailable",
}
