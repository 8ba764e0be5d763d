package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

// openAPIPath is the OpenAPI form of a net/http pattern path: {key...}
// becomes {key}.
func openAPIPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

// TestOpenAPICoversRoutes checks GET /openapi.json against the routes the
// running node serves: every route appears with its method, every path
// parameter is declared as a required path parameter, and nothing is
// declared that the path does not have.
func TestOpenAPICoversRoutes(t *testing.T) {
	res, b := call(t, "GET", "/openapi.json", "", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !json.Valid(b) {
		t.Fatal("/openapi.json is not valid JSON")
	}
	type param struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
	}
	type operation struct {
		OperationID string                     `json:"operationId"`
		Summary     string                     `json:"summary"`
		Parameters  []param                    `json:"parameters"`
		Responses   map[string]json.RawMessage `json:"responses"`
		RequestBody json.RawMessage            `json:"requestBody"`
	}
	var doc struct {
		OpenAPI string                          `json:"openapi"`
		Info    struct{ Title, Version string } `json:"info"`
		Paths   map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("decode /openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi is %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info.title and info.version are required: %+v", doc.Info)
	}

	routes := node.API.Routes()
	if len(routes) < 15 {
		t.Fatalf("the node serves %d routes; want the core, identity and notary routes", len(routes))
	}
	for _, r := range routes {
		p := openAPIPath(r.Path)
		op, ok := doc.Paths[p][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is served but not in /openapi.json", r.Method, r.Path)
			continue
		}
		if op.Summary == "" || op.Responses["default"] == nil || op.Responses["200"] == nil {
			t.Errorf("%s %s: summary, 200 and default responses are required: %+v", r.Method, p, op)
		}
		if r.Method == "POST" && op.RequestBody == nil {
			t.Errorf("%s %s: no requestBody", r.Method, p)
		}
		var inPath []string
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			inPath = append(inPath, m[1])
		}
		var declared []string
		for _, pr := range op.Parameters {
			if pr.In != "path" {
				if pr.In != "query" && pr.In != "header" {
					t.Errorf("%s %s: parameter %q is in %q", r.Method, p, pr.Name, pr.In)
				}
				continue
			}
			declared = append(declared, pr.Name)
			if !pr.Required {
				t.Errorf("%s %s: path parameter %q is not required (OpenAPI requires it)", r.Method, p, pr.Name)
			}
		}
		slices.Sort(inPath)
		slices.Sort(declared)
		if !slices.Equal(inPath, declared) {
			t.Errorf("%s %s: path parameters %v, declared %v", r.Method, p, inPath, declared)
		}
	}

	// The document lists nothing the server does not serve, and operation
	// ids are unique.
	served := map[string]bool{"get /openapi.json": true}
	for _, r := range routes {
		served[strings.ToLower(r.Method)+" "+openAPIPath(r.Path)] = true
	}
	ids := map[string]string{}
	for p, item := range doc.Paths {
		for method, op := range item {
			if !served[method+" "+p] {
				t.Errorf("/openapi.json lists %s %s, which the node does not serve", method, p)
			}
			if prev, dup := ids[op.OperationID]; dup || op.OperationID == "" {
				t.Errorf("operationId %q of %s %s is empty or also used by %s", op.OperationID, method, p, prev)
			}
			ids[op.OperationID] = method + " " + p
		}
	}
}

// TestRoutesAreServed checks that every route of the table reaches its
// handler rather than the catch-all "no route" problem.
func TestRoutesAreServed(t *testing.T) {
	for _, r := range node.API.Routes() {
		path := pathParam.ReplaceAllString(r.Path, "x")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, err := http.NewRequestWithContext(ctx, r.Method, node.URL()+path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", r.Method, path, err)
		}
		var b []byte
		if res.Header.Get("Content-Type") != "text/event-stream" { // a stream does not end
			b, _ = io.ReadAll(res.Body)
		}
		res.Body.Close()
		cancel()
		var p struct{ Codespace, Title string }
		json.Unmarshal(b, &p)
		if res.StatusCode == http.StatusNotFound && p.Codespace == "api" && p.Title == "not-found" {
			t.Errorf("%s %s (as %s) falls through to the catch-all: %s", r.Method, r.Path, path, b)
		}
	}
}
