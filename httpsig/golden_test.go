package httpsig

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenProfile pins the medledger profile byte for byte: the fields
// Sign writes and the signature base both sides build, for fixed keys,
// clock and nonce (Ed25519 is deterministic, so the signature is fixed too).
// A change here breaks every client: do not -update it lightly.
func TestGoldenProfile(t *testing.T) {
	seed := sha256.Sum256([]byte("medledger httpsig golden key"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	keyID := JoinKeyID("northside-hospital/dr-chen", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	at := time.Unix(1_700_000_000, 0)

	for _, c := range []struct {
		file, method, url, body string
		opts                    []SignOption
	}{
		{"sig1-post.golden", "POST", "https://api.northside.example/fhir/Consent?_format=json",
			`{"resourceType":"Consent","status":"active"}`, []SignOption{WithNonce("AAECAwQFBgcICQoLDA0ODw"), WithAuthority()}},
		{"sig1-get.golden", "GET", "http://localhost:26680/v1/records?patient=pat-7k2m4q9x3b5n8r1t6w0y",
			"", []SignOption{WithNonce("DxAREhMUFRYXGBkaGxwdHg")}},
	} {
		t.Run(c.file, func(t *testing.T) {
			var body *strings.Reader
			req, _ := http.NewRequest(c.method, c.url, nil)
			if c.body != "" {
				body = strings.NewReader(c.body)
				req, _ = http.NewRequest(c.method, c.url, body)
			}
			if err := Sign(req, keyID, priv, at, c.opts...); err != nil {
				t.Fatal(err)
			}
			var wire bytes.Buffer
			if err := req.Write(&wire); err != nil {
				t.Fatal(err)
			}
			srv, err := http.ReadRequest(bufio.NewReader(&wire))
			if err != nil {
				t.Fatal(err)
			}
			input, _, err := signatureFields(srv, Label)
			if err != nil {
				t.Fatal(err)
			}
			base, err := signatureBase(srv, requestTarget(srv, req.URL.Scheme, ""), input)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			fmt.Fprintf(&got, "# %s %s\n# key seed: SHA-256(\"medledger httpsig golden key\"), created %d\n", c.method, c.url, at.Unix())
			got.WriteString("-- fields --\n")
			for _, h := range []string{"Content-Digest", "Signature-Input", "Signature"} {
				if v := req.Header.Get(h); v != "" {
					fmt.Fprintf(&got, "%s: %s\n", h, v)
				}
			}
			got.WriteString("-- signature base --\n")
			got.Write(base)
			got.WriteString("\n")

			path := filepath.Join("testdata", c.file)
			if *update {
				if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./httpsig -run Golden -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Fatalf("%s changed:\ngot:\n%s\nwant:\n%s", path, got.String(), want)
			}
			if _, err := Verify(srv, func(string) (ed25519.PublicKey, error) { return priv.Public().(ed25519.PublicKey), nil },
				at, WithExpectedScheme(req.URL.Scheme)); err != nil {
				t.Fatalf("the golden request does not verify: %v", err)
			}
		})
	}
}
