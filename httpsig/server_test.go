package httpsig_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/httpsig"
)

// verifying is a handler that verifies every request and answers the
// verified keyid and the body it read, or the error's code.
func verifying(t *testing.T, opts ...httpsig.VerifyOption) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := httpsig.Verify(r, lookup, now, opts...)
		if err != nil {
			e := medledger.As(err)
			http.Error(w, e.Slug+": "+e.Detail, http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{"keyid": v.KeyID, "body": string(body)})
	})
}

func send(t *testing.T, c *http.Client, s signer, method, url, body string) (int, string) {
	t.Helper()
	req := clientRequest(t, method, url, body)
	if err := httpsig.Sign(req, s.keyID, s.priv, now); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOverHTTP(t *testing.T) {
	for name, srv := range map[string]*httptest.Server{
		"http":  httptest.NewServer(verifying(t)),
		"https": httptest.NewTLSServer(verifying(t)),
	} {
		t.Run(name, func(t *testing.T) {
			defer srv.Close()
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/v1/records?patient=pat-7k2m&limit=10", ""},
				{"GET", "/fhir/Patient/pat-7k2m/$everything", ""},
				{"POST", "/v1/tx", postBody},
				{"PUT", "/fhir/Consent/c%2F1?_format=json", `{"resourceType":"Consent"}`},
				{"DELETE", "/v1/sessions/s-1", ""},
			} {
				code, body := send(t, srv.Client(), drChen, c.method, srv.URL+c.path, c.body)
				if code != http.StatusOK || !strings.Contains(body, drChen.keyID) || !strings.Contains(body, strings.ReplaceAll(c.body, `"`, `\"`)) {
					t.Errorf("%s %s: %d %s", c.method, c.path, code, body)
				}
			}
		})
	}
}

// TestBehindReverseProxy runs a TLS-terminating reverse proxy in front of
// the node: the client signs https://<proxy>/..., the node sees plain http
// and, behind a proxy that rewrites Host, its own authority. It verifies
// only when told the public scheme and authority.
func TestBehindReverseProxy(t *testing.T) {
	scheme := func(string) []httpsig.VerifyOption {
		return []httpsig.VerifyOption{httpsig.WithExpectedScheme("https")}
	}
	public := func(proxyHost string) []httpsig.VerifyOption {
		return []httpsig.VerifyOption{httpsig.WithExpectedScheme("HTTPS"), httpsig.WithExpectedAuthority(proxyHost)}
	}
	for _, c := range []struct {
		name        string
		rewriteHost bool
		opts        func(proxyHost string) []httpsig.VerifyOption
		want        int
	}{
		{"host rewritten, node told nothing", true, nil, http.StatusUnauthorized},
		{"host rewritten, node told the scheme", true, scheme, http.StatusUnauthorized},
		{"host rewritten, node told scheme and authority", true, public, http.StatusOK},
		{"host kept, node told nothing", false, nil, http.StatusUnauthorized},
		{"host kept, node told the scheme", false, scheme, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			var proxyHost string
			node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var opts []httpsig.VerifyOption
				if c.opts != nil {
					opts = c.opts(proxyHost)
				}
				verifying(t, opts...).ServeHTTP(w, r)
			}))
			defer node.Close()
			nodeURL, _ := url.Parse(node.URL)
			rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(nodeURL) // sets Host to the node's
				if !c.rewriteHost {
					r.Out.Host = r.In.Host
				}
			}}
			proxy := httptest.NewTLSServer(rp)
			defer proxy.Close()
			proxyHost = strings.TrimPrefix(proxy.URL, "https://")

			code, body := send(t, proxy.Client(), patient, "POST", proxy.URL+"/v1/records/r-1/disclosures?cursor=x%2Fy", postBody)
			if code != c.want {
				t.Fatalf("got %d %s, want %d", code, body, c.want)
			}
			if code != http.StatusOK && !strings.HasPrefix(body, "bad-signature") {
				t.Fatalf("body %q, want a bad-signature problem", body)
			}
		})
	}
}

func TestOverHTTPRejects(t *testing.T) {
	srv := httptest.NewServer(verifying(t, httpsig.WithMaxBody(16)))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/v1/records")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "missing-signature") {
		t.Fatalf("unsigned: %s", b)
	}
	if _, body := send(t, srv.Client(), drChen, "POST", srv.URL+"/v1/tx", strings.Repeat("x", 17)); !strings.HasPrefix(body, "too-large") {
		t.Fatalf("large body: %s", body)
	}
	// A signature made an hour ago.
	req := clientRequest(t, "GET", srv.URL+"/v1/records", "")
	if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "signature-expired") {
		t.Fatalf("old signature: %s", b)
	}
}
