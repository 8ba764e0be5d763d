package httpsig_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/tx"
)

// A client signs a FHIR request with a member's chain key; the node
// verifies it with a lookup it injects (here a map; on a node, identity
// state) and a replay guard.
func Example() {
	seed := sha256.Sum256([]byte("example member key"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	keyID := httpsig.JoinKeyID("northside-hospital/dr-chen", tx.KeyID(pub))
	keys := map[string]ed25519.PublicKey{keyID: pub}
	lookup := func(keyID string) (ed25519.PublicKey, error) {
		if k, ok := keys[keyID]; ok {
			return k, nil
		}
		return nil, errors.New("no such key")
	}
	clock := func() time.Time { return time.Unix(1_700_000_000, 0) }
	guard := httpsig.NewNonceCache(0)

	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := httpsig.Verify(r, lookup, clock(), httpsig.WithReplayGuard(guard))
		if err != nil {
			// The api package answers a problem document with the code's
			// slug as its title and the detail saying what to fix.
			http.Error(w, medledger.As(err).Slug, http.StatusForbidden)
			return
		}
		signer, _, _ := httpsig.SplitKeyID(v.KeyID)
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s sent %d bytes, covering %s", signer, len(body), strings.Join(v.Components, " "))
	}))
	defer node.Close()

	req, _ := http.NewRequest("POST", node.URL+"/fhir/Observation", strings.NewReader(`{"resourceType":"Observation"}`))
	req.Header.Set("Content-Type", "application/fhir+json")
	if err := httpsig.Sign(req, keyID, priv, clock()); err != nil {
		fmt.Println(err)
		return
	}
	for range 2 { // the second is a replay
		if req.GetBody != nil {
			req.Body, _ = req.GetBody()
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(b)))
	}
	// Output:
	// 200 northside-hospital/dr-chen sent 30 bytes, covering @method @target-uri content-digest
	// 403 replayed
}
