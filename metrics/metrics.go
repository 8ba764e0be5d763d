// Package metrics owns a node's Prometheus registry: CometBFT's own
// metrics (namespace cometbft_), medledger's (medledger_), and the Go
// runtime's and the process's (go_, process_), served together as one
// page in Prometheus's text format (GET /metrics).
//
// It observes; it MUST NOT decide anything, and nothing in a state
// transition reads it. The daemon wires it: the app's commit listener
// counts transactions, an ABCI wrapper times FinalizeBlock and Commit, an
// HTTP middleware times API requests, and a collector measures the
// home's storage when scraped. docs/operators.md lists the metrics that
// matter and the alert to set on each.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/blocksync"
	cs "github.com/cometbft/cometbft/consensus"
	mempl "github.com/cometbft/cometbft/mempool"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/medledger/medledger/app"
)

// Namespace prefixes medledger's own metrics.
const Namespace = "medledger"

// CometNamespace prefixes CometBFT's metrics (its default).
const CometNamespace = "cometbft"

// VerifyPackRoute is the API route whose latency is also
// medledger_verify_pack_seconds: the one a pharmacy's scanner waits on.
const VerifyPackRoute = "GET /v1/verify/pack"

// Metrics is one node's registry and medledger's metrics in it.
type Metrics struct {
	reg *prometheus.Registry

	txs         *prometheus.CounterVec
	finalize    prometheus.Histogram
	commit      prometheus.Histogram
	blockTxs    prometheus.Histogram
	api         *prometheus.HistogramVec
	verifyPack  prometheus.Histogram
	disclosures *prometheus.CounterVec
	height      prometheus.Gauge
	committed   atomic.Int64 // transactions committed since start
}

// New returns a registry with medledger's metrics and the Go runtime's and
// the process's collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(name, help string, buckets []float64) prometheus.Histogram {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets})
		reg.MustRegister(h)
		return h
	}
	m := &Metrics{reg: reg}
	m.txs = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "txs_total",
		Help: "Transactions committed in blocks, by type and result (code 0 is success; codespace and code name the refusal as docs/transactions.md does)."},
		[]string{"type", "codespace", "code"})
	m.disclosures = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "disclosures_total",
		Help: "Disclosures of records recorded on chain, by outcome: disclosed (a read was served) or refused."},
		[]string{"outcome"})
	m.api = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "api_request_seconds",
		Help: "Time to answer an API request, by route pattern and status class.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)},
		[]string{"route", "status"})
	m.height = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "app_height", Help: "The last height the application committed."})
	reg.MustRegister(m.txs, m.disclosures, m.api, m.height,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.finalize = f("finalize_block_seconds", "Time the application takes to execute a decided block (FinalizeBlock).", prometheus.ExponentialBuckets(0.001, 2.5, 10))
	m.commit = f("commit_seconds", "Time the application takes to persist a block's state (ABCI Commit): the part of block time that grows with the state.", prometheus.ExponentialBuckets(0.0005, 2.5, 10))
	m.blockTxs = f("block_txs", "Transactions per committed block.", prometheus.ExponentialBuckets(1, 4, 8))
	m.verifyPack = f("verify_pack_seconds", "Time to answer a pack verification ("+VerifyPackRoute+").", prometheus.ExponentialBuckets(0.0005, 2.5, 10))
	return m
}

// Registry is where the node's metrics are; a part of the node adds its
// own collectors to it (Storage).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Committed counts a committed block's transactions by type and result,
// and the disclosure events in their results. It is an app.OnCommit
// listener.
func (m *Metrics) Committed(height int64, txs []app.Committed) {
	m.height.Set(float64(height))
	m.blockTxs.Observe(float64(len(txs)))
	m.committed.Add(int64(len(txs)))
	for _, c := range txs {
		typ, r := c.Type, c.Result
		if typ == "" {
			typ = "undecodable"
		}
		m.txs.WithLabelValues(typ, r.Codespace, strconv.FormatUint(uint64(r.Code), 10)).Inc()
		for _, e := range r.Events {
			switch e.Type {
			case DisclosedEvent:
				m.disclosures.WithLabelValues("disclosed").Inc()
			case RefusedEvent:
				m.disclosures.WithLabelValues("refused").Inc()
			}
		}
	}
}

// Event types counted as disclosures (the records module's, named here
// because this package imports no module).
const (
	DisclosedEvent = "records.disclosed"
	RefusedEvent   = "records.refused"
)

// cometMu serializes the building of CometBFT's metrics (CometProvider).
var cometMu sync.Mutex

// CometProvider builds CometBFT's metrics into this registry, under
// CometNamespace and labelled with the chain id.
//
// NOTE: CometBFT's metrics register themselves with client_golang's
// global DefaultRegisterer (through go-kit). Pointing it at this node's
// registry while they are built, under a lock, keeps them out of the
// global one: a process may run several nodes (tests), or start one
// again, without a duplicate registration's panic.
func (m *Metrics) CometProvider() cmtnode.MetricsProvider {
	return func(chainID string) (*cs.Metrics, *p2p.Metrics, *mempl.Metrics, *sm.Metrics, *proxy.Metrics, *blocksync.Metrics, *statesync.Metrics) {
		cometMu.Lock()
		defer cometMu.Unlock()
		old := prometheus.DefaultRegisterer
		prometheus.DefaultRegisterer = m.reg
		defer func() { prometheus.DefaultRegisterer = old }()
		ns, l := CometNamespace, []string{"chain_id", chainID}
		return cs.PrometheusMetrics(ns, l...), p2p.PrometheusMetrics(ns, l...), mempl.PrometheusMetrics(ns, l...),
			sm.PrometheusMetrics(ns, l...), proxy.PrometheusMetrics(ns, l...), blocksync.PrometheusMetrics(ns, l...), statesync.PrometheusMetrics(ns, l...)
	}
}

// Middleware times each request of next by the route pattern that served
// it (Go's ServeMux records it in the request), and pack verifications
// also as medledger_verify_pack_seconds.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		d := time.Since(start).Seconds()
		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		m.api.WithLabelValues(route, strconv.Itoa(sw.status/100)+"xx").Observe(d)
		if route == VerifyPackRoute {
			m.verifyPack.Observe(d)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush passes a flush on (the commit stream needs it).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// App wraps an ABCI application to time FinalizeBlock and Commit.
type App struct {
	abci.Application
	M *Metrics
}

// FinalizeBlock times the application's.
func (a App) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	start := time.Now()
	res, err := a.Application.FinalizeBlock(ctx, req)
	a.M.finalize.Observe(time.Since(start).Seconds())
	return res, err
}

// Commit times the application's.
func (a App) Commit(ctx context.Context, req *abci.RequestCommit) (*abci.ResponseCommit, error) {
	start := time.Now()
	res, err := a.Application.Commit(ctx, req)
	a.M.commit.Observe(time.Since(start).Seconds())
	return res, err
}
