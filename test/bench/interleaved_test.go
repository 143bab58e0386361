package bench

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// BenchmarkPostgresVsSQLite is GatewayVsDirect for SQLite (sync=full)
// and PostgreSQL side by side in one loop: each iteration makes a direct
// call and a plain-HTTP gateway call to each, in an order that turns, so
// that both databases meet the same disk and the same load at the same
// moments (a disk sync's cost drifts by several times over a run on a
// shared machine, which sub-benchmarks run one after the other do not
// see alike). It reports each database's added median and their ratio.
func BenchmarkPostgresVsSQLite(b *testing.B) {
	pgURL := pgtest.FreshDB(b)
	dir := b.TempDir()
	lite := setup(b, filepath.Join(dir, "sqlite"), "sqlite://"+filepath.Join(dir, "mcpgate.db")+"?sync=full")
	pg := setup(b, filepath.Join(dir, "postgres"), pgURL)
	hl, hp := newRawClient(), newRawClient()
	gateway := func(e *env, hc *http.Client) func() {
		return func() {
			if err := e.rawCall(hc, e.key); err != nil {
				b.Fatal(err)
			}
		}
	}
	calls := [3]func(){func() { lite.viaDirect(b) }, gateway(lite, hl), gateway(pg, hp)}
	took := turning(b, calls[:])
	addedLite := make([]time.Duration, b.N)
	addedPG := make([]time.Duration, b.N)
	for i := range b.N {
		addedLite[i] = took[1][i] - took[0][i]
		addedPG[i] = took[2][i] - took[0][i]
	}
	ml, mp := median(addedLite), median(addedPG)
	b.ReportMetric(float64(ml.Microseconds()), "sqlite-full-added-µs/median")
	b.ReportMetric(float64(mp.Microseconds()), "postgres-added-µs/median")
	b.ReportMetric(float64(mp)/float64(ml), "postgres/sqlite-full")
}
