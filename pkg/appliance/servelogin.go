package appliance

import (
	"context"
	"fmt"
	"net/url"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres"
)

// serveLogins is what a store offers for serve's own database login
// (PostgreSQL): see pkg/store/postgres/login.go.
type serveLogins interface {
	EnsureServeLogin(ctx context.Context, role string, password []byte) (created bool, err error)
	ServeLoginSQL(ctx context.Context, role string) ([]string, error)
}

// serveLogin is the login init makes for serve.
type serveLogin struct {
	role string // "" for a database without logins (SQLite)
	url  string // database.url for serve, without a password
	// derived: database.url is the owner's, and url was made from it by
	// naming role instead; else database.url is serve's already.
	derived bool
}

// planServeLogin works out serve's login from the config: on PostgreSQL,
// with database.admin_url set, it is database.url's user; without it,
// database.url is the owner's and serve's login is opts.ServeRole on the
// same server and database.
func planServeLogin(cfg *config.Config, opts InitOptions) (serveLogin, error) {
	u, err := url.Parse(cfg.Database.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return serveLogin{}, nil
	}
	if cfg.Database.AdminURL != "" && cfg.Database.AdminURL != cfg.Database.URL {
		if u.User == nil || u.User.Username() == "" {
			return serveLogin{}, fmt.Errorf("database.url names no user: name serve's login in it (postgres://%s@host/db)", postgres.DefaultServeRole)
		}
		return serveLogin{role: u.User.Username(), url: u.Redacted()}, nil
	}
	role := opts.ServeRole
	if role == "" {
		role = postgres.DefaultServeRole
	}
	u.User = url.User(role)
	return serveLogin{role: role, url: u.String(), derived: true}, nil
}

// ensureServeLogin creates serve's login through the owner's store, and
// says in res what the person must still do.
// wroteConfig says whether this run wrote the config file (naming serve's
// login in database.url).
func ensureServeLogin(ctx context.Context, st store.Store, cfg *config.Config, login serveLogin, password secret.Value, wroteConfig bool, res *InitResult) error {
	if login.role == "" {
		return nil
	}
	sl, ok := st.(serveLogins)
	if !ok {
		return nil
	}
	if u, err := url.Parse(cfg.Database.Admin()); err == nil && u.User != nil && u.User.Username() == login.role {
		res.Notes = append(res.Notes, "database.url and database.admin_url log in as the same role: serve should have a login of its own (see `mcpgate init --print-sql`)")
		return nil
	}
	created, err := sl.EnsureServeLogin(ctx, login.role, []byte(password.Reveal()))
	if err != nil {
		return fmt.Errorf("%w: a role with CREATEROLE can create it, or a DBA can run what `mcpgate init --print-sql` prints", err)
	}
	if created {
		res.Created = append(res.Created, "database login "+login.role+" for serve")
	}
	if login.derived && !wroteConfig {
		res.Notes = append(res.Notes, fmt.Sprintf("serve logs in as the tables' owner until you set database.admin_url to the current database.url and database.url to %s", login.url))
	}
	return nil
}

// ServeLoginSQL returns the SQL that creates serve's login, and its name,
// for a DBA who creates roles by hand; no SQL on a database without
// logins (SQLite).
func ServeLoginSQL(ctx context.Context, cfg *config.Config, role string) (string, []string, error) {
	login, err := planServeLogin(cfg, InitOptions{ServeRole: role})
	if err != nil || login.role == "" {
		return "", nil, err
	}
	st, err := store.Open(ctx, cfg.Database.Admin())
	if err != nil {
		return "", nil, fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	sl, ok := st.(serveLogins)
	if !ok {
		return "", nil, nil
	}
	stmts, err := sl.ServeLoginSQL(ctx, login.role)
	return login.role, stmts, err
}
