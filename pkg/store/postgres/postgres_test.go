package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres"
	"github.com/mcpgate/mcpgate/pkg/store/storetest"
)

const envURL = "MCPGATE_TEST_POSTGRES_URL"

// adminURL is the server the tests create their databases on; without one
// the test is skipped.
func adminURL(t *testing.T) string {
	t.Helper()
	admin := os.Getenv(envURL)
	if admin == "" {
		t.Skipf("%s is not set: set it to an admin URL such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run the PostgreSQL tests", envURL)
	}
	return admin
}

// freshDB creates an empty database for the test, drops it when the test
// ends, and returns its URL.
func freshDB(t *testing.T) string {
	t.Helper()
	admin := adminURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "mcpgate_test_" + hex.EncodeToString(b)
	adminExec(t, t.Context(), admin, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adminExec(t, ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", envURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func adminExec(t *testing.T, ctx context.Context, admin, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", envURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func open(t *testing.T, dbURL string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	adminURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, freshDB(t)) })
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
