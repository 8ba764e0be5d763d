package httpsig_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/tx"
)

var now = time.Unix(1_700_000_000, 0)

// signer is a test member or patient with a key derived from a name.
type signer struct {
	id    string
	keyID string
	pub   ed25519.PublicKey
	priv  ed25519.PrivateKey
}

func newSigner(id string) signer {
	seed := sha256.Sum256([]byte("httpsig test key " + id))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	return signer{id: id, keyID: httpsig.JoinKeyID(id, tx.KeyID(pub)), pub: pub, priv: priv}
}

var (
	drChen  = newSigner("northside-hospital/dr-chen")
	patient = newSigner("pat-7k2m4q9x3b5n8r1t6w0y")
	other   = newSigner("eastside-clinic/dr-okafor")
)

// lookup knows the three test signers.
func lookup(keyID string) (ed25519.PublicKey, error) {
	for _, s := range []signer{drChen, patient, other} {
		if s.keyID == keyID {
			return s.pub, nil
		}
	}
	return nil, errors.New("no such key")
}

// clientRequest builds a request as a client sends it.
func clientRequest(t testing.TB, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// received turns a client request into the request a server reads from
// the wire.
func received(t testing.TB, req *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if req.GetBody != nil { // so that a test can send the request again
		body, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		req.Body = body
	}
	srv, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// signed signs a client request and returns it as a server receives it.
func signed(t testing.TB, s signer, method, url, body string, opts ...httpsig.SignOption) *http.Request {
	t.Helper()
	req := clientRequest(t, method, url, body)
	if err := httpsig.Sign(req, s.keyID, s.priv, now, opts...); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return received(t, req)
}

func wantCode(t *testing.T, err error, c medledger.Code) {
	t.Helper()
	if !medledger.HasCode(err, c) {
		t.Fatalf("got error %v, want code %s", err, c.Slug)
	}
	if !errors.Is(err, c.Sentinel()) {
		t.Fatalf("errors.Is(%v, %s.Sentinel()) is false", err, c.Slug)
	}
}

func TestRoundTripGET(t *testing.T) {
	req := clientRequest(t, "GET", "http://node.example:26680/v1/records?patient=pat-7k2m&cursor=abc%2Fdef", "")
	if err := httpsig.Sign(req, patient.keyID, patient.priv, now); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Content-Digest") != "" {
		t.Fatal("Sign set Content-Digest on a request without a body")
	}
	if got := req.Header.Get("Signature-Input"); !strings.HasPrefix(got, `sig1=("@method" "@target-uri");created=1700000000;expires=1700000300;keyid="`+patient.keyID+`";alg="ed25519";nonce="`) {
		t.Fatalf("Signature-Input: %s", got)
	}
	v, err := httpsig.Verify(received(t, req), lookup, now)
	if err != nil {
		t.Fatal(err)
	}
	if v.KeyID != patient.keyID || !v.Created.Equal(now) || !v.Expires.Equal(now.Add(5*time.Minute)) ||
		len(v.Nonce) != 22 || !slices.Equal(v.Components, []string{"@method", "@target-uri"}) {
		t.Fatalf("Verified: %+v", v)
	}
	signerID, key, err := httpsig.SplitKeyID(v.KeyID)
	if err != nil || signerID != patient.id || key != tx.KeyID(patient.pub) {
		t.Fatalf("SplitKeyID(%q) = %q, %q, %v", v.KeyID, signerID, key, err)
	}
}

func TestRoundTripPOST(t *testing.T) {
	body := `{"resourceType":"Observation","status":"final"}`
	req := clientRequest(t, "POST", "https://api.northside.example/fhir/Observation", body)
	req.Header.Set("Content-Type", "application/fhir+json")
	if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now, httpsig.WithAuthority(), httpsig.WithFields("content-type")); err != nil {
		t.Fatal(err)
	}
	if got, want := req.Header.Get("Content-Digest"), httpsig.ContentDigest([]byte(body)); got != want {
		t.Fatalf("Content-Digest: got %s, want %s", got, want)
	}
	// The client can still send the body, and resend it.
	for range 2 {
		b, err := io.ReadAll(req.Body)
		if err != nil || string(b) != body {
			t.Fatalf("client body after Sign: %q, %v", b, err)
		}
		if req.Body, err = req.GetBody(); err != nil {
			t.Fatal(err)
		}
	}
	srv := received(t, req)
	srv.TLS = nil
	// The request was signed for https; this test server sees plain http.
	v, err := httpsig.Verify(srv, lookup, now, httpsig.WithExpectedScheme("https"),
		httpsig.WithRequired("@authority", "content-type"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"@method", "@target-uri", "@authority", "content-digest", "content-type"}; !slices.Equal(v.Components, want) {
		t.Fatalf("components: got %q, want %q", v.Components, want)
	}
	b, err := io.ReadAll(srv.Body)
	if err != nil || string(b) != body {
		t.Fatalf("handler body after Verify: %q, %v", b, err)
	}
}

func TestRoundTripHTTPTest(t *testing.T) {
	// httptest.NewRequest builds absolute-form requests with RequestURI set.
	for _, url := range []string{"http://example.com/v1/a?b=c", "https://example.com:443/v1/a", "http://EXAMPLE.com:80/"} {
		req := clientRequest(t, "PUT", url, "x")
		if err := httpsig.Sign(req, other.keyID, other.priv, now); err != nil {
			t.Fatal(err)
		}
		if _, err := httpsig.Verify(received(t, req), lookup, now, httpsig.WithExpectedScheme(req.URL.Scheme)); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
}

// mutation changes a signed request as an attacker or a broken proxy might.
type mutation func(t *testing.T, r *http.Request)

func setHeader(name, value string) mutation {
	return func(_ *testing.T, r *http.Request) { r.Header.Set(name, value) }
}

func editHeader(name, old, new string) mutation {
	return func(t *testing.T, r *http.Request) {
		v := r.Header.Get(name)
		if !strings.Contains(v, old) {
			t.Fatalf("%s %q has no %q", name, v, old)
		}
		r.Header.Set(name, strings.Replace(v, old, new, 1))
	}
}

func setBody(body string) mutation {
	return func(_ *testing.T, r *http.Request) {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
}

const postBody = `{"consent":"c-123","scope":"read"}`

func TestVerifyFailures(t *testing.T) {
	type tc struct {
		name   string
		method string
		body   string
		sign   []httpsig.SignOption
		mutate mutation
		lookup httpsig.KeyLookup
		now    time.Time
		opts   []httpsig.VerifyOption
		want   medledger.Code
	}
	cases := []tc{
		// tampered request
		{name: "method", mutate: func(_ *testing.T, r *http.Request) { r.Method = "PUT" }, want: httpsig.ErrBadSignature},
		{name: "path", mutate: func(_ *testing.T, r *http.Request) { r.RequestURI = "/v1/consents/c-999?x=1" }, want: httpsig.ErrBadSignature},
		{name: "query", mutate: func(_ *testing.T, r *http.Request) { r.RequestURI = "/v1/consents/c-123?x=2" }, want: httpsig.ErrBadSignature},
		{name: "query dropped", mutate: func(_ *testing.T, r *http.Request) { r.RequestURI = "/v1/consents/c-123" }, want: httpsig.ErrBadSignature},
		{name: "host", mutate: func(_ *testing.T, r *http.Request) { r.Host = "evil.example" }, want: httpsig.ErrBadSignature},
		{name: "scheme", opts: []httpsig.VerifyOption{httpsig.WithExpectedScheme("https")}, want: httpsig.ErrBadSignature},
		{name: "authority option", opts: []httpsig.VerifyOption{httpsig.WithExpectedAuthority("other-node.example")}, want: httpsig.ErrBadSignature},
		{name: "body", mutate: setBody(strings.Replace(postBody, "read", "edit", 1)), want: httpsig.ErrDigestMismatch},
		{name: "body truncated", mutate: setBody(postBody[:10]), want: httpsig.ErrDigestMismatch},
		{name: "body and digest", mutate: func(t *testing.T, r *http.Request) {
			b := strings.Replace(postBody, "read", "edit", 1)
			setBody(b)(t, r)
			r.Header.Set("Content-Digest", httpsig.ContentDigest([]byte(b)))
		}, want: httpsig.ErrBadSignature},
		{name: "body added", method: "GET", mutate: setBody("surprise"), want: httpsig.ErrMissingComponent},
		{name: "body removed", mutate: setBody(""), want: httpsig.ErrDigestMismatch},
		{name: "digest header removed", mutate: func(_ *testing.T, r *http.Request) { r.Header.Del("Content-Digest") }, want: httpsig.ErrMissingComponent},

		// tampered signature parameters
		{name: "created", mutate: editHeader("Signature-Input", "created=1700000000", "created=1700000001"), want: httpsig.ErrBadSignature},
		{name: "expires", mutate: editHeader("Signature-Input", "expires=1700000300", "expires=1700000299"), want: httpsig.ErrBadSignature},
		{name: "expires removed", mutate: editHeader("Signature-Input", ";expires=1700000300", ""), want: httpsig.ErrBadSignature},
		{name: "nonce", mutate: editHeader("Signature-Input", `nonce="`, `nonce="x`), want: httpsig.ErrBadSignature},
		{name: "keyid of another signer", mutate: editHeader("Signature-Input", drChen.keyID, other.keyID), want: httpsig.ErrBadSignature},
		{name: "component order", mutate: editHeader("Signature-Input", `"@method" "@target-uri"`, `"@target-uri" "@method"`), want: httpsig.ErrBadSignature},
		{name: "component added", mutate: editHeader("Signature-Input", `"content-digest"`, `"content-digest" "@scheme"`), want: httpsig.ErrBadSignature},
		{name: "alg", mutate: editHeader("Signature-Input", `alg="ed25519"`, `alg="rsa-pss-sha512"`), want: httpsig.ErrUnsupportedAlg},
		{name: "alg token", mutate: editHeader("Signature-Input", `alg="ed25519"`, `alg=ed25519`), want: httpsig.ErrMalformed},
		{name: "alg removed", mutate: editHeader("Signature-Input", `;alg="ed25519"`, ``), want: httpsig.ErrUnsupportedAlg},
		{name: "keyid removed", mutate: editHeader("Signature-Input", `;keyid="`+drChen.keyID+`"`, ``), want: httpsig.ErrMalformed},
		{name: "nonce removed", mutate: func(t *testing.T, r *http.Request) {
			v := r.Header.Get("Signature-Input")
			r.Header.Set("Signature-Input", v[:strings.Index(v, ";nonce=")])
		}, want: httpsig.ErrMalformed},
		{name: "created removed", mutate: editHeader("Signature-Input", "created=1700000000;", ""), want: httpsig.ErrMalformed},
		{name: "created is a string", mutate: editHeader("Signature-Input", "created=1700000000", `created="1700000000"`), want: httpsig.ErrMalformed},
		{name: "created negative", mutate: editHeader("Signature-Input", "created=1700000000", `created=-1`), want: httpsig.ErrMalformed},
		{name: "expires before created", mutate: editHeader("Signature-Input", "expires=1700000300", "expires=1699999999"), want: httpsig.ErrMalformed},
		{name: "target-uri not covered", mutate: editHeader("Signature-Input", `"@target-uri" `, ``), want: httpsig.ErrMissingComponent},
		{name: "method not covered", mutate: editHeader("Signature-Input", `"@method" `, ``), want: httpsig.ErrMissingComponent},
		{name: "content-digest not covered", mutate: editHeader("Signature-Input", ` "content-digest"`, ``), want: httpsig.ErrMissingComponent},
		{name: "authority required", opts: []httpsig.VerifyOption{httpsig.WithRequired("@authority")}, want: httpsig.ErrMissingComponent},
		{name: "covered field absent", sign: []httpsig.SignOption{httpsig.WithFields("x-request-id")},
			mutate: func(_ *testing.T, r *http.Request) { r.Header.Del("X-Request-Id") }, want: httpsig.ErrMissingComponent},

		// time
		{name: "expired by max age", now: now.Add(5*time.Minute + time.Second), sign: []httpsig.SignOption{httpsig.WithTTL(time.Hour)}, want: httpsig.ErrExpired},
		{name: "expired by expires", now: now.Add(2 * time.Minute), sign: []httpsig.SignOption{httpsig.WithTTL(time.Minute)}, want: httpsig.ErrExpired},
		{name: "expired by shorter max age", now: now.Add(time.Minute + time.Second), opts: []httpsig.VerifyOption{httpsig.WithMaxAge(time.Minute)}, want: httpsig.ErrExpired},
		{name: "future", now: now.Add(-31 * time.Second), want: httpsig.ErrNotYetValid},
		{name: "future, smaller skew", now: now.Add(-2 * time.Second), opts: []httpsig.VerifyOption{httpsig.WithSkew(time.Second)}, want: httpsig.ErrNotYetValid},

		// keys
		{name: "wrong key", lookup: func(string) (ed25519.PublicKey, error) { return other.pub, nil }, want: httpsig.ErrBadSignature},
		{name: "unknown key", lookup: func(string) (ed25519.PublicKey, error) { return nil, errors.New("not found") }, want: httpsig.ErrUnknownKey},
		{name: "lookup returns no key", lookup: func(string) (ed25519.PublicKey, error) { return nil, nil }, want: httpsig.ErrUnknownKey},
		{name: "lookup code passes through", lookup: func(string) (ed25519.PublicKey, error) { return nil, tx.ErrSuspended.New("member is suspended") }, want: tx.ErrSuspended},

		// missing and malformed fields
		{name: "no signature fields", mutate: func(_ *testing.T, r *http.Request) {
			r.Header.Del("Signature")
			r.Header.Del("Signature-Input")
		}, want: httpsig.ErrMissingSignature},
		{name: "no Signature", mutate: func(_ *testing.T, r *http.Request) { r.Header.Del("Signature") }, want: httpsig.ErrMissingSignature},
		{name: "no Signature-Input", mutate: func(_ *testing.T, r *http.Request) { r.Header.Del("Signature-Input") }, want: httpsig.ErrMissingSignature},
		{name: "other label", opts: []httpsig.VerifyOption{httpsig.WithLabel("proxy")}, want: httpsig.ErrMissingSignature},
		{name: "label only in input", mutate: editHeader("Signature", "sig1=", "sig2="), want: httpsig.ErrMalformed},
		{name: "label only in signature", mutate: editHeader("Signature-Input", "sig1=", "sig2="), want: httpsig.ErrMalformed},
		{name: "input not closed", mutate: editHeader("Signature-Input", `"content-digest")`, `"content-digest"`), want: httpsig.ErrMalformed},
		{name: "input trailing comma", mutate: func(_ *testing.T, r *http.Request) {
			r.Header.Set("Signature-Input", r.Header.Get("Signature-Input")+",")
		}, want: httpsig.ErrMalformed},
		{name: "input is an item", mutate: setHeader("Signature-Input", `sig1="@method"`), want: httpsig.ErrMalformed},
		{name: "input duplicate label", mutate: func(_ *testing.T, r *http.Request) {
			r.Header.Add("Signature-Input", r.Header.Get("Signature-Input"))
		}, want: httpsig.ErrMalformed},
		{name: "input duplicate parameter", mutate: editHeader("Signature-Input", `;alg="ed25519"`, `;alg="ed25519";alg="ed25519"`), want: httpsig.ErrMalformed},
		{name: "component not a string", mutate: editHeader("Signature-Input", `"@method"`, `method`), want: httpsig.ErrMalformed},
		{name: "component parameter", mutate: editHeader("Signature-Input", `"content-digest"`, `"content-digest";sf`), want: httpsig.ErrMalformed},
		{name: "component twice", mutate: editHeader("Signature-Input", `"@method"`, `"@method" "@method"`), want: httpsig.ErrMalformed},
		{name: "component unknown", mutate: editHeader("Signature-Input", `"content-digest"`, `"content-digest" "@status"`), want: httpsig.ErrMalformed},
		{name: "component uppercase", mutate: editHeader("Signature-Input", `"content-digest"`, `"Content-Digest"`), want: httpsig.ErrMalformed},
		{name: "component signature-params", mutate: editHeader("Signature-Input", `"content-digest"`, `"content-digest" "@signature-params"`), want: httpsig.ErrMalformed},
		{name: "signature not base64", mutate: setHeader("Signature", "sig1=:not*base64:"), want: httpsig.ErrMalformed},
		{name: "signature short", mutate: setHeader("Signature", "sig1=:AAAA:"), want: httpsig.ErrMalformed},
		{name: "signature a string", mutate: setHeader("Signature", `sig1="AAAA"`), want: httpsig.ErrMalformed},
		{name: "signature inner list", mutate: setHeader("Signature", `sig1=(:AAAA:)`), want: httpsig.ErrMalformed},
		{name: "signature garbage", mutate: setHeader("Signature", `¡hola!`), want: httpsig.ErrMalformed},
		{name: "signature flipped", mutate: func(_ *testing.T, r *http.Request) {
			s := r.Header.Get("Signature")
			c := byte('A')
			if s[6] == 'A' {
				c = 'B'
			}
			r.Header.Set("Signature", s[:6]+string(c)+s[7:])
		}, want: httpsig.ErrBadSignature},
		// Content-Digest is covered, so changing it breaks the signature
		// (which is checked first); digest_test.go signs bad digests.
		{name: "content-digest malformed", mutate: setHeader("Content-Digest", "sha-256=abc"), want: httpsig.ErrBadSignature},
		{name: "content-digest md5 only", mutate: setHeader("Content-Digest", "md5=:AAAA:"), want: httpsig.ErrBadSignature},

		// limits
		{name: "body over limit", opts: []httpsig.VerifyOption{httpsig.WithMaxBody(10)}, want: httpsig.ErrTooLarge},
		{name: "body over limit, no length", opts: []httpsig.VerifyOption{httpsig.WithMaxBody(10)},
			mutate: func(_ *testing.T, r *http.Request) { r.ContentLength = -1 }, want: httpsig.ErrTooLarge},
		{name: "signature input too long", mutate: editHeader("Signature-Input", `nonce="`, `x="`+strings.Repeat("a", httpsig.MaxFieldBytes)+`";nonce="`), want: httpsig.ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method, body := c.method, c.body
			if method == "" {
				method, body = "POST", postBody
			}
			req := clientRequest(t, method, "http://node.example/v1/consents/c-123?x=1", body)
			req.Header.Set("X-Request-Id", "r-1")
			if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now, c.sign...); err != nil {
				t.Fatal(err)
			}
			srv := received(t, req)
			// The unmodified request verifies: only the mutation or the
			// verifier's options make it fail.
			if _, err := httpsig.Verify(received(t, req), lookup, now); err != nil {
				t.Fatalf("unmodified request: %v", err)
			}
			if c.mutate != nil {
				c.mutate(t, srv)
			}
			l, at := c.lookup, c.now
			if l == nil {
				l = lookup
			}
			if at.IsZero() {
				at = now
			}
			v, err := httpsig.Verify(srv, l, at, c.opts...)
			wantCode(t, err, c.want)
			if v.KeyID != "" {
				t.Fatalf("Verify returned %+v with an error", v)
			}
			if e := medledger.As(err); c.want.Codespace == httpsig.Codespace && e.Detail == "" {
				t.Fatalf("error %v has no detail", err)
			}
		})
	}
}

func TestVerifyTimeWindow(t *testing.T) {
	for _, at := range []time.Time{now.Add(-30 * time.Second), now, now.Add(5 * time.Minute)} {
		if _, err := httpsig.Verify(signed(t, drChen, "GET", "http://n.example/", ""), lookup, at); err != nil {
			t.Errorf("at created%+v: %v", at.Sub(now), err)
		}
	}
}

func TestVerifyPutsBodyBack(t *testing.T) {
	srv := signed(t, drChen, "POST", "http://n.example/v1/tx", postBody)
	if _, err := httpsig.Verify(srv, lookup, now); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(srv.Body)
	if string(b) != postBody {
		t.Fatalf("body after Verify: %q", b)
	}
	// A failed verification puts it back too.
	srv = signed(t, drChen, "POST", "http://n.example/v1/tx", postBody)
	srv.Method = "PATCH"
	if _, err := httpsig.Verify(srv, lookup, now); err == nil {
		t.Fatal("tampered method verified")
	}
	b, _ = io.ReadAll(srv.Body)
	if string(b) != postBody {
		t.Fatalf("body after a failed Verify: %q", b)
	}
}

func TestReplayGuardInVerify(t *testing.T) {
	guard := httpsig.NewNonceCache(0)
	req := clientRequest(t, "POST", "http://n.example/v1/records", postBody)
	if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now); err != nil {
		t.Fatal(err)
	}
	// A forged request with the same nonce must not burn it.
	forged := received(t, req)
	forged.Method = "DELETE"
	if _, err := httpsig.Verify(forged, lookup, now, httpsig.WithReplayGuard(guard)); !medledger.HasCode(err, httpsig.ErrBadSignature) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := httpsig.Verify(received(t, req), lookup, now, httpsig.WithReplayGuard(guard)); err != nil {
		t.Fatalf("first: %v", err)
	}
	_, err := httpsig.Verify(received(t, req), lookup, now.Add(time.Minute), httpsig.WithReplayGuard(guard))
	wantCode(t, err, httpsig.ErrReplayed)
}

