package httpsig

import (
	"bufio"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/medledger/medledger"
)

// TestDerivedComponents checks component values against the examples of
// RFC 9421 section 2.2 and the node's own target URI rules.
func TestDerivedComponents(t *testing.T) {
	read := func(raw string, tlsConn bool) *http.Request {
		t.Helper()
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n\r\n")))
		if err != nil {
			t.Fatal(err)
		}
		if tlsConn {
			req.TLS = &tls.ConnectionState{}
		}
		return req
	}
	for _, c := range []struct {
		raw       string
		tls       bool
		scheme    string // WithExpectedScheme
		authority string // WithExpectedAuthority
		component string
		want      string // "" means an error of code err
		err       medledger.Code
	}{
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", component: CompMethod, want: "POST"},
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", tls: true, component: CompTargetURI, want: "https://www.example.com/path?param=value"},
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", component: CompTargetURI, want: "http://www.example.com/path?param=value"},
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", component: CompAuthority, want: "www.example.com"},
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", component: CompScheme, want: "http"},
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", component: CompRequestTarget, want: "/path?param=value"},
		{raw: "POST /path?param=value HTTP/1.1\r\nHost: www.example.com", component: CompPath, want: "/path"},
		{raw: "POST /path?param=value&foo=bar&baz=bat%2Dman HTTP/1.1\r\nHost: www.example.com", component: CompQuery, want: "?param=value&foo=bar&baz=bat%2Dman"},
		{raw: "POST /path?queryString HTTP/1.1\r\nHost: www.example.com", component: CompQuery, want: "?queryString"},
		{raw: "POST /path HTTP/1.1\r\nHost: www.example.com", component: CompQuery, want: "?"},
		{raw: "POST /path? HTTP/1.1\r\nHost: www.example.com", component: CompTargetURI, want: "http://www.example.com/path?"},
		{raw: "GET https://www.example.com/path?param=value HTTP/1.1\r\nHost: www.example.com", tls: true, component: CompRequestTarget, want: "https://www.example.com/path?param=value"},
		{raw: "GET https://www.example.com/path?param=value HTTP/1.1\r\nHost: www.example.com", tls: true, component: CompTargetURI, want: "https://www.example.com/path?param=value"},
		{raw: "GET /a%2Fb/%7Ec HTTP/1.1\r\nHost: h", component: CompPath, want: "/a%2Fb/%7Ec"},
		// authority normalization
		{raw: "GET / HTTP/1.1\r\nHost: WWW.Example.COM:443", tls: true, component: CompAuthority, want: "www.example.com"},
		{raw: "GET / HTTP/1.1\r\nHost: www.example.com:443", component: CompAuthority, want: "www.example.com:443"},
		{raw: "GET / HTTP/1.1\r\nHost: www.example.com:80", component: CompTargetURI, want: "http://www.example.com/"},
		{raw: "GET / HTTP/1.1\r\nHost: [::1]:26680", component: CompTargetURI, want: "http://[::1]:26680/"},
		{raw: "GET / HTTP/1.1\r\nHost: [::1]", component: CompAuthority, want: "[::1]"},
		// reverse proxy options
		{raw: "GET /v1/x?y=1 HTTP/1.1\r\nHost: 10.0.0.5:26680", scheme: "https", authority: "api.northside.example", component: CompTargetURI, want: "https://api.northside.example/v1/x?y=1"},
		{raw: "GET /v1/x HTTP/1.1\r\nHost: 10.0.0.5:26680", scheme: "https", authority: "API.northside.example:443", component: CompAuthority, want: "api.northside.example"},
		// targets without a path, and unsignable values
		{raw: "OPTIONS * HTTP/1.1\r\nHost: www.example.com", component: CompRequestTarget, want: "*"},
		{raw: "OPTIONS * HTTP/1.1\r\nHost: www.example.com", component: CompTargetURI, err: ErrMalformed},
		{raw: "OPTIONS * HTTP/1.1\r\nHost: www.example.com", component: CompQuery, err: ErrMalformed},
		{raw: "CONNECT www.example.com:80 HTTP/1.1\r\nHost: www.example.com", component: CompPath, err: ErrMalformed},
		{raw: "GET / HTTP/1.0", component: CompTargetURI, err: ErrMalformed},
		{raw: "GET / HTTP/1.0", component: CompAuthority, err: ErrMalformed},
		{raw: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h", component: CompPath, err: ErrMalformed},
		// fields
		{raw: "GET / HTTP/1.1\r\nHost: h\r\nX-A:  one \r\nX-A: two\t", component: "x-a", want: "one, two"},
		{raw: "GET / HTTP/1.1\r\nHost: h\r\nX-A:", component: "x-a", want: ""},
		{raw: "GET / HTTP/1.1\r\nHost: h", component: "x-a", err: ErrMissingComponent},
		{raw: "GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xc3\xa9", component: "x-a", err: ErrMalformed},
	} {
		req := read(c.raw, c.tls)
		got, err := componentValue(req, requestTarget(req, c.scheme, c.authority), c.component)
		name := strings.ReplaceAll(c.raw, "\r\n", " | ") + " " + c.component
		switch {
		case c.err != (medledger.Code{}) && !medledger.HasCode(err, c.err):
			t.Errorf("%s: got %q, %v, want code %s", name, got, err, c.err.Slug)
		case c.err == (medledger.Code{}) && (err != nil || got != c.want):
			t.Errorf("%s: got %q, %v, want %q", name, got, err, c.want)
		}
	}
}

// TestClientTarget checks that a client request derives the same target as
// the server will.
func TestClientTarget(t *testing.T) {
	for _, c := range []struct{ url, host, want string }{
		{"http://node.example:26680/v1/records?cursor=a%2Fb", "", "http://node.example:26680/v1/records?cursor=a%2Fb"},
		{"HTTPS://Node.Example:443", "", "https://node.example/"},
		{"http://10.0.0.5/v1/x", "api.northside.example", "http://api.northside.example/v1/x"},
		{"http://h/a b", "", "http://h/a%20b"},
	} {
		req, err := http.NewRequest("GET", c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.host != "" {
			req.Host = c.host
		}
		got, err := componentValue(req, requestTarget(req, "", ""), CompTargetURI)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v, want %q", c.url, got, err, c.want)
		}
	}
}
