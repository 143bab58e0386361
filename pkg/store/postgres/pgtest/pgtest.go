// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server MCPGATE_TEST_POSTGRES_URL names, and skips them visibly without it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/test/parts"
)

// EnvURL names the admin URL of the test server.
const EnvURL = "MCPGATE_TEST_POSTGRES_URL"

// AdminURL returns the test server's admin URL, or skips the test.
func AdminURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		parts.Missing(t, parts.Postgres, "set "+EnvURL+" to an admin URL such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	}
	return admin
}

// FreshDB creates an empty database for the test, drops it when the test
// ends, and returns its URL.
func FreshDB(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "mcpgate_test_" + hex.EncodeToString(b)
	Exec(t, context.Background(), admin, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		Exec(t, ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec runs one statement on the database at dbURL.
func Exec(t testing.TB, ctx context.Context, dbURL, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
