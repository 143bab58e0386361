package appliance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

func TestPlanServeLogin(t *testing.T) {
	tests := []struct {
		name          string
		url, adminURL string
		role          string
		want          serveLogin
	}{
		{"SQLite has no logins", "sqlite:///d/mcpgate.db", "", "", serveLogin{}},
		{"one URL: it is the owner's, serve gets mcpgate_serve on the same database",
			"postgres://mcpgate:pw@db:5432/mcpgate?sslmode=verify-full", "", "",
			serveLogin{role: "mcpgate_serve", url: "postgres://mcpgate_serve@db:5432/mcpgate?sslmode=verify-full", derived: true}},
		{"one URL and a role named", "postgresql://mcpgate@db/mcpgate", "", "gw",
			serveLogin{role: "gw", url: "postgresql://gw@db/mcpgate", derived: true}},
		{"both URLs: serve's login is database.url's user",
			"postgres://gw:pw@db/mcpgate", "postgres://mcpgate@db/mcpgate", "",
			serveLogin{role: "gw", url: "postgres://gw:xxxxx@db/mcpgate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{Database: config.Database{URL: tt.url, AdminURL: tt.adminURL}}
			got, err := planServeLogin(cfg, InitOptions{ServeRole: tt.role})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestInitCreatesServeLogin runs init as a first install on PostgreSQL
// does, with the owner's URL alone: it creates serve's login, writes both
// URLs to the config file, and serve's login then serves but cannot act
// as an admin.
func TestInitCreatesServeLogin(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	ctx := t.Context()
	dir := t.TempDir()
	env := []string{"MCPGATE_DATA_DIR=" + dir, "MCPGATE_DATABASE_URL=" + d.OwnerURL}
	cfg, err := config.Load(config.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	res, err := InitWith(ctx, cfg, InitOptions{Owner: "owner", ServeRole: d.ServeRole, ServePassword: secret.FromString("s3cret-pw")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(res.Created, "\n"), "database login "+d.ServeRole) {
		t.Errorf("created %q, want serve's login among them", res.Created)
	}
	b, err := os.ReadFile(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"url: \"" + d.ServeURL() + "\"", "admin_url: \"" + d.OwnerURL + "\""} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config file lacks %s:\n%s", want, b)
		}
	}

	// As the config file now reads, without the environment's URL.
	cfg, err = config.Load(config.Options{Env: env[:1]})
	if err != nil {
		t.Fatal(err)
	}
	again, err := InitWith(ctx, cfg, InitOptions{Owner: "owner"})
	if err != nil || len(again.Created) != 0 || len(again.Notes) != 0 {
		t.Errorf("init again: created %q, notes %q, error %v; want nothing", again.Created, again.Notes, err)
	}
	serve, err := OpenServe(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	if _, err := serve.ResolveUser(ctx, ""); err != nil {
		t.Errorf("serve finds the owner: %v", err)
	}
	if _, err := serve.AddUser(ctx, "eve", false); err == nil {
		t.Error("serve's login added a user")
	}
	admin, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.AddUser(ctx, "eve", false); err != nil {
		t.Errorf("the admin URL adds a user: %v", err)
	}
	role, sql, err := ServeLoginSQL(ctx, cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "CREATE ROLE \"" + d.ServeRole + "\" LOGIN NOSUPERUSER"; len(sql) == 0 || !strings.HasPrefix(sql[0], want) {
		t.Errorf("--print-sql: got %q, want it to start with %s", sql, want)
	}
	if role != d.ServeRole {
		t.Errorf("--print-sql names role %s, want %s", role, d.ServeRole)
	}
}
