package tx_test

import (
	"strings"
	"testing"

	"github.com/medledger/medledger/tx"
)

// TestStrictJSONHugeKeys: the strict decoder names a huge key, and a path
// that runs through one, by a short prefix and its length (issue 8).
func TestStrictJSONHugeKeys(t *testing.T) {
	huge := strings.Repeat("x", 10_000)
	type body struct {
		A map[string]any `json:"a"`
	}
	for _, c := range []struct {
		name, doc, says string
	}{
		{"unknown field", `{"` + huge + `": 1}`, "unknown field"},
		{"duplicate key", `{"a": {"` + huge + `": 1, "` + huge + `": 2}}`, "appears twice in a"},
		{"duplicate under a huge key", `{"a": {"` + huge + `": {"k": 1, "k": 2}}}`, `key "k" appears twice in "a.xxx`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := tx.StrictJSONFor([]byte(c.doc), &body{})
			if err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), " bytes)") {
				t.Errorf("got %.300v, want a short error that says %q and how long the value was", err, c.says)
			}
		})
	}
}
