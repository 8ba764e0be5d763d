package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/tx"
)

// TestStatusOf is the kind-to-status table written out as data, so that a
// changed mapping fails here.
func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		kind medledger.Kind
		want int
	}{
		{medledger.KindInternal, http.StatusInternalServerError},
		{medledger.KindInvalid, http.StatusBadRequest},
		{medledger.KindUnauthorized, http.StatusForbidden},
		{medledger.KindNotFound, http.StatusNotFound},
		{medledger.KindConflict, http.StatusConflict},
		{medledger.KindTooLarge, http.StatusRequestEntityTooLarge},
		{medledger.KindGone, http.StatusGone},
		{medledger.KindUnavailable, http.StatusServiceUnavailable},
		{medledger.KindUnauthenticated, http.StatusUnauthorized},
		// A kind appended later without a row in StatusOf is a bug: it is
		// answered as an internal error, never as success.
		{medledger.KindUnauthenticated + 1, http.StatusInternalServerError},
	} {
		if got := api.StatusOf(tc.kind); got != tc.want {
			t.Errorf("StatusOf(%d) = %d, want %d", tc.kind, got, tc.want)
		}
	}
}

func TestProblemOf(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		typ, title string
		detail     string
	}{
		{"code", tx.ErrBadSignature.New("signature does not verify"), 403,
			"urn:medledger:problem:tx:bad-signature", "bad-signature", "signature does not verify"},
		{"wrapped code", fmt.Errorf("submit: %w", tx.ErrReplayed.New("nonce used")), 409,
			"urn:medledger:problem:tx:replayed", "replayed", "nonce used"},
		{"code with cause", api.ErrUnavailable.Wrap(errors.New("dial tcp: refused"), "node status unavailable"), 503,
			"urn:medledger:problem:api:unavailable", "unavailable", "node status unavailable"},
		{"plain error", errors.New("pebble: corrupt sstable /var/lib/secret"), 500,
			"urn:medledger:problem:medledger:internal", "internal", "internal error"},
		{"internal kind with a detail", (medledger.Code{Codespace: "state", Code: 9, Slug: "corrupt", Kind: medledger.KindInternal}).New("node 0xdeadbeef of tree /var/lib/x is corrupt"), 500,
			"urn:medledger:problem:state:corrupt", "corrupt", "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := api.ProblemOf(tc.err)
			if p.Status != tc.status || p.Type != tc.typ || p.Title != tc.title || p.Detail != tc.detail {
				t.Errorf("got %+v, want status %d type %s title %s detail %q", p, tc.status, tc.typ, tc.title, tc.detail)
			}
		})
	}
}

// TestWriteProblemHidesInternal checks what reaches the wire for an
// internal error: status 500, a problem document, and none of the error's
// text.
func TestWriteProblemHidesInternal(t *testing.T) {
	secret := "open /var/lib/medledger/data/app: permission denied"
	rec := httptest.NewRecorder()
	api.WriteProblem(rec, httptest.NewRequest("GET", "/v1/orgs", nil), fmt.Errorf("list orgs: %w", errors.New(secret)))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q, want 500 application/problem+json", rec.Code, rec.Header().Get("Content-Type"))
	}
	if strings.Contains(rec.Body.String(), "permission denied") || strings.Contains(rec.Body.String(), "/var/lib") {
		t.Errorf("the internal error's text reached the client: %s", rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Detail != "internal error" || p.Status != 500 {
		t.Errorf("got %+v, want detail \"internal error\" and status 500", p)
	}
}

// TestPaginate covers the cursor rules on a plain list, without a node.
func TestPaginate(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	for _, tc := range []struct {
		query string
		want  []string
		next  string
	}{
		{"", items, ""},
		{"limit=2", []string{"a", "b"}, "b"},
		{"limit=2&cursor=b", []string{"c", "d"}, "d"},
		{"limit=2&cursor=d", []string{"e"}, ""},
		{"limit=5", items, ""},
		{"cursor=e", []string{}, ""},
		{"cursor=bb", []string{"c", "d", "e"}, ""}, // a cursor that is not a key still cuts in order
		{"cursor=zzz", []string{}, ""},
	} {
		p, err := api.Paginate(httptest.NewRequest("GET", "/?"+tc.query, nil), items, id)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		if fmt.Sprint(p.Items) != fmt.Sprint(tc.want) || p.NextCursor != tc.next || p.Items == nil {
			t.Errorf("%s: got %q next %q, want %q next %q", tc.query, p.Items, p.NextCursor, tc.want, tc.next)
		}
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=abc", "limit=1001", "limit=1.5", "limit="} {
		_, err := api.Paginate(httptest.NewRequest("GET", "/?"+q, nil), items, id)
		if q == "limit=" {
			if err != nil {
				t.Errorf("%s: an empty limit means the default, got %v", q, err)
			}
			continue
		}
		if !medledger.HasCode(err, api.ErrBadRequest) {
			t.Errorf("%s: got %v, want api/bad-request", q, err)
		}
	}
}
