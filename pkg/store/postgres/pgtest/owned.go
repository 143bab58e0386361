package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"
)

// OwnedDB is a database set up as an install's is: owned by a login role
// of its own with CREATEROLE (not a superuser), which runs the migrations
// and creates serve's login.
type OwnedDB struct {
	Name string
	// SuperURL logs in as the test server's superuser, which sees every
	// row; OwnerURL as the owner.
	SuperURL, OwnerURL string
	// Owner is the owner role; ServeRole the name for serve's login,
	// which the test creates (and FreshOwnedDB drops).
	Owner, ServeRole string
}

// ServeURL is the database's URL logging in as ServeRole.
func (d OwnedDB) ServeURL() string { return withUser(d.SuperURL, d.ServeRole) }

// FreshOwnedDB creates an empty database owned by a fresh role, and drops
// both (and the serve role, if made) when the test ends.
func FreshOwnedDB(t testing.TB) OwnedDB {
	t.Helper()
	admin := AdminURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	sfx := hex.EncodeToString(b)
	d := OwnedDB{Name: "mcpgate_test_" + sfx, Owner: "mcpgate_test_owner_" + sfx, ServeRole: "mcpgate_test_serve_" + sfx}
	Exec(t, context.Background(), admin, "CREATE ROLE "+d.Owner+" LOGIN CREATEROLE")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		Exec(t, ctx, admin, "DROP DATABASE IF EXISTS "+d.Name+" WITH (FORCE)")
		Exec(t, ctx, admin, "DROP ROLE IF EXISTS "+d.ServeRole)
		Exec(t, ctx, admin, "DROP ROLE IF EXISTS "+d.Owner)
	})
	Exec(t, context.Background(), admin, "CREATE DATABASE "+d.Name+" OWNER "+d.Owner)
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + d.Name
	d.SuperURL = u.String()
	d.OwnerURL = withUser(d.SuperURL, d.Owner)
	return d
}

// withUser is dbURL logging in as role, without a password (the test
// server trusts local connections).
func withUser(dbURL, role string) string {
	u, _ := url.Parse(dbURL)
	u.User = url.User(role)
	return u.String()
}