func TestSignErrors(t *testing.T) {
	req := clientRequest(t, "GET", "http://n.example/", "")
	if err := httpsig.Sign(req, drChen.keyID, drChen.priv[:32], now); err == nil || medledger.As(err).Kind != medledger.KindInternal {
		t.Errorf("short key: got %v, want an internal error", err)
	}
	for name, c := range map[string]struct {
		keyID string
		opts  []httpsig.SignOption
		want  medledger.Code
	}{
		"empty keyid":      {"", nil, httpsig.ErrMalformed},
		"keyid newline":    {"a#b\n", nil, httpsig.ErrMalformed},
		"keyid too long":   {strings.Repeat("a", httpsig.MaxKeyIDLen+1), nil, httpsig.ErrMalformed},
		"host field":       {drChen.keyID, []httpsig.SignOption{httpsig.WithFields("host")}, httpsig.ErrMalformed},
		"uppercase field":  {drChen.keyID, []httpsig.SignOption{httpsig.WithFields("Date")}, httpsig.ErrMalformed},
		"unknown derived":  {drChen.keyID, []httpsig.SignOption{httpsig.WithFields("@status")}, httpsig.ErrMalformed},
		"absent field":     {drChen.keyID, []httpsig.SignOption{httpsig.WithFields("date")}, httpsig.ErrMissingComponent},
		"zero ttl":         {drChen.keyID, []httpsig.SignOption{httpsig.WithTTL(0)}, httpsig.ErrMalformed},
		"nonce too long":   {drChen.keyID, []httpsig.SignOption{httpsig.WithNonce(strings.Repeat("n", httpsig.MaxNonceLen+1))}, httpsig.ErrMalformed},
		"nonce not ascii":  {drChen.keyID, []httpsig.SignOption{httpsig.WithNonce("ñ")}, httpsig.ErrMalformed},
		"duplicate fields": {drChen.keyID, []httpsig.SignOption{httpsig.WithFields("@method")}, httpsig.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			wantCode(t, httpsig.Sign(clientRequest(t, "GET", "http://n.example/", ""), c.keyID, drChen.priv, now, c.opts...), c.want)
		})
	}
}

