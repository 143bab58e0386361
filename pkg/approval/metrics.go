package approval

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Metrics are the approvals' Prometheus series.
type Metrics struct {
	// WebhookFailures counts notification attempts that failed, retried
	// or not.
	WebhookFailures prometheus.Counter
}

// NewMetrics registers the series with reg (nil: a private registry),
// and, when st is not nil, mcpgate_approvals_pending: the approvals of
// every user in st waiting for a decision, counted at each scrape.
func NewMetrics(reg prometheus.Registerer, st store.Store, log *slog.Logger) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		WebhookFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcpgate_approval_webhook_failures_total",
			Help: "Approval notification attempts that failed (each retry counts).",
		}),
	}
	reg.MustRegister(m.WebhookFailures)
	if st != nil {
		reg.MustRegister(&pendingCollector{st: st, log: log, timeout: countTimeout, now: time.Now})
	}
	return m
}

// countTimeout bounds the count a scrape makes.
const countTimeout = 2 * time.Second

var pendingDesc = prometheus.NewDesc("mcpgate_approvals_pending",
	"Approvals in the database waiting for a decision (not decided, not expired), all users.", nil, nil)

// pendingCollector counts pending approvals in the store when scraped,
// so every replica reports the same number; if the database does not
// answer in time, the series is left out of that scrape.
type pendingCollector struct {
	st      store.Store
	log     *slog.Logger
	timeout time.Duration
	now     func() time.Time
}

func (c *pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- pendingDesc }

func (c *pendingCollector) Collect(ch chan<- prometheus.Metric) {
	n, err := CountPending(context.Background(), c.st, c.now(), c.timeout)
	if err != nil {
		c.log.Warn("count pending approvals", "err", err.Error())
		return
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n))
}

// CountPending counts every user's approvals pending at now, within
// timeout.
func CountPending(ctx context.Context, st store.Store, now time.Time, timeout time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	users, err := st.Privileged().ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, u := range users {
		n, err := st.User(u.ID).CountPendingApprovals(ctx, now)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
