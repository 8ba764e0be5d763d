package httpsig_test

import (
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/httpsig"
)

// TestHugeValuesNotEchoed: a refusal names a huge keyid or nonce by a
// short prefix and its length (issue 8).
func TestHugeValuesNotEchoed(t *testing.T) {
	huge := strings.Repeat("x", 10_000)
	for _, keyID := range []string{huge, huge + "#" + strings.Repeat("0", 32), "acme/dr#" + huge, "acme/dr\x01#" + huge} {
		_, _, err := httpsig.SplitKeyID(keyID)
		checkEcho(t, "SplitKeyID", err, httpsig.ErrMalformed, "keyid")
	}
	now := time.Now()
	c := httpsig.NewNonceCache(10)
	if err := c.Check(huge, huge, now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	checkEcho(t, "NonceCache.Check", c.Check(huge, huge, now.Add(time.Minute), now), httpsig.ErrReplayed, "was used before")
}

func checkEcho(t *testing.T, what string, err error, want medledger.Code, says string) {
	t.Helper()
	e := medledger.As(err)
	switch {
	case err == nil:
		t.Errorf("%s: no error", what)
	case !medledger.HasCode(err, want):
		t.Errorf("%s: %.300v, want %s", what, err, want.Slug)
	case len(e.Detail) > 300 || !strings.Contains(e.Detail, says) || !strings.Contains(e.Detail, " bytes)"):
		t.Errorf("%s: %.300q is long, or does not say %q and how long the value was", what, e.Detail, says)
	}
}
