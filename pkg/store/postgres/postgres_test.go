package postgres_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
	"github.com/mcpgate/mcpgate/pkg/store/storetest"
)

func adminURL(t *testing.T) string { return pgtest.AdminURL(t) }

func freshDB(t *testing.T) string { return pgtest.FreshDB(t) }

func adminExec(t *testing.T, ctx context.Context, admin, sql string) { pgtest.Exec(t, ctx, admin, sql) }

func open(t *testing.T, dbURL string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestConformance runs the suite as an install runs: the tables owned by a
// role that is not a superuser, the admin commands on its login, and
// everything serve does on serve's own (see split).
func TestConformance(t *testing.T) {
	adminURL(t)
	storetest.Run(t, openSplit)
}

func TestBothSchemesOpen(t *testing.T) {
	dbURL := freshDB(t)
	for _, scheme := range []string{"postgres", "postgresql"} {
		u, _ := url.Parse(dbURL)
		u.Scheme = scheme
		if err := open(t, u.String()).Ping(t.Context()); err != nil {
			t.Errorf("%s: %v", scheme, err)
		}
	}
}
