package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/node"
)

// KVStoreChainID is the chain id of the kvstore baseline.
const KVStoreChainID = "kvstore-bench"

// KVStore is CometBFT's kvstore example app running in-process on a
// single-validator node configured exactly as a medledger node
// (node.Config: block time, mempool, kv tx indexer), behind a thin HTTP shim
// that serves the routes the harness uses with medledger's wire format:
// POST /v1/tx and POST /v1/txs (sync: after CheckTx), GET /v1/status (chain
// id and height) and GET /v1/stream/commits (api.CommitFeed).
type KVStore struct {
	Node *node.Node
	URL  string

	http *http.Server
	done chan error
}

// StartKVStore starts the baseline in a new home under dir (which MUST be
// empty or absent), with blockTime between blocks (0: node.DefaultBlockTime).
func StartKVStore(dir string, blockTime time.Duration) (*KVStore, error) {
	h := node.Home(filepath.Join(dir, "home"))
	apiAddr, err := LoopbackAddr()
	if err != nil {
		return nil, err
	}
	p2pAddr, err := LoopbackAddr()
	if err != nil {
		return nil, err
	}
	if err := node.Init(h, node.Options{ChainID: KVStoreChainID, Moniker: "kvstore", APIListen: apiAddr, P2PListen: p2pAddr, BlockTime: blockTime}); err != nil {
		return nil, err
	}
	// NOTE: in memory, as CometBFT's own `--proxy_app=kvstore` runs it: the
	// persistent variant writes each pair with its own unbatched database
	// write, which measures goleveldb, not the engine.
	a := &feedApp{Application: kvstore.NewInMemoryApplication()}
	n, err := node.Start(h, a, nil)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", apiAddr)
	if err != nil {
		n.Stop()
		return nil, err
	}
	k := &KVStore{Node: n, URL: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/tx", k.submit)
	mux.HandleFunc("POST /v1/txs", k.submitBatch)
	mux.HandleFunc("GET /v1/status", k.status)
	mux.Handle("GET /v1/stream/commits", &a.feed)
	k.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := k.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		k.done <- err
	}()
	return k, nil
}

// Stop stops the shim and the node.
func (k *KVStore) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := k.http.Shutdown(ctx)
	<-k.done
	if e := k.Node.Stop(); e != nil && err == nil {
		err = e
	}
	return err
}

func (k *KVStore) submit(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBodyBytes))
	if err != nil || len(raw) == 0 {
		api.WriteProblem(w, r, api.ErrBadRequest.New("send the transaction as application/octet-stream"))
		return
	}
	if err := k.broadcast(r.Context(), raw); err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	api.WriteJSON(w, api.TxResponse{Hash: sha256Hex(raw), Mode: "sync"})
}

func (k *KVStore) submitBatch(w http.ResponseWriter, r *http.Request) {
	var req api.BatchRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, api.MaxBatchBodyBytes)).Decode(&req); err != nil || len(req.Txs) == 0 || len(req.Txs) > api.MaxBatch {
		api.WriteProblem(w, r, api.ErrBadRequest.New("body must be {\"txs\": [\"<base64>\", ...]} with 1 to %d transactions", api.MaxBatch))
		return
	}
	out := api.BatchResponse{Results: make([]api.BatchResult, len(req.Txs))}
	for i, raw := range req.Txs {
		out.Results[i].Hash = sha256Hex(raw)
		if err := k.broadcast(r.Context(), raw); err != nil {
			p := api.ProblemOf(err)
			out.Results[i].Problem = &p
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// broadcast runs CheckTx through the mempool, as medledger's API does.
func (k *KVStore) broadcast(ctx context.Context, raw []byte) error {
	res, err := k.Node.Client.BroadcastTxSync(ctx, raw)
	if err != nil {
		if strings.Contains(err.Error(), "mempool is full") {
			return api.ErrUnavailable.New("the node's mempool is full; retry later")
		}
		return api.ErrUnavailable.Wrap(err, "broadcast failed")
	}
	if res.Code != abci.CodeTypeOK {
		return api.ErrBadRequest.New("CheckTx code %d: %s", res.Code, res.Log)
	}
	return nil
}

func (k *KVStore) status(w http.ResponseWriter, r *http.Request) {
	st, err := k.Node.Client.Status(r.Context())
	if err != nil {
		api.WriteProblem(w, r, api.ErrUnavailable.Wrap(err, "node status unavailable"))
		return
	}
	api.WriteJSON(w, api.StatusResponse{ChainID: st.NodeInfo.Network, LatestHeight: st.SyncInfo.LatestBlockHeight, LatestTime: st.SyncInfo.LatestBlockTime})
}

// feedApp is the kvstore app that also publishes each committed block's
// transactions to a commit feed, as medledger's API does.
type feedApp struct {
	*kvstore.Application
	feed    api.CommitFeed
	height  int64
	pending []api.CommitTx
}

func (a *feedApp) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	res, err := a.Application.FinalizeBlock(ctx, req)
	if err != nil {
		return nil, err
	}
	a.height = req.Height
	a.pending = a.pending[:0]
	if a.feed.Subscribed() {
		for i, t := range req.Txs {
			h := sha256Hex(t)
			a.pending = append(a.pending, api.CommitTx{Hash: h, Code: res.TxResults[i].Code, Codespace: res.TxResults[i].Codespace})
		}
	}
	return res, nil
}

func (a *feedApp) Commit(ctx context.Context, req *abci.RequestCommit) (*abci.ResponseCommit, error) {
	res, err := a.Application.Commit(ctx, req)
	if err != nil {
		return nil, err
	}
	a.feed.Publish(api.CommitEvent{Height: a.height, Txs: append([]api.CommitTx(nil), a.pending...)})
	return res, nil
}

// KVStoreSource makes kvstore transactions "bench-<run>-<i>=<hex>" of size
// bytes (at least 64), so that the baseline moves as many bytes per
// transaction as the transactions it is compared with.
func KVStoreSource(run string, size int) Source {
	return func(i int) ([]byte, error) {
		key := fmt.Sprintf("bench-%s-%d=", run, i)
		b := make([]byte, 0, max(size, 64))
		b = append(b, key...)
		for len(b) < cap(b) {
			b = append(b, "0123456789abcdef"[(len(b)*7+i)&0x0f])
		}
		return b, nil
	}
}

// LoopbackAddr returns a free 127.0.0.1 host:port.
func LoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

// RunBaseline runs the load of cfg (its window, workers and in-flight cap)
// against CometBFT's kvstore example app started in dir with blockTime,
// with presign kvstore transactions of sampleLen bytes named after run:
// the baseline beside which `medledger bench --baseline kvstore` reports a
// ratio.
func RunBaseline(ctx context.Context, dir string, cfg Config, blockTime time.Duration, run string, sampleLen, presign int) (Result, error) {
	kv, err := StartKVStore(dir, blockTime)
	if err != nil {
		return Result{}, fmt.Errorf("start kvstore baseline: %w", err)
	}
	cfg.Node, cfg.Target, cfg.Processes = kv.URL, "kvstore (in-process)", nil
	cfg.Source = KVStoreSource(run, sampleLen)
	if cfg.Pool, err = Presign(cfg.Source, presign); err != nil {
		kv.Stop()
		return Result{}, err
	}
	res, err := Run(ctx, cfg)
	if e := kv.Stop(); e != nil && err == nil {
		err = e
	}
	if err != nil {
		return res, fmt.Errorf("kvstore baseline: %w", err)
	}
	return res, nil
}