func TestSignReplacesOldSignature(t *testing.T) {
	req := clientRequest(t, "POST", "http://n.example/v1/x", "one")
	if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now); err != nil {
		t.Fatal(err)
	}
	// Re-signing an emptied request drops the stale digest and signature.
	req.Body, req.ContentLength = http.NoBody, 0
	if err := httpsig.Sign(req, other.keyID, other.priv, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Content-Digest") != "" || len(req.Header.Values("Signature")) != 1 {
		t.Fatalf("headers after re-signing: %v", req.Header)
	}
	v, err := httpsig.Verify(received(t, req), lookup, now.Add(time.Second))
	if err != nil || v.KeyID != other.keyID {
		t.Fatalf("Verify: %+v, %v", v, err)
	}
}

func TestNoncesDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		req := clientRequest(t, "GET", "http://n.example/", "")
		if err := httpsig.Sign(req, drChen.keyID, drChen.priv, now); err != nil {
			t.Fatal(err)
		}
		v, err := httpsig.Verify(received(t, req), lookup, now)
		if err != nil {
			t.Fatal(err)
		}
		if seen[v.Nonce] || strings.ContainsAny(v.Nonce, "+/=") {
			t.Fatalf("nonce %q repeated or not base64url", v.Nonce)
		}
		seen[v.Nonce] = true
	}
}

