package identity_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/identity"
)

// node is the one real node this package's HTTP tests share.
var node *daemontest.Node

func TestMain(m *testing.M) { daemontest.Main(m, daemontest.Options{}, &node, nil) }

func get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	return node.Get(t, path)
}

func getJSON(t *testing.T, path string, out any) {
	t.Helper()
	res, b := get(t, path)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %d %q: %s", path, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// wantProblem checks that GET path answers an RFC 9457 problem of status
// and code.
func wantProblem(t *testing.T, path string, status int, codespace, slug string) {
	t.Helper()
	res, b := get(t, path)
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET %s: %d %q, want %d application/problem+json: %s", path, res.StatusCode, res.Header.Get("Content-Type"), status, b)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, b)
	}
	for _, f := range []string{"type", "title", "status", "detail"} {
		if v, ok := fields[f]; !ok || v == "" {
			t.Errorf("GET %s: problem member %q missing: %s", path, f, b)
		}
	}
	var p api.Problem
	json.Unmarshal(b, &p)
	if p.Type != api.ProblemType(codespace, slug) || p.Status != status || p.Codespace != codespace || p.Title != slug {
		t.Errorf("GET %s: got %+v, want %d %s/%s", path, p, status, codespace, slug)
	}
}

// TestOrgsPagination walks GET /v1/orgs four at a time and checks that the
// pages add up to the consortium, in order, with no duplicates or gaps.
func TestOrgsPagination(t *testing.T) {
	var all api.Page[identity.Org]
	getJSON(t, "/v1/orgs", &all)
	if len(all.Items) != len(demo.Orgs) || all.NextCursor != "" {
		t.Fatalf("GET /v1/orgs: %d orgs, next %q; want %d on one page", len(all.Items), all.NextCursor, len(demo.Orgs))
	}
	var want []string
	for _, o := range demo.Orgs {
		want = append(want, o.ID)
	}
	slices.Sort(want)

	var walked []string
	var sizes []int
	path := "/v1/orgs?limit=4"
	for pages := 0; ; pages++ {
		if pages > len(demo.Orgs) {
			t.Fatalf("pagination does not end: %v", walked)
		}
		var p api.Page[identity.Org]
		getJSON(t, path, &p)
		sizes = append(sizes, len(p.Items))
		for _, o := range p.Items {
			walked = append(walked, o.ID)
		}
		if p.NextCursor == "" {
			break
		}
		if p.NextCursor != walked[len(walked)-1] {
			t.Errorf("next_cursor %q is not the last id of the page %q", p.NextCursor, walked[len(walked)-1])
		}
		path = "/v1/orgs?limit=4&cursor=" + p.NextCursor
	}
	if !slices.Equal(walked, want) {
		t.Errorf("walked %v, want %v", walked, want)
	}
	if !slices.Equal(sizes, []int{4, 4, 1}) {
		t.Errorf("page sizes %v, want [4 4 1]", sizes)
	}

	var exact api.Page[identity.Org]
	getJSON(t, "/v1/orgs?limit=9", &exact)
	if len(exact.Items) != 9 || exact.NextCursor != "" {
		t.Errorf("limit=9: %d items, next %q; want 9 and no cursor", len(exact.Items), exact.NextCursor)
	}
	var past api.Page[identity.Org]
	getJSON(t, "/v1/orgs?cursor=zzz", &past)
	if past.Items == nil || len(past.Items) != 0 || past.NextCursor != "" {
		t.Errorf("past the end: %+v, want an empty list", past)
	}
	var old api.Page[identity.Org]
	getJSON(t, "/v1/orgs?height=1&limit=2", &old)
	if len(old.Items) != 2 || old.NextCursor != old.Items[1].ID {
		t.Errorf("at height 1: %+v", old)
	}

	for _, q := range []string{"limit=0", "limit=-4", "limit=four", "limit=1001", "limit=4.0"} {
		wantProblem(t, "/v1/orgs?"+q, 400, "api", "bad-request")
		wantProblem(t, "/v1/proposals?"+q, 400, "api", "bad-request")
	}
}

func TestIdentityRoutes(t *testing.T) {
	var org struct {
		identity.Org
		Members []identity.Member `json:"members"`
	}
	getJSON(t, "/v1/orgs/northside-hospital", &org)
	if org.ID != "northside-hospital" || org.Kind != identity.KindHospital {
		t.Errorf("org: %+v", org.Org)
	}
	var ids []string
	for _, m := range org.Members {
		ids = append(ids, m.ID)
	}
	if !slices.Contains(ids, "northside-hospital/admin") || !slices.Contains(ids, "northside-hospital/dr-chen") {
		t.Errorf("members of northside-hospital: %v", ids)
	}

	var m identity.Member
	getJSON(t, "/v1/members/northside-hospital/dr-chen", &m)
	if m.ID != "northside-hospital/dr-chen" || m.Role != identity.RoleClinician {
		t.Errorf("member: %+v", m)
	}

	alice := node.Keys["patient/alice"].ID
	var p map[string]any
	getJSON(t, "/v1/patients/"+alice, &p)
	if p["id"] != alice || p["status"] != identity.StatusActive {
		t.Errorf("patient: %v", p)
	}
	for f := range p { // pseudonymous: keys and status, nothing personal
		if !slices.Contains([]string{"id", "sign_key", "enc_key", "key_id", "status", "enrolled_by", "since"}, f) {
			t.Errorf("a patient record has %q: %v", f, p)
		}
	}

	var props api.Page[identity.Proposal]
	getJSON(t, "/v1/proposals", &props)
	if props.Items == nil {
		t.Error("proposals: items is null, want a list")
	}

	for _, tc := range []struct {
		path   string
		status int
		cs     string
		slug   string
	}{
		{"/v1/orgs/unknown", 404, "identity", "org-not-found"},
		{"/v1/orgs/unknown?height=1", 404, "identity", "org-not-found"},
		{"/v1/members/x/y", 404, "identity", "member-not-found"},
		{"/v1/members/northside-hospital/nobody", 404, "identity", "member-not-found"},
		{"/v1/patients/pat-unknown", 404, "identity", "patient-not-found"},
		{"/v1/proposals/abc", 400, "api", "bad-request"},
		{"/v1/proposals/-1", 400, "api", "bad-request"},
		{"/v1/proposals/999999", 404, "identity", "proposal-not-found"},
		{"/v1/orgs?height=abc", 400, "api", "bad-request"},
		{"/v1/orgs/northside-hospital?height=abc", 400, "api", "bad-request"},
		{"/v1/members/northside-hospital/dr-chen?height=abc", 400, "api", "bad-request"},
		{"/v1/patients/" + alice + "?height=abc", 400, "api", "bad-request"},
		{"/v1/proposals?height=abc", 400, "api", "bad-request"},
		{"/v1/proposals/1?height=abc", 400, "api", "bad-request"},
		{"/v1/orgs?height=999999", 404, "api", "not-found"},
		{"/v1/members/northside-hospital", 404, "api", "not-found"}, // no such route
	} {
		wantProblem(t, tc.path, tc.status, tc.cs, tc.slug)
	}
}
