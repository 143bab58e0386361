package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// TestMCPSecretsInNoDatabaseByte connects the everything-server twice, as
// a stdio command with a --secret-env value and as a remote server with a
// --header value, calls a tool of each, and then looks for either secret,
// whole, hex, base64 or base64url, in every byte the database holds: on
// SQLite the database file and its WAL; on PostgreSQL every row of every
// table as text (bytea as hex) and every large object.
func TestMCPSecretsInNoDatabaseByte(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		g := startGateway(t)
		connectMCPCanaries(t, g)
		for _, f := range []string{g.DBPath, g.DBPath + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !(os.IsNotExist(err) && strings.HasSuffix(f, "-wal")) {
				t.Fatal(err)
			}
			if found := canaryForms(string(b)); len(found) > 0 {
				t.Errorf("%s holds %q", f, found)
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		d := pgtest.FreshOwnedDB(t)
		g := startGateway(t, "MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL)
		connectMCPCanaries(t, g)
		if where := dumpPostgres(t, d.SuperURL).find(mcpCanaryForms()...); len(where) > 0 {
			t.Errorf("a canary secret is in %v", where)
		}
		// The scan reads the large objects too.
		pgtest.Exec(t, context.Background(), d.SuperURL, "SELECT lo_from_bytea(0, convert_to('"+mcpHeaderCanary+"', 'UTF8'))")
		if where := dumpPostgres(t, d.SuperURL).find(mcpHeaderCanary); len(where) != 1 || where[0] != largeObjects {
			t.Errorf("a canary planted in a large object was found in %v, want %s", where, largeObjects)
		}
	})
}

// connectMCPCanaries adds the two MCP connections with their canaries and
// runs a tool of each, so that sessions, tool approvals and audit records
// are all written.
func connectMCPCanaries(t *testing.T, g *gw) {
	t.Helper()
	ctx := context.Background()
	bin := everythingServer(t)
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "every", mcpup.Config{Command: bin, SecretEnv: []string{"EVERY_TOKEN"}},
		mcpup.Secrets{Env: map[string]string{"EVERY_TOKEN": mcpEnvCanary}}); err != nil {
		t.Fatal(err)
	}
	remote := headerGate(t, serveHTTP(t, bin))
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "remote", mcpup.Config{URL: remote, Header: "X-Api-Key"},
		mcpup.Secrets{Header: mcpHeaderCanary}); err != nil {
		t.Fatal(err)
	}
	s := g.connectTo(t, g.URL, nil)
	for _, tool := range []string{"every_test_simple_text", "remote_test_simple_text"} {
		if res := call(t, s, tool, nil); res.IsError {
			t.Fatalf("%s: %s", tool, text(res))
		}
	}
}

// mcpCanaryForms are the forms of both MCP canaries.
func mcpCanaryForms() []string {
	return append(secretForms(mcpEnvCanary), secretForms(mcpHeaderCanary)...)
}

// canaryForms lists the forms of the MCP canaries that s holds.
func canaryForms(s string) []string {
	var found []string
	for _, f := range mcpCanaryForms() {
		if strings.Contains(s, f) {
			found = append(found, f)
		}
	}
	return found
}
