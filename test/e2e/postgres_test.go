package e2e

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// TestPostgresReplicasShareKeysAndLimits runs two gateways on one
// PostgreSQL database, as two replicas behind a load balancer: a key made
// on one works on the other, a revocation applies on both at once, and a
// rate limit counts calls on both. The database holds no canary token in
// the clear. The second replica runs as `mcpgate serve` does, on serve's
// own login, which init creates; the admin commands' operations are
// refused to it.
func TestPostgresReplicasShareKeysAndLimits(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	a := startGateway(t, "MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL)
	ctx := context.Background()
	dbURL := d.SuperURL
	// The second replica: same database, same KEK file, its own process state.
	b := &gw{GH: a.GH, Config: a.Config, Logs: &syncBuffer{}, Wire: &syncBuffer{}, Key: a.Key, KeyName: a.KeyName, Owner: a.Owner}
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + a.Config.DataDir,
		"MCPGATE_CONNECTORS_GITHUB_API_URL=" + a.GH.URL}}) // database.url from the data dir's config file
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URL != d.ServeURL() {
		t.Fatalf("init wrote database.url %s, want serve's login %s", cfg.Database.URL, d.ServeURL())
	}
	if b.App, err = appliance.OpenServe(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.App.Close() })
	b.serve(t)
	if _, err := b.App.AddUser(ctx, "eve", false); err == nil || !strings.Contains(err.Error(), "database.admin_url") {
		t.Errorf("adding a user on serve's login: got %v, want a refusal naming database.admin_url", err)
	}

	if err := a.App.ApplyPolicyFlags(ctx, a.Owner, a.KeyName, guard.Flags{Rates: []string{"github_get_repo=4/h"}}); err != nil {
		t.Fatal(err)
	}
	sa, sb := a.session(t), b.session(t)
	allowed := 0
	for i := range 6 {
		s := sa
		if i%2 == 1 {
			s = sb
		}
		if r := call(t, s, "github_get_repo", helloRepo); !r.IsError {
			allowed++
		} else if !strings.Contains(text(r), "rate limit 4/h") {
			t.Fatalf("call %d: %s", i, text(r))
		}
	}
	if allowed != 4 {
		t.Fatalf("%d calls allowed across two replicas, want 4", allowed)
	}
	if err := a.App.RevokeKey(ctx, a.Owner, a.KeyName); err != nil {
		t.Fatal(err)
	}
	if _, err := b.connect(t, b.Key); err == nil {
		t.Fatal("a key revoked through one replica still works on the other")
	}

	// Scan every column of every row as text: no canary in the clear.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"connections", "audit_records", "deks", "api_keys"} {
		var found bool
		q := "SELECT EXISTS (SELECT 1 FROM " + table + " t WHERE position($1 in t::text) > 0 OR position($2 in t::text) > 0)"
		if err := conn.QueryRow(ctx, q, canary, hex.EncodeToString([]byte(canary))).Scan(&found); err != nil {
			t.Fatal(err)
		}
		if found {
			t.Errorf("table %s holds the canary token in the clear", table)
		}
	}
}
