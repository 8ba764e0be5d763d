package httpsig

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"io"
	"net/http"
	"strings"
)

// ContentDigest returns the Content-Digest field value (RFC 9530) of body
// with the sha-256 algorithm, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`
// for `{"hello": "world"}`.
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	var w strings.Builder
	w.WriteString("sha-256=")
	bareItem{kind: kindBytes, bytes: sum[:]}.serialize(&w)
	return w.String()
}

// digestAlgorithms are the RFC 9530 algorithms Verify checks. Both are
// "standard" in the IANA registry; the insecure ones (md5, sha, unixsum,
// ...) are ignored, as RFC 9530 section 6.6 allows.
var digestAlgorithms = map[string]func([]byte) []byte{
	"sha-256": func(b []byte) []byte { s := sha256.Sum256(b); return s[:] },
	"sha-512": func(b []byte) []byte { s := sha512.Sum512(b); return s[:] },
}

// checkContentDigest checks a Content-Digest field value against body.
// Every sha-256 and sha-512 entry MUST match; at least one MUST be present.
func checkContentDigest(field string, body []byte) error {
	d, err := parseDictionary(field)
	if err != nil {
		return ErrMalformed.New("Content-Digest is not a structured field dictionary such as sha-256=:<base64>: (%v)", err)
	}
	checked := 0
	for _, m := range d {
		sum, ok := digestAlgorithms[m.key]
		if !ok {
			continue
		}
		if m.isList || m.item.bare.kind != kindBytes {
			return ErrMalformed.New("Content-Digest %s is not a byte sequence :<base64>:", m.key)
		}
		if subtle.ConstantTimeCompare(sum(body), m.item.bare.bytes) != 1 {
			return ErrDigestMismatch.New("Content-Digest %s does not match the %d-byte body: compute it over the exact bytes sent", m.key, len(body))
		}
		checked++
	}
	if checked == 0 {
		return ErrUnsupportedAlg.New("Content-Digest has no sha-256 or sha-512 digest: send sha-256=:<base64 of SHA-256 of the body>:")
	}
	return nil
}

// readBody reads req.Body, at most limit bytes (no limit if limit < 0), and
// puts an equivalent body back so that handlers and retries read the same
// bytes. It returns nil for a request without a body.
func readBody(req *http.Request, limit int64) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if limit >= 0 && req.ContentLength > limit {
		return nil, ErrTooLarge.New("body is %d bytes, over the limit of %d", req.ContentLength, limit)
	}
	r := io.Reader(req.Body)
	if limit >= 0 {
		r = io.LimitReader(req.Body, limit+1)
	}
	body, err := io.ReadAll(r)
	req.Body.Close()
	if err != nil {
		// NOTE: the body is gone; leave an empty one rather than a closed one.
		req.Body = http.NoBody
		return nil, ErrMalformed.Wrap(err, "the body could not be read")
	}
	if limit >= 0 && int64(len(body)) > limit {
		req.Body = http.NoBody
		return nil, ErrTooLarge.New("body is over the limit of %d bytes", limit)
	}
	restoreBody(req, body)
	return body, nil
}

func restoreBody(req *http.Request, body []byte) {
	if len(body) == 0 {
		req.Body = http.NoBody
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		req.ContentLength = 0
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
}
