package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/medledger/medledger/app"
)

// Mempool publishes how a's view of the mempool followed the blocks
// (app.RecheckStats): medledger_mempool_view_blocks_total{how="rebased"}
// counts blocks after which no waiting transaction had to run again,
// {how="rechecked"} those after which every one did, and
// medledger_mempool_view_dropped_total the transactions found gone from
// the mempool between two blocks.
func (m *Metrics) Mempool(a *app.App) {
	blocks := func(how string, f func(app.RecheckStats) int) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "mempool_view_blocks_total",
			Help:        "Blocks after which the mempool's view was rebased (no waiting transaction ran again) or rechecked (every one ran again).",
			ConstLabels: prometheus.Labels{"how": how}},
			func() float64 { return float64(f(a.RecheckStats())) }))
	}
	blocks("rebased", func(s app.RecheckStats) int { return s.Rebased })
	blocks("rechecked", func(s app.RecheckStats) int { return s.Fallbacks })
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "mempool_view_dropped_total",
		Help: "Transactions the mempool dropped between two blocks without a recheck, found gone from its view."},
		func() float64 { return float64(a.RecheckStats().Dropped) }))
}
