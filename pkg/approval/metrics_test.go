package approval

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
)

// scrape is what reg exposes, in the text format /metrics serves.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// Two Services on one store, as two replicas: each one's
// mcpgate_approvals_pending counts every pending approval in the
// database, including ones whose call stopped waiting, and stops
// counting one once it is decided or expires.
func TestPendingGaugeCountsTheDatabase(t *testing.T) {
	st, _ := sqlitetest.Open(t)
	for _, u := range []string{"u1", "u2"} {
		sqlitetest.AddUser(t, st, u)
		if err := st.User(u).CreateAPIKey(t.Context(), store.APIKey{ID: "k-" + u, UserID: u, Name: "k", Hash: "x-" + u, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	a := New(Options{Store: st, TTL: time.Minute, Metrics: NewMetrics(regA, st, nil)})
	b := New(Options{Store: st, TTL: time.Minute, Metrics: NewMetrics(regB, st, nil)})
	// Wait 0: each call is told to come back later, and waits no more.
	outA, err := a.Gate(t.Context(), Call{UserID: "u1", KeyID: "k-u1", Tool: "gmail_send", Args: map[string]any{"to": "a"}, Shown: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Gate(t.Context(), Call{UserID: "u2", KeyID: "k-u2", Tool: "gmail_send", Args: map[string]any{"to": "b"}, Shown: "{}"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Gate(t.Context(), Call{UserID: "u1", KeyID: "k-u1", Tool: "gmail_send", Args: map[string]any{"to": "c"}, Shown: "{}"}); err != nil {
		t.Fatal(err)
	}
	for name, reg := range map[string]*prometheus.Registry{"a": regA, "b": regB} {
		if m := scrape(t, reg); !strings.Contains(m, "\nmcpgate_approvals_pending 3\n") {
			t.Errorf("replica %s exposes:\n%s\nwant mcpgate_approvals_pending 3", name, m)
		}
	}
	if _, err := b.Decide(t.Context(), st.User("u1"), outA.Approval.ID, false, "alice", ""); err != nil {
		t.Fatal(err)
	}
	if m := scrape(t, regA); !strings.Contains(m, "\nmcpgate_approvals_pending 2\n") {
		t.Errorf("after a decision, replica a exposes:\n%s\nwant mcpgate_approvals_pending 2", m)
	}
	n, err := CountPending(t.Context(), st, time.Now().Add(2*time.Minute), time.Second)
	if err != nil || n != 0 {
		t.Errorf("pending once all expired: %d, %v; want 0", n, err)
	}
}
