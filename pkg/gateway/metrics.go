package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus series.
type Metrics struct {
	Requests     *prometheus.CounterVec
	ToolCalls    *prometheus.CounterVec
	ToolLatency  *prometheus.HistogramVec
	AuthFailures *prometheus.CounterVec
	// ConnectionReads counts tool calls that read their connection again
	// because the request's own read was not at hand.
	ConnectionReads prometheus.Counter
	// ApprovalsWaiting counts the calls of this process waiting inline
	// for a person's approval (the approvals pending in the database are
	// the approval package's series); ApprovalDecisions the decisions
	// calls met (approved, denied, expired).
	ApprovalsWaiting  prometheus.Gauge
	ApprovalDecisions *prometheus.CounterVec
}

// NewMetrics registers the series with reg (nil: a private registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgate_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		ToolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgate_tool_calls_total", Help: "Tool calls by provider tool and outcome.",
		}, []string{"tool", "outcome"}),
		ToolLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mcpgate_tool_call_duration_seconds", Help: "Tool call latency, audit included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"tool"}),
		AuthFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgate_auth_failures_total", Help: "Refused app-key authentications by reason.",
		}, []string{"reason"}),
		ConnectionReads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcpgate_connection_rereads_total", Help: "Tool calls that read their connection a second time.",
		}),
		ApprovalsWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgate_approvals_waiting", Help: "Tool calls of this process waiting inline for a person's approval.",
		}),
		ApprovalDecisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgate_approval_decisions_total", Help: "Approvals met by tool calls, by decision (approved, denied, expired).",
		}, []string{"decision"}),
	}
	reg.MustRegister(m.Requests, m.ToolCalls, m.ToolLatency, m.AuthFailures, m.ConnectionReads, m.ApprovalsWaiting, m.ApprovalDecisions)
	return m
}
