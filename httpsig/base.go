package httpsig

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/medledger/medledger"
)

// Derived component names (RFC 9421 section 2.2) this package can put in a
// signature base. @query-param, @status and the req parameter are not
// supported; @signature-params is never a covered component.
const (
	CompMethod        = "@method"
	CompTargetURI     = "@target-uri"
	CompAuthority     = "@authority"
	CompScheme        = "@scheme"
	CompRequestTarget = "@request-target"
	CompPath          = "@path"
	CompQuery         = "@query"
	// CompContentDigest is the Content-Digest header field (RFC 9530).
	CompContentDigest = "content-digest"
)

const compSignatureParams = "@signature-params"

var derivedComponents = map[string]bool{
	CompMethod: true, CompTargetURI: true, CompAuthority: true, CompScheme: true,
	CompRequestTarget: true, CompPath: true, CompQuery: true,
}

// checkComponentName reports whether name may be covered: a supported
// derived component, or a lowercase HTTP field name.
func checkComponentName(name string) error {
	if name == compSignatureParams {
		return ErrMalformed.New("%q must not be listed among the covered components", name)
	}
	if strings.HasPrefix(name, "@") {
		if !derivedComponents[name] {
			return ErrMalformed.New("derived component %s is not supported: use @method, @target-uri, @authority, @scheme, @request-target, @path or @query", medledger.Quote(name))
		}
		return nil
	}
	if name == "" {
		return ErrMalformed.New("a covered component name is empty")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			return ErrMalformed.New("covered field %s must be written in lowercase", medledger.Quote(name))
		}
		if !isTchar(c) {
			return ErrMalformed.New("covered component %s is not an HTTP field name", medledger.Quote(name))
		}
	}
	if name == "host" {
		return ErrMalformed.New("cover @authority, not the host field")
	}
	return nil
}

// target is the request's control data as the signer or the verifier sees
// it: the parts of the target URI every derived component is built from.
type target struct {
	method        string
	scheme        string // lowercase
	authority     string // lowercase host, default port omitted
	requestTarget string // as on the request line (@request-target)
	pathQuery     string // origin-form path and query; "" if the target has none
}

// requestTarget derives the control data of req.
//
// On a request a server received (RequestURI is set): the scheme is
// "https" if the connection used TLS and "http" otherwise, the authority is
// the Host header (req.Host), and the path and query are the request target
// exactly as sent. On a request a client is about to send (RequestURI is
// empty): the scheme and authority come from req.URL (req.Host overrides the
// authority, as the transport does) and the request target is
// req.URL.RequestURI(), which is what net/http puts on the request line.
//
// A non-empty scheme or authority overrides what the request says, for a
// node behind a reverse proxy (VerifyOptions).
func requestTarget(req *http.Request, scheme, authority string) target {
	t := target{method: req.Method}
	if t.method == "" {
		t.method = http.MethodGet // net/http sends GET for an empty method
	}
	server := req.RequestURI != ""
	switch {
	case scheme != "":
		t.scheme = scheme
	case server && req.TLS != nil:
		t.scheme = "https"
	case server:
		t.scheme = "http"
	case req.URL != nil && req.URL.Scheme != "":
		t.scheme = req.URL.Scheme
	default:
		t.scheme = "http"
	}
	t.scheme = strings.ToLower(t.scheme)
	switch {
	case authority != "":
		t.authority = authority
	case req.Host != "":
		t.authority = req.Host
	case req.URL != nil:
		t.authority = req.URL.Host
	}
	t.authority = normalizeAuthority(t.authority, t.scheme)
	if server {
		t.requestTarget = req.RequestURI
	} else if req.URL != nil {
		t.requestTarget = req.URL.RequestURI()
	}
	switch {
	case strings.HasPrefix(t.requestTarget, "/"):
		t.pathQuery = t.requestTarget
	case t.requestTarget == "*" || t.method == http.MethodConnect:
		// asterisk-form and authority-form have no path
	default:
		// absolute-form (a request sent as to a proxy): keep its path and query
		if u, err := url.Parse(t.requestTarget); err == nil && u.Scheme != "" {
			t.pathQuery = u.RequestURI()
		}
	}
	return t
}

