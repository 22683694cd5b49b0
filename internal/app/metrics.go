package app

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the use-case counters exported at /metrics.
type Metrics struct {
	Transfers        *prometheus.CounterVec
	LedgerViolations prometheus.Gauge
	BatchSize        prometheus.Histogram
}

// NewMetrics registers the use-case metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Transfers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payport_ledger_transfers_total",
			Help: "Ledger transfers committed, by kind.",
		}, []string{"kind"}),
		LedgerViolations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payport_ledger_violations",
			Help: "Ledger invariant violations found by the last periodic check (0 is healthy).",
		}),
	}
	m.BatchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "payport_ledger_batch_size",
		Help:    "Postings committed per ledger transaction (group commit).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
	})
	reg.MustRegister(m.Transfers, m.LedgerViolations, m.BatchSize)
	return m
}

func (a *App) countTransfer(kind string) {
	if a.Metrics != nil {
		a.Metrics.Transfers.WithLabelValues(kind).Inc()
	}
}
