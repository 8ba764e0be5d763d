package cli

import (
	"strings"
	"testing"

	"github.com/medledger/medledger/records"
)

// TestWords: every purpose of use and break-glass reason the records module
// knows is explained in plain words, so that a code added to records is not
// left bare in the help.
func TestWords(t *testing.T) {
	for _, p := range records.Purposes {
		if purposeWords[p] == "" {
			t.Errorf("purpose %s has no words in purposeWords", p)
		}
		if !strings.Contains(purposeTable, p) || !strings.Contains(purposeList(), p+" (") {
			t.Errorf("purpose %s is missing from the help's table or list", p)
		}
	}
	for _, r := range records.BreakGlassReasons {
		if breakGlassWords[r] == "" {
			t.Errorf("break-glass reason %s has no words in breakGlassWords", r)
		}
	}
	if len(purposeWords) != len(records.Purposes) || len(breakGlassWords) != len(records.BreakGlassReasons) {
		t.Error("purposeWords or breakGlassWords explain a code the records module does not know")
	}
}