// normalizeAuthority lowercases the host and drops the scheme's default
// port (RFC 9110 section 4.2.3).
func normalizeAuthority(a, scheme string) string {
	a = strings.ToLower(a)
	host, port := a, ""
	if i := strings.LastIndexByte(a, ':'); i >= 0 && !strings.Contains(a[i:], "]") {
		host, port = a[:i], a[i+1:]
	}
	if port == "" || (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		return host
	}
	return a
}

func (t target) uri() (string, error) {
	if t.pathQuery == "" {
		return "", ErrMalformed.New("request target %s has no path: @target-uri, @path and @query need an origin-form or absolute-form target", medledger.Quote(t.requestTarget))
	}
	if t.authority == "" {
		return "", ErrMalformed.New("the request has no authority (Host header) for @target-uri")
	}
	return t.scheme + "://" + t.authority + t.pathQuery, nil
}

func (t target) path() (string, error) {
	if t.pathQuery == "" {
		return "", ErrMalformed.New("request target %s has no path", medledger.Quote(t.requestTarget))
	}
	p, _, _ := strings.Cut(t.pathQuery, "?")
	if p == "" {
		p = "/"
	}
	return p, nil
}

func (t target) query() (string, error) {
	if t.pathQuery == "" {
		return "", ErrMalformed.New("request target %s has no query", medledger.Quote(t.requestTarget))
	}
	_, q, _ := strings.Cut(t.pathQuery, "?")
	return "?" + q, nil
}

// componentValue returns the canonical value of one covered component.
func componentValue(req *http.Request, t target, name string) (string, error) {
	var v string
	var err error
	switch name {
	case CompMethod:
		v = t.method
	case CompTargetURI:
		v, err = t.uri()
	case CompAuthority:
		v = t.authority
		if v == "" {
			err = ErrMalformed.New("the request has no authority (Host header) for @authority")
		}
	case CompScheme:
		v = t.scheme
	case CompRequestTarget:
		v = t.requestTarget
	case CompPath:
		v, err = t.path()
	case CompQuery:
		v, err = t.query()
	default:
		// An HTTP field (RFC 9421 section 2.1): every field line's value
		// with leading and trailing whitespace removed, joined by ", ".
		lines := req.Header.Values(name)
		if len(lines) == 0 {
			return "", ErrMissingComponent.New("covered field %s is not in the request: send it, or do not cover it", medledger.Quote(name))
		}
		for i := range lines {
			lines[i] = strings.Trim(lines[i], " \t")
		}
		v = strings.Join(lines, ", ")
		for i := 0; i < len(v); i++ {
			if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
				return "", ErrMalformed.New("covered field %s has byte 0x%02x: a signature base is printable ASCII", medledger.Quote(name), c)
			}
		}
		return v, nil
	}
	if err != nil {
		return "", err
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return "", ErrMalformed.New("component %s has byte 0x%02x: percent-encode it", name, c)
		}
	}
	return v, nil
}

// signatureBase builds the signature base of RFC 9421 section 2.5: one line
// per covered component, `"name": value` and a LF, then the
// `"@signature-params": ` line (no LF) whose value is the canonical
// serialization of the parameterized inner list. Every component in input
// MUST have passed checkComponentName and have no parameters.
func signatureBase(req *http.Request, t target, input innerList) ([]byte, error) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, it := range input.items {
		name := it.bare.str
		if seen[name] {
			return nil, ErrMalformed.New("component %s is covered twice", medledger.Quote(name))
		}
		seen[name] = true
		v, err := componentValue(req, t, name)
		if err != nil {
			return nil, err
		}
		it.serialize(&b)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteString(`"` + compSignatureParams + `": `)
	input.serialize(&b)
	return []byte(b.String()), nil
}
