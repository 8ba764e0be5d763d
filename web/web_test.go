package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/medledger/medledger/web"
)

// fakeAPI stands for the node's REST API: it answers every request it gets.
var fakeAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusTeapot)
	io.WriteString(w, `{"title":"api"}`)
})

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

// TestRoutes: every page and asset is served with the security headers,
// and every other request, under /v1, /fhir, /epcis or /openapi.json or
// unknown, goes to the API untouched.
func TestRoutes(t *testing.T) {
	h, err := web.Handler(fakeAPI)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.Pages()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/verify", "/verify?code=%2801%29x", "/patient", "/clinician", "/supply", "/blocks/12", "/tx/AB", "/orgs/acme-pharma",
		"/static/app.css", "/static/js/medledger.js", "/static/js/fhir.js", "/static/vendor/scrypt-js/scrypt.js", "/static/pages/verify/page.js"} {
		w := get(t, h, path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, w.Code)
			continue
		}
		if got := w.Header().Get("Content-Security-Policy"); got != web.ContentSecurityPolicy {
			t.Errorf("GET %s: CSP %q", path, got)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: security headers missing: %v", path, w.Header())
		}
	}
	for _, path := range []string{"/v1/status", "/v1/", "/openapi.json", "/fhir/metadata", "/epcis/events", "/nothing", "/static/", "/static/js/", "/static/pages/../web.go/page.js"} {
		if w := get(t, h, path); w.Code != http.StatusTeapot && w.Code != http.StatusNotFound && w.Code != http.StatusTemporaryRedirect {
			t.Errorf("GET %s: %d, want the API's answer or 404", path, w.Code)
		} else if strings.HasPrefix(path, "/v1") || path == "/openapi.json" || strings.HasPrefix(path, "/fhir") || strings.HasPrefix(path, "/epcis") || path == "/nothing" {
			if w.Code != http.StatusTeapot {
				t.Errorf("GET %s did not reach the API", path)
			}
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/verify", nil))
	if w.Code != http.StatusTeapot {
		t.Errorf("POST /verify: %d, want the API's answer (no page takes a POST)", w.Code)
	}
	if len(pages) < 5 {
		t.Errorf("%d pages", len(pages))
	}
}

// TestNoInlineScript: the CSP forbids inline script and style; no
// template or page may need them, and no page script may write HTML.
func TestNoInlineScript(t *testing.T) {
	scriptTag := regexp.MustCompile(`(?i)<script[^>]*>`)
	inline := regexp.MustCompile(`(?i)\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:`)
	html := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "vendor") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".html":
			if m := inline.Find(b); m != nil {
				t.Errorf("%s: inline script or style: %q", p, m)
			}
			for _, tag := range scriptTag.FindAll(b, -1) {
				if !strings.Contains(string(tag), " src=") {
					t.Errorf("%s: an inline script: %s", p, tag)
				}
			}
		case ".js":
			if m := html.Find(b); m != nil {
				t.Errorf("%s: %q: put values in as text (h(), textContent)", p, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestVendoredFiles: each vendored file is the one its VERSION names.
func TestVendoredFiles(t *testing.T) {
	b, err := os.ReadFile("static/vendor/scrypt-js/scrypt.js")
	if err != nil {
		t.Fatal(err)
	}
	v, err := os.ReadFile("static/vendor/scrypt-js/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if !strings.Contains(string(v), "scrypt.js sha256  "+hex.EncodeToString(sum[:])) {
		t.Errorf("static/vendor/scrypt-js/scrypt.js is not the file VERSION records (sha256 %x)", sum)
	}
	if _, err := os.Stat("static/vendor/scrypt-js/LICENSE.txt"); err != nil {
		t.Error("the vendored library's licence is missing")
	}
}