func TestSplitKeyID(t *testing.T) {
	hex := tx.KeyID(drChen.pub)
	for _, c := range []struct {
		in, signer string
		ok         bool
	}{
		{"northside-hospital/dr-chen#" + hex, "northside-hospital/dr-chen", true},
		{"pat-7k2m4q9x3b5n8r1t6w0y#" + hex, "pat-7k2m4q9x3b5n8r1t6w0y", true},
		{"northside-hospital/dr-chen", "", false},
		{"#" + hex, "", false},
		{"a#" + strings.ToUpper(hex), "", false},
		{"a#" + hex[:31], "", false},
		{"a#" + hex + "#", "", false},
		{"a#b#" + hex, "", false},
		{strings.Repeat("a", httpsig.MaxSignerLen+1) + "#" + hex, "", false},
		{"dr\tchen#" + hex, "", false},
	} {
		signer, key, err := httpsig.SplitKeyID(c.in)
		switch {
		case c.ok && (err != nil || signer != c.signer || key != hex):
			t.Errorf("SplitKeyID(%q) = %q, %q, %v", c.in, signer, key, err)
		case !c.ok && !medledger.HasCode(err, httpsig.ErrMalformed):
			t.Errorf("SplitKeyID(%q): got %v, want malformed", c.in, err)
		}
		if c.ok && httpsig.JoinKeyID(signer, key) != c.in {
			t.Errorf("JoinKeyID does not undo SplitKeyID(%q)", c.in)
		}
	}
}

func TestCodes(t *testing.T) {
	seen := map[uint32]bool{}
	for i, c := range httpsig.Codes {
		if c.Codespace != httpsig.Codespace || c.Code != uint32(i+1) || seen[c.Code] || c.Slug == "" {
			t.Errorf("code %d: %+v", i, c)
		}
		seen[c.Code] = true
	}
}
