package auditfwd

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the forwarder's Prometheus series.
type Metrics struct {
	Backlog   *prometheus.GaugeVec
	Forwarded *prometheus.CounterVec
	Failures  *prometheus.CounterVec
	Lag       *prometheus.HistogramVec
	Leader    prometheus.Gauge
}

// NewMetrics registers the series with reg (nil: a private registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		Backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mcpgate_audit_forward_backlog", Help: "Audit records not yet forwarded, by sink.",
		}, []string{"sink"}),
		Forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgate_audit_forwarded_total", Help: "Audit records delivered, by sink.",
		}, []string{"sink"}),
		Failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgate_audit_forward_failures_total", Help: "Failed deliveries (retried with backoff), by sink.",
		}, []string{"sink"}),
		Lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mcpgate_audit_forward_lag_seconds", Help: "Time from a record's call to its delivery, by sink.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"sink"}),
		Leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgate_audit_forward_leader", Help: "1 if this process holds the forwarding lease.",
		}),
	}
	reg.MustRegister(m.Backlog, m.Forwarded, m.Failures, m.Lag, m.Leader)
	return m
}
