package notary_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/notary"
)

// TestHugeValuesNotEchoed sends the node a transaction and a GET with a
// 10,000-byte value and checks that each refusal, as a problem document
// and as the app's CheckTx log, is short, has the right code, says what
// was wrong and how long the value was.
func TestHugeValuesNotEchoed(t *testing.T) {
	huge := strings.Repeat("x", 10_000)
	sum := sha256.Sum256([]byte("notary echo test"))
	digest := hex.EncodeToString(sum[:])
	for _, c := range []echoCase{
		{name: "anchor kind", as: "lakeside-clinic/dr-patel", typ: notary.TypeAnchor, body: notary.AnchorBody{Digest: digest, Kind: huge},
			code: notary.ErrInvalid, says: "kind"},
		{name: "GET anchor at a height", path: "/v1/anchors/" + digest + "?height=" + huge, code: api.ErrBadRequest, says: "is not a block height"},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, node) })
	}
}

// maxDetail is how long a refusal's detail, and the ABCI log it comes
// from, may be however huge the value refused (issue 8).
const maxDetail = 300

// echoCase is a request carrying a huge value: a transaction (as signs typ
// with body) or, when as is empty, a GET of path.
type echoCase struct {
	name string
	as   string
	typ  string
	body any
	path string
	code medledger.Code // the refusal's code
	says string         // what the refusal says
}

// check sends c to node n and checks the refusal: as a problem document,
// and for a transaction also as the log of the app's CheckTx.
func (c echoCase) check(t *testing.T, n *daemontest.Node) {
	t.Helper()
	ctx := context.Background()
	if c.as == "" {
		r, b := n.Get(t, c.path)
		var p api.Problem
		if err := json.Unmarshal(b, &p); err != nil || r.StatusCode < 400 {
			t.Fatalf("GET: %d %.300s", r.StatusCode, b)
		}
		checkEcho(t, "problem", p.Codespace, p.Code, p.Detail, c.code, c.says)
		return
	}
	s := n.Signer(c.as)
	_, err := n.Client.Send(ctx, s, c.typ, c.body, "sync")
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s by %s: got %v, want a refusal", c.typ, c.as, err)
	}
	checkEcho(t, "problem", e.Codespace, e.Code, e.Detail, c.code, c.says)
	raw, err := s.Build(c.typ, c.body, n.Store.Version())
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw})
	if err != nil {
		t.Fatal(err)
	}
	checkEcho(t, "ABCI log", res.Codespace, res.Code, res.Log, c.code, c.says)
}

// checkEcho checks a refusal's code and detail: short, saying what was
// wrong, and how long the value was (medledger.Quote's "... (N bytes)").
func checkEcho(t *testing.T, what, codespace string, code uint32, detail string, want medledger.Code, says string) {
	t.Helper()
	if codespace != want.Codespace || code != want.Code {
		t.Errorf("%s: code %s/%d, want %s/%d (%s): %.300s", what, codespace, code, want.Codespace, want.Code, want.Slug, detail)
	}
	if len(detail) > maxDetail {
		t.Errorf("%s: the detail is %d bytes, over %d: %.300s...", what, len(detail), maxDetail, detail)
	}
	if !strings.Contains(detail, says) || !strings.Contains(detail, " bytes)") {
		t.Errorf("%s: %.300q does not say %q and how long the value was", what, detail, says)
	}
}
