package postgres

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// TestSCRAMVerifierMatchesTheServers proves the verifier computed here is
// the one PostgreSQL computes itself from the same password, salt and
// iteration count, so the login works with the password.
func TestSCRAMVerifierMatchesTheServers(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, d.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	const password = "correct horse battery staple!"
	if _, err := conn.Exec(ctx, "SET password_encryption = 'scram-sha-256'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "ALTER ROLE "+d.Owner+" PASSWORD '"+password+"'"); err != nil {
		t.Fatal(err)
	}
	var server string
	if err := conn.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", d.Owner).Scan(&server); err != nil {
		t.Fatal(err)
	}
	// SCRAM-SHA-256$<iterations>:<salt>$<stored key>:<server key>
	head, _, _ := strings.Cut(strings.TrimPrefix(server, "SCRAM-SHA-256$"), "$")
	iter, salt64, _ := strings.Cut(head, ":")
	n, err := strconv.Atoi(iter)
	if err != nil {
		t.Fatalf("server verifier %q: %v", server, err)
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil {
		t.Fatal(err)
	}
	got, err := scramVerifierWith([]byte(password), salt, n)
	if err != nil {
		t.Fatal(err)
	}
	if got != server {
		t.Errorf("verifier\n got %s\nwant %s", got, server)
	}
	if _, err := scramVerifier([]byte("pässword")); err == nil {
		t.Error("a non-ASCII password was accepted")
	}
}
