package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/notary"
)

// node is the one real node the package's tests share; trust is its
// genesis, read from the node's home as an out-of-band copy would be.
var (
	node  *daemontest.Node
	trust client.Trust
)

func TestMain(m *testing.M) {
	daemontest.Main(m, daemontest.Options{}, &node, func(n *daemontest.Node) (err error) {
		trust, err = client.TrustGenesisFile(n.Home.GenesisFile())
		return err
	})
}

// anchored is two digests anchored in two different blocks, made once.
var anchored struct {
	once   sync.Once
	err    error
	digest [2]string
	anchor [2]notary.Anchor
}

// anchors returns the two anchored digests and their records, each
// provable (its block has a successor).
func anchors(t *testing.T) ([2]string, [2]notary.Anchor) {
	t.Helper()
	anchored.once.Do(func() {
		ctx := context.Background()
		var last int64
		for i, signer := range []string{"northside-hospital/dr-chen", "cityrx-pharmacy/pharmacist"} {
			sum := sha256.Sum256(fmt.Appendf(nil, "client test document %d %s", i, time.Now()))
			d := hex.EncodeToString(sum[:])
			res, err := node.Client.Send(ctx, node.Signer(signer), notary.TypeAnchor, notary.AnchorBody{Digest: d, Kind: "lab-report"}, "commit")
			if err != nil {
				anchored.err = err
				return
			}
			if res.Height == last {
				anchored.err = fmt.Errorf("both anchors are in block %d", last)
				return
			}
			last = res.Height
			anchored.digest[i] = d
		}
		for i, d := range anchored.digest {
			if err := node.Client.Get(ctx, "/v1/anchors/"+d, &anchored.anchor[i]); err != nil {
				anchored.err = err
				return
			}
		}
	})
	if anchored.err != nil {
		t.Fatalf("anchor the test digests: %v", anchored.err)
	}
	node.WaitHeight(t, anchored.anchor[1].Height+2)
	return anchored.digest, anchored.anchor
}

// fetch GETs a path from the node itself, bypassing any proxy.
func fetch(path string) ([]byte, error) {
	res, err := http.Get(node.URL() + path)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("GET %s: HTTP %d: %s", path, res.StatusCode, b)
	}
	return b, err
}

// rewriter changes a successful answer of the node; it returns the body
// unchanged for requests it does not tamper with. It runs on the proxy's
// goroutines, so it reports trouble with t.Errorf, never t.Fatal.
type rewriter func(t *testing.T, r *http.Request, body []byte) []byte

// proxy puts an HTTP server in front of the node that passes every request
// on and rewrites the answers with rw; it returns a client of the proxy.
func proxy(t *testing.T, rw rewriter) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, node.URL()+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if res.StatusCode == http.StatusOK && rw != nil {
			b = rw(t, r, b)
		}
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return client.New(srv.URL)
}
