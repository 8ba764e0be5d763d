package cli

import (
	"testing"

	"github.com/medledger/medledger/identity"
)

// TestWords: every kind of organization and every role the identity module
// knows is explained in plain words in the help.
func TestWords(t *testing.T) {
	for _, k := range identity.Kinds {
		if kindWords[k] == "" {
			t.Errorf("kind %s has no words in kindWords", k)
		}
		for _, r := range identity.RolesByKind[k] {
			if roleWords[r] == "" {
				t.Errorf("role %s (of a %s) has no words in roleWords", r, k)
			}
		}
	}
	if len(kindWords) != len(identity.Kinds) {
		t.Error("kindWords explains a kind the identity module does not know")
	}
}
